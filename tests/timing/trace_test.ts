/**
 * The timing model on the real kernel code: the trace it times is the run the
 * harness counted, charges add up, and cycles are the same on every run.
 */
import assert from "node:assert/strict";
import { unicornFactory } from "../../src/engine/unicorn.ts";
import { VARIANTS } from "../../src/kernel/variants/index.ts";
import { buildWorld } from "../../src/kernel/world.ts";
import { loadWorld } from "../../src/runner/machine.ts";
import { measure } from "../../src/runner/run_case.ts";
import { toWorkload } from "../../src/runner/run_scenario.ts";
import { selectCpus } from "../../src/timing/catalog.ts";
import { simulate, type TimingResult } from "../../src/timing/simulate.ts";
import { causeTotal } from "../../src/timing/causes.ts";
import singleTracer from "../../scenarios/single-tracer.ts";

const workload = toWorkload(singleTracer.workload({ args: 3, tracer: "ringbuf" }));

async function timedRun(variantName: string) {
  const variant = VARIANTS.find((v) => v.name === variantName)!;
  const world = buildWorld(variant, workload, `timing-test/${variant.name}`);
  if ("notApplicable" in world) return undefined;
  const loaded = await loadWorld(world, workload.layout);
  const m = await measure(loaded, unicornFactory, undefined, { trace: true });
  const selections = (await Promise.all(
    ["all", "all:cold", "all:first-call", "all:bimodal"].map(selectCpus),
  )).flat();
  const results = selections.map((sel) =>
    simulate(sel.model, m.trace!, loaded.code, loaded.phases, {
      mode: sel.mode,
      bimodal: sel.bimodal,
    })
  );
  return { m, results };
}

/** Plain, comparable form of a result. */
const plain = (r: TimingResult) => ({ ...r, byPc: [...r.byPc], causesByPc: [...r.causesByPc] });

for (const variant of VARIANTS) {
  Deno.test(`${variant.name}: the timed trace is the counted run; charges add up`, async () => {
    const run = await timedRun(variant.name);
    if (!run) return;
    for (const r of run.results) {
      const at = `${variant.name} on ${r.model.name}`;
      assert.equal(r.instructions, run.m.metrics.instructions, at);
      assert.equal(r.unmatchedAccesses, 0, `${at}: every access belongs to an instruction`);
      const byPc = [...r.byPc.values()].reduce((a, b) => a + b, 0);
      const byPhase = Object.values(r.phases).reduce((a, b) => a + b, 0);
      assert.equal(byPc, r.cycles, `${at}: per-pc charges add up to the total`);
      assert.equal(byPhase, r.cycles, `${at}: per-phase charges add up to the total`);
      assert.deepEqual(Object.keys(r.phases).sort(), Object.keys(run.m.phases).sort(), at);
      assert.ok(r.cycles > 0 && Number.isInteger(r.cycles), at);
      // Causes add up exactly: per pc, per phase, and a dependency's producers to the dependency.
      for (const [pc, cycles] of r.byPc) {
        const c = r.causesByPc.get(pc)!;
        assert.equal(causeTotal(c), cycles, `${at}: causes of pc 0x${pc.toString(16)}`);
        const producers = Object.values(c.dependsOn ?? {}).reduce((a, b) => a + b, 0);
        assert.equal(producers, c.dependency ?? 0, `${at}: producers of pc 0x${pc.toString(16)}`);
      }
      for (const [phase, cycles] of Object.entries(r.phases)) {
        assert.equal(causeTotal(r.phaseCauses[phase]), cycles, `${at}: causes of ${phase}`);
      }
      assert.ok(r.passes === 0 || (r.passes >= 2 && r.passes <= 16), `${at}: ${r.passes} passes`);
    }
  });
}

Deno.test("determinism: two emulations of a variant time to identical results", async () => {
  for (const name of ["args", "call-ops"]) {
    const a = await timedRun(name);
    const b = await timedRun(name);
    assert.deepEqual(a!.results.map(plain), b!.results.map(plain));
  }
});
