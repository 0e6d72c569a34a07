/**
 * The execution log: the native one (C hooks, built on first use) and the
 * JavaScript fallback must log the same blocks, accesses and sp events, so
 * no count, check or cycle depends on which one ran.
 */
import { singleCpu } from "../../src/timing/case.ts";
import assert from "node:assert/strict";
import type { ExecutionLog } from "../../src/engine/engine.ts";
import {
  executionLogChoice,
  executionLogStats,
  NO_NATIVE_ENV,
  openExecutionLog,
} from "../../src/engine/execution_log.ts";
import {
  loadNativeHooks,
  nativeLogStats,
  nativeTraceHooks,
} from "../../src/engine/native_trace_log.ts";
import { unicornFactory } from "../../src/engine/unicorn.ts";
import { defaultLayout } from "../../src/kernel/layout.ts";
import { findVariant } from "../../src/kernel/variants/index.ts";
import type { Variant } from "../../src/kernel/variants/variant.ts";
import { singleTracerOps } from "../../src/kernel/workload.ts";
import { loadUnit, mapImage } from "../../src/runner/machine.ts";
import { measureCase, toWorkload } from "../../src/runner/run_scenario.ts";
import * as broken from "../fixtures/broken_variants.ts";

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

/** The native hooks; without a C compiler the test fails, naming the package to install. */
async function requireNativeHooks() {
  assert.ok(
    await hasCompiler(),
    "no C compiler (cc, gcc or clang): the native execution log cannot be built or tested; " +
      "install it with `apt-get install gcc`",
  );
  const hooks = await nativeTraceHooks();
  assert.ok(hooks, "a C compiler is installed, but the native log did not build or load");
  return hooks;
}

/**
 * `f` once with the native log and once with the JavaScript one, checking
 * that each run really used the log it claims to compare.
 */
async function bothLogs<T>(f: () => Promise<T>): Promise<{ native: T; script: T }> {
  await requireNativeHooks();
  const before = { ...executionLogStats };
  const native = await f();
  assert.ok(executionLogStats.native > before.native, "the native log was used");
  assert.equal(executionLogStats.script, before.script, "and only the native log");
  executionLogChoice.native = false;
  try {
    const script = await f();
    assert.ok(executionLogStats.script > before.script, "the JavaScript log was used");
    return { native, script };
  } finally {
    executionLogChoice.native = true;
  }
}

Deno.test(`${NO_NATIVE_ENV} set when the process starts chooses the JavaScript log`, async () => {
  const choice = async (env: Record<string, string>) => {
    const module = new URL("../../src/engine/execution_log.ts", import.meta.url).href;
    const out = await new Deno.Command(Deno.execPath(), {
      args: [
        "eval",
        `const m = await import("${module}"); console.log(m.executionLogChoice.native)`,
      ],
      env,
      stdout: "piped",
    }).output();
    assert.ok(out.success);
    return new TextDecoder().decode(out.stdout).trim();
  };
  assert.equal(await choice({ [NO_NATIVE_ENV]: "1" }), "false");
  assert.equal(await choice({}), "true");
});

Deno.test("the native log builds (a C compiler is required to test it)", async () => {
  await requireNativeHooks();
});

const workload = toWorkload({ target: { args: 5 }, ops: [singleTracerOps("ringbuf")] });

Deno.test("native and JavaScript logs give identical results, checks and cycles", async () => {
  const variants: Variant[] = [
    ...["regs", "args", "call-ops", "direct"].map((name) => findVariant(name)!),
    broken.misalignedSp,
  ];
  for (const variant of variants) {
    const cpu = await singleCpu("neoverse-n1:cold");
    const { native, script } = await bothLogs(() =>
      measureCase(
        variant,
        workload,
        `log/${variant.name}`,
        unicornFactory,
        10_000,
        [cpu],
      )
    );
    assert.ok(!("notApplicable" in native) && native.timings?.length === 1, variant.name);
    assert.deepEqual(script, native, variant.name);
  }
});

Deno.test("a misaligned sp is reported at its first sp-based access, native or not", async () => {
  const { native, script } = await bothLogs(async () => {
    const m = await measureCase(broken.misalignedSp, workload, "log/misaligned", unicornFactory);
    assert.ok(!("notApplicable" in m));
    return m.checks.find((c) => c.name === "sp-alignment")!;
  });
  assert.equal(native.ok, false);
  assert.match(
    native.detail,
    /^sp = 0x[0-9a-f]*8 at ftrace_caller\+0x[0-9a-f]+ \(st[pr]\b.* through sp\)/,
  );
  assert.deepEqual(script, native);
});

