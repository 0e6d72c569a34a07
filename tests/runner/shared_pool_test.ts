/**
 * Shared workers: the main job's pool serves every scenario, and `run`'s
 * every kernel (its CPU models share each sweep). It is started by the first sweep big enough to
 * pay for it and used by the smaller ones after it, with the same runs as one
 * thread; a sweep with nothing to share stays in-process.
 */
import assert from "node:assert/strict";
import { loadScenario, main } from "../../src/cli/main.ts";
import { unicornFactory } from "../../src/engine/unicorn.ts";
import { runScenario } from "../../src/runner/run_scenario.ts";
import { SharedCasePool } from "../../src/runner/case_pool.ts";

const ROOT = new URL("../../", import.meta.url).pathname;

Deno.test("a shared pool starts once, for a big sweep, and later small sweeps use it", async () => {
  const Original = globalThis.Worker;
  let started = 0;
  globalThis.Worker = class extends Original {
    constructor(url: string | URL, options?: WorkerOptions) {
      super(url, options);
      started++;
    }
  };
  const sharedPool = new SharedCasePool(1);
  try {
    const small = await loadScenario(`${ROOT}scenarios/single-tracer.ts`);
    const big = await loadScenario(`${ROOT}scenarios/bpf-fentry.ts`);
    const one = new Map([["args", [2]]]);
    // One parameter set: nothing left to share, no worker.
    await runScenario(small, { factory: unicornFactory, workers: 2, sharedPool, overrides: one });
    assert.equal(started, 0, "a one-set sweep does not start workers");
    // Workers taken to start for free, so this sweep starts them whatever the machine's speed.
    const parallel = await runScenario(big, {
      factory: unicornFactory,
      workers: 2,
      sharedPool,
      workerStartMs: 0,
    });
    assert.equal(started, 1, "the big sweep started the worker");
    const again = await runScenario(small, { factory: unicornFactory, workers: 2, sharedPool });
    assert.equal(started, 1, "the small sweep after it used it, starting none");
    const first = await runScenario(small, { factory: unicornFactory, workers: 1 });
    assert.deepEqual(again.runs, first.runs);
    const serial = await runScenario(big, { factory: unicornFactory, workers: 1 });
    assert.deepEqual(parallel.runs, serial.runs);
  } finally {
    sharedPool.close();
    globalThis.Worker = Original;
  }
});

Deno.test("run times its CPU models from one sweep: one worker, each case emulated once", async () => {
  const Original = globalThis.Worker;
  let started = 0;
  const sweepsMeasured = new Set<number>();
  const timingsPerCase = new Set<number>();
  globalThis.Worker = class extends Original {
    constructor(url: string | URL, options?: WorkerOptions) {
      super(url, options);
      started++;
      this.addEventListener("message", (e) => {
        const reply = (e as MessageEvent).data;
        if (!("results" in reply)) return;
        sweepsMeasured.add(reply.sweep);
        for (const outcome of reply.results) {
          if ("timings" in outcome) timingsPerCase.add(outcome.timings.length);
        }
      });
    }
  };
  const dir = Deno.makeTempDirSync();
  try {
    const ints = (n: number) => Array.from({ length: n }, (_, i) => i).join(",");
    // 250 sets: the sweep's rest outlasts a worker's start-up anywhere.
    const code = await main([
      "run",
      `${ROOT}scenarios/ftrace-ops.ts`,
      ...["--param", `relevant=${ints(25)}`, "--param", `irrelevant=${ints(10)}`],
      ...["--cpu", "all", "--workers", "2", "--quiet", "--json", `${dir}/out.json`],
    ]);
    assert.equal(code, 0);
    assert.equal(started, 1, "one worker");
    assert.equal(sweepsMeasured.size, 1, "one sweep for the three CPU models");
    assert.deepEqual([...timingsPerCase], [3], "each case the worker ran was timed on every model");
    for (const cpu of ["apple-m1", "cortex-a55", "neoverse-n1"]) {
      const result = JSON.parse(Deno.readTextFileSync(`${dir}/out.${cpu}.json`));
      assert.equal(result.runs.length, 1_000, cpu);
    }
  } finally {
    globalThis.Worker = Original;
    Deno.removeSync(dir, { recursive: true });
  }
});
