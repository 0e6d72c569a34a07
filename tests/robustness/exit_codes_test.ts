/**
 * Exit status: 0 ok; 1 a check or case failed, or a regression; 2 a usage or
 * input error (one paragraph, no stack); 3 an internal error, with its stack.
 * Every class of error has its own type; nothing is classified by message.
 */
import assert from "node:assert/strict";
import { AssemblyError, ToolMissingError } from "../../src/asm/assembler.ts";
import { LoadError } from "../../src/asm/loader.ts";
import { ElfError } from "../../src/asm/elf.ts";
import { ContractError } from "../../src/kernel/contract.ts";
import { PhaseError } from "../../src/measure/phases.ts";
import {
  DependencyError,
  describeError,
  EXIT_INPUT,
  EXIT_INTERNAL,
  exitCodeOf,
  UsageError,
} from "../../src/cli/errors.ts";
import { EngineError } from "../../src/engine/engine.ts";
import { KernelBuildError } from "../../src/kernel/real/build.ts";
import { DwarfError } from "../../src/kernel/real/dwarf.ts";
import { WriteError } from "../../src/report/results_file.ts";
import { RemoteCaseError } from "../../src/runner/case_pool.ts";
import { OopsError } from "../../src/runner/oops.ts";
import { ScenarioError } from "../../src/runner/scenario.ts";
import { StoreError } from "../../src/store/read.ts";
import { CpuModelError } from "../../src/timing/model.ts";
import { assertInputError, harness, withTempDir } from "./cli.ts";

Deno.test("each error type has its exit status; unknown errors are internal, with their stack", () => {
  const input = [
    new UsageError("u"),
    new ScenarioError("s"),
    new DependencyError("libunicorn.so.2 could not be loaded"),
    new StoreError("x.json is not valid JSON"),
    new AssemblyError("a", "unit", undefined, undefined, undefined, "m", 0, ""),
    new ToolMissingError("llvm-mc-19", "llvm-19"),
    new LoadError("l"),
    new ElfError("not an ELF file"),
    new ContractError("a probe on a symbol that does not exist"),
    new PhaseError("an instruction ran outside any declared phase"),
    new WriteError("w"),
    new CpuModelError("c"),
    new DwarfError("d"),
    new KernelBuildError("not prepared", "check tree", true),
    new RemoteCaseError("error: from a worker", false),
  ];
  for (const e of input) {
    assert.equal(exitCodeOf(e), EXIT_INPUT, e.name);
    assert.match(describeError(e), /^error: /, e.name);
    assert.doesNotMatch(describeError(e), /\n {4}at /, `${e.name}: no stack`);
  }
  const internal = [
    new RangeError("index out of range"),
    new TypeError("x is undefined"),
    new Error("plain"),
    new EngineError("api", 0, "bad mapping"),
    // A fault is a case's failure (status "failed"): reaching the command line is a bug.
    new OopsError("Oops: unmapped fault", 0n),
    "a string thrown",
  ];
  for (const e of internal) {
    assert.equal(exitCodeOf(e), EXIT_INTERNAL, String(e));
    assert.match(describeError(e), /^internal error: /, String(e));
  }
  assert.match(describeError(new RangeError("r")), /^internal error: RangeError: r\n {4}at /);
  // A reference kernel that failed to build: 3, as `deno task kernel` says, but no stack.
  const build = new KernelBuildError("make failed", "make prepare", false);
  assert.equal(exitCodeOf(build), EXIT_INTERNAL);
  assert.equal(describeError(build), "error: make failed");
  assert.equal(exitCodeOf(new RemoteCaseError("internal error: ...", true)), EXIT_INTERNAL);
});

Deno.test('exit 2: bad flag, command, parameter, variant, scenario file, --json ""', async () => {
  const refusals: [string[], RegExp][] = [
    [
      ["run", "scenarios/single-tracer.ts", "--bogus"],
      /unknown option --bogus[\s\S]*usage: deno task run/,
    ],
    // parseArgs's other refusals, and those of the commands that parse their own options.
    [["run", "scenarios/single-tracer.ts", "--json"], /option --json needs a value/],
    [["run", "scenarios/single-tracer.ts", "--quiet=yes"], /option --quiet takes no value/],
    [["run", "scenarios/single-tracer.ts", "-q"], /unknown option -q/],
    [["main", "extra"], /unexpected argument extra: this command takes none/],
    [["compare", "a.json", "b.json", "--bogus"], /unknown option --bogus[\s\S]*usage:/],
    [["kernel", "--bogus"], /unknown option --bogus[\s\S]*usage:/],
    [["asm", "--bogus"], /unknown option --bogus[\s\S]*usage:/],
    [["frobnicate"], /unknown command frobnicate/],
    [[], /expected a command/],
    [["run", "scenarios/single-tracer.ts", "--param", "args=two"], /expects an integer, got "two"/],
    [["run", "scenarios/single-tracer.ts", "--variant", "fentry"], /has no variant fentry/],
    [["run", "scenarios/nope.ts"], /scenario file scenarios\/nope\.ts not found/],
    [["run", "scenarios/single-tracer.ts", "--json", ""], /--json "": expected a file name/],
    [["report", "-o", ""], /--out "": expected a file name/],
    [["merge", "a.json", "-o", ""], /--out "": expected a file name/],
    [["main", "--out", ""], /--out "": expected a file name/],
    [["compare", "a.json"], /expected a baseline and a current results file/],
  ];
  for (const [args, message] of refusals) assertInputError(await harness(args), message);
});

