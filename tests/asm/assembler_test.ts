import assert from "node:assert/strict";
import {
  assemble,
  assemblerStats,
  AssemblyError,
  cacheDir,
  type CacheRecord,
  clearMemoryCache,
  findTool,
  llvmMcVersion,
  MEMORY_CACHE_ENTRIES,
  setCacheDir,
  setCacheNotice,
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

Deno.test("the in-memory cache is bounded: the least recently used object goes to disk only", async () => {
  await withTempCache(async () => {
    clearMemoryCache();
    const first = freshUnit();
    await assemble(first);
    const others = Array.from({ length: MEMORY_CACHE_ENTRIES }, () => freshUnit());
    // In small groups: each is a miss that llvm-mc assembles.
    for (let i = 0; i < others.length; i += 16) {
      await Promise.all(others.slice(i, i + 16).map((u) => assemble(u)));
    }
    const memoryHits = () => assemblerStats.hits - assemblerStats.diskHits;
    const before = { memory: memoryHits(), disk: assemblerStats.diskHits };
    await assemble(first); // evicted from memory: read back from disk
    assert.equal(memoryHits() - before.memory, 0);
    assert.equal(assemblerStats.diskHits - before.disk, 1);
    await assemble(others[others.length - 1]); // recent: still in memory
    assert.equal(memoryHits() - before.memory, 1);
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

/** The one entry of a cache directory: its object and its content record. */
function entryOf(dir: string): { object: string; record: string } {
  const names = [...Deno.readDirSync(dir)].map((e) => e.name).sort();
  assert.equal(names.length, 2, `one object and its record, no temp files: ${names}`);
  assert.match(names[0], /^[0-9a-f]{64}\.json$/);
  assert.equal(names[1], names[0].replace(/\.json$/, ".o"));
  return { object: `${dir}/${names[1]}`, record: `${dir}/${names[0]}` };
}

/** Collect the cache's damage notices while `fn` runs. */
async function noticesDuring(fn: () => Promise<void>): Promise<string[]> {
  const notices: string[] = [];
  const previous = setCacheNotice((text) => notices.push(text));
  try {
    await fn();
  } finally {
    setCacheNotice(previous);
  }
  return notices;
}

Deno.test("a fresh in-memory cache is served from the disk cache", async () => {
  await withTempCache(async (dir) => {
    const u = freshUnit();
    const first = await assemble(u);
    entryOf(dir);
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
    const { object: path } = entryOf(dir);
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

Deno.test("an entry records its object's sha256 and the inputs that made it", async () => {
  await withTempCache(async (dir) => {
    const u = freshUnit();
    const object = await assemble(u);
    const { record } = entryOf(dir);
    const r: CacheRecord = JSON.parse(await Deno.readTextFile(record));
    const hex = async (b: Uint8Array) =>
      Array.from(
        new Uint8Array(await crypto.subtle.digest("SHA-256", new Uint8Array(b))),
        (x) => x.toString(16).padStart(2, "0"),
      ).join("");
    assert.equal(r.format, 1);
    assert.equal(r.objectSha256, await hex(object));
    const { unitText } = await import("../../src/asm/source.ts");
    assert.equal(r.sourceSha256, await hex(new TextEncoder().encode(unitText(u))));
    assert.equal(r.llvmMc, await llvmMcVersion());
    assert.equal(r.triple, "aarch64-linux-gnu");
    assert.equal(r.mattr, "+bti,+pauth,+lse");
  });
});

Deno.test("a cached object with a str patched to nop, still valid ELF, is rebuilt and reported once", async () => {
  await withTempCache(async (dir) => {
    const u = unit("patched", `// ${crypto.randomUUID()}\n.text\nf: str x1, [sp, #8]\n ret\n`);
    const good = await assemble(u);
    const { object } = entryOf(dir);
    // str x1, [sp, #8] is 0xf90007e1; nop is 0xd503201f (little-endian words).
    const at = good.findIndex((_, i) =>
      good[i] === 0xe1 && good[i + 1] === 0x07 && good[i + 2] === 0x00 && good[i + 3] === 0xf9
    );
    assert.ok(at > 0, "the str is in the object");
    const patched = good.slice();
    patched.set([0x1f, 0x20, 0x03, 0xd5], at);
    parseElf(patched); // still a well-formed object: only its content says it is wrong
    const damagedBefore = assemblerStats.damaged;
    const notices = await noticesDuring(async () => {
      for (let i = 0; i < 2; i++) {
        await Deno.writeFile(object, patched);
        clearMemoryCache();
        const before = assemblerStats.spawns;
        assert.deepEqual(await assemble(u), good, "the patched object is never used");
        assert.equal(assemblerStats.spawns - before, 1, "rebuilt");
        assert.deepEqual(await Deno.readFile(object), good, "entry rewritten");
      }
    });
    assert.equal(assemblerStats.damaged - damagedBefore, 2);
    assert.equal(notices.length, 1, `reported once: ${notices}`);
    assert.match(
      notices[0],
      new RegExp(
        `^note: assembler cache entry ${object.replaceAll(".", "\\.")} is damaged: its bytes ` +
          `have sha256 [0-9a-f]{16}\\.\\.\\., its record says [0-9a-f]{16}\\.\\.\\.; rebuilt, not used$`,
      ),
    );
  });
});

Deno.test("an entry whose record names other inputs is rebuilt; one without a record quietly", async () => {
  await withTempCache(async (dir) => {
    const u = freshUnit();
    const good = await assemble(u);
    const { record } = entryOf(dir);
    const r: CacheRecord = JSON.parse(await Deno.readTextFile(record));
    const notices = await noticesDuring(async () => {
      await Deno.writeTextFile(record, JSON.stringify({ ...r, llvmMc: "LLVM version 18.1.0" }));
      clearMemoryCache();
      let before = assemblerStats.spawns;
      assert.deepEqual(await assemble(u), good);
      assert.equal(assemblerStats.spawns - before, 1, "rebuilt");
      // A record lost (an older harness, or a write in progress): rebuilt, nothing to report.
      await Deno.remove(record);
      clearMemoryCache();
      before = assemblerStats.spawns;
      assert.deepEqual(await assemble(u), good);
      assert.equal(assemblerStats.spawns - before, 1, "rebuilt");
      entryOf(dir);
    });
    assert.equal(notices.length, 1);
    assert.match(notices[0], /made from other inputs \(llvmMc "LLVM version 18\.1\.0", expected /);
  });
});

Deno.test("llvm-mc-19 --version is asked once per cache, worker threads included", async () => {
  const assembler = new URL("../../src/asm/assembler.ts", import.meta.url).href;
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(
      `${dir}/worker.ts`,
      `import { llvmMcVersion, versionQueries } from "${assembler}";
       const version = await llvmMcVersion();
       self.postMessage({ version, queries: versionQueries.count });`,
    );
    await Deno.writeTextFile(
      `${dir}/main.ts`,
      `import { llvmMcVersion, setCacheDir, versionQueries } from "${assembler}";
       setCacheDir(${JSON.stringify(`${dir}/cache`)});
       const version = await llvmMcVersion();
       await llvmMcVersion();
       const replies = await Promise.all([1, 2].map(() => new Promise((resolve) => {
         const w = new Worker(new URL("./worker.ts", import.meta.url).href, { type: "module" });
         w.onmessage = (e) => { resolve(e.data); w.terminate(); };
       })));
       console.log(JSON.stringify({ version, queries: versionQueries.count, replies }));`,
    );
    const env = { ...Deno.env.toObject() };
    delete env.FTRACE_BENCH_LLVM_MC_VERSION; // a fresh process, as a user starts one
    const process = async () => {
      const out = await new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", `${dir}/main.ts`],
        env,
        clearEnv: true,
        stdout: "piped",
        stderr: "piped",
      }).output();
      assert.ok(out.success, new TextDecoder().decode(out.stderr));
      return JSON.parse(new TextDecoder().decode(out.stdout));
    };
    const { version, queries, replies } = await process();
    assert.match(version, /LLVM version 19/);
    assert.equal(queries, 1, "the main thread asked once");
    assert.deepEqual(
      replies,
      [{ version, queries: 0 }, { version, queries: 0 }],
      "workers reuse it",
    );
    // The next process finds the answer in the cache, given by this very binary.
    assert.deepEqual(await process(), { version, queries: 0, replies });
    const file = `${dir}/cache/llvm-mc-version.json`;
    const kept = JSON.parse(await Deno.readTextFile(file));
    await Deno.writeTextFile(file, JSON.stringify({ ...kept, identity: "another binary" }));
    assert.equal((await process()).queries, 1, "another binary's answer is not used");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
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
  const copy = first.slice();
  first.fill(0);
  const again = await assemble(u);
  assert.deepEqual(again, copy, "the caller's edit did not reach the cache");
  assert.equal(parseElf(again).sections.length > 0, true);
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
