/**
 * A small ELF64 little-endian reader for the relocatable objects llvm-mc
 * produces: header, section headers, symbols and RELA relocations.
 *
 * Written from the ELF gABI and the ARM "ELF for the Arm 64-bit Architecture"
 * ABI; it has no dependencies so the loader can run anywhere Deno runs.
 */

/** Error raised for input that is not a well-formed ELF64 little-endian object. */
export class ElfError extends Error {
  /** @param message what is wrong with the input */
  constructor(message: string) {
    super(message);
    this.name = "ElfError";
  }
}

/** ELF object file types (e_type). */
export const ET_REL = 1;
/** Executable file type. */
export const ET_EXEC = 2;
/** Shared object file type. */
export const ET_DYN = 3;

/** e_machine of AArch64. */
export const EM_AARCH64 = 183;

/** Section types (sh_type) the reader gives meaning to. */
export const SHT_NULL = 0;
/** Program-defined contents. */
export const SHT_PROGBITS = 1;
/** Symbol table. */
export const SHT_SYMTAB = 2;
/** String table. */
export const SHT_STRTAB = 3;
/** Relocations with explicit addends. */
export const SHT_RELA = 4;
/** Occupies no file space (.bss). */
export const SHT_NOBITS = 8;
/** Relocations without addends (not produced for AArch64). */
export const SHT_REL = 9;

/** Section flags (sh_flags). */
export const SHF_WRITE = 0x1;
/** Occupies memory at run time. */
export const SHF_ALLOC = 0x2;
/** Contains instructions. */
export const SHF_EXECINSTR = 0x4;

/** Special section indices (st_shndx). */
export const SHN_UNDEF = 0;
/** Absolute symbol value, not relative to a section. */
export const SHN_ABS = 0xfff1;
/** Common block (not allocated yet). */
export const SHN_COMMON = 0xfff2;
/** Real index lives in SHT_SYMTAB_SHNDX (unsupported here). */
export const SHN_XINDEX = 0xffff;

/**
 * AArch64 relocation types (ARM IHI 0056, "ELF for the Arm 64-bit Architecture").
 * Static relocations that relocatable objects use; TLS and ILP32 types are left out.
 */
export const R_AARCH64 = {
  NONE: 0,
  ABS64: 257,
  ABS32: 258,
  ABS16: 259,
  PREL64: 260,
  PREL32: 261,
  PREL16: 262,
  MOVW_UABS_G0: 263,
  MOVW_UABS_G0_NC: 264,
  MOVW_UABS_G1: 265,
  MOVW_UABS_G1_NC: 266,
  MOVW_UABS_G2: 267,
  MOVW_UABS_G2_NC: 268,
  MOVW_UABS_G3: 269,
  MOVW_SABS_G0: 270,
  MOVW_SABS_G1: 271,
  MOVW_SABS_G2: 272,
  LD_PREL_LO19: 273,
  ADR_PREL_LO21: 274,
  ADR_PREL_PG_HI21: 275,
  ADR_PREL_PG_HI21_NC: 276,
  ADD_ABS_LO12_NC: 277,
  LDST8_ABS_LO12_NC: 278,
  TSTBR14: 279,
  CONDBR19: 280,
  JUMP26: 282,
  CALL26: 283,
  LDST16_ABS_LO12_NC: 284,
  LDST32_ABS_LO12_NC: 285,
  LDST64_ABS_LO12_NC: 286,
  MOVW_PREL_G0: 287,
  MOVW_PREL_G0_NC: 288,
  MOVW_PREL_G1: 289,
  MOVW_PREL_G1_NC: 290,
  MOVW_PREL_G2: 291,
  MOVW_PREL_G2_NC: 292,
  MOVW_PREL_G3: 293,
  LDST128_ABS_LO12_NC: 299,
  GOTREL64: 307,
  GOTREL32: 308,
  GOT_LD_PREL19: 309,
  ADR_GOT_PAGE: 311,
  LD64_GOT_LO12_NC: 312,
  PLT32: 314,
  GOTPCREL32: 315,
  COPY: 1024,
  GLOB_DAT: 1025,
  JUMP_SLOT: 1026,
  RELATIVE: 1027,
  IRELATIVE: 1032,
} as const;

