/**
 * Worker threads: a big sweep really runs in workers (counted here, not
 * assumed), and gives the same runs, in the same order, as one thread.
 */
import assert from "node:assert/strict";
import { loadScenario } from "../../src/cli/main.ts";
import { unicornFactory } from "../../src/engine/unicorn.ts";
import { runScenario, WORKER_START_MS, workersPay } from "../../src/runner/run_scenario.ts";
import type { ParamValue } from "../../src/runner/result.ts";
import { describeError, EXIT_INPUT, exitCodeOf } from "../../src/cli/errors.ts";
import { CasePool, RemoteCaseError, SetClaims } from "../../src/runner/case_pool.ts";

const ROOT = new URL("../../", import.meta.url).pathname;

/** Run `f` with every Worker the harness starts counted, with the sets they measure. */
async function countingWorkers<T>(f: () => Promise<T>, onSet?: () => void) {
  const Original = globalThis.Worker;
  const seen = { started: 0, sets: 0, urls: new Set<string>() };
  class Counting extends Original {
    constructor(url: string | URL, options?: WorkerOptions) {
      super(url, options);
      seen.started++;
      seen.urls.add(String(url));
      this.addEventListener("message", (e) => {
        if (!("results" in (e as MessageEvent).data)) return;
        seen.sets++;
        onSet?.();
      });
    }
  }
  globalThis.Worker = Counting;
  try {
    return { value: await f(), ...seen };
  } finally {
    globalThis.Worker = Original;
  }
}

Deno.test("a worker measures a big sweep beside this thread: same runs, same order, as one thread", async () => {
  const scenario = await loadScenario(`${ROOT}scenarios/ftrace-ops.ts`);
  // 10 x 5 parameter sets x (4 variants, nop measured once as the baseline) = 200 cases.
  const overrides = new Map<string, ParamValue[]>([
    ["relevant", [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]],
    ["irrelevant", [0, 1, 2, 3, 4]],
  ]);
  // The runs are taken only once the worker has measured a set: this thread, which waits
  // when more than four sets are behind, cannot claim every set before the worker starts.
  let workerMeasured!: () => void;
  const taken = new Promise<void>((resolve) => workerMeasured = resolve);
  // Workers taken to start for free: they pay as soon as one set has been measured here.
  const parallel = await countingWorkers(
    () =>
      runScenario(scenario, {
        factory: unicornFactory,
        workers: 2,
        overrides,
        workerStartMs: 0,
        onRuns: () => taken,
      }),
    () => workerMeasured(),
  );
  assert.equal(parallel.started, 1, "two threads: this one and one worker");
  assert.deepEqual([...parallel.urls].map((u) => u.replace(/^.*\/src\//, "src/")), [
    "src/runner/case_worker.ts",
  ]);
  // The first set measured here; the 49 others claimed by this thread and the worker alike.
  assert.ok(parallel.sets > 0 && parallel.sets <= 45, `the worker measured ${parallel.sets} sets`);
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
  // A worker's start-up (200 ms) slows this thread: it pays once the rest outlasts three.
  assert.equal(workersPay(100, 2, WORKER_START_MS), false, "100 ms of cases left");
  assert.equal(workersPay(500, 2, WORKER_START_MS), false, "500 ms of cases left");
  assert.equal(workersPay(700, 2, WORKER_START_MS), true, "700 ms of cases left");
  assert.equal(workersPay(2_000, 2, WORKER_START_MS), true, "2 s of cases left");
  assert.equal(workersPay(50, 2, 0), true, "workers already running");
  assert.equal(workersPay(10_000, 1, 0), false, "one thread: never");
});

Deno.test("a set whose workload() throws ends the sweep with the same error on one thread and on two", async () => {
  const scenario = await loadScenario(`${ROOT}tests/fixtures/throws-late.ts`);
  const expected =
    /^error: scenario throws-late, parameter set n=150: workload\(\) threw: no workload for n=150$/;
  for (const workers of [1, 2]) {
    const counted = await countingWorkers(() =>
      runScenario(scenario, { factory: unicornFactory, workers, workerStartMs: 0 }).then(
        () => assert.fail("the sweep went through"),
        (e) => e,
      )
    );
    assert.equal(counted.started, workers - 1);
    assert.match(describeError(counted.value), expected, `${workers} thread(s)`);
    assert.equal(exitCodeOf(counted.value), EXIT_INPUT);
  }
});

Deno.test("a worker's error ends its sweep with the same text, and no set after it is claimed", async () => {
  const pool = new CasePool(1);
  try {
    const claims = new SetClaims(200);
    const measured: number[] = [];
    // Only the worker claims: it measures sets 0..149 and fails on 150.
    const error = await pool.sweep(
      {
        scenarioUrl: new URL(`file://${ROOT}tests/fixtures/throws-late.ts`).href,
        kernel: "model",
        cpus: [],
        variants: ["nop", "args"],
        sets: Array.from({ length: 200 }, (_, n) => ({ n })),
        hotPaths: [],
      },
      claims,
      (position, outcomes) => {
        assert.equal(outcomes.length, 2);
        measured.push(position);
      },
    ).then(() => assert.fail("the sweep went through"), (e) => e);
    assert.ok(error instanceof RemoteCaseError);
    assert.match(
      describeError(error),
      /^error: scenario throws-late, parameter set n=150: workload\(\) threw: no workload for n=150$/,
    );
    assert.equal(exitCodeOf(error), EXIT_INPUT);
    assert.deepEqual(measured, Array.from({ length: 150 }, (_, n) => n));
    assert.equal([...claims].length, 0, "the claims were stopped");
  } finally {
    pool.close();
  }
});
