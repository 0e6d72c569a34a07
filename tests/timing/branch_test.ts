import assert from "node:assert/strict";
import { BUILTIN_CPUS, builtinCpu } from "../../src/timing/catalog.ts";
import { simulate } from "../../src/timing/simulate.ts";
import { runProgram } from "./program.ts";

/** f returns through x30; `retarget` makes it return somewhere else than the call site. */
function callAndReturn(retarget: boolean): string {
  return `
	.section .text, "ax", %progbits
	.globl start
start:
	bl f
	.globl after_call
after_call:
	nop
	b stop
f:
	${retarget ? "adr x30, elsewhere" : "nop"}
	ret
	.globl elsewhere
elsewhere:
	nop
	.globl stop
stop:
	nop
`;
}

for (const cpu of BUILTIN_CPUS) {
  Deno.test(`${cpu}: a ret to another address than its call pushed is a return mispredict`, async () => {
    const model = builtinCpu(cpu);
    const p = await runProgram(callAndReturn(true));
    const r = simulate(model, p.trace, p.code, p.phases);
    assert.equal(r.mispredicts.returns, 1);
    // The first instruction on the right path waits for the branch to resolve plus the penalty.
    const charged = r.byPc.get(p.address("elsewhere"))!;
    assert.ok(
      charged >= model.file.branch.mispredictPenalty,
      `elsewhere charged ${charged} cycles, penalty ${model.file.branch.mispredictPenalty}`,
    );
  });

  Deno.test(`${cpu}: a ret to where its call came from is predicted`, async () => {
    const model = builtinCpu(cpu);
    const p = await runProgram(callAndReturn(false));
    const r = simulate(model, p.trace, p.code, p.phases);
    assert.deepEqual(r.mispredicts, { conditional: 0, indirect: 0, returns: 0 });
    assert.ok(r.byPc.get(p.address("after_call"))! < model.file.branch.mispredictPenalty);
  });
}

/** A `blr` site called 6 times, with one target or alternating between two. */
function indirectCalls(alternate: boolean): string {
  return `
	.section .text, "ax", %progbits
	.globl start
start:
	adr x19, fa
	adr x20, ${alternate ? "fb" : "fa"}
	mov x21, #6
1:	blr x19
	mov x22, x19
	mov x19, x20
	mov x20, x22
	subs x21, x21, #1
	b.ne 1b
	b stop
fa:	ret
fb:	ret
	.globl stop
stop:
	nop
`;
}

Deno.test("the indirect predictor keeps the last target per pc", async () => {
  const model = builtinCpu("neoverse-n1");
  const same = await runProgram(indirectCalls(false));
  const alternating = await runProgram(indirectCalls(true));
  const a = simulate(model, same.trace, same.code, same.phases);
  const b = simulate(model, alternating.trace, alternating.code, alternating.phases);
  assert.equal(a.mispredicts.indirect, 0);
  assert.equal(b.mispredicts.indirect, 6);
  assert.equal(b.mispredicts.returns, 0);
  assert.ok(b.cycles > a.cycles + 5 * model.file.branch.mispredictPenalty);
});
