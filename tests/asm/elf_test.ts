import assert from "node:assert/strict";
import { assemble } from "../../src/asm/assembler.ts";
import {
  ElfError,
  type ElfObject,
  parseElf,
  R_AARCH64,
  relocationTypeName,
  SHF_ALLOC,
  SHF_EXECINSTR,
  SHN_ABS,
  SHN_COMMON,
  SHN_UNDEF,
  SHT_NOBITS,
} from "../../src/asm/elf.ts";
import { type Dump, fixture, objdump, unit } from "./helpers.ts";

const MIXED = `
        .file   "mixed.s"
        .weak   weak_ext
        .type   obj, %object
obj:    .quad   weak_ext
        .size   obj, 8
        .quad   undefined_ext + 12
        .section .text.a, "ax", %progbits
        .globl  g
        .type   g, %function
g:      bl      undefined_fn
        b       local_l
        bl      g
local_l:
        ret
        .size   g, . - g
        .comm   common_sym, 8, 8
        .set    abs_sym, 0x1234
        .globl  abs_sym
        .bss
        .skip   24
`;

function sectionName(obj: ElfObject, index: number): string {
  if (index === SHN_UNDEF) return "*UND*";
  if (index === SHN_ABS) return "*ABS*";
  if (index === SHN_COMMON) return "*COM*";
  return obj.sections[index].name;
}

function kind(flags: number, type: number): string {
  if ((flags & SHF_ALLOC) === 0) return "";
  if (flags & SHF_EXECINSTR) return "TEXT";
  return type === SHT_NOBITS ? "BSS" : "DATA";
}

/** Compares everything both views expose; order is ignored for symbols. */
function assertAgrees(obj: ElfObject, dump: Dump): void {
  // Guard against a parser that silently matched nothing.
  assert.ok(dump.sections.length > 4 && dump.symbols.length > 4 && dump.relocations.length > 2);
  assert.deepEqual(
    obj.sections.map((s) => ({
      index: s.index,
      name: s.name,
      size: s.size,
      kind: kind(s.flags, s.type),
    })),
    dump.sections,
  );
  const mine = obj.symbols.slice(1).map((s) => ({
    value: s.value,
    binding: s.binding,
    type: s.type,
    section: sectionName(obj, s.sectionIndex),
    size: s.size,
    name: s.name,
  }));
  const key = (s: { name: string; value: bigint; section: string }) =>
    `${s.section}/${s.name}/${s.value}`;
  const byKey = <T extends { name: string; value: bigint; section: string }>(list: T[]) =>
    [...list].sort((a, b) => key(a).localeCompare(key(b)));
  assert.deepEqual(byKey(mine), byKey(dump.symbols));
  assert.deepEqual(
    obj.relocations.map((r) => ({
      section: obj.sections[r.section].name,
      offset: r.offset,
      type: r.typeName,
      symbol: obj.symbols[r.symbol].name,
      addend: r.addend,
    })),
    dump.relocations,
  );
}

Deno.test("ELF reader agrees with llvm-objdump on the relocation fixture", async () => {
  const object = await assemble(unit("elf/relocs", await fixture("relocs.s")));
  assertAgrees(parseElf(object), await objdump(object));
});

Deno.test("ELF reader agrees with llvm-objdump on weak, common, absolute and file symbols", async () => {
  const object = await assemble(unit("elf/mixed", MIXED));
  const obj = parseElf(object);
  assertAgrees(obj, await objdump(object));
  const sym = (name: string) => obj.symbols.find((s) => s.name === name)!;
  assert.equal(sym("weak_ext").binding, "weak");
  assert.equal(sym("weak_ext").sectionIndex, SHN_UNDEF);
  assert.equal(sym("common_sym").sectionIndex, SHN_COMMON);
  assert.equal(sym("abs_sym").sectionIndex, SHN_ABS);
  assert.equal(sym("abs_sym").value, 0x1234n);
  assert.equal(sym("mixed.s").type, "file");
  assert.equal(sym("g").type, "func");
  assert.equal(sym("g").binding, "global");
  const bss = obj.section(".bss")!;
  assert.equal(bss.size, 24);
  assert.equal(bss.data, undefined, "NOBITS has a size but no data");
});

Deno.test("branches to a global in the same section keep a relocation; local ones do not", async () => {
  const obj = parseElf(await assemble(unit("elf/mixed", MIXED)));
  const text = obj.section(".text.a")!;
  const relocs = obj.relocations.filter((r) => r.section === text.index);
  assert.deepEqual(
    relocs.map((r) => [r.offset, r.typeName, obj.symbols[r.symbol].name]),
    [[0, "R_AARCH64_CALL26", "undefined_fn"], [8, "R_AARCH64_CALL26", "g"]],
  );
});

Deno.test("relocation type names", () => {
  assert.equal(relocationTypeName(R_AARCH64.CALL26), "R_AARCH64_CALL26");
  assert.equal(relocationTypeName(299), "R_AARCH64_LDST128_ABS_LO12_NC");
  assert.match(relocationTypeName(9999), /unknown 9999/);
});

Deno.test("ELF header validation gives clear errors", async () => {
  const good = await assemble(unit("elf/mixed", MIXED));
  const patched = (at: number, value: number) => {
    const copy = good.slice();
    copy[at] = value;
    return copy;
  };
  assert.throws(() => parseElf(new TextEncoder().encode("#!/bin/sh\n")), ElfError);
  assert.throws(() => parseElf(new TextEncoder().encode("#!/bin/sh\n")), /not an ELF file/);
  assert.throws(() => parseElf(patched(4, 1)), /ELF class 1 \(expected 2, ELF64\)/);
  assert.throws(() => parseElf(patched(5, 2)), /little-endian/);
  assert.throws(() => parseElf(patched(18, 62)), /wrong ELF machine 62/);
  assert.equal(parseElf(patched(18, 62), { machine: null }).machine, 62);
  assert.throws(() => parseElf(good.subarray(0, 40)), /truncated ELF header/);
  assert.throws(() => parseElf(good.subarray(0, good.length - 8)), /past the end of the file/);
});
