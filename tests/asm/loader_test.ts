import assert from "node:assert/strict";
import { assemble } from "../../src/asm/assembler.ts";
import { disassemble } from "../../src/asm/disasm.ts";
import { type ElfObject, parseElf } from "../../src/asm/elf.ts";
import {
  load,
  type LoadedImage,
  LoadError,
  type PlaceRequest,
  RelocationError,
  SUPPORTED_RELOCATIONS,
} from "../../src/asm/loader.ts";
import {
  type Dump,
  fixture,
  llvmDisassembleRaw,
  objdump,
  unit,
  word32,
  word64,
} from "./helpers.ts";

const KiB = 1024n;
const MiB = 1024n * KiB;
const GiB = 1024n * MiB;

/** A `place` callback from a name -> address table (unknown names fail the test). */
function placer(addresses: Record<string, bigint>): (s: PlaceRequest) => bigint {
  return (s) => {
    const address = addresses[s.name];
    if (address === undefined) throw new Error(`test did not expect section ${s.name}`);
    return address;
  };
}

async function objectOf(name: string, text: string): Promise<ElfObject> {
  return parseElf(await assemble(unit(name, text)));
}

// ---------------------------------------------------------------------------
// Every supported relocation, checked against llvm-objdump and LLVM's decoder.

const LAYOUT = {
  ".text": 0x0f000000n,
  ".text.near": 0x10000000n,
  ".data.near": 0x10002000n,
  // Inside TBZ's +-32 KiB, with a page offset that is not a multiple of 0x1000.
  ".text.far": 0x10005a30n,
};

/** S + A for a relocation as llvm-objdump shows it (section symbols by section name). */
function expectedTarget(dump: Dump, symbol: string, addend: bigint): bigint {
  const layout = LAYOUT as Record<string, bigint>;
  if (layout[symbol] !== undefined) return layout[symbol] + addend;
  const sym = dump.symbols.find((s) => s.name === symbol)!;
  return layout[sym.section] + sym.value + addend;
}

