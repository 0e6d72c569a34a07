/**
 * A sweep measured in this thread is CPU work with no I/O of its own. It must
 * still let the event loop turn (V8 finishes its collections there, and the
 * runs' file is written there), and it must not outrun the runs' consumer:
 * otherwise measured runs pile up in memory, waiting to be written.
 */
import assert from "node:assert/strict";
import { unicornFactory } from "../../src/engine/unicorn.ts";
import { runScenario } from "../../src/runner/run_scenario.ts";
import scenario from "../../scenarios/ftrace-ops.ts";

// Only data changes from set to set: after the first, no set waits on the assembler's files.
const overrides = new Map([
  ["relevant", [1]],
  ["irrelevant", Array.from({ length: 24 }, (_, i) => i)],
]);
const variants = ["args"];

Deno.test("a sweep in this thread lets timers run between its parameter sets", async () => {
  let ticks = 0;
  let sets = 0;
  const ticked: number[] = [];
  const timer = setInterval(() => ticks++, 1);
  try {
    await runScenario(scenario, {
      factory: unicornFactory,
      variants,
      overrides,
      onRuns: () => {
        sets++;
        ticked.push(ticks);
      },
    });
  } finally {
    clearInterval(timer);
  }
  assert.equal(sets, 24);
  // The timer fires while the later sets are measured: the loop turns mid-sweep.
  assert.ok(ticked[23] > ticked[8], `the timer did not fire after set 8 (${ticked.join(",")})`);
});

Deno.test("a sweep in this thread waits for a slow consumer of its runs", async () => {
  let measured = 0;
  let handed = 0;
  let mostBehind = 0;
  const result = await runScenario(scenario, {
    factory: unicornFactory,
    variants,
    overrides,
    // nop and args per set: a set is measured when its second case is.
    onCase: (done) => {
      if (done % 2 === 0) measured = done / 2;
      mostBehind = Math.max(mostBehind, measured - handed);
    },
    onRuns: async (runs) => {
      await new Promise((resolve) => setTimeout(resolve, 30));
      assert.equal(runs[0].params.irrelevant, handed, "sets are handed over in sweep order");
      handed++;
    },
    keepRun: () => false,
  });
  assert.equal(handed, 24);
  assert.deepEqual(result.runs, []);
  // At most a few sets wait for the consumer; without waiting, nearly all would.
  assert.ok(mostBehind <= 6, `${mostBehind} measured sets waited for their consumer`);
});
