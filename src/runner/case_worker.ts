/**
 * Worker side of the case pool: measure the sets this worker claims of each
 * sweep and post back plain data. Scenario modules are imported once per
 * worker.
 */
/// <reference lib="deno.worker" />
import { RecyclingUnicornFactory } from "../engine/unicorn.ts";
import { nopVariant } from "../kernel/variants/nop.ts";
import { kernelFor, measureSet, nextTurn } from "./run_scenario.ts";
import { isScenario, type Scenario, scenarioVariants } from "./scenario.ts";
import { SetClaims, type SweepRequest } from "./case_pool.ts";
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

type Request = (SweepRequest & { sweep: number; counter: SharedArrayBuffer }) | { close: true };

/** Sweeps are measured one after the other, in the order they were sent. */
let queue = Promise.resolve();

self.onmessage = (e: MessageEvent<Request>) => {
  queue = queue.then(() => handle(e.data));
};

async function handle(data: Request): Promise<void> {
  if ("close" in data) {
    // Terminating a worker would leave its engine's native memory behind.
    factory.release();
    self.close();
    return;
  }
  const { sweep, scenarioUrl, sets, kernel } = data;
  const claims = new SetClaims(sets.length, data.counter);
  try {
    // A worker that starts after the other threads claimed every set sets nothing up; one
    // that does claims its first sets once it is set up, not while the others could take them.
    if (claims.exhausted) return;
    const scenario = await scenarioAt(scenarioUrl);
    const available = scenarioVariants(scenario);
    const cases = data.variants.map((name) => {
      const found = name === nopVariant.name ? nopVariant : available.find((v) => v.name === name);
      if (!found) throw new Error(`scenario ${scenario.name} has no variant ${name}`);
      return found;
    });
    const hot = new Set(data.hotPaths.map(([position, k]) => position * cases.length + k));
    const singleCpu = data.cpus.length ? (await import("../timing/case.ts")).singleCpu : undefined;
    const cpus = singleCpu ? await Promise.all(data.cpus.map(singleCpu)) : [];
    const real = await kernelFor(kernel);
    for (const position of claims) {
      const results = await measureSet(scenario, sets[position], cases, {
        factory,
        cpus,
        kernel: real,
        hotPath: (_, k) => hot.has(position * cases.length + k),
      });
      self.postMessage({ sweep, position, results });
      // Between sets: V8's own tasks, and the heap bound.
      await nextTurn();
    }
  } catch (err) {
    claims.stop();
    const text = describeError(err);
    // The error's class, not its text, says whether it is the harness's bug.
    self.postMessage({ sweep, error: { text, internal: exitCodeOf(err) === EXIT_INTERNAL } });
  } finally {
    self.postMessage({ sweep, done: true });
  }
}