/** What LLVM's decoding of a patched word says the target is. */
function decodedTarget(type: string, text: string, place: bigint): bigint {
  const imm = BigInt(/#(-?\d+)\]?$/.exec(text)![1]);
  if (type === "R_AARCH64_ADR_PREL_PG_HI21") return (place & ~0xfffn) + imm;
  if (/_LO12_NC$/.test(type)) return imm; // add/ldr/str immediates are the byte offset
  return place + imm;
}

/** "ldr q1, [x0, #2640]" -> "ldr q1, [x0]"; LLVM omits a zero offset. */
function withoutLastImmediate(text: string): string {
  return text.replace(/(, )?#-?\d+(\]?)$/, "$2");
}

function expectedField(type: string, target: bigint): bigint {
  if (type === "R_AARCH64_ADR_PREL_PG_HI21") return target & ~0xfffn;
  if (/_LO12_NC$/.test(type)) return target & 0xfffn;
  return target;
}

Deno.test("fixture uses every supported relocation type", async () => {
  const dump = await objdump(await assemble(unit("loader/relocs", await fixture("relocs.s"))));
  const used = new Set(dump.relocations.map((r) => r.type));
  for (const type of SUPPORTED_RELOCATIONS) {
    assert.ok(used.has(type), `${type} not in fixture`);
  }
});

Deno.test("relocated instructions encode exactly the targets the test computes", async () => {
  const object = await assemble(unit("loader/relocs", await fixture("relocs.s")));
  const dump = await objdump(object);
  const obj = parseElf(object);
  const image = load(obj, placer(LAYOUT));
  const near = image.section(".text.near")!;
  const textRelocs = dump.relocations.filter((r) => r.section === ".text.near");
  const original = obj.section(".text.near")!.data!;
  const before = await llvmDisassembleRaw(textRelocs.map((r) => word32(original, r.offset)));
  const after = await llvmDisassembleRaw(textRelocs.map((r) => word32(near.bytes, r.offset)));
  textRelocs.forEach((r, i) => {
    const place = near.address + BigInt(r.offset);
    const target = expectedTarget(dump, r.symbol, r.addend);
    const label = `${r.type} at +${r.offset}: ${after[i]}`;
    // Only the relocated immediate changed: same mnemonic, registers and other operands.
    assert.equal(withoutLastImmediate(after[i]), withoutLastImmediate(before[i]), label);
    assert.equal(
      decodedTarget(r.type, after[i], place),
      expectedField(r.type, target),
      label,
    );
  });
});

Deno.test("relocated data holds S+A or S+A-P", async () => {
  const object = await assemble(unit("loader/relocs", await fixture("relocs.s")));
  const dump = await objdump(object);
  const data = load(parseElf(object), placer(LAYOUT)).section(".data.near")!;
  const relocs = dump.relocations.filter((r) => r.section === ".data.near");
  assert.equal(relocs.length, 5);
  for (const r of relocs) {
    const target = expectedTarget(dump, r.symbol, r.addend);
    const place = data.address + BigInt(r.offset);
    const values: Record<string, bigint> = {
      R_AARCH64_ABS64: word64(data.bytes, r.offset),
      R_AARCH64_PREL64: BigInt.asIntN(64, word64(data.bytes, r.offset)),
      R_AARCH64_ABS32: BigInt(word32(data.bytes, r.offset)),
      R_AARCH64_PREL32: BigInt.asIntN(32, BigInt(word32(data.bytes, r.offset))),
    };
    const expected = r.type.startsWith("R_AARCH64_PREL") ? target - place : target;
    assert.equal(values[r.type], expected, `${r.type} at ${r.offset}`);
  }
});

Deno.test("loading does not modify the parsed object's bytes", async () => {
  const obj = await objectOf("loader/relocs", await fixture("relocs.s"));
  const before = obj.section(".text.near")!.data!.slice();
  load(obj, placer(LAYOUT));
  assert.deepEqual(obj.section(".text.near")!.data!, before);
});

// ---------------------------------------------------------------------------
// Range limits, per type, at the edges.

const BL_UNIT = `
        .section .text.caller, "ax", %progbits
        .globl  caller
        .type   caller, %function
caller: bl      far_sym
        ret
        .section .text.callee, "ax", %progbits
far_sym:
        ret
`;

async function loadBl(distance: bigint): Promise<LoadedImage> {
  const base = 0x40000000n;
  return load(
    await objectOf("loader/bl-range", BL_UNIT),
    placer({ ".text": 0x1000n, ".text.caller": base, ".text.callee": base + distance }),
  );
}

Deno.test("BL 127 MiB away is encoded; 200 MiB away throws a RelocationError naming both ends", async () => {
  const image = await loadBl(127n * MiB);
  const caller = image.address("caller");
  const [text] = await disassemble([
    { address: caller, word: word32(image.section(".text.caller")!.bytes, 0) },
  ]);
  assert.equal(text, `bl 0x${(caller + 127n * MiB).toString(16)}`);

  const error = await loadBl(200n * MiB).then(() => undefined, (e) => e);
  assert.ok(error instanceof RelocationError, String(error));
  assert.match(error.message, /R_AARCH64_CALL26/);
  assert.match(error.message, /caller\+0x0 \(0x40000000\)/);
  assert.match(error.message, /far_sym/);
  assert.match(error.message, /200\.00 MiB/);
  assert.match(error.message, /±128 MiB/);
  assert.equal(error.place, 0x40000000n);
  assert.equal(error.target, 0x40000000n + 200n * MiB);
});

interface RangeCase {
  type: string;
  insn: string;
  /** Reach is [-limit, limit). */
  limit: bigint;
  /** Smallest step of encodable distances. */
  step: bigint;
}

const RANGE_CASES: RangeCase[] = [
  { type: "R_AARCH64_CALL26", insn: "bl target", limit: 128n * MiB, step: 4n },
  { type: "R_AARCH64_JUMP26", insn: "b target", limit: 128n * MiB, step: 4n },
  { type: "R_AARCH64_CONDBR19", insn: "b.eq target", limit: 1n * MiB, step: 4n },
  { type: "R_AARCH64_CONDBR19", insn: "cbnz w2, target", limit: 1n * MiB, step: 4n },
  { type: "R_AARCH64_TSTBR14", insn: "tbnz w1, #7, target", limit: 32n * KiB, step: 4n },
  { type: "R_AARCH64_LD_PREL_LO19", insn: "ldr x0, target", limit: 1n * MiB, step: 4n },
  { type: "R_AARCH64_ADR_PREL_LO21", insn: "adr x0, target", limit: 1n * MiB, step: 1n },
  { type: "R_AARCH64_ADR_PREL_PG_HI21", insn: "adrp x0, target", limit: 4n * GiB, step: 4096n },
];

function rangeUnit(insn: string): string {
  return `
        .section .text.src, "ax", %progbits
        .globl  src
src:    ${insn}
        .section .tgt, "a", %progbits
target: .byte   0
`;
}

async function loadAt(c: RangeCase, distance: bigint): Promise<LoadedImage> {
  const src = 8n * GiB; // room for -4 GiB
  return load(
    await objectOf(`loader/range/${c.insn}`, rangeUnit(c.insn)),
    placer({ ".text": 0x1000n, ".text.src": src, ".tgt": src + distance }),
  );
}

for (const c of RANGE_CASES) {
  Deno.test(`${c.type} (${c.insn}) reaches [-limit, limit) and no further`, async () => {
    for (const distance of [c.limit - c.step, -c.limit, 16n * c.step]) {
      const image = await loadAt(c, distance);
      const src = image.address("src");
      const [text] = await disassemble([
        { address: src, word: word32(image.section(".text.src")!.bytes, 0) },
      ]);
      const target = c.insn.startsWith("adrp") ? (src + distance) & ~0xfffn : src + distance;
      assert.ok(text.endsWith(`0x${target.toString(16)}`), `${distance}: ${text}`);
    }
    for (const distance of [c.limit, -c.limit - c.step]) {
      await assert.rejects(() => loadAt(c, distance), (e: Error) => {
        assert.ok(e instanceof RelocationError, String(e));
        assert.match(e.message, new RegExp(`${c.type}.*src\\+0x0.*target`));
        assert.match(e.message, /out of range/);
        return true;
      });
    }
  });
}

Deno.test("misaligned branch and load targets are rejected, not silently truncated", async () => {
  const bl = RANGE_CASES[0];
  await assert.rejects(() => loadAt(bl, 4098n), /R_AARCH64_CALL26.*not a multiple of 4/);
  const ldst = rangeUnit("ldr x1, [x0, :lo12:target]");
  const obj = await objectOf("loader/ldst-misaligned", ldst);
  assert.throws(
    () => load(obj, placer({ ".text": 0x1000n, ".text.src": 0x2000n, ".tgt": 0x3004n })),
    /R_AARCH64_LDST64_ABS_LO12_NC.*value \+0x3004 is not a multiple of 8/,
  );
});

Deno.test("ABS32 accepts values below 4 GiB only", async () => {
  const obj = await objectOf("loader/abs32", rangeUnit(".word target"));
  const ok = load(obj, placer({ ".text": 0n, ".text.src": 0x1000n, ".tgt": 0xffffffffn }));
  assert.equal(word32(ok.section(".text.src")!.bytes, 0), 0xffffffff);
  assert.throws(
    () => load(obj, placer({ ".text": 0n, ".text.src": 0x1000n, ".tgt": 0x100000000n })),
    RelocationError,
  );
});

// ---------------------------------------------------------------------------
// Symbols: undefined, externs, weak, unsupported types, placement errors.

const EXTERN_UNIT = `
        .text
        .globl  caller
        .type   caller, %function
caller: nop
        bl      ext_fn
        .quad   ext_data
`;

Deno.test("undefined symbols are named with where they are referenced", async () => {
  const obj = await objectOf("loader/extern", EXTERN_UNIT);
  assert.throws(
    () => load(obj, placer({ ".text": 0x10000n })),
    (e: Error) => {
      assert.ok(e instanceof LoadError);
      assert.match(
        e.message,
        /ext_fn, referenced from caller\+0x4 \(0x10004\) \(R_AARCH64_CALL26\)/,
      );
      assert.match(e.message, /ext_data, referenced from caller\+0x8/);
      return true;
    },
  );
});

Deno.test("externs resolve undefined symbols", async () => {
  const obj = await objectOf("loader/extern", EXTERN_UNIT);
  const externs = new Map([["ext_fn", 0x20000n], ["ext_data", 0xdead0000n]]);
  const image = load(obj, placer({ ".text": 0x10000n }), externs);
  const bytes = image.section(".text")!.bytes;
  const [text] = await disassemble([{ address: 0x10004n, word: word32(bytes, 4) }]);
  assert.equal(text, "bl 0x20000");
  assert.equal(word64(bytes, 8), 0xdead0000n);
  assert.equal(image.address("ext_fn"), 0x20000n);
});

Deno.test("an undefined weak symbol resolves to 0", async () => {
  const obj = await objectOf("loader/weak", ".weak maybe\n.data\n.quad maybe + 4\n");
  const image = load(obj, placer({ ".text": 0x1000n, ".data": 0x2000n }));
  assert.equal(word64(image.section(".data")!.bytes, 0), 4n);
});

Deno.test("unsupported relocation types are named with their place", async () => {
  const obj = await objectOf(
    "loader/movw",
    ".text\n.globl f\nf: nop\n movz x0, #:abs_g0:f\n",
  );
  assert.throws(
    () => load(obj, placer({ ".text": 0x1000n })),
    /unsupported relocation R_AARCH64_MOVW_UABS_G0 \(type 263\) at f\+0x4 \(0x1004\) against f/,
  );
});

Deno.test("placement must respect alignment and must not overlap", async () => {
  const obj = await objectOf("loader/relocs", await fixture("relocs.s"));
  assert.throws(
    () => load(obj, placer({ ...LAYOUT, ".text.far": 0x10005a38n })),
    /section \.text\.far placed at 0x10005a38, which is not 16-byte aligned/,
  );
  assert.throws(
    () => load(obj, placer({ ...LAYOUT, ".data.near": 0x10000010n })),
    /overlap/,
  );
});

Deno.test("place receives name, size, alignment and flags; sections report exec/write", async () => {
  const obj = await objectOf("loader/relocs", await fixture("relocs.s"));
  const requests: PlaceRequest[] = [];
  const image = load(obj, (s) => {
    requests.push(s);
    return placer(LAYOUT)(s);
  });
  assert.deepEqual(
    requests.map((r) => [r.name, r.size, r.align]),
    [[".text", 0, 4], [".text.near", 0x40, 4], [".data.near", 0x20, 8], [".text.far", 0x30, 16]],
  );
  const near = image.section(".text.near")!;
  const data = image.section(".data.near")!;
  assert.deepEqual([near.exec, near.write, data.exec, data.write], [true, false, false, true]);
});

// ---------------------------------------------------------------------------
// Symbol lookups.

const SYMBOLS_UNIT = `
        .text
        .globl  fn
        .type   fn, %function
entry_label:                    // same address as fn: the function name wins
fn:     nop
__phase.save:
        nop
        nop
.Linternal:
        nop
inner:  nop
__phase.restore:
        ret
        .size   fn, . - fn
        .data
        .type   table, %object
table:  .quad   1, 2
        .size   table, 16
        .bss
buffer: .skip   32
`;

async function symbolsImage(): Promise<LoadedImage> {
  const obj = await objectOf("loader/symbols", SYMBOLS_UNIT);
  return load(obj, placer({ ".text": 0x4000n, ".data": 0x8000n, ".bss": 0x9000n }));
}

Deno.test("symbolize returns name+offset and ignores __phase. markers and $ symbols", async () => {
  const image = await symbolsImage();
  assert.deepEqual(image.symbolize(0x4000n), { name: "fn", offset: 0 });
  assert.deepEqual(image.symbolize(0x4004n), { name: "fn", offset: 4 }, "__phase.save ignored");
  assert.deepEqual(image.symbolize(0x400cn), { name: "fn", offset: 12 }, ".L labels vanish");
  assert.deepEqual(image.symbolize(0x4014n), { name: "inner", offset: 4 });
  assert.deepEqual(image.symbolize(0x8008n), { name: "table", offset: 8 });
  assert.deepEqual(image.symbolize(0x901fn), { name: "buffer", offset: 31 });
  assert.equal(image.symbolize(0x9020n), undefined, "past the end of .bss");
  assert.equal(image.symbolize(0x3ffcn), undefined, "before every section");
});

Deno.test("markers lists prefixed symbols in address order", async () => {
  const image = await symbolsImage();
  assert.deepEqual(image.markers("__phase."), [
    { name: "__phase.save", address: 0x4004n },
    { name: "__phase.restore", address: 0x4014n },
  ]);
});

Deno.test("symbols map has named symbols only; address() of an unknown name throws", async () => {
  const image = await symbolsImage();
  assert.deepEqual([...image.symbols.keys()].sort(), [
    "__phase.restore",
    "__phase.save",
    "buffer",
    "entry_label",
    "fn",
    "inner",
    "table",
  ]);
  assert.equal(image.address("inner"), 0x4010n);
  assert.equal(image.section(".bss")!.bytes.length, 32);
  assert.throws(() => image.address("nope"), /unknown symbol "nope"/);
});

Deno.test("duplicate local names keep the first and record the rest", async () => {
  const obj = await objectOf("loader/symbols", SYMBOLS_UNIT);
  const inner = obj.symbols.find((s) => s.name === "inner")!;
  // llvm-mc refuses duplicates in one unit; build the object a linker input could have.
  const duplicated: ElfObject = {
    ...obj,
    symbols: [...obj.symbols, { ...inner, index: obj.symbols.length, value: 0n }],
  };
  const image = load(duplicated, placer({ ".text": 0x4000n, ".data": 0x8000n, ".bss": 0x9000n }));
  assert.equal(image.address("inner"), 0x4010n);
  assert.deepEqual(image.duplicates, [{ name: "inner", address: 0x4000n }]);
});

Deno.test("relinking an object where a link put it before gives a first link's bytes", async () => {
  // Code fixed in place, its data moving and its externs resolving elsewhere from link
  // to link, as a sweep's cases do; then the code moves too, and comes back.
  const text = [
    ".text",
    "f: adrp x0, local_data",
    "  add x0, x0, :lo12:local_data",
    "  adrp x1, ext_data",
    "  ldr x1, [x1, :lo12:ext_data]",
    "  bl ext_fn",
    "  b f",
    ".data",
    "local_data: .quad f",
    "  .quad ext_data + 8",
    "  .quad local_data",
  ].join("\n");
  const bytes = await assemble(unit("loader/relink", text));
  const kept = parseElf(bytes);
  const links: [bigint, bigint, bigint][] = [
    [0x10000n, 0x20000n, 0x30000n],
    [0x10000n, 0x20000n, 0x30000n],
    [0x10000n, 0x24000n, 0x30000n],
    [0x10000n, 0x24000n, 0x38000n],
    [0x18000n, 0x24000n, 0x38000n],
    [0x10000n, 0x20000n, 0x3c000n],
    [0x10000n, 0x20000n, 0x3c000n],
  ];
  for (const [code, data, ext] of links) {
    const place = placer({ ".text": code, ".data": data });
    const externs = new Map([["ext_fn", ext + 0x100n], ["ext_data", ext]]);
    const again = load(kept, place, externs);
    const first = load(parseElf(bytes), place, externs); // a new object: nothing remembered
    for (const name of [".text", ".data"]) {
      assert.deepEqual(
        again.section(name)!.bytes,
        first.section(name)!.bytes,
        `${name} with code at ${code.toString(16)}, data at ${data.toString(16)}, externs at ${
          ext.toString(16)
        }`,
      );
    }
  }
});
