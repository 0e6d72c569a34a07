/**
 * Worker side of the case pool: measure the requested parameter set's cases
 * and post back plain data. Scenario modules are imported once per worker.
 */
/// <reference lib="deno.worker" />
import { RecyclingUnicornFactory } from "../engine/unicorn.ts";
import { nopVariant } from "../kernel/variants/nop.ts";
import { kernelFor, measureCase, nextTurn, toWorkload } from "./run_scenario.ts";
import { isScenario, type Scenario, scenarioVariants } from "./scenario.ts";
import type { CaseOutcome, SetRequest } from "./case_pool.ts";
import { describeError, EXIT_INTERNAL, exitCodeOf } from "../cli/errors.ts";

const scenarios = new Map<string, Promise<Scenario>>();
/** One engine per worker, reset between cases (results identical to a fresh engine's). */
const factory = new RecyclingUnicornFactory();

async function scenarioAt(url: string): Promise<Scenario> {
  let loading = scenarios.get(url);
  if (!loading) {
    loading = import(url).then((m) => {
      if (!isScenario(m.default)) throw new Error(`${url} does not default-export a scenario`);
      return m.default as Scenario;
    });
    scenarios.set(url, loading);
  }
  return await loading;
}

/** Requests are handled one after the other: the pool sends the next before an answer. */
let queue = Promise.resolve();

self.onmessage = (e: MessageEvent<(SetRequest & { id: number }) | { close: true }>) => {
  queue = queue.then(() => handle(e.data));
};

async function handle(data: (SetRequest & { id: number }) | { close: true }): Promise<void> {
  if ("close" in data) {
    // Terminating a worker would leave its engine's native memory behind.
    factory.release();
    self.close();
    return;
  }
  const { id, scenarioUrl, params, cases, cpu, kernel } = data;
  try {
    const scenario = await scenarioAt(scenarioUrl);
    const workload = toWorkload(scenario.workload(params));
    const results: CaseOutcome[] = [];
    const variants = scenarioVariants(scenario);
    const timing = cpu === undefined
      ? undefined
      : await (await import("../timing/case.ts")).singleCpu(cpu);
    const real = await kernelFor(kernel);
    for (const { variant, unitName, hotPath } of cases) {
      const chosen = variant === nopVariant.name
        ? nopVariant
        : variants.find((v) => v.name === variant);
      if (!chosen) throw new Error(`scenario ${scenario.name} has no variant ${variant}`);
      results.push(
        await measureCase(
          chosen,
          workload,
          unitName,
          factory,
          scenario.budget,
          timing,
          real,
          hotPath,
        ),
      );
    }
    self.postMessage({ id, results });
  } catch (err) {
    const text = describeError(err);
    // The error's class, not its text, says whether it is the harness's bug.
    self.postMessage({ id, error: { text, internal: exitCodeOf(err) === EXIT_INTERNAL } });
  }
  // The next set is often queued already: its turn comes after V8's own tasks.
  await nextTurn();
}
