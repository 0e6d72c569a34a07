import assert from "node:assert/strict";
import { builtinCpu } from "../../src/timing/catalog.ts";
import { simulate } from "../../src/timing/simulate.ts";
import { runProgram } from "./program.ts";

const program = (store: string) => `
	.section .text, "ax", %progbits
	.globl start
start:
	adrp x1, buf
	add x1, x1, :lo12:buf
	mov x0, #7
	${store}
	ldr x2, [x1]
	.globl far_load
far_load:
	ldr x3, [x1, #256]
	add x4, x3, #1
	.globl stop
stop:
	nop
	.section .data, "aw", %progbits
	.balign 256
buf:
	.zero 512
`;

Deno.test("a load of a buffered store's bytes is forwarded; a partial overlap is not", async () => {
  const model = builtinCpu("neoverse-n1");
  const mem = model.file.memory;
  const full = await runProgram(program("str x0, [x1]"));
  const partial = await runProgram(program("str w0, [x1, #4]"));
  const none = await runProgram(program("str x0, [x1, #128]"));
  const f = simulate(model, full.trace, full.code, full.phases);
  const p = simulate(model, partial.trace, partial.code, partial.phases);
  const n = simulate(model, none.trace, none.code, none.phases);
  assert.equal(f.storeForwards, 1);
  assert.equal(p.storeForwards, 1);
  assert.equal(n.storeForwards, 0);
  for (const r of [f, p, n]) assert.equal(r.unmatchedAccesses, 0);
  // A failed forward waits longer than a forward.
  assert.ok(mem.storeForwardFailLatency > mem.storeForwardLatency);
  assert.ok(p.cycles > f.cycles, `partial ${p.cycles} vs full ${f.cycles}`);
});

Deno.test("cold L1: the first touch of a line costs a miss, a stored-to line does not", async () => {
  const model = builtinCpu("neoverse-n1");
  const run = await runProgram(program("str x0, [x1]"));
  const warm = simulate(model, run.trace, run.code, run.phases);
  const cold = simulate(model, run.trace, run.code, run.phases, { cold: true });
  assert.equal(warm.coldMisses, 0);
  // ldr x2 is forwarded from the store; ldr x3 touches a new line.
  assert.equal(cold.coldMisses, 1);
  assert.equal(cold.cycles - warm.cycles, model.file.memory.coldMissPenalty);
  const farLoad = run.address("far_load");
  assert.ok(
    cold.byPc.get(farLoad)! + cold.byPc.get(farLoad + 4)! >= model.file.memory.coldMissPenalty,
  );
});
