/**
 * The native access log (C, built on first use) and the JavaScript hook
 * must record the same trace, so cycles never depend on which one ran.
 */
import assert from "node:assert/strict";
import { unicornFactory } from "../../src/engine/unicorn.ts";
import { nativeAccessLog } from "../../src/engine/native_access_log.ts";
import { findVariant } from "../../src/kernel/variants/index.ts";
import { singleTracerOps } from "../../src/kernel/workload.ts";
import { measureCase, toWorkload } from "../../src/runner/run_scenario.ts";

async function hasCompiler(): Promise<boolean> {
  for (const cc of ["cc", "gcc", "clang"]) {
    try {
      if ((await new Deno.Command(cc, { args: ["--version"], stdout: "null" }).output()).success) {
        return true;
      }
    } catch {
      // not installed
    }
  }
  return false;
}

Deno.test("native and JavaScript access logs give identical cycles on every variant", async () => {
  if (await hasCompiler()) {
    assert.ok(await nativeAccessLog(), "the native log builds with a C compiler");
  }
  const workload = toWorkload({ target: { args: 5 }, ops: [singleTracerOps("ringbuf")] });
  for (const name of ["regs", "args", "call-ops", "direct"]) {
    const variant = findVariant(name)!;
    const timed = async () => {
      const m = await measureCase(
        variant,
        workload,
        `native/${name}`,
        unicornFactory,
        10_000,
        "neoverse-n1:cold",
      );
      assert.ok(!("notApplicable" in m) && m.timing);
      return m.timing;
    };
    const native = await timed();
    Deno.env.set("FTRACE_BENCH_NO_NATIVE", "1");
    try {
      assert.deepEqual(await timed(), native, name);
    } finally {
      Deno.env.delete("FTRACE_BENCH_NO_NATIVE");
    }
  }
});
