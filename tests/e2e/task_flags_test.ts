/**
 * The V8 flags `deno task run` and `deno task bench` pass (bench/README.md, Resident
 * memory). Deno exits at once on a flag its V8 does not know, so a Deno that
 * dropped one would break both tasks while `deno test`, which passes none,
 * still passed: this test runs this Deno with them. The flags are read as
 * the sweep bench reads them for its children.
 */
import assert from "node:assert/strict";
import { taskV8Flags } from "../../bench/sweep.bench.ts";

const ROOT = new URL("../../", import.meta.url);

Deno.test("the run and bench tasks pass the same V8 flags", () => {
  const run = taskV8Flags("run");
  assert.equal(run.length, 1, "the run task passes one --v8-flags argument");
  assert.deepEqual(taskV8Flags("bench"), run);
  // The old generation held to 1.5 times what a collection left: the sweeps' peak memory, and
  // a long sweep's memory flat after its first 10,000 cases (bench/README.md, Resident memory).
  assert.match(run[0], /--heap-growing-percent=50(,|$)/);
  // The young generation grown from 1 MB to its 4 MB cap in one step: a one-case run scavenges
  // twice instead of four times (bench/README.md, one case).
  assert.match(run[0], /--max-semi-space-size=4,--semi-space-growth-factor=4(,|$)/);
  // Every function compiled when its module is, so the code cache holds them all: a one-case
  // run compiles nothing lazily (bench/README.md, one case).
  assert.match(run[0], /--no-lazy(,|$)/);
});

Deno.test("this Deno's V8 takes the tasks' flags, and a sweep thread can collect", async () => {
  const flags = taskV8Flags("run");
  const out = await new Deno.Command(Deno.execPath(), {
    // heap_bound.ts collects with the gc() that --expose-gc gives.
    args: ["eval", ...flags, "console.log(typeof (globalThis as { gc?: unknown }).gc)"],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(out.stderr);
  assert.ok(out.success, `deno eval ${flags.join(" ")} failed: ${stderr}`);
  assert.equal(new TextDecoder().decode(out.stdout).trim(), "function");
});
