/**
 * Branch prediction in steady state: global history for conditional branches,
 * path history for indirect ones, a return stack that does not learn, and the
 * `bimodal` option (no history) that shows what history buys.
 */
import assert from "node:assert/strict";
import { BUILTIN_CPUS, builtinCpu } from "../../src/timing/catalog.ts";
import { MAX_TRAINING_PASSES, simulate } from "../../src/timing/simulate.ts";
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
  Deno.test(`${cpu}: a ret to another address than its call pushed is a return mispredict, trained or not`, async () => {
    const model = builtinCpu(cpu);
    const p = await runProgram(callAndReturn(true));
    for (const mode of ["steady", "first-call"] as const) {
      const r = simulate(model, p.trace, p.code, p.phases, { mode });
      // The stack holds what the call pushed: training does not teach it the other address.
      assert.equal(r.mispredicts.return, 1, mode);
      assert.equal(r.mispredicts.conditional + r.mispredicts.indirect, 0, mode);
      // The first instruction on the right path waits for the branch to resolve plus the penalty.
      const charged = r.byPc.get(p.address("elsewhere"))!;
      assert.ok(
        charged >= model.file.branch.mispredictPenalty,
        `${mode}: elsewhere charged ${charged} cycles, penalty ${model.file.branch.mispredictPenalty}`,
      );
      assert.ok(r.causesByPc.get(p.address("elsewhere"))!.mispredict!.return! > 0, mode);
    }
  });

  Deno.test(`${cpu}: a ret to where its call came from is predicted`, async () => {
    const model = builtinCpu(cpu);
    const p = await runProgram(callAndReturn(false));
    const r = simulate(model, p.trace, p.code, p.phases);
    assert.deepEqual(r.mispredicts, { conditional: 0, indirect: 0, return: 0 });
    assert.ok(r.byPc.get(p.address("after_call"))! < model.file.branch.mispredictPenalty);
  });
}

const ITERATIONS = 40;

/** A loop whose `tbz` alternates taken / not taken, then falls out. */
const alternating = `
	.section .text, "ax", %progbits
	.globl start
start:
	mov x0, #0
	mov x1, #${ITERATIONS}
1:	tbz x0, #0, 2f
	nop
2:	add x0, x0, #1
	subs x1, x1, #1
	b.ne 1b
	.globl stop
stop:
	nop
`;

for (const cpu of BUILTIN_CPUS) {
  Deno.test(`${cpu}: an alternating branch mispredicts every iteration bimodal, about never with history`, async () => {
    const model = builtinCpu(cpu);
    const p = await runProgram(alternating);
    const bimodal = simulate(model, p.trace, p.code, p.phases, { bimodal: true });
    const history = simulate(model, p.trace, p.code, p.phases);
    // Per-pc counters flip-flop between weakly taken and weakly not taken: each outcome
    // is the other one's prediction. The loop's exit adds one.
    assert.ok(
      bimodal.mispredicts.conditional >= ITERATIONS,
      `${cpu} bimodal: ${bimodal.mispredicts.conditional} conditional mispredicts`,
    );
    // With history the pattern is learned; the loop's exit (its history is the same as a
    // taken iteration's) may still mispredict once.
    assert.ok(
      history.mispredicts.conditional <= 1,
      `${cpu} history: ${history.mispredicts.conditional} conditional mispredicts`,
    );
    assert.ok(history.passes >= 2 && history.passes <= MAX_TRAINING_PASSES, `${history.passes}`);
    assert.ok(
      bimodal.cycles - history.cycles >=
        (ITERATIONS - 2) * model.file.branch.mispredictPenalty,
      `${cpu}: bimodal ${bimodal.cycles}, history ${history.cycles} cycles`,
    );
    // The cycles lost are charged to conditional mispredicts.
    const lost = [...bimodal.causesByPc.values()].reduce(
      (n, c) => n + (c.mispredict?.conditional ?? 0),
      0,
    );
    assert.ok(lost >= ITERATIONS * model.file.branch.mispredictPenalty, `${cpu}: ${lost}`);
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

Deno.test("indirect targets: a last target per pc without history, learned from the path with it", async () => {
  const model = builtinCpu("neoverse-n1");
  const same = await runProgram(indirectCalls(false));
  const alternating = await runProgram(indirectCalls(true));
  const time = (p: typeof same, bimodal: boolean) =>
    simulate(model, p.trace, p.code, p.phases, { bimodal });
  assert.equal(time(same, true).mispredicts.indirect, 0);
  assert.equal(time(same, false).mispredicts.indirect, 0);
  // Without history the target of the last call is always the wrong one.
  const lastTarget = time(alternating, true);
  assert.equal(lastTarget.mispredicts.indirect, 6);
  assert.equal(lastTarget.mispredicts.return, 0);
  // The path to the blr (the previous call's return) tells the two targets apart.
  const path = time(alternating, false);
  assert.equal(path.mispredicts.indirect, 0);
  assert.ok(lastTarget.cycles > path.cycles + 5 * model.file.branch.mispredictPenalty);
});

Deno.test("first-call: untrained predictors mispredict what steady state predicts", async () => {
  const model = builtinCpu("neoverse-n1");
  const p = await runProgram(alternating);
  const first = simulate(model, p.trace, p.code, p.phases, { mode: "first-call" });
  const steady = simulate(model, p.trace, p.code, p.phases);
  assert.equal(first.passes, 0);
  assert.ok(first.mispredicts.conditional > steady.mispredicts.conditional);
  assert.ok(first.cycles > steady.cycles);
});