Deno.test("exit 2: a parameter over its max names the bound and where to raise it", async () => {
  assertInputError(
    await harness(["run", "scenarios/ftrace-ops.ts", "--param", "irrelevant=100000000"]),
    /parameter irrelevant expects an integer <= 1000, got 100000000 \(the bound is the scenario's: `max: 1000` on its irrelevant parameter, in scenarios\/ftrace-ops\.ts; larger values need a larger max there\)/,
  );
});

Deno.test("exit 2: a workload() that throws names the scenario and the parameter set", async () => {
  await withTempDir(async (dir) => {
    const r = await harness([
      "run",
      "tests/robustness/fixtures/workload-throws.ts",
      "--json",
      `${dir}/out.json`,
    ]);
    assertInputError(
      r,
      /^error: scenario workload-throws \(tests\/robustness\/fixtures\/workload-throws\.ts\), parameter set n=3: workload\(\) threw: n=3 is not supported on purpose$/m,
    );
    assert.deepEqual([...Deno.readDirSync(dir)], [], "refused before running: nothing written");
  });
  // asm builds that one case: the same message, without the file (its case line names it).
  const asm = await harness([
    "asm",
    "tests/robustness/fixtures/workload-throws.ts",
    ...["--variant", "args", "--param", "n=3"],
  ]);
  assertInputError(
    asm,
    /^error: scenario workload-throws, parameter set n=3: workload\(\) threw: n=3 is not supported on purpose$/m,
  );
});

Deno.test("exit 2, before running: a workload beyond the model's bounds names the limit", async () => {
  const started = performance.now();
  // No declared max: a value that would exhaust memory building the workload is refused first.
  assertInputError(
    await harness(["run", "tests/robustness/fixtures/many-ops.ts", "--param", "ops=100000000"]),
    /parameter ops = 100000000 is over 1000000, the bound of an int parameter that declares no max; declare `max` on the ops parameter in tests\/robustness\/fixtures\/many-ops\.ts/,
  );
  assertInputError(
    await harness(["run", "tests/robustness/fixtures/many-ops.ts", "--param", "ops=100000"]),
    /parameter set ops=100000,args=2: the workload registers 100000 ftrace_ops, more than the 20000 the kernel model builds .*raise the bound with FTRACE_BENCH_MAX_OPS=100000/,
  );
  assertInputError(
    await harness(["run", "tests/robustness/fixtures/many-ops.ts", "--param", "args=12"]),
    /parameter set ops=1,args=12: the kernel model cannot run this workload: the traced function takes 12 arguments; the model passes 0\.\.8/,
  );
  // Raised on purpose, the bound lets the run through to the next check.
  assertInputError(
    await harness(
      ["run", "tests/robustness/fixtures/many-ops.ts", "--param", "ops=30000", "--param", "args=9"],
      { env: { FTRACE_BENCH_MAX_OPS: "30000" } },
    ),
    /ops=30000,args=9: the kernel model cannot run this workload: the traced function takes 9/,
  );
  assert.ok(performance.now() - started < 60_000, "refused quickly, not after running");
});

Deno.test("exit 3: an unexpected RangeError is an internal error, with its stack", async () => {
  const r = await harness([
    "run",
    "tests/robustness/fixtures/internal-error.ts",
    "--variant",
    "bug",
    "--quiet",
  ]);
  assert.equal(r.code, 3, r.stderr);
  assert.match(r.stderr, /^internal error: RangeError: index 9 out of range on purpose\n {4}at /m);
  assert.match(r.stderr, /fixtures\/internal-error\.ts:\d+:\d+/, "the stack names where");
});

Deno.test("exit 1: a failed check; exit 0: a clean run", async () => {
  const failed = await harness([
    "run",
    "tests/fixtures/broken-scenario.ts",
    "--variant",
    "clobbers-x19",
    "--quiet",
  ]);
  assert.equal(failed.code, 1, failed.stderr);
  assert.doesNotMatch(failed.stderr, /^error: |internal error/m, "a result, not an error");
  const ok = await harness([
    "run",
    "scenarios/single-tracer.ts",
    "--param",
    "args=1",
    "--variant",
    "args",
    "--quiet",
  ]);
  assert.equal(ok.code, 0, ok.stderr);
});

Deno.test("exit 2: a missing emulator library names its package", async () => {
  assertInputError(
    await harness(["run", "scenarios/single-tracer.ts", "--param", "args=1"], {
      env: { FTRACE_BENCH_LIBUNICORN: "/nonexistent/libunicorn.so.2" },
    }),
    /^error: libunicorn\.so\.2 could not be loaded; install it with `apt-get install libunicorn2`/m,
  );
});
