/**
 * Real kernel builds (src/kernel/real/build.ts). The first run builds 6.1 and
 * 6.12 (a couple of minutes each on two cores); later runs use the cache.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import {
  ensureKernel,
  hotPathConfigSummary,
  KernelBuildError,
  objectsHash,
  parseKernelConfig,
  verifyCachedKernel,
} from "../../src/kernel/real/build.ts";
import { parseElf } from "../../src/asm/elf.ts";

async function sha256(path: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", await Deno.readFile(path));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

function recorder(): { lines: string[]; progress: (line: string) => void } {
  const lines: string[] = [];
  return { lines, progress: (line) => lines.push(line) };
}

Deno.test("linux-6.12: built with per-callsite ops, the ftrace-ops sample, DWARF; second call cached", async () => {
  const first = await ensureKernel("linux-6.12", { progress: () => {} });
  assert.equal(first.name, "linux-6.12");
  assert.match(first.version, /^6\.12\.\d+$/);
  assert.match(first.source, /^debian:linux-source-6\.12 \S+$/);
  assert.equal(first.config.FUNCTION_TRACER, "y");
  assert.equal(first.config.DYNAMIC_FTRACE, "y");
  assert.equal(first.config.DYNAMIC_FTRACE_WITH_ARGS, "y");
  assert.equal(first.config.DYNAMIC_FTRACE_WITH_CALL_OPS, "y");
  assert.equal(first.config.DYNAMIC_FTRACE_WITH_REGS, "n");
  assert.ok(first.objects.ftraceOps, "6.12 has samples/ftrace/ftrace-ops.c");
  for (const path of Object.values(first.objects)) {
    const elf = parseElf(await Deno.readFile(path));
    assert.ok(elf.section(".debug_info"), `${path} has DWARF`);
  }
  const entry = parseElf(await Deno.readFile(first.objects.entryFtrace));
  assert.ok(entry.symbols.some((s) => s.name === "ftrace_caller"), "entry-ftrace.o: ftrace_caller");
  assert.ok(first.asmOffsets && (await Deno.readTextFile(first.asmOffsets)).includes("FREGS_"));
  assert.match(hotPathConfigSummary(first), /WITH_ARGS CALL_OPS/);

  const { lines, progress } = recorder();
  const second = await ensureKernel("linux-6.12", { progress });
  assert.equal(second.hash, first.hash);
  assert.deepEqual(second.objects, first.objects);
  assert.ok(!lines.some((l) => /building|extracting/.test(l)), lines.join("\n"));
});

Deno.test("linux-6.1: regs-saving ftrace, no ftrace-ops sample", async () => {
  const build = await ensureKernel("linux-6.1", { progress: () => {} });
  assert.match(build.version, /^6\.1\.\d+$/);
  assert.equal(build.config.FUNCTION_TRACER, "y");
  assert.equal(build.config.DYNAMIC_FTRACE_WITH_REGS, "y");
  assert.equal(build.config.DYNAMIC_FTRACE_WITH_CALL_OPS, "n");
  assert.equal(build.objects.ftraceOps, undefined);
  for (const path of Object.values(build.objects)) {
    assert.ok((await Deno.stat(path)).size > 0, path);
  }
  const entry = parseElf(await Deno.readFile(build.objects.entryFtrace));
  assert.ok(entry.symbols.some((s) => s.name === "ftrace_regs_caller"), "ftrace_regs_caller");
  assert.equal(
    build.hash,
    await objectsHash({
      entryFtrace: await sha256(build.objects.entryFtrace),
      ftrace: await sha256(build.objects.ftrace),
    }),
  );
});

Deno.test("a damaged cache entry is detected and names the file", async () => {
  const build = await ensureKernel("linux-6.12", { progress: () => {} });
  const copy = await Deno.makeTempDir({ prefix: "kernel-cache-" });
  try {
    const entry = join(copy, "entry");
    await Deno.mkdir(entry);
    for await (const f of Deno.readDir(build.dir)) {
      if (f.isFile) await Deno.copyFile(join(build.dir, f.name), join(entry, f.name));
    }
    const intact = await verifyCachedKernel(entry);
    assert.ok(intact.ok, intact.ok ? "" : intact.problem);
    assert.equal(intact.build.hash, build.hash);
    // The manifest's hash of ftrace.o is what the rebuilt (original) object has.
    const manifest = JSON.parse(await Deno.readTextFile(join(entry, "manifest.json")));
    assert.equal(manifest.objects.ftrace.sha256, await sha256(build.objects.ftrace));

    const bytes = await Deno.readFile(join(entry, "ftrace.o"));
    bytes[bytes.length >> 1] ^= 0x40;
    await Deno.writeFile(join(entry, "ftrace.o"), bytes);
    const damaged = await verifyCachedKernel(entry);
    assert.ok(!damaged.ok);
    assert.ok(damaged.exists);
    assert.match(damaged.problem, /ftrace\.o has sha256 [0-9a-f]+…, the manifest says/);

    await Deno.remove(join(entry, "entry-ftrace.o"));
    const missing = await verifyCachedKernel(entry);
    assert.ok(!missing.ok && /entry-ftrace\.o is missing/.test(missing.problem));

    await Deno.writeTextFile(join(entry, "manifest.json"), "{");
    const garbled = await verifyCachedKernel(entry);
    assert.ok(!garbled.ok && /not JSON/.test(garbled.problem));
  } finally {
    await Deno.remove(copy, { recursive: true });
  }
});

Deno.test("kernel config parsing: set, module, string and unset options", () => {
  const options = parseKernelConfig(
    'CONFIG_A=y\nCONFIG_B=m\nCONFIG_C="x y"\n# CONFIG_D is not set\n# comment\nCONFIG_E=0x10\n',
  );
  assert.deepEqual(Object.fromEntries(options), { A: "y", B: "m", C: "x y", D: "n", E: "0x10" });
  assert.equal(
    hotPathConfigSummary({
      config: {
        FUNCTION_TRACER: "y",
        DYNAMIC_FTRACE: "y",
        DYNAMIC_FTRACE_WITH_ARGS: "y",
        DYNAMIC_FTRACE_WITH_CALL_OPS: "y",
        DYNAMIC_FTRACE_WITH_DIRECT_CALLS: "y",
        ARM64_BTI_KERNEL: "y",
        ARM64_PTR_AUTH_KERNEL: "y",
      },
    }),
    "WITH_ARGS CALL_OPS DIRECT_CALLS BTI PAC",
  );
});

async function fakeTree(config: string, cacheRoot: string): Promise<string> {
  const dir = await Deno.makeTempDir({ dir: cacheRoot, prefix: "tree-" });
  await Deno.mkdir(join(dir, "include/generated"), { recursive: true });
  await Deno.writeTextFile(join(dir, "include/generated/autoconf.h"), "");
  await Deno.writeTextFile(join(dir, ".config"), config);
  return dir;
}

async function rejects(spec: string, cacheRoot: string, pattern: RegExp): Promise<void> {
  await assert.rejects(
    () => ensureKernel(spec, { cacheRoot, progress: () => {} }),
    (e: unknown) => {
      assert.ok(e instanceof KernelBuildError, String(e));
      assert.ok(e.input, "a problem with the tree is an input error");
      assert.match(e.message, pattern);
      return true;
    },
  );
}

Deno.test("user trees: not prepared, no function tracer, no debug info, unknown spec", async () => {
  const cacheRoot = await Deno.makeTempDir({ prefix: "kernel-cache-" });
  try {
    const empty = await Deno.makeTempDir({ dir: cacheRoot, prefix: "empty-" });
    await rejects(empty, cacheRoot, new RegExp(`${empty} is not a configured and prepared`));
    await rejects(empty, cacheRoot, /make ARCH=arm64 .*defconfig/);

    const noTracer = await fakeTree(
      "CONFIG_ARM64=y\nCONFIG_DYNAMIC_FTRACE=y\nCONFIG_DEBUG_INFO_DWARF5=y\n",
      cacheRoot,
    );
    await rejects(noTracer, cacheRoot, /CONFIG_FUNCTION_TRACER=y.*scripts\/config --enable/);

    const noDebug = await fakeTree(
      "CONFIG_ARM64=y\nCONFIG_FUNCTION_TRACER=y\nCONFIG_DYNAMIC_FTRACE=y\n" +
        "CONFIG_DEBUG_INFO_NONE=y\n",
      cacheRoot,
    );
    await rejects(noDebug, cacheRoot, /has no debug info.*DEBUG_INFO_DWARF5/);

    await rejects("linux-9.99", cacheRoot, /unknown kernel "linux-9\.99": expected linux-6\.1/);
  } finally {
    await Deno.remove(cacheRoot, { recursive: true });
  }
});

Deno.test("a user tree: the reference 6.12 objects laid out as a prepared tree are used in place", async () => {
  const ref = await ensureKernel("linux-6.12", { progress: () => {} });
  const cacheRoot = await Deno.makeTempDir({ prefix: "kernel-cache-" });
  try {
    const config = await Deno.readTextFile(join(ref.dir, "config"));
    const tree = await fakeTree(config, cacheRoot);
    for (const file of ["Makefile", "Kconfig"]) await Deno.writeTextFile(join(tree, file), "");
    await Deno.mkdir(join(tree, "include/config"), { recursive: true });
    await Deno.writeTextFile(join(tree, "include/config/kernel.release"), "6.12.0-mine\n");
    const layout: [string, string][] = [
      [ref.objects.entryFtrace, "arch/arm64/kernel/entry-ftrace"],
      [ref.objects.ftrace, "kernel/trace/ftrace"],
      [ref.objects.ftraceOps!, "samples/ftrace/ftrace-ops"],
    ];
    // Sources first, so that the objects are newer and taken as built.
    for (const [from, to] of layout) {
      await Deno.mkdir(join(tree, to, ".."), { recursive: true });
      await Deno.writeTextFile(join(tree, to.endsWith("entry-ftrace") ? `${to}.S` : `${to}.c`), "");
      await Deno.copyFile(from, join(tree, `${to}.o`));
    }
    const { lines, progress } = recorder();
    const build = await ensureKernel(tree, { cacheRoot, progress });
    assert.ok(!lines.some((l) => /building/.test(l)), lines.join("\n"));
    assert.equal(build.hash, ref.hash, "same objects, same hash");
    assert.equal(build.version, "6.12.0-mine");
    assert.equal(build.source, tree);
    assert.equal(build.objects.ftrace, join(tree, "kernel/trace/ftrace.o"));
    assert.deepEqual(build.config, ref.config);

    // Changed objects are a new build with a new hash.
    const bytes = await Deno.readFile(join(tree, "kernel/trace/ftrace.o"));
    bytes[bytes.length >> 1] ^= 1;
    await Deno.writeFile(join(tree, "kernel/trace/ftrace.o"), bytes);
    const changed = await ensureKernel(tree, { cacheRoot, progress });
    assert.notEqual(changed.hash, ref.hash);
    assert.ok(lines.some((l) => /changed since the last check/.test(l)), lines.join("\n"));

    // An object without DWARF is refused.
    const noDwarf = await fakeTree(config, cacheRoot);
    for (const file of ["Makefile", "Kconfig"]) await Deno.writeTextFile(join(noDwarf, file), "");
    for (const [from, to] of layout) {
      await Deno.mkdir(join(noDwarf, to, ".."), { recursive: true });
      await Deno.writeTextFile(
        join(noDwarf, to.endsWith("entry-ftrace") ? `${to}.S` : `${to}.c`),
        "",
      );
      await Deno.copyFile(from, join(noDwarf, `${to}.o`));
    }
    const stripped = await stripDebug(join(noDwarf, "kernel/trace/ftrace.o"));
    if (stripped) await rejects(noDwarf, cacheRoot, /built without debug info/);
  } finally {
    await Deno.remove(cacheRoot, { recursive: true });
  }
});

/** Strips debug sections with the cross binutils' objcopy; false when it is not installed. */
async function stripDebug(path: string): Promise<boolean> {
  try {
    const out = await new Deno.Command("aarch64-linux-gnu-objcopy", {
      args: ["--strip-debug", path],
      stdout: "null",
      stderr: "null",
    }).output();
    return out.success;
  } catch {
    return false;
  }
}
