/**
 * A reused engine (reset between cases) gives exactly what a fresh engine per
 * case gives: every scenario's default sweep, with hot paths, cycles from a
 * timing model, and the broken fixture's faulting, trapping and runaway
 * variants. One recycled engine runs every case of every scenario in turn,
 * so state left by any case (faulted mid-run, stopped by a hook, other
 * memory layout, other hooks) would show in a later one.
 */
import assert from "node:assert/strict";
import {
  openNativeResources,
  RecyclingUnicornFactory,
  unicornFactory,
} from "../../src/engine/unicorn.ts";
import type { EngineFactory } from "../../src/engine/engine.ts";
import { runScenario } from "../../src/runner/run_scenario.ts";
import { loadScenario } from "../../src/cli/main.ts";
import { selectCpus } from "../../src/timing/catalog.ts";
import type { ParamValue } from "../../src/runner/result.ts";
import { scenarioVariants } from "../../src/runner/scenario.ts";
import { ROOT, scenarioFiles } from "../scenario_files.ts";

const files = scenarioFiles();

async function runs(
  file: string,
  factory: EngineFactory,
  cpu?: string,
  overrides?: Map<string, ParamValue[]>,
  variants?: string[],
) {
  const scenario = await loadScenario(file);
  const result = await runScenario(scenario, {
    factory,
    variants,
    workers: 1,
    cpu: cpu === undefined ? undefined : (await selectCpus(cpu))[0],
    overrides,
    listRun: () => true,
  });
  return result.runs;
}

const recycling = new RecyclingUnicornFactory();

for (const file of files) {
  const name = file.slice(file.lastIndexOf("/") + 1);
  Deno.test(`reused engine = fresh engine: ${name}`, async () => {
    const fresh = await runs(file, unicornFactory);
    const reused = await runs(file, recycling);
    assert.deepEqual(reused, fresh);
  });
}

for (const name of ["ftrace-ops.ts", "function-graph.ts", "bpf-fentry.ts"]) {
  Deno.test(`reused engine = fresh engine with --cpu neoverse-n1: ${name}`, async () => {
    const file = `${ROOT}scenarios/${name}`;
    const fresh = await runs(file, unicornFactory, "neoverse-n1");
    const reused = await runs(file, recycling, "neoverse-n1");
    assert.deepEqual(reused, fresh);
  });
}

Deno.test("reused engine = fresh engine: faulting, trapping and runaway variants", async () => {
  const file = `${ROOT}tests/fixtures/broken-scenario.ts`;
  const args = new Map<string, ParamValue[]>([["args", [0, 1, 2, 3, 4, 5, 6, 7, 8]]]);
  // Every variant but the one that does not assemble (it never reaches an engine).
  const scenario = await loadScenario(file);
  const variants = scenarioVariants(scenario).map((v) => v.name).filter((v) =>
    v !== "syntax-error"
  );
  const fresh = await runs(file, unicornFactory, undefined, args, variants);
  const reused = await runs(file, recycling, undefined, args, variants);
  const faulted = fresh.filter((r) => r.checks.some((c) => c.name === "fault"));
  assert.ok(faulted.length >= 27, `cases fault, trap or run away (${faulted.length})`);
  assert.ok(fresh.some((r) => r.status === "failed" && faulted.indexOf(r) < 0), "checks fail");
  assert.deepEqual(reused, fresh);
  // Interleaved: a faulted engine's next case is a good one.
  const again = await runs(`${ROOT}scenarios/single-tracer.ts`, recycling);
  assert.deepEqual(again, await runs(`${ROOT}scenarios/single-tracer.ts`, unicornFactory));
});

Deno.test("a recycling factory keeps one engine open, and none once released", () => {
  const before = openNativeResources();
  const a = recycling.create();
  a.close();
  const b = recycling.create();
  assert.equal(openNativeResources().engines, before.engines + (before.engines > 0 ? 0 : 1));
  b.close();
  recycling.release();
  assert.equal(openNativeResources().engines, 0);
  assert.equal(openNativeResources().callbacks, 0);
});