const RELOCATION_NAMES = new Map<number, string>(
  Object.entries(R_AARCH64).map(([name, type]) => [type, `R_AARCH64_${name}`]),
);

/** Name of an AArch64 relocation type, e.g. 283 -> "R_AARCH64_CALL26". */
export function relocationTypeName(type: number): string {
  return RELOCATION_NAMES.get(type) ?? `R_AARCH64_<unknown ${type}>`;
}

/** Symbol types (low nibble of st_info), as names. */
export type SymbolType =
  | "notype"
  | "object"
  | "func"
  | "section"
  | "file"
  | "common"
  | "tls"
  | "other";
/** Symbol bindings (high nibble of st_info), as names. */
export type SymbolBinding = "local" | "global" | "weak" | "other";

/** One section header plus its contents. */
export interface ElfSection {
  /** Index in the section header table. */
  index: number;
  name: string;
  /** sh_type, see the SHT_* constants. */
  type: number;
  /** sh_flags, see the SHF_* constants (only the low 32 bits carry meaning here). */
  flags: number;
  /** sh_addr (0 in relocatable objects). */
  addr: bigint;
  /** Size in memory; for SHT_NOBITS there is no data behind it. */
  size: number;
  /** sh_addralign; 0 and 1 both mean no constraint. */
  align: number;
  link: number;
  info: number;
  entsize: number;
  /** File contents; undefined for SHT_NOBITS and SHT_NULL. */
  data: Uint8Array | undefined;
}

/** One symbol table entry. */
export interface ElfSymbol {
  /** Index in .symtab (relocations refer to symbols by this index). */
  index: number;
  /** Name from the string table; for section symbols (no name) the section's name. */
  name: string;
  /** st_value: an offset into the section for relocatable objects. */
  value: bigint;
  size: number;
  type: SymbolType;
  binding: SymbolBinding;
  /** st_other & 3: 0 default, 1 internal, 2 hidden, 3 protected. */
  visibility: number;
  /** st_shndx: a section index, SHN_UNDEF, SHN_ABS or SHN_COMMON. */
  sectionIndex: number;
}

/** One RELA relocation entry. */
export interface ElfRelocation {
  /** Index of the section the relocation patches (sh_info of the RELA section). */
  section: number;
  /** Byte offset inside that section. */
  offset: number;
  /** Relocation type number, see R_AARCH64. */
  type: number;
  /** e.g. "R_AARCH64_CALL26". */
  typeName: string;
  /** Index into `symbols` (0 = no symbol). */
  symbol: number;
  addend: bigint;
}

/** A parsed ELF64 object. */
export interface ElfObject {
  /** e_type: ET_REL, ET_EXEC, ET_DYN. */
  fileType: number;
  machine: number;
  sections: ElfSection[];
  /** All entries of .symtab, including the null symbol at index 0. */
  symbols: ElfSymbol[];
  relocations: ElfRelocation[];
  /** The first section with this name, if any. */
  section(name: string): ElfSection | undefined;
}

/** Options of {@link parseElf}. */
export interface ParseOptions {
  /** Required e_machine; defaults to EM_AARCH64. Pass null to accept any machine. */
  machine?: number | null;
}

const EHDR_SIZE = 64;
const SHDR_SIZE = 64;
const SYM_SIZE = 24;
const RELA_SIZE = 24;

