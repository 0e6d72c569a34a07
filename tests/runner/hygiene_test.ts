/**
 * Long sweeps must not leak: engines and FFI callbacks are closed after
 * every case, failed ones included, and memory does not grow with the
 * number of cases.
 */
import assert from "node:assert/strict";
import { openNativeResources, unicornFactory } from "../../src/engine/unicorn.ts";
import { findVariant } from "../../src/kernel/variants/index.ts";
import { singleTracerOps } from "../../src/kernel/workload.ts";
import { measureCase, toWorkload } from "../../src/runner/run_scenario.ts";
import * as broken from "../fixtures/broken_variants.ts";

Deno.test("1,500 cases, one in fifty faulting: no engine or callback left open, flat memory", async () => {
  const workload = toWorkload({ target: { args: 4 }, ops: [singleTracerOps("ringbuf")] });
  const good = findVariant("call-ops")!;
  const before = openNativeResources();
  const run = async (i: number) => {
    if (i % 50 === 49) {
      await assert.rejects(() =>
        measureCase(broken.faults, workload, "hygiene/faults", unicornFactory)
      );
    } else {
      await measureCase(good, workload, "hygiene/call-ops", unicornFactory);
    }
  };
  for (let i = 0; i < 150; i++) await run(i); // warm up caches and the allocator
  const rssWarm = Deno.memoryUsage().rss;
  for (let i = 0; i < 1350; i++) await run(i);
  const grown = (Deno.memoryUsage().rss - rssWarm) / 2 ** 20;
  assert.deepEqual(openNativeResources(), before);
  assert.ok(grown < 64, `RSS grew ${grown.toFixed(1)} MiB over 1,350 cases`);
});
