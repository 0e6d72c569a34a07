/**
 * `--cpu all`: a case is emulated once and its trace timed on every model.
 * Each model's result is the one a sweep on that model alone gives.
 */
import assert from "node:assert/strict";
import { unicornFactory } from "../../src/engine/unicorn.ts";
import { loadScenario } from "../../src/cli/main.ts";
import { runScenario, runSweep } from "../../src/runner/run_scenario.ts";
import { selectCpus } from "../../src/timing/catalog.ts";
import { countingFactory } from "../engine/counting_factory.ts";

const ROOT = new URL("../../", import.meta.url).pathname;

Deno.test("every CPU model from one emulation per case, each result as its model's own sweep", async () => {
  const scenario = await loadScenario(`${ROOT}scenarios/single-tracer.ts`);
  const overrides = new Map([["args", [1, 2, 6]]]);
  const cpus = await selectCpus("all");
  assert.equal(cpus.length, 3);
  const once = countingFactory();
  const results = await runSweep(scenario, { factory: once, overrides, cpus });
  assert.deepEqual(results.map((r) => r.cpu), cpus.map((c) => c.info));
  for (const [i, cpu] of cpus.entries()) {
    const alone = countingFactory();
    const result = await runScenario(scenario, { factory: alone, overrides, cpu });
    assert.equal(once.engines, alone.engines, `${cpu.info.name}: the same emulations as one model`);
    assert.deepEqual(results[i], result, cpu.info.name);
    assert.ok(result.runs.some((run) => run.cyclesByPc !== undefined), cpu.info.name);
  }
  // Without models: one result, counts only.
  const counts = await runSweep(scenario, { factory: unicornFactory, overrides, cpus: [] });
  assert.equal(counts.length, 1);
  assert.equal(counts[0].cpu, null);
});