const PROGRAM = `
	.section .text, "ax", %progbits
	.globl start
start:
	sub sp, sp, #8          // misaligned from here on
	mov x0, sp
	str x1, [x0]            // a stack access, but not through sp: allowed
	str x1, [sp]            // through a misaligned sp: an event
	bl leaf                 // a call with sp misaligned: an entry event
	add sp, sp, #8
	ldr x2, =data
	ldr x3, [x2]            // not the stack
	.globl stop
stop:
	nop
leaf:
	ret
	.section .data, "aw", %progbits
data:
	.quad 7
`;

/** Run PROGRAM twice on one engine with a log, then clear it. */
async function runProgram(): Promise<{ before: ExecutionLog; code: Record<string, number> }> {
  const layout = defaultLayout();
  const image = await loadUnit(
    { name: "log-test", chunks: [{ origin: "test", text: PROGRAM }] },
    layout,
  );
  const engine = unicornFactory.create();
  try {
    mapImage(engine, image, layout);
    const stackTop = layout.stackBase + BigInt(layout.stackSize);
    const log = await openExecutionLog(engine, {
      accesses: true,
      stack: { begin: layout.stackBase, end: stackTop - 1n },
    });
    for (let i = 0; i < 2; i++) {
      engine.writeRegister("sp", stackTop - 64n);
      assert.equal(engine.run(image.address("start"), image.address("stop"), 1000), "until");
    }
    // A plain copy: the log's own arrays are reused after clear().
    const before = structuredClone({
      ...log,
      blockStart: log.blockStart.slice(0, log.blockCount),
      blockSize: log.blockSize.slice(0, log.blockCount),
      blockAccess: log.blockAccess.slice(0, log.blockCount),
      accessAddress: log.accessAddress.slice(0, log.accessCount),
      accessSize: log.accessSize.slice(0, log.accessCount),
      accessWrite: log.accessWrite.slice(0, log.accessCount),
    }) as unknown as ExecutionLog;
    log.clear();
    assert.equal(log.blockCount, 0);
    assert.equal(log.accessCount, 0);
    assert.deepEqual(log.misalignedEntries, []);
    const address = (name: string) => Number(image.address(name));
    return {
      before,
      code: { start: address("start"), leaf: address("leaf"), data: address("data") },
    };
  } finally {
    engine.close();
  }
}

Deno.test("a log holds blocks, accesses and sp events of every run until cleared", async () => {
  const { native, script } = await bothLogs(runProgram);
  assert.deepEqual(script, native);
  const { before: log, code } = native;
  const afterCall = code.start + 20;
  // Per run: start (up to the bl), leaf, then the rest up to stop.
  assert.deepEqual([...log.blockStart], [
    code.start,
    code.leaf,
    afterCall,
    code.start,
    code.leaf,
    afterCall,
  ]);
  // Per run: two stack stores, then the literal load and the data load.
  assert.deepEqual([...log.accessWrite], [1, 1, 0, 0, 1, 1, 0, 0]);
  assert.equal(log.accessAddress[3], code.data);
  assert.deepEqual([...log.blockAccess], [0, 2, 2, 4, 6, 6]);
  // Both stack stores ran with sp misaligned; the checks keep only the sp-based one.
  assert.deepEqual(
    log.misalignedStackAccesses.map((e) => [e.block, e.pc - code.start]),
    [[0, 8], [0, 12], [3, 8], [3, 12]],
  );
  // sp was aligned when start was entered, misaligned at the leaf and after the call.
  assert.deepEqual(
    log.misalignedEntries.map((e) => [e.block, e.pc]),
    [[1, code.leaf], [2, afterCall], [4, code.leaf], [5, afterCall]],
  );
  assert.equal(log.misalignedEntries[0].sp % 16n, 8n);
  assert.equal(log.spEventsTruncated, false);
});

Deno.test("a run longer than the native log holds is an error, not a short trace", async () => {
  const hooks = await requireNativeHooks(); // only the native log has a fixed capacity
  const layout = defaultLayout();
  const text = `
	.section .text, "ax", %progbits
	.globl start
start:
	b start
	.globl stop
stop:
	nop
`;
  const image = await loadUnit(
    { name: "log-overflow", chunks: [{ origin: "test", text }] },
    layout,
  );
  const engine = unicornFactory.create();
  try {
    mapImage(engine, image, layout);
    engine.openNativeLog!(hooks, { accesses: false, stack: { begin: 0n, end: 0n } });
    // One block per instruction: 2,000,000 blocks, more than the 2^20 one run may log.
    assert.throws(
      () => engine.run(image.address("start"), image.address("stop"), 2_000_000),
      /the run executed 2000001 blocks, more than the 1048576 the execution log holds; give the run a smaller instruction budget$/,
    );
  } finally {
    engine.close();
  }
});

