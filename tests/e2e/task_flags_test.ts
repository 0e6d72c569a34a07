/**
 * The V8 flags `deno task run` and `deno task bench` pass (bench/README.md, Resident
 * memory). Deno exits at once on a flag its V8 does not know, so a Deno that
 * dropped one would break both tasks while `deno test`, which passes none,
 * still passed: this test runs this Deno with them. The flags are read as
 * the sweep bench reads them for its children.
 */
import assert from "node:assert/strict";
import { taskParts, taskV8Flags } from "../../bench/sweep.bench.ts";
import { ALLOCATOR_LIBRARY } from "../../src/cli/preload.ts";

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

Deno.test("the run and bench tasks preload the same allocator, which the bench's children get", () => {
  const run = taskParts("run");
  assert.deepEqual(run.env, { LD_PRELOAD: ALLOCATOR_LIBRARY });
  assert.deepEqual(taskParts("bench").env, run.env);
  // What follows the environment is deno's own command line.
  assert.equal(run.args[0], "run");
});

Deno.test("a task's environment words are read apart from its deno arguments", () => {
  const dir = Deno.makeTempDirSync();
  try {
    Deno.writeTextFileSync(
      `${dir}/deno.json`,
      JSON.stringify({
        tasks: {
          env: "deno run -A setup.ts && A=1 B_2=x=y deno run -A main.ts run",
          plain: "deno eval 1",
          other: "A=1 node main.js",
        },
      }),
    );
    assert.deepEqual(taskParts("env", `${dir}/`), {
      env: { A: "1", B_2: "x=y" },
      args: ["run", "-A", "main.ts", "run"],
    });
    assert.deepEqual(taskParts("plain", `${dir}/`), { env: {}, args: ["eval", "1"] });
    assert.throws(() => taskParts("other", `${dir}/`), /does not run deno/);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
});
