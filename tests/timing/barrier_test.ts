/**
 * Barriers drain: an isb refills the pipeline after every older instruction
 * completes, a dsb holds back everything after it, a dmb only later memory
 * accesses. llvm-mca models none of this (it times a barrier as one cycle),
 * so these are checked against the model's own rules, on every CPU.
 */
import assert from "node:assert/strict";
import { BUILTIN_CPUS, builtinCpu } from "../../src/timing/catalog.ts";
import { simulate } from "../../src/timing/simulate.ts";
import { runProgram } from "./program.ts";

/** A slow load, `barrier`, then an independent add and (with `tail`) an independent load. */
const program = (barrier: string, tail = "ldr x4, [x1, #64]") => `
	.section .text, "ax", %progbits
	.globl start
start:
	adrp x1, buf
	add x1, x1, :lo12:buf
	ldr x0, [x1]
	ldr x0, [x1, x0]
	${barrier}
	.globl after
after:
	add x2, x3, #1
	${tail}
	.globl stop
stop:
	nop
	.section .data, "aw", %progbits
	.balign 64
buf:
	.zero 128
`;

async function cycles(cpu: string, barrier: string, tail?: string): Promise<number> {
  const run = await runProgram(program(barrier, tail));
  return simulate(builtinCpu(cpu), run.trace, run.code, run.phases).cycles;
}

for (const cpu of BUILTIN_CPUS) {
  Deno.test(`${cpu}: isb costs a pipeline refill after older work; dsb and dmb wait`, async () => {
    const model = builtinCpu(cpu).file;
    const nop = await cycles(cpu, "nop");
    const isb = await cycles(cpu, "isb");
    const dsb = await cycles(cpu, "dsb ish");
    const dmb = await cycles(cpu, "dmb ish");
    // The isb waits for the dependent loads, then the add is fetched a refill later.
    assert.ok(isb >= nop + model.branch.mispredictPenalty, `${cpu}: isb ${isb}, nop ${nop}`);
    // A dsb makes the add and the last load wait for the two loads; no refill.
    assert.ok(dsb > nop, `${cpu}: dsb ${dsb}, nop ${nop}`);
    assert.ok(dsb < isb, `${cpu}: dsb ${dsb}, isb ${isb}`);
    // A dmb holds back only the last load. An in-order core never lets that
    // load pass the older ones anyway, so there the dmb changes nothing.
    if (model.core.kind === "out-of-order") assert.ok(dmb > nop, `${cpu}: dmb ${dmb}, nop ${nop}`);
    else assert.equal(dmb, nop, cpu);
    assert.ok(dmb <= dsb, `${cpu}: dmb ${dmb}, dsb ${dsb}`);
  });
}

Deno.test("a dmb does not hold back instructions that do not access memory", async () => {
  // Without the last load, the run ends when the loads retire: the add overlaps them after a dmb.
  const time = (barrier: string) => cycles("neoverse-n1", barrier, "");
  assert.equal(await time("dmb ish"), await time("nop"));
  assert.ok((await time("dsb ish")) > (await time("dmb ish")));
});
