/**
 * The V8 flags `deno task run` and `deno task bench` pass (README, Resident
 * memory). Deno exits at once on a flag its V8 does not know, so a Deno that
 * dropped one would break both tasks while `deno test`, which passes none,
 * still passed: this test runs this Deno with them.
 */
import assert from "node:assert/strict";

const ROOT = new URL("../../", import.meta.url);

/** The `--v8-flags=...` argument of a task in deno.json. */
function v8FlagsOf(task: string): string {
  const config = JSON.parse(Deno.readTextFileSync(new URL("deno.json", ROOT))) as {
    tasks: Record<string, string>;
  };
  const flags = config.tasks[task].split(/\s+/).filter((a) => a.startsWith("--v8-flags="));
  assert.equal(flags.length, 1, `task ${task} passes one --v8-flags argument`);
  return flags[0];
}

Deno.test("the run and bench tasks pass the same V8 flags", () => {
  assert.equal(v8FlagsOf("bench"), v8FlagsOf("run"));
  // The old generation held to twice what a collection left: the sweeps' peak memory.
  assert.match(v8FlagsOf("run"), /--heap-growing-percent=100(,|$)/);
});

Deno.test("this Deno's V8 takes the tasks' flags, and a sweep thread can collect", async () => {
  const out = await new Deno.Command(Deno.execPath(), {
    args: [
      "eval",
      v8FlagsOf("run"),
      // heap_bound.ts collects with the gc() that --expose-gc gives.
      "console.log(typeof (globalThis as { gc?: unknown }).gc)",
    ],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(out.stderr);
  assert.ok(out.success, `deno eval ${v8FlagsOf("run")} failed: ${stderr}`);
  assert.equal(new TextDecoder().decode(out.stdout).trim(), "function");
});
