/**
 * Worker threads: a big sweep really runs in workers (counted here, not
 * assumed), and gives the same runs, in the same order, as one thread.
 */
import assert from "node:assert/strict";
import { loadScenario } from "../../src/cli/main.ts";
import { unicornFactory } from "../../src/engine/unicorn.ts";
import { runScenario, WORKER_START_MS, workersPay } from "../../src/runner/run_scenario.ts";
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
  // 10 x 5 parameter sets x (4 variants, nop measured once as the baseline) = 200 cases.
  const overrides = new Map<string, ParamValue[]>([
    ["relevant", [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]],
    ["irrelevant", [0, 1, 2, 3, 4]],
  ]);
  // Workers taken to start for free: they pay as soon as one set has been measured here.
  const parallel = await countingWorkers(() =>
    runScenario(scenario, { factory: unicornFactory, workers: 2, overrides, workerStartMs: 0 })
  );
  assert.equal(parallel.started, 2, "two workers started");
  assert.deepEqual([...parallel.urls].map((u) => u.replace(/^.*\/src\//, "src/")), [
    "src/runner/case_worker.ts",
  ]);
  // One message per parameter set: the first set measured here, the 49 others by workers.
  assert.equal(parallel.replies, 49, "every other set was measured by a worker");
  const serial = await countingWorkers(() =>
    runScenario(scenario, { factory: unicornFactory, workers: 1, overrides })
  );
  assert.equal(serial.started, 0, "one thread: no worker");
  assert.equal(parallel.value.runs.length, 200);
  assert.deepEqual(parallel.value.runs, serial.value.runs);
  // Measured in snake order, handed on in sweep order: relevant outer, irrelevant inner.
  const sweepOrder = [...overrides.get("relevant")!].flatMap((r) =>
    [...overrides.get("irrelevant")!].map((i) => `${r},${i}`)
  );
  const seen = serial.value.runs.map((run) => `${run.params.relevant},${run.params.irrelevant}`);
  assert.deepEqual(seen.filter((_, k) => k % 4 === 0), sweepOrder);
  assert.ok(parallel.value.runs.every((r) => r.status === "ok"));
});

Deno.test("workers are started only when the rest of a sweep pays for their start-up", () => {
  // 2 workers: 200 ms of start-up plus a quarter for messages against the rest in this thread.
  assert.equal(workersPay(100, 2, WORKER_START_MS), false, "100 ms of cases left");
  assert.equal(workersPay(2_000, 2, WORKER_START_MS), true, "2 s of cases left");
  assert.equal(workersPay(50, 2, 0), true, "workers already running");
  assert.equal(workersPay(10_000, 1, 0), false, "one thread: never");
});
