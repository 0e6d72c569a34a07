/**
 * `deno bench -A bench/harness.bench.ts`: the harness's own speed, in
 * emulated instructions per second of wall time. The emulated counts are
 * exact and do not depend on this; it tells how long a big sweep will take.
 *
 * Measured without a timing model (bench/timing.bench.ts measures with
 * one): each iteration boots a fresh emulated machine, runs one traced call
 * with its execution log and check hooks, replays the log into the counter
 * and evaluates the checks.
 */
import { unicornFactory } from "../src/engine/unicorn.ts";
import { loadScenario } from "../src/cli/main.ts";
import { buildWorld } from "../src/kernel/world.ts";
import { loadWorld } from "../src/runner/machine.ts";
import { measure } from "../src/runner/run_case.ts";
import { runScenario, toWorkload } from "../src/runner/run_scenario.ts";
import { scenarioVariants } from "../src/runner/scenario.ts";
import { defaultParams } from "../src/store/listing.ts";

const scenario = await loadScenario(
  new URL("../scenarios/single-tracer.ts", import.meta.url).pathname,
);
const workload = toWorkload(scenario.workload(defaultParams(scenario)));
const GROUP = "harness, without timing model";

for (const variant of scenarioVariants(scenario)) {
  const world = buildWorld(variant, workload, `harness-bench/${variant.name}`);
  if ("notApplicable" in world) continue;
  // Assemble and load once: the bench times emulation and counting only.
  const loaded = await loadWorld(world, workload.layout);
  const { metrics } = await measure(loaded, unicornFactory);
  const rounds = 200;
  const started = performance.now();
  for (let i = 0; i < rounds; i++) await measure(loaded, unicornFactory);
  const seconds = (performance.now() - started) / 1000;
  console.log(
    `${variant.name.padEnd(9)} ${metrics.instructions} emulated insns per call, ` +
      `${(rounds / seconds).toFixed(0)} calls/s = ` +
      `${((metrics.instructions * rounds) / seconds / 1e6).toFixed(3)} M emulated insns/s ` +
      `(without timing model)`,
  );
  Deno.bench({
    name: `${variant.name}: one traced call (${metrics.instructions} insns)`,
    group: GROUP,
    baseline: variant.name === "nop",
    async fn() {
      await measure(loaded, unicornFactory);
    },
  });
}

Deno.bench({
  name: "single-tracer: whole sweep, every variant",
  group: "harness sweep, without timing model",
  n: 5,
  async fn() {
    await runScenario(scenario, { factory: unicornFactory });
  },
});