/** The library `.cache/native/` holds for the current source (built by requireNativeHooks). */
async function builtLibrary(): Promise<{ name: string; bytes: Uint8Array; record: string }> {
  const source = await Deno.readFile(
    new URL("../../src/engine/native/trace_log.c", import.meta.url),
  );
  const digest = Array.from(
    new Uint8Array(await crypto.subtle.digest("SHA-256", source)),
    (b) => b.toString(16).padStart(2, "0"),
  ).join("");
  const name = `trace_log-${digest.slice(0, 16)}.so`;
  const path = new URL(`../../.cache/native/${name}`, import.meta.url).pathname;
  return {
    name,
    bytes: await Deno.readFile(path),
    record: await Deno.readTextFile(`${path}.sha256`),
  };
}

Deno.test("a truncated native library is rebuilt, never loaded", async () => {
  await requireNativeHooks();
  const dir = await Deno.makeTempDir({ prefix: "native-cache-" });
  try {
    // A copy (never mapped by this process) cut short, as a killed write or full disk leaves it.
    const { name, bytes, record } = await builtLibrary();
    await Deno.writeFile(`${dir}/${name}`, bytes.subarray(0, bytes.length >> 1));
    await Deno.writeTextFile(`${dir}/${name}.sha256`, record);
    const stats = { ...nativeLogStats };
    assert.ok(await loadNativeHooks({ cacheDir: dir }), "loads after the rebuild");
    assert.equal(nativeLogStats.builds - stats.builds, 1, "rebuilt once");
    assert.equal(
      nativeLogStats.loadFailures - stats.loadFailures,
      0,
      "the truncated file not loaded",
    );
    assert.equal((await Deno.readFile(`${dir}/${name}`)).length, bytes.length, "replaced");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a library that does not load is rebuilt once, then the JavaScript log with a note", async () => {
  await requireNativeHooks();
  const dir = await Deno.makeTempDir({ prefix: "native-cache-" });
  try {
    // A damaged library whose hash record matches it: only dlopen can tell.
    const { name } = await builtLibrary();
    const junk = new TextEncoder().encode("not a shared object\n");
    const digest = Array.from(
      new Uint8Array(await crypto.subtle.digest("SHA-256", junk)),
      (b) => b.toString(16).padStart(2, "0"),
    ).join("");
    await Deno.writeFile(`${dir}/${name}`, junk);
    await Deno.writeTextFile(`${dir}/${name}.sha256`, digest + "\n");
    const stats = { ...nativeLogStats };
    assert.ok(await loadNativeHooks({ cacheDir: dir }), "rebuilt by the real compiler, loaded");
    assert.equal(nativeLogStats.loadFailures - stats.loadFailures, 1);
    assert.equal(nativeLogStats.builds - stats.builds, 1);

    // A compiler that only ever produces junk: the rebuild fails too.
    const note = await fallBackWith(dir, [
      'while [ "$1" != "-o" ]; do shift; done',
      'echo junk > "$2"',
    ]);
    assert.match(
      note,
      /^note: the native execution log .*trace_log-[0-9a-f]{16}\.so does not load even after a rebuild \(.*\); using the JavaScript log \(same results, slower\)$/,
    );
    assert.ok(!note.includes("\n"), "one line");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/**
 * Load the hooks with `script` as the only C compiler (a shell script's lines; `$2` is the
 * output after the arguments are shifted to `-o`), whose library never loads: it is built,
 * rebuilt once, and the JavaScript log is used. Returns the one note printed.
 */
async function fallBackWith(dir: string, script: string[]): Promise<string> {
  const fake = `${dir}/fake-cc`;
  await Deno.writeTextFile(fake, ["#!/bin/sh", ...script, ""].join("\n"));
  await Deno.chmod(fake, 0o755);
  const notes: string[] = [];
  const stats = { ...nativeLogStats };
  const hooks = await loadNativeHooks({
    cacheDir: `${dir}/fallback`,
    compilers: [fake],
    note: (t) => notes.push(t),
  });
  assert.equal(hooks, null, "the JavaScript log");
  assert.equal(nativeLogStats.builds - stats.builds, 2, "built, then rebuilt once");
  assert.equal(nativeLogStats.loadFailures - stats.loadFailures, 2);
  assert.equal(notes.length, 1);
  return notes[0];
}

Deno.test("a library whose struct trace_log has another size is not used", async () => {
  const dir = await Deno.makeTempDir({ prefix: "native-cache-" });
  try {
    // A library with the hooks and a trace_log_size of 8: the size is read as the static's
    // value, and it is not the layout the TypeScript side mirrors.
    const note = await fallBackWith(dir, [
      'while [ "$1" != "-o" ]; do shift; done',
      'printf "%s\\n" "#include <stdint.h>" "void trace_log_block(void) {}" \\',
      '  "void trace_log_access(void) {}" "const uint64_t trace_log_size = 8;" |',
      '  cc -shared -fPIC -o "$2" -x c -',
    ]);
    assert.match(note, /\(struct trace_log is 8 bytes, expected \d+\)/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
