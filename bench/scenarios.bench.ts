/**
 * `deno bench -A bench/`: one group per scenario, one bench per variant
 * (baseline: nop), each emulating that variant on the scenario's default
 * parameters. The emulated counts, which are exact, are printed first;
 * the bench timings measure the harness itself.
 */
import { unicornFactory } from "../src/engine/unicorn.ts";
import { loadScenario } from "../src/cli/main.ts";
import { measureCase, toWorkload } from "../src/runner/run_scenario.ts";
import { scenarioVariants } from "../src/runner/scenario.ts";
import type { Params } from "../src/runner/result.ts";

const root = new URL("../scenarios/", import.meta.url).pathname;
const files = [...Deno.readDirSync(root)].filter((e) => e.name.endsWith(".ts")).map((e) => e.name)
  .sort();

for (const file of files) {
  const scenario = await loadScenario(`${root}${file}`);
  const params: Params = Object.fromEntries(
    Object.entries(scenario.params).map(([k, spec]) => [k, spec.default]),
  );
  const workload = toWorkload(scenario.workload(params));
  const lines: string[] = [];
  for (const variant of scenarioVariants(scenario)) {
    const unit = `${scenario.name}/${variant.name}`;
    // Measure once up front: assembles (cached) and prints the exact counts.
    const m = await measureCase(variant, workload, unit, unicornFactory, scenario.budget);
    lines.push(
      "notApplicable" in m
        ? `  ${variant.name.padEnd(10)} n/a: ${m.notApplicable}`
        : `  ${
          variant.name.padEnd(10)
        } ${m.metrics.instructions} insns, ${m.metrics.loads} loads, ` +
          `${m.metrics.stores} stores, ${m.metrics.branches} branches`,
    );
    Deno.bench({
      name: variant.name,
      group: scenario.name,
      baseline: variant.name === "nop",
      async fn() {
        await measureCase(variant, workload, unit, unicornFactory, scenario.budget);
      },
    });
  }
  console.log(
    `${scenario.name} (${JSON.stringify(params)}), emulated per traced call:\n${lines.join("\n")}`,
  );
}
