/**
 * Disassembly is kept on disk between processes: a second process spawns no
 * llvm-mc for words the first one disassembled, and a cache file whose
 * content does not match its hash is reported and never used.
 */
import assert from "node:assert/strict";

const ROOT = new URL("../../", import.meta.url).href;

Deno.test("disassembly cache: kept across processes, a damaged file is reported and rebuilt", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.writeTextFile(
      `${dir}/child.ts`,
      `import { setCacheDir, setCacheNotice } from "${ROOT}src/asm/assembler.ts";
       import { disassembleWords, disasmStats, textAt } from "${ROOT}src/report/disasm_cache.ts";
       const notes = [];
       setCacheNotice((t) => notes.push(t));
       setCacheDir(${JSON.stringify(`${dir}/cache`)});
       await disassembleWords([0xd503201f, 0x910003fd]);
       console.log(JSON.stringify({ ...disasmStats, notes, text: textAt(0x910003fd, 0n) }));`,
    );
    const child = async () => {
      const out = await new Deno.Command(Deno.execPath(), {
        args: ["run", "-A", `${dir}/child.ts`],
        stdout: "piped",
        stderr: "piped",
      }).output();
      assert.ok(out.success, new TextDecoder().decode(out.stderr));
      return JSON.parse(new TextDecoder().decode(out.stdout));
    };
    const first = await child();
    assert.equal(first.spawns, 1);
    assert.equal(first.text, "mov x29, sp");
    const second = await child();
    assert.equal(second.spawns, 0, "the second process finds both words on disk");
    assert.equal(second.diskWords, 2);
    assert.equal(second.text, "mov x29, sp");
    const [file] = [...Deno.readDirSync(`${dir}/cache`)].filter((e) =>
      e.name.startsWith("disasm-")
    );
    const path = `${dir}/cache/${file.name}`;
    await Deno.writeTextFile(
      path,
      (await Deno.readTextFile(path)).replace('"mov x29, sp"', '"mov x30, sp"'),
    );
    const third = await child();
    assert.equal(third.damaged, 1);
    assert.equal(third.spawns, 1, "rebuilt");
    assert.equal(third.text, "mov x29, sp", "the damaged text was not used");
    assert.match(third.notes[0], /disassembly cache .* is damaged: its words do not match/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