/** Parses an ELF64 little-endian object. Throws {@link ElfError} on malformed input. */
export function parseElf(bytes: Uint8Array, options: ParseOptions = {}): ElfObject {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const header = readHeader(
    bytes,
    view,
    options.machine === undefined ? EM_AARCH64 : options.machine,
  );
  const sections = readSections(bytes, view, header);
  const symtab = sections.find((s) => s.type === SHT_SYMTAB);
  const symbols = symtab ? readSymbols(view, sections, symtab) : [];
  const relocations = sections.filter((s) => s.type === SHT_RELA)
    .flatMap((s) => readRelocations(view, sections, s, symbols.length));
  if (sections.some((s) => s.type === SHT_REL)) {
    throw new ElfError("SHT_REL sections are not supported (AArch64 objects use RELA)");
  }
  return {
    fileType: header.type,
    machine: header.machine,
    sections,
    symbols,
    relocations,
    section: (name) => sections.find((s) => s.name === name),
  };
}

interface Header {
  type: number;
  machine: number;
  shoff: number;
  shentsize: number;
  shnum: number;
  shstrndx: number;
}

function readHeader(bytes: Uint8Array, view: DataView, machine: number | null): Header {
  if (
    bytes.length < 4 || bytes[0] !== 0x7f || bytes[1] !== 0x45 || bytes[2] !== 0x4c ||
    bytes[3] !== 0x46
  ) {
    throw new ElfError("not an ELF file (missing \\x7fELF magic)");
  }
  if (bytes.length < EHDR_SIZE) throw new ElfError(`truncated ELF header (${bytes.length} bytes)`);
  if (bytes[4] !== 2) throw new ElfError(`unsupported ELF class ${bytes[4]} (expected 2, ELF64)`);
  if (bytes[5] !== 1) {
    throw new ElfError(`unsupported ELF data encoding ${bytes[5]} (expected 1, little-endian)`);
  }
  const header = {
    type: view.getUint16(16, true),
    machine: view.getUint16(18, true),
    shoff: toNumber(view.getBigUint64(40, true), "e_shoff"),
    shentsize: view.getUint16(58, true),
    shnum: view.getUint16(60, true),
    shstrndx: view.getUint16(62, true),
  };
  if (machine !== null && header.machine !== machine) {
    throw new ElfError(`wrong ELF machine ${header.machine} (expected ${machine}, EM_AARCH64)`);
  }
  if (header.shnum > 0 && header.shentsize !== SHDR_SIZE) {
    throw new ElfError(`unexpected section header size ${header.shentsize}`);
  }
  if (header.shoff !== 0 && header.shnum === 0) {
    // e_shnum == 0 with a section table means more than 0xff00 sections.
    throw new ElfError("extended section numbering is not supported");
  }
  checkRange(bytes, header.shoff, header.shnum * SHDR_SIZE, "section header table");
  return header;
}

function readSections(bytes: Uint8Array, view: DataView, header: Header): ElfSection[] {
  const raw = Array.from({ length: header.shnum }, (_, index) => {
    const at = header.shoff + index * SHDR_SIZE;
    const type = view.getUint32(at + 4, true);
    const offset = toNumber(view.getBigUint64(at + 24, true), "sh_offset");
    const size = toNumber(view.getBigUint64(at + 32, true), "sh_size");
    const hasData = type !== SHT_NOBITS && type !== SHT_NULL;
    if (hasData) checkRange(bytes, offset, size, `section ${index} contents`);
    return {
      nameOffset: view.getUint32(at, true),
      section: {
        index,
        name: "",
        type,
        flags: Number(view.getBigUint64(at + 8, true) & 0xffffffffn),
        addr: view.getBigUint64(at + 16, true),
        size,
        link: view.getUint32(at + 40, true),
        info: view.getUint32(at + 44, true),
        align: toNumber(view.getBigUint64(at + 48, true), "sh_addralign"),
        entsize: toNumber(view.getBigUint64(at + 56, true), "sh_entsize"),
        data: hasData ? bytes.subarray(offset, offset + size) : undefined,
      } satisfies ElfSection,
    };
  });
  const sections = raw.map((r) => r.section);
  if (header.shstrndx !== SHN_UNDEF) {
    const names = stringTable(sections, header.shstrndx, "section name table");
    for (const r of raw) r.section.name = readString(names, r.nameOffset, "section name");
  }
  return sections;
}

