/**
 * Block plans are kept from one case to the next when the code is at the
 * same places (a sweep), and each is checked against the words it was made
 * from: a changed word is planned again, never timed with the old plan. A
 * timing names its phases in the order its own run reaches them, whatever
 * order the cases before it numbered them in.
 */
import assert from "node:assert/strict";
import { selectCpus } from "../../src/timing/catalog.ts";
import type { CodeSource, PhaseSource } from "../../src/timing/plan.ts";
import { simulate, type TimingResult } from "../../src/timing/simulate.ts";
import { runProgram } from "./program.ts";

/** A chain of dependent instructions whose second is `middle`. */
const program = (middle: string) => `
  .text
  .globl start, stop
start:
  mov x1, #3
  ${middle}
  add x0, x0, x1
  add x0, x0, x1
stop:
  nop
`;

/** The code and phases of a run, as code at the places `key` names (or keyless: kept alone). */
function sources(run: Awaited<ReturnType<typeof runProgram>>, key?: string) {
  const code: CodeSource = {
    instruction: (a) => run.code.instruction(a),
    describe: (a) => run.code.describe(a),
    ...(key === undefined ? {} : { placementKey: key }),
  };
  const phases: PhaseSource = {
    at: (a) => run.phases.at(a),
    ...(key === undefined ? {} : { signature: "the same phases" }),
  };
  return { code, phases };
}

const plain = (r: TimingResult) => ({ ...r, byPc: [...r.byPc], causesByPc: [...r.causesByPc] });

Deno.test("plans kept between codes at the same places are checked against their words", async () => {
  const [cpu] = await selectCpus("cortex-a55");
  const add = await runProgram(program("add x0, x0, #1"));
  const mul = await runProgram(program("mul x0, x0, x1"));
  assert.equal(add.trace.blockCount, mul.trace.blockCount);
  const time = (s: ReturnType<typeof sources>, trace = mul.trace) =>
    simulate(cpu.model, trace, s.code, s.phases, { mode: cpu.mode });
  // Alone: the multiply's own plans.
  const alone = time(sources(mul));
  // Shared: the add's plans are made first, under the same placement key.
  const key = `plan-cache-test ${crypto.randomUUID()}`;
  const first = time(sources(add, key), add.trace);
  const shared = time(sources(mul, key));
  assert.deepEqual(plain(shared), plain(alone));
  assert.notEqual(first.cycles, alone.cycles, "the two programs time differently");
  // And back: the add's own timing again, after the multiply replaced its plan.
  assert.deepEqual(plain(time(sources(add, key), add.trace)), plain(first));
});

/** Two phases, `first` then `second` in address order; each entry runs one before the other. */
const twoPhases = `
  .text
  .globl a_first, b_first, stop
a_first:
  mov x1, #1
  b __phase.first.0
b_first:
  mov x1, #2
  b __phase.second.0
__phase.first.0:
  add x0, x0, x1
  cbz x1, stop
  mov x1, #0
  b __phase.second.0
__phase.second.0:
  add x0, x0, x1
  add x0, x0, x1
  cbz x1, stop
  mov x1, #0
  b __phase.first.0
stop:
  nop
`;

Deno.test("a timing's phases are in the order its own run reaches them, plans shared or not", async () => {
  const [cpu] = await selectCpus("neoverse-n1");
  const a = await runProgram(twoPhases, "a_first");
  const b = await runProgram(twoPhases, "b_first");
  const time = (run: typeof a, key?: string) => {
    const s = sources(run, key);
    return simulate(cpu.model, run.trace, s.code, s.phases, { mode: cpu.mode });
  };
  const alone = Object.keys(time(b).phases);
  const key = `plan-cache-test ${crypto.randomUUID()}`;
  assert.deepEqual(Object.keys(time(a, key).phases), ["other", "first", "second"]);
  assert.deepEqual(Object.keys(time(b, key).phases), alone);
  assert.deepEqual(alone, ["other", "second", "first"]);
});
