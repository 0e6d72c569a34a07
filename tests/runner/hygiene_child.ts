/**
 * The sweep behind hygiene_test.ts, run in a process of its own so that its
 * resident memory is not mixed with other tests running in parallel. Prints
 * one JSON line: native resources before and after, how the cases came back,
 * and RSS growth in MiB.
 */
import { openNativeResources, unicornFactory } from "../../src/engine/unicorn.ts";
import { trimNativeHeap } from "../../src/engine/unicorn_ffi.ts";
import { findVariant } from "../../src/kernel/variants/index.ts";
import { singleTracerOps } from "../../src/kernel/workload.ts";
import { measureCase, toWorkload } from "../../src/runner/run_scenario.ts";
import * as broken from "../fixtures/broken_variants.ts";

const workload = toWorkload({ target: { args: 4 }, ops: [singleTracerOps("ringbuf")] });
const good = findVariant("call-ops")!;
const before = openNativeResources();
/** Cases that came back failed with just the NULL load's oops, cases measured ok, anything else. */
let faults = 0, ok = 0;
const unexpected: string[] = [];
const run = async (i: number) => {
  const faulting = i % 50 === 49;
  const variant = faulting ? broken.faults : good;
  const m = await measureCase(variant, workload, `hygiene/${variant.name}`, unicornFactory);
  const failed = "notApplicable" in m ? [] : m.checks.filter((c) => !c.ok);
  if (
    faulting && failed.length === 1 && failed[0].name === "fault" &&
    /^Oops: unmapped fault accessing 0x10: /.test(failed[0].detail)
  ) {
    faults++;
  } else if (!faulting && !("notApplicable" in m) && failed.length === 0) {
    ok++;
  } else if (unexpected.length < 10) {
    unexpected.push(`case ${i} (${variant.name}): ${JSON.stringify(m).slice(0, 300)}`);
  }
};
// What is still held, not what the JavaScript heap has yet to collect or what
// malloc keeps of freed memory: a full collection and a trim of the C heap
// before each reading (the test runs this with --expose-gc).
const rss = () => {
  (globalThis as { gc?: () => void }).gc?.();
  trimNativeHeap();
  return Deno.memoryUsage().rss;
};
// Warm up caches and the allocator: resident memory settles after about a
// thousand cases (it then moves up and down by tens of MiB, with no trend).
for (let i = 0; i < 1000; i++) await run(i);
const rssWarm = rss();
for (let i = 0; i < 2000; i++) await run(i);
const grownMiB = (rss() - rssWarm) / 2 ** 20;
console.log(
  JSON.stringify({ before, after: openNativeResources(), faults, ok, unexpected, grownMiB }),
);
