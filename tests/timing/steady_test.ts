/**
 * Steady state as a 100,000-call benchmark sees it (samples/ftrace/ftrace-ops.c):
 * the list walk with one relevant and N irrelevant ops, timed after the
 * predictors have been trained on the case's own trace.
 */
import assert from "node:assert/strict";
import { unicornFactory } from "../../src/engine/unicorn.ts";
import { argsVariant } from "../../src/kernel/variants/args.ts";
import { buildWorld } from "../../src/kernel/world.ts";
import { loadWorld } from "../../src/runner/machine.ts";
import { measure } from "../../src/runner/run_case.ts";
import { toWorkload } from "../../src/runner/run_scenario.ts";
import { BUILTIN_CPUS, builtinCpu } from "../../src/timing/catalog.ts";
import { MAX_TRAINING_PASSES, simulate, type TimingResult } from "../../src/timing/simulate.ts";
import { causeTotal } from "../../src/timing/causes.ts";
import ftraceOps from "../../scenarios/ftrace-ops.ts";

/** The list walk (variant args) with 1 relevant and `irrelevant` ops, timed on `cpu`. */
async function listWalk(irrelevant: number) {
  const params = Object.fromEntries(
    Object.entries(ftraceOps.params).map(([k, s]) => [k, s.default]),
  );
  const workload = toWorkload(ftraceOps.workload({ ...params, relevant: 1, irrelevant }));
  const world = buildWorld(argsVariant, workload, `timing-steady/${irrelevant}`);
  if ("notApplicable" in world) throw new Error(world.notApplicable);
  const loaded = await loadWorld(world, workload.layout);
  const m = await measure(loaded, unicornFactory, undefined, { trace: true });
  return (cpu: string, options: Parameters<typeof simulate>[4] = {}): TimingResult =>
    simulate(builtinCpu(cpu), m.trace!, loaded.code, loaded.phases, options);
}

const SIZES = [1, 10, 100];
const walks = Promise.all(SIZES.map(listWalk));

for (const cpu of BUILTIN_CPUS) {
  Deno.test(`${cpu}: steady-state conditional mispredicts of the list walk do not grow with irrelevant ops`, async () => {
    const results = (await walks).map((time) => time(cpu));
    const mispredicts = results.map((r) => r.mispredicts.conditional);
    // The walk's branches repeat per ops: history learns them. What is left is the
    // transitions (into the relevant ops, out of the loop), the same for every N.
    assert.equal(mispredicts[2], mispredicts[1], `${cpu}: ${mispredicts} for N = ${SIZES}`);
    assert.ok(Math.max(...mispredicts) <= 3, `${cpu}: ${mispredicts} for N = ${SIZES}`);
    for (const r of results) {
      assert.equal(r.mispredicts.indirect + r.mispredicts.return, 0, cpu);
      assert.ok(r.passes >= 2 && r.passes <= MAX_TRAINING_PASSES, `${cpu}: ${r.passes}`);
    }
    // An irrelevant ops costs what its own instructions cost: no mispredict per ops.
    const [, ten, hundred] = results;
    const perOps = (hundred.cycles - ten.cycles) / 90;
    const lost = (r: TimingResult) =>
      Object.values(r.phaseCauses).reduce((n, c) => n + (c.mispredict?.conditional ?? 0), 0);
    assert.equal(lost(hundred), lost(ten), `${cpu}: cycles lost to mispredicts`);
    assert.ok(perOps > 0, `${cpu}: ${perOps} cycles per irrelevant ops`);
  });
}

Deno.test("first-call and cold: the list walk trains nothing, or its caches start cold", async () => {
  const time = (await walks)[1];
  const steady = time("neoverse-n1");
  const cold = time("neoverse-n1", { mode: "cold" });
  const first = time("neoverse-n1", { mode: "first-call" });
  assert.equal(first.passes, 0);
  assert.equal(cold.passes, steady.passes);
  assert.equal(steady.coldMisses, 0);
  assert.ok(cold.coldMisses > 0);
  assert.equal(first.coldMisses, cold.coldMisses);
  // Cold predictors mispredict what trained ones predict.
  assert.ok(first.mispredicts.conditional > steady.mispredicts.conditional);
  assert.ok(first.cycles > cold.cycles && cold.cycles > steady.cycles);
  // Misses are charged to cacheMiss, mispredicts to their kind; everything adds up.
  for (const r of [steady, cold, first]) {
    const total = Object.values(r.phaseCauses).reduce((n, c) => n + causeTotal(c), 0);
    assert.equal(total, r.cycles);
  }
  const miss = (r: TimingResult) =>
    Object.values(r.phaseCauses).reduce((n, c) => n + (c.cacheMiss ?? 0), 0);
  assert.equal(miss(steady), 0);
  assert.ok(miss(cold) > 0);
});

Deno.test("determinism: the same trace times to the same cycles, causes and passes", async () => {
  const time = (await walks)[2];
  const plain = (r: TimingResult) => ({
    ...r,
    byPc: [...r.byPc],
    causesByPc: [...r.causesByPc],
  });
  for (const cpu of BUILTIN_CPUS) {
    assert.deepEqual(plain(time(cpu)), plain(time(cpu)), cpu);
  }
});
