/**
 * Worker threads: a big sweep really runs in workers (counted here, not
 * assumed), and gives the same runs, in the same order, as one thread.
 */
import assert from "node:assert/strict";
import { loadScenario } from "../../src/cli/main.ts";
import { unicornFactory } from "../../src/engine/unicorn.ts";
import { runScenario } from "../../src/runner/run_scenario.ts";
import type { ParamValue } from "../../src/runner/result.ts";

const ROOT = new URL("../../", import.meta.url).pathname;

/** Run `f` with every Worker the harness starts counted, with the replies it sends. */
async function countingWorkers<T>(f: () => Promise<T>) {
  const Original = globalThis.Worker;
  const seen = { started: 0, replies: 0, urls: new Set<string>() };
  class Counting extends Original {
    constructor(url: string | URL, options?: WorkerOptions) {
      super(url, options);
      seen.started++;
      seen.urls.add(String(url));
      this.addEventListener("message", () => seen.replies++);
    }
  }
  globalThis.Worker = Counting;
  try {
    return { value: await f(), ...seen };
  } finally {
    globalThis.Worker = Original;
  }
}

Deno.test("worker threads measure a big sweep: same runs, same order, as one thread", async () => {
  const scenario = await loadScenario(`${ROOT}scenarios/ftrace-ops.ts`);
  // 10 x 5 parameter sets x (4 variants, nop measured once as the baseline) = 200 cases:
  // above PARALLEL_MIN_CASES, where workers pay for their start-up.
  const overrides = new Map<string, ParamValue[]>([
    ["relevant", [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]],
    ["irrelevant", [0, 1, 2, 3, 4]],
  ]);
  const parallel = await countingWorkers(() =>
    runScenario(scenario, { factory: unicornFactory, workers: 2, overrides })
  );
  assert.equal(parallel.started, 2, "two workers started");
  assert.deepEqual([...parallel.urls].map((u) => u.replace(/^.*\/src\//, "src/")), [
    "src/runner/case_worker.ts",
  ]);
  assert.equal(parallel.replies, 200, "every case was measured by a worker");
  const serial = await countingWorkers(() =>
    runScenario(scenario, { factory: unicornFactory, workers: 1, overrides })
  );
  assert.equal(serial.started, 0, "one thread: no worker");
  assert.equal(parallel.value.runs.length, 200);
  assert.deepEqual(parallel.value.runs, serial.value.runs);
  assert.ok(parallel.value.runs.every((r) => r.status === "ok"));
});
