/**
 * The sweep behind hygiene_test.ts, run in a process of its own so that its
 * resident memory is not mixed with other tests running in parallel. Prints
 * one JSON line: native resources before and after, and RSS growth in MiB.
 */
import { openNativeResources, unicornFactory } from "../../src/engine/unicorn.ts";
import { findVariant } from "../../src/kernel/variants/index.ts";
import { singleTracerOps } from "../../src/kernel/workload.ts";
import { measureCase, toWorkload } from "../../src/runner/run_scenario.ts";
import * as broken from "../fixtures/broken_variants.ts";

const workload = toWorkload({ target: { args: 4 }, ops: [singleTracerOps("ringbuf")] });
const good = findVariant("call-ops")!;
const before = openNativeResources();
let faults = 0;
const run = async (i: number) => {
  if (i % 50 === 49) {
    try {
      await measureCase(broken.faults, workload, "hygiene/faults", unicornFactory);
    } catch {
      faults++;
    }
  } else {
    await measureCase(good, workload, "hygiene/call-ops", unicornFactory);
  }
};
for (let i = 0; i < 150; i++) await run(i); // warm up caches and the allocator
const rssWarm = Deno.memoryUsage().rss;
for (let i = 0; i < 1350; i++) await run(i);
const grownMiB = (Deno.memoryUsage().rss - rssWarm) / 2 ** 20;
console.log(JSON.stringify({ before, after: openNativeResources(), faults, grownMiB }));