const SYMBOL_TYPES: SymbolType[] = ["notype", "object", "func", "section", "file", "common", "tls"];
const SYMBOL_BINDINGS: SymbolBinding[] = ["local", "global", "weak"];

function readSymbols(view: DataView, sections: ElfSection[], symtab: ElfSection): ElfSymbol[] {
  const names = stringTable(sections, symtab.link, "symbol string table");
  const data = symtab.data!;
  const base = data.byteOffset - view.byteOffset;
  return Array.from({ length: Math.floor(data.length / SYM_SIZE) }, (_, index) => {
    const at = base + index * SYM_SIZE;
    const info = view.getUint8(at + 4);
    const sectionIndex = view.getUint16(at + 6, true);
    if (sectionIndex === SHN_XINDEX) throw new ElfError("SHN_XINDEX symbols are not supported");
    const type = SYMBOL_TYPES[info & 0xf] ?? "other";
    let name = readString(names, view.getUint32(at, true), "symbol name");
    // Section symbols are nameless; use the section's name as tools do.
    if (type === "section" && name === "") name = sections[sectionIndex]?.name ?? "";
    return {
      index,
      name,
      value: view.getBigUint64(at + 8, true),
      size: toNumber(view.getBigUint64(at + 16, true), "st_size"),
      type,
      binding: SYMBOL_BINDINGS[info >> 4] ?? "other",
      visibility: view.getUint8(at + 5) & 3,
      sectionIndex,
    };
  });
}

function readRelocations(
  view: DataView,
  sections: ElfSection[],
  rela: ElfSection,
  symbolCount: number,
): ElfRelocation[] {
  const data = rela.data!;
  const base = data.byteOffset - view.byteOffset;
  if (rela.info >= sections.length) {
    throw new ElfError(`relocation section ${rela.name} targets missing section ${rela.info}`);
  }
  return Array.from({ length: Math.floor(data.length / RELA_SIZE) }, (_, i) => {
    const at = base + i * RELA_SIZE;
    const info = view.getBigUint64(at + 8, true);
    const type = Number(info & 0xffffffffn);
    const symbol = Number(info >> 32n);
    if (symbol >= symbolCount && symbol !== 0) {
      throw new ElfError(`relocation ${i} in ${rela.name} refers to missing symbol ${symbol}`);
    }
    return {
      section: rela.info,
      offset: toNumber(view.getBigUint64(at, true), "r_offset"),
      type,
      typeName: relocationTypeName(type),
      symbol,
      addend: view.getBigInt64(at + 16, true),
    };
  });
}

function stringTable(sections: ElfSection[], index: number, what: string): Uint8Array {
  const table = sections[index];
  if (!table || table.type !== SHT_STRTAB || !table.data) {
    throw new ElfError(`${what} (section ${index}) is missing or not a string table`);
  }
  return table.data;
}

const decoder = new TextDecoder();

function readString(table: Uint8Array, offset: number, what: string): string {
  if (offset >= table.length) throw new ElfError(`${what} offset ${offset} outside string table`);
  const end = table.indexOf(0, offset);
  if (end < 0) throw new ElfError(`${what} at ${offset} is not NUL-terminated`);
  return decoder.decode(table.subarray(offset, end));
}

function checkRange(bytes: Uint8Array, offset: number, size: number, what: string): void {
  if (offset + size > bytes.length) {
    throw new ElfError(
      `${what} (offset ${offset}, size ${size}) extends past the end of the file (${bytes.length} bytes)`,
    );
  }
}

function toNumber(value: bigint, field: string): number {
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new ElfError(`${field} too large: ${value}`);
  return Number(value);
}
