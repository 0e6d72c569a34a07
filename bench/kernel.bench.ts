/**
 * `deno bench -A bench/kernel.bench.ts`: what one case costs on a real
 * kernel's own code against the same case on the model, side by side (one
 * group per pair, the model as baseline). The goal: after the one-time build,
 * a real-kernel case costs no more than twice a model case.
 *
 *   single-tracer, args=2, call-ops            model vs linux-6.12
 *   single-tracer, args=2, regs                model vs linux-6.1 (6.12 has no regs caller)
 *   ftrace-ops, relevant=2, irrelevant=10,
 *     call-ops (the list walk)                 model vs linux-6.12
 *
 * Each bench is one whole case as `deno task run` measures it (measureCase:
 * build the world, assemble, link, load, register the ops, emulate, count,
 * check), without a timing model. The kernels are built (once, cached in
 * .cache/kernels/) and opened before the bench loop, so neither the build nor
 * reading the objects and their DWARF is timed. The emulated counts, which
 * are exact, are printed first.
 */
import { unicornFactory } from "../src/engine/unicorn.ts";
import { loadScenario } from "../src/cli/main.ts";
import { findVariant } from "../src/kernel/variants/index.ts";
import type { RealKernel } from "../src/kernel/real/kernel.ts";
import { kernelFor, measureCase, paramsLabel, toWorkload } from "../src/runner/run_scenario.ts";
import type { Params } from "../src/runner/result.ts";
import { defaultParams } from "../src/store/listing.ts";

interface Pair {
  /** File under scenarios/. */
  scenario: string;
  /** Parameters replacing the scenario's defaults. */
  params: Params;
  variant: string;
  /** The real kernel measured against the model. */
  kernel: string;
}

const PAIRS: readonly Pair[] = [
  { scenario: "single-tracer.ts", params: { args: 2 }, variant: "call-ops", kernel: "linux-6.12" },
  { scenario: "single-tracer.ts", params: { args: 2 }, variant: "regs", kernel: "linux-6.1" },
  {
    scenario: "ftrace-ops.ts",
    params: { relevant: 2, irrelevant: 10 },
    variant: "call-ops",
    kernel: "linux-6.12",
  },
];

const root = new URL("../scenarios/", import.meta.url).pathname;

// One-time costs, before any bench: build (or find cached) and open each kernel.
const kernels = new Map<string, RealKernel>();
for (const spec of new Set(PAIRS.map((p) => p.kernel))) {
  const started = performance.now();
  const kernel = await kernelFor(spec);
  if (!kernel) throw new Error(`${spec} opened as the model`);
  kernels.set(spec, kernel);
  console.log(
    `${spec} (${kernel.info.version}, ${kernel.summary}) opened in ` +
      `${(performance.now() - started).toFixed(0)} ms`,
  );
}

for (const pair of PAIRS) {
  const scenario = await loadScenario(`${root}${pair.scenario}`);
  const params: Params = { ...defaultParams(scenario), ...pair.params };
  const workload = toWorkload(scenario.workload(params));
  const variant = findVariant(pair.variant);
  if (!variant) throw new Error(`no variant ${pair.variant}`);
  const label = `${scenario.name}/${variant.name}/${paramsLabel(pair.params)}`;
  const group = `${label}: model vs ${pair.kernel}`;
  const lines: string[] = [];
  for (const kernelName of ["model", pair.kernel]) {
    const kernel = kernelName === "model" ? undefined : kernels.get(kernelName);
    const unit = `kernel-bench/${label}/${kernelName}`;
    const run = () =>
      measureCase(variant, workload, unit, unicornFactory, scenario.budget, undefined, kernel);
    // Measure once up front: assembles (cached) and prints the exact counts.
    const m = await run();
    if ("notApplicable" in m) throw new Error(`${group}: ${kernelName} n/a: ${m.notApplicable}`);
    const failed = m.checks.filter((c) => !c.ok);
    if (failed.length) {
      throw new Error(
        `${group}: ${kernelName} failed: ${failed.map((c) => `${c.name}: ${c.detail}`).join("; ")}`,
      );
    }
    lines.push(
      `  ${kernelName.padEnd(10)} ${m.metrics.instructions} insns, ${m.metrics.loads} loads, ` +
        `${m.metrics.stores} stores, ${m.metrics.branches} branches`,
    );
    Deno.bench({
      name: kernelName,
      group,
      baseline: kernelName === "model",
      async fn() {
        await run();
      },
    });
  }
  console.log(`${group}, emulated per traced call:\n${lines.join("\n")}`);
}
