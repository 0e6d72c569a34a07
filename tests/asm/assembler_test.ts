import assert from "node:assert/strict";
import {
  assemble,
  assemblerStats,
  AssemblyError,
  cacheDir,
  clearMemoryCache,
  findTool,
  setCacheDir,
  ToolMissingError,
} from "../../src/asm/assembler.ts";
import { parseElf } from "../../src/asm/elf.ts";
import type { AsmUnit } from "../../src/asm/source.ts";
import { unit } from "./helpers.ts";

/** Runs `fn` with the disk cache in a fresh temporary directory. */
async function withTempCache(fn: (dir: string) => Promise<void>): Promise<void> {
  const previous = cacheDir();
  const dir = await Deno.makeTempDir({ prefix: "asm-cache-" });
  setCacheDir(dir);
  try {
    await fn(dir);
  } finally {
    setCacheDir(previous);
    await Deno.remove(dir, { recursive: true });
  }
}

/** A unit whose text no other test (or earlier run) has assembled. */
function freshUnit(): AsmUnit {
  return unit("cache", `// ${crypto.randomUUID()}\n.text\nf: mov x0, #1\n ret\n`);
}

async function caught(promise: Promise<unknown>): Promise<Error> {
  return await promise.then(() => assert.fail("expected an error"), (e) => e);
}

Deno.test("assembling the same unit twice spawns llvm-mc once", async () => {
  await withTempCache(async () => {
    const u = freshUnit();
    const before = { ...assemblerStats };
    const first = await assemble(u);
    const second = await assemble(u);
    assert.deepEqual(first, second);
    assert.equal(assemblerStats.spawns - before.spawns, 1);
    assert.equal(assemblerStats.misses - before.misses, 1);
    assert.equal(assemblerStats.hits - before.hits, 1);
  });
});

Deno.test("concurrent requests for one unit share a single llvm-mc run", async () => {
  await withTempCache(async () => {
    const u = freshUnit();
    const before = assemblerStats.spawns;
    await Promise.all([assemble(u), assemble(u), assemble(u)]);
    assert.equal(assemblerStats.spawns - before, 1);
  });
});

Deno.test("a fresh in-memory cache is served from the disk cache", async () => {
  await withTempCache(async (dir) => {
    const u = freshUnit();
    const first = await assemble(u);
    const files = [...Deno.readDirSync(dir)].map((e) => e.name);
    assert.equal(files.length, 1, "one entry, no temp files left behind");
    assert.match(files[0], /^[0-9a-f]{64}\.o$/);
    clearMemoryCache();
    const before = { ...assemblerStats };
    assert.deepEqual(await assemble(u), first);
    assert.equal(assemblerStats.spawns - before.spawns, 0);
    assert.equal(assemblerStats.diskHits - before.diskHits, 1);
  });
});

Deno.test("a corrupt disk cache entry is ignored and rewritten", async () => {
  await withTempCache(async (dir) => {
    const u = freshUnit();
    const good = await assemble(u);
    const [entry] = [...Deno.readDirSync(dir)];
    const path = `${dir}/${entry.name}`;
    for (
      const junk of [new Uint8Array(0), good.subarray(0, 100), new TextEncoder().encode("junk")]
    ) {
      await Deno.writeFile(path, junk);
      clearMemoryCache();
      const before = assemblerStats.spawns;
      assert.deepEqual(await assemble(u), good);
      assert.equal(assemblerStats.spawns - before, 1, "re-assembled");
      assert.deepEqual(await Deno.readFile(path), good, "entry rewritten");
    }
  });
});

Deno.test("features are part of the cache key", async () => {
  await withTempCache(async () => {
    const u = freshUnit();
    const before = assemblerStats.spawns;
    await assemble(u);
    await assemble(u, { features: ["+mte"] });
    assert.equal(assemblerStats.spawns - before, 2);
  });
});

Deno.test("the default disk cache lives in <project root>/.cache/asm", () => {
  const root = new URL("../../", import.meta.url).pathname;
  assert.equal(cacheDir(), `${root}.cache/asm`);
});

Deno.test("returned bytes are a private copy", async () => {
  const u = freshUnit();
  const first = await assemble(u);
  first.fill(0);
  parseElf(await assemble(u));
});

Deno.test("an assembly error names the chunk origin, its line and the source text", async () => {
  const u: AsmUnit = {
    name: "single-tracer/args",
    chunks: [
      { origin: "src/kernel/variants/args.ts: prologue", text: "nop\nnop\nnop\nnop" },
      {
        origin: "src/kernel/variants/args.ts: ftrace_caller",
        text: "  stp x29, x30, [sp, #-16]!\n  mov x29, sp\n  ldr x0, [sp, #40001]\n  ret",
      },
    ],
  };
  const error = await caught(assemble(u));
  assert.ok(error instanceof AssemblyError, String(error));
  assert.equal(error.origin, "src/kernel/variants/args.ts: ftrace_caller");
  assert.equal(error.line, 3);
  assert.equal(error.sourceLine, "  ldr x0, [sp, #40001]");
  assert.equal(error.unit, "single-tracer/args");
  assert.match(error.llvmMessage, /index must be/);
  assert.equal(
    error.message,
    `assembly error in the code from src/kernel/variants/args.ts: ftrace_caller, ` +
      `line 3 of its text: ` +
      `"ldr x0, [sp, #40001]": ${error.llvmMessage} (llvm-mc-19; unit single-tracer/args)`,
  );
  assert.ok(!error.message.includes("\n"), "one paragraph");
});

Deno.test("further errors are counted; the first one is reported", async () => {
  const error = await caught(assemble(unit("errors", "nop\nfoo x1\nbar x2\nadd x0, x1\n")));
  assert.ok(error instanceof AssemblyError);
  assert.equal(error.line, 2);
  assert.equal(error.otherErrors, 2);
  assert.match(error.message, /line 2 of its text: "foo x1": unrecognized instruction mnemonic/);
  assert.match(error.message, /2 more error\(s\)/);
});

Deno.test("an error inside a macro points at the line that expands it", async () => {
  const text = ".macro save_regs\n  stp x0, x1, [sp, #-16]!\n  frob x2\n.endm\nnop\nsave_regs\n";
  const error = await caught(assemble(unit("macro", text)));
  assert.ok(error instanceof AssemblyError);
  assert.equal(error.line, 6);
  assert.equal(error.sourceLine, "save_regs");
  assert.match(error.message, /in macro expansion/);
});

Deno.test("an error without a line (undefined local label) still names the unit", async () => {
  const error = await caught(assemble(unit("nolabel", "b .Lnowhere\n")));
  assert.ok(error instanceof AssemblyError);
  assert.equal(error.line, undefined);
  assert.match(error.message, /unit nolabel.*Undefined temporary symbol \.Lnowhere/);
});

Deno.test("unknown features are refused instead of silently ignored", async () => {
  await assert.rejects(
    () => assemble(freshUnit(), { features: ["+nosuchfeature"] }),
    /nosuchfeature/,
  );
});

Deno.test("a missing tool names the Debian package", () => {
  assert.throws(() => findTool("llvm-nosuchtool-19"), (e: Error) => {
    assert.ok(e instanceof ToolMissingError);
    assert.equal(e.command, "llvm-nosuchtool-19");
    assert.match(e.message, /apt-get install llvm-19/);
    return true;
  });
  assert.match(findTool("llvm-mc-19"), /\/llvm-mc-19$/);
});
