import assert from "node:assert/strict";
import { absoluteTargets, disassemble, UNDEFINED } from "../../src/asm/disasm.ts";

Deno.test("outputs stay aligned with inputs around words LLVM rejects", async () => {
  const base = 0x10000400n;
  const words = [
    0x94000100, // bl #1024
    0xffffffff, // invalid
    0xd503201f, // nop
    0x0000beef, // udf #48879 (the helper's own separator word)
    0xffffffff, // invalid
    0xd503245f, // bti c
    0xd503233f, // paciasp
    0x17ffff00, // b #-1024
  ];
  const out = await disassemble(words.map((word, i) => ({ address: base + BigInt(4 * i), word })));
  assert.deepEqual(out, [
    "bl 0x10000800",
    UNDEFINED,
    "nop",
    "udf #48879",
    UNDEFINED,
    "bti c",
    "paciasp",
    "b 0x1000001c", // 0x1000041c - 1024
  ]);
});

Deno.test("pc-relative forms get absolute targets", async () => {
  const at = 0x20001234n;
  const out = await disassemble([
    { address: at, word: 0xb0000000 }, // adrp x0, #4096
    { address: at, word: 0x30000000 }, // adr x0, #1
    { address: at, word: 0x54ffffe1 }, // b.ne #-4
    { address: at, word: 0x36180040 }, // tbz w0, #3, #8
    { address: at, word: 0x58000040 }, // ldr x0, #8
    { address: at, word: 0xb4000020 }, // cbz x0, #4
    { address: at, word: 0xf8408420 }, // ldr x0, [x1], #8 (post-index, not a target)
    { address: at, word: 0xf9400420 }, // ldr x0, [x1, #8]
  ]);
  assert.deepEqual(out, [
    "adrp x0, 0x20002000",
    "adr x0, 0x20001235",
    "b.ne 0x20001230",
    "tbz w0, #3, 0x2000123c",
    "ldr x0, 0x2000123c",
    "cbz x0, 0x20001238",
    "ldr x0, [x1], #8",
    "ldr x0, [x1, #8]",
  ]);
});

Deno.test("a large batch is one call and keeps its order", async () => {
  const words = Array.from({ length: 5000 }, (_, i) => ({
    address: BigInt(i * 4),
    word: i % 7 === 0 ? 0xffffffff : 0xd2800000 | ((i & 0xffff) << 5), // movz x0, #i
  }));
  const out = await disassemble(words);
  assert.equal(out.length, words.length);
  out.forEach((text, i) => {
    assert.equal(text, i % 7 === 0 ? UNDEFINED : `mov x0, #${i & 0xffff}`);
  });
});

Deno.test("empty input needs no process", async () => {
  assert.deepEqual(await disassemble([]), []);
});

Deno.test("absoluteTargets leaves other instructions alone", () => {
  assert.equal(absoluteTargets("add x0, x1, #16", 0x1000n), "add x0, x1, #16");
  assert.equal(absoluteTargets("bl #-8", 0x1000n), "bl 0xff8");
});
