/**
 * The command line as a user runs it, from a fresh copy of the working tree
 * (what a clone would contain), including every bad input of the harness core.
 */
import assert from "node:assert/strict";
import { deno as cli, freshCopy } from "../robustness/cli.ts";

const run = (...args: string[]) => cli(["run", "-A", "mod.ts", "run", ...args]);

Deno.test("deno task run single-tracer --json - from a fresh copy: same metrics twice", async () => {
  const dir = await freshCopy();
  try {
    const first = await cli(["task", "-q", "run", "scenarios/single-tracer.ts", "--json", "-"], {
      cwd: dir,
    });
    assert.equal(first.code, 0, first.stderr);
    const second = await cli(["task", "-q", "run", "scenarios/single-tracer.ts", "--json", "-"], {
      cwd: dir,
    });
    assert.equal(second.code, 0, second.stderr);
    const a = JSON.parse(first.stdout), b = JSON.parse(second.stdout);
    assert.equal(a.schema, 1);
    assert.equal(a.cpu, null);
    assert.equal(a.tool.name, "ftrace-bench");
    assert.equal(a.runs.length, 9 * 5, "args 0..8 x five variants");
    for (const r of a.runs) {
      assert.equal(r.ok, true, `${r.variant} ${JSON.stringify(r.params)}: ${r.reason}`);
      for (
        const key of ["instructions", "loads", "stores", "loadBytes", "storeBytes", "branches"]
      ) {
        assert.equal(typeof r.metrics[key], "number");
        assert.equal(typeof r.overhead[key], "number");
      }
      assert.ok(r.phases.body.instructions > 0);
    }
    assert.deepEqual(a.runs, b.runs, "two runs give identical results");
    // The table went to stderr, so stdout is pure JSON.
    assert.match(first.stderr, /variant +params +insns/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the table lists every variant with overhead and check status", async () => {
  const r = await run("scenarios/single-tracer.ts", "--param", "args=2,3");
  assert.equal(r.code, 0, r.stderr);
  // Parameters with one value are said once; the varying ones fill the params column.
  assert.match(r.stdout, /^\(every run: tracer=empty\)$/m);
  for (const v of ["nop", "regs", "args", "call-ops", "direct"]) {
    assert.match(
      r.stdout,
      new RegExp(`^${v} +args=2 +\\d+ +\\d+ +\\d+ +\\d+ +\\+\\d+ insns +ok$`, "m"),
    );
  }
});

/** A bad input: non-zero exit, a one-paragraph error, nothing written. */
async function assertRefused(args: string[], message: RegExp, env?: Record<string, string>) {
  const json = await Deno.makeTempFile({ suffix: ".json" });
  await Deno.remove(json);
  const r = await cli(["run", "-A", "mod.ts", "run", ...args, "--json", json], { env });
  assert.notEqual(r.code, 0, `expected failure for ${args.join(" ")}`);
  assert.match(r.stderr, message);
  assert.doesNotMatch(r.stderr, /internal error|^ {4}at /m, "no stack trace");
  await assert.rejects(() => Deno.stat(json), Deno.errors.NotFound, "no partial JSON left behind");
}

Deno.test("bad input: unknown scenario file", () =>
  assertRefused(["scenarios/nope.ts"], /^error: scenario file scenarios\/nope.ts not found/));

Deno.test("bad input: a module that is not a scenario, or throws at import", async () => {
  await assertRefused(["tests/fixtures/not-a-scenario.ts"], /must default-export a scenario/);
  await assertRefused(
    ["tests/fixtures/throws-at-import.ts"],
    /failed to load: .*broken on purpose/,
  );
});

Deno.test("bad input: unknown variant and unknown parameter", async () => {
  await assertRefused(
    ["scenarios/single-tracer.ts", "--variant", "fentry"],
    /no variant fentry \(variants: nop, regs/,
  );
  await assertRefused(
    ["scenarios/single-tracer.ts", "--param", "nargs=2"],
    /no parameter nargs \(parameters: args, tracer\)/,
  );
});

Deno.test("bad input: parameter of the wrong type or out of range", async () => {
  await assertRefused(
    ["scenarios/single-tracer.ts", "--param", "args=two"],
    /parameter args expects an integer, got "two"/,
  );
  await assertRefused(
    ["scenarios/single-tracer.ts", "--param", "args=9"],
    /parameter args expects an integer <= 8, got 9/,
  );
  await assertRefused(
    ["scenarios/single-tracer.ts", "--param", "tracer=loud"],
    /expects one of empty, ringbuf/,
  );
});

Deno.test("bad input: an unknown --cpu names the models there are", () =>
  assertRefused(
    ["scenarios/single-tracer.ts", "--cpu", "pentium"],
    /--cpu pentium: unknown CPU model "pentium"; models: cortex-a55, neoverse-n1, apple-m1, all/,
  ));

Deno.test("bad input: assembly syntax error names the file and line", () =>
  assertRefused(
    ["tests/fixtures/broken-scenario.ts", "--variant", "syntax-error"],
    /assembly error in the code from tests\/fixtures\/broken_variants.ts, line \d+ of its text: "mov x1, x9, x10": invalid operand/,
  ));

/** `s` as a regular expression matching exactly it. */
const literal = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/**
 * A case of the broken fixture that faults (or overruns its budget) is that
 * case's failure, with its oops: the run exits 1 but writes its JSON, the
 * table row and the JSON run say why, stderr has the oops in full, and the
 * `args` variant of the same run is still measured.
 */
async function assertFaultedCase(variant: string, headline: string, oops: RegExp) {
  const json = await Deno.makeTempFile({ suffix: ".json" });
  await Deno.remove(json);
  try {
    const r = await run(
      "tests/fixtures/broken-scenario.ts",
      "--variant",
      variant,
      "--variant",
      "args",
      "--json",
      json,
    );
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stderr, oops);
    assert.doesNotMatch(r.stderr, /internal error|^error: |^ {4}at /m, "a result, not an error");
    // The table: the faulting row carries the oops headline; the other variant was measured.
    // The cell keeps the first 87 characters of a long headline, then "...".
    const cell = headline.length > 90 ? `${headline.slice(0, 87)}...` : headline;
    assert.match(r.stdout, new RegExp(`^${variant} .* FAILED: fault: ${literal(cell)}$`, "m"));
    assert.match(r.stdout, /^args +\d+ +\d+ +\d+ +\d+ +\+\d+ insns +ok$/m);

    const result = JSON.parse(await Deno.readTextFile(json));
    assert.deepEqual(
      result.runs.map((run: { variant: string; status: string }) => [run.variant, run.status]),
      [[variant, "failed"], ["args", "ok"]],
      "the fault ended only its own case",
    );
    const [failed, measured] = result.runs;
    assert.deepEqual(failed.params, { args: 2 });
    assert.equal(failed.ok, false);
    assert.equal(failed.metrics, null);
    assert.equal(failed.overhead, null);
    assert.equal(failed.phases, null);
    assert.equal(failed.checks.length, 1);
    const [check] = failed.checks;
    assert.equal(check.name, "fault");
    assert.equal(check.ok, false);
    assert.equal(check.detail.split("\n")[0], `Oops: ${headline}`);
    assert.match(check.detail, oops);
    assert.equal(failed.reason, `fault: ${check.detail}`);
    // stderr has the failed case's whole oops, named by scenario, variant and parameters.
    assert.ok(
      r.stderr.includes(`broken ${variant} (args=2) failed fault: ${check.detail}`),
      `the full oops on stderr:\n${r.stderr}`,
    );

    assert.equal(measured.ok, true);
    assert.deepEqual(measured.checks.filter((c: { ok: boolean }) => !c.ok), []);
    assert.ok(measured.metrics.instructions > 0);
    assert.ok(measured.overhead.instructions > 0);
  } finally {
    await Deno.remove(json).catch(() => {});
  }
}

Deno.test("an emulated fault is that case's failure, with its oops; the sweep goes on", () =>
  assertFaultedCase(
    "faults",
    "unmapped fault accessing 0x10: Invalid memory read (UC_ERR_READ_UNMAPPED)",
    /Oops: unmapped fault[\s\S]*Registers:/,
  ));

Deno.test("an instruction budget overrun is that case's failure, with its oops; the sweep goes on", () =>
  assertFaultedCase(
    "spins",
    "instruction budget of 5000 exhausted before the traced call returned; the scenario's " +
      "`budget` field sets it (default 200000): raise it there if this path is meant to run longer",
    /instruction budget of 5000 exhausted[\s\S]*Last branch targets/,
  ));

Deno.test("bad input: llvm-mc missing names the package", () =>
  assertRefused(["scenarios/single-tracer.ts", "--param", "args=1"], /llvm-mc-19.*llvm-19/, {
    PATH: "/nonexistent",
  }));

Deno.test("a failing check exits non-zero but still reports every case", async () => {
  const r = await run(
    "tests/fixtures/broken-scenario.ts",
    "--variant",
    "args",
    "--variant",
    "clobbers-x19",
  );
  assert.equal(r.code, 1);
  assert.match(r.stdout, /^args .* ok$/m);
  // The failed check's cell carries its detail: the register, its value and what it should be.
  assert.match(
    r.stdout,
    /^clobbers-x19 .* FAILED: callee-saved: x19 = 0x1234 \(was 0xc0de5a7e00000013\)$/m,
  );
  assert.match(
    r.stderr,
    /^broken clobbers-x19 \(args=2\) failed callee-saved: x19 = 0x1234 \(was 0xc0de5a7e00000013\)$/m,
  );
});

Deno.test("an undefined instruction is that case's failure, with an oops naming it; the sweep goes on", () =>
  assertFaultedCase(
    "undefined-instruction",
    "invalid-instruction fault: Invalid instruction (UC_ERR_INSN_INVALID)",
    /Oops: invalid-instruction fault[\s\S]*> 0x[0-9a-f]+ ftrace_caller\+0x[0-9a-f]+ +0x00000000/,
  ));

Deno.test("a word Unicorn cannot translate is that case's failure, not the process's end", () =>
  assertFaultedCase(
    "untranslatable",
    "invalid-instruction fault: Invalid instruction (UC_ERR_INSN_INVALID); 0x4ec02717 is an " +
      "unallocated FP16 AdvSIMD encoding that Unicorn 2.0.1 cannot translate (it aborts the " +
      "process), so nothing was run",
    /Oops: invalid-instruction fault[\s\S]*> 0x[0-9a-f]+ ftrace_caller\+0x[0-9a-f]+ +0x4ec02717/,
  ));

Deno.test("bad input: libunicorn missing names the package", () =>
  assertRefused(
    ["scenarios/single-tracer.ts", "--param", "args=1"],
    /libunicorn.so.2 could not be loaded; install it with `apt-get install libunicorn2`/,
    { FTRACE_BENCH_LIBUNICORN: "/nonexistent/libunicorn.so.2" },
  ));

/** A result file's text without its run date (the one line two runs of a sweep differ in). */
async function undated(path: string): Promise<string> {
  return (await Deno.readTextFile(path)).replace(/^ *"date": .*\n/m, "");
}

Deno.test("--quiet --json FILE streams the runs to the file: the same file, failures still reported", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ftrace-bench-stream-" });
  try {
    const sweep = [
      "tests/fixtures/broken-scenario.ts",
      "--variant",
      "args",
      "--variant",
      "clobbers-x19",
      "--param",
      "args=1,2,3",
      "--listing",
      "all",
    ];
    const held = await run(...sweep, "--json", `${dir}/held.json`);
    const streamed = await run(...sweep, "--json", `${dir}/streamed.json`, "--quiet");
    assert.equal(held.code, 1, held.stderr);
    assert.equal(streamed.code, 1, streamed.stderr);
    assert.equal(streamed.stdout, "");
    assert.match(streamed.stderr, /^broken clobbers-x19 \(args=3\) failed callee-saved: /m);
    const text = await undated(`${dir}/streamed.json`);
    assert.equal(text, await undated(`${dir}/held.json`));
    assert.match(text, /^ {6}"listing": \[$/m, "the listed runs' listings are in the stream");
    // Measured by workers, the streamed runs are in sweep order all the same.
    const upTo19 = Array.from({ length: 20 }, (_, i) => i).join(",");
    const big = [
      "scenarios/ftrace-ops.ts",
      "--param",
      `relevant=${upTo19}`,
      "--param",
      `irrelevant=${upTo19}`,
    ];
    const one = await run(...big, "--json", `${dir}/one.json`, "--quiet", "--workers", "1");
    const two = await run(...big, "--json", `${dir}/two.json`, "--quiet", "--workers", "2");
    assert.equal(one.code, 0, one.stderr);
    assert.equal(two.code, 0, two.stderr);
    assert.equal(await undated(`${dir}/two.json`), await undated(`${dir}/one.json`));
    assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name).sort(), [
      "held.json",
      "one.json",
      "streamed.json",
      "two.json",
    ], "no temp file is left behind");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("bad input: an unwritable --json path is refused and nothing is left behind", async () => {
  const r = await run(
    "scenarios/single-tracer.ts",
    "--param",
    "args=1",
    "--json",
    "/proc/ftrace-bench/out.json",
  );
  assert.notEqual(r.code, 0);
  assert.match(r.stderr, /^error: cannot write \/proc\/ftrace-bench\/out.json: /m);
});

Deno.test("bad input: --workers must be a whole number from 1 to 64", () =>
  assertRefused(
    ["scenarios/single-tracer.ts", "--workers", "0"],
    /--workers 0: expected a whole number/,
  ));
