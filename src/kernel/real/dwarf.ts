/**
 * Kernel struct layouts, enumerators and type sizes read from the DWARF debug
 * info of a real kernel object (e.g. `kernel/trace/ftrace.o` built with
 * CONFIG_DEBUG_INFO_DWARF5), so the model's layouts in `../structs.ts` can be
 * checked against what the compiler actually laid out.
 *
 * The debug info is read with `llvm-dwarfdump-19 --debug-info`, which applies
 * the `.rela.debug_*` relocations of relocatable objects itself, and its text
 * is parsed in one pass keeping only the type DIEs (structs, unions, members,
 * enums, typedefs, arrays, base and pointer types). llvm-dwarfdump is spawned
 * once per object; the parsed result is cached in memory by path, size and
 * mtime.
 */

import { findTool } from "../../asm/assembler.ts";
import { DwarfError } from "./dwarf_error.ts";

/** The dumper; LLVM 19 like the rest of the toolchain (Debian package llvm-19). */
export const LLVM_DWARFDUMP = "llvm-dwarfdump-19";

export { DwarfError };

/**
 * Where one field lives inside its outermost struct.
 *
 * Bitfields: `offset` and `size` are those of the storage unit of the
 * field's declared type that holds it (a `u32 x : 3` at bit 37 gives offset 4,
 * size 4, bitOffset 5), so a load of `size` bytes at `offset` shifted right by
 * `bitOffset` and masked to `bitSize` bits reads it (little-endian). A field
 * that straddles such a unit (packed structs) is given by bytes instead:
 * offset of its first byte, the bytes it touches, bitOffset within that byte.
 */
export interface FieldLayout {
  /** Byte offset from the start of the outermost struct. */
  offset: number;
  /**
   * Size in bytes; for arrays the whole array (0 for flexible or `[0]` arrays).
   * 0 too when the member's type is only declared in the object (which
   * CONFIG_DEBUG_INFO_REDUCED does to structs defined in other headers).
   */
  size: number;
  /** Bit offset from the least significant bit of the unit at `offset` (bitfields only). */
  bitOffset?: number;
  /** Width in bits (bitfields only). */
  bitSize?: number;
  /** Arrays: the size of one element (a row for multi-dimensional arrays). */
  elementSize?: number;
  /** Arrays: the number of elements (rows) of the first dimension. */
  count?: number;
  /** The C type as llvm-dwarfdump names it, e.g. `long unsigned int[31]`. */
  type: string;
}

/**
 * A struct laid out: its size and every field, nested members flattened with
 * dots (`local_hash.filter_hash`), members of anonymous structs and unions
 * under their own names as C spells them, arrays as one field.
 */
export interface KernelStruct {
  name: string;
  size: number;
  fields: Record<string, FieldLayout>;
}

/** How long reading an object took, and how much there was to read. */
export interface DwarfStats {
  /** Bytes of text llvm-dwarfdump printed. */
  textBytes: number;
  /** DIEs in the dump, and how many of them were kept (types). */
  dies: number;
  keptDies: number;
  /** Milliseconds spent in llvm-dwarfdump and in parsing its text. */
  dumpMs: number;
  parseMs: number;
}

/** The types of one object's debug info. */
export interface DwarfInfo {
  /** Path of the object read. */
  readonly objectPath: string;
  /** Compile units in the object's `.debug_info`. */
  readonly units: number;
  readonly stats: DwarfStats;
  /**
   * `struct NAME` (the first complete definition, never a declaration); a
   * `union NAME` when asked with that prefix. Undefined if there is none.
   */
  struct(name: string): KernelStruct | undefined;
  /** True when `struct NAME` appears only as a declaration (an incomplete type). */
  declaredOnly(name: string): boolean;
  /** Value of an enumerator of any enum, named or anonymous (the first one seen). */
  enumerator(name: string): bigint | undefined;
  /** All enumerators whose names start with `prefix`, in the order seen. */
  enumerators(prefix: string): Map<string, bigint>;
  /** sizeof a type: `struct task_struct`, `union x`, `enum y`, or a typedef or base type name. */
  typeSize(name: string): number | undefined;
}

/** Options of {@link readDwarf}. */
export interface ReadDwarfOptions {
  /** The llvm-dwarfdump command (default {@link LLVM_DWARFDUMP}, looked up on PATH). */
  dwarfdump?: string;
}

interface CacheEntry {
  key: string;
  info: Promise<DwarfInfo>;
}

const cache = new Map<string, CacheEntry>();

/** Counts llvm-dwarfdump processes started; tests use it to prove the cache works. */
export const dwarfStats = { spawns: 0 };

/** Forgets every cached object. */
export function clearDwarfCache(): void {
  cache.clear();
}

/**
 * Reads the DWARF type information of an ELF object. Throws {@link DwarfError}
 * when the object cannot be read or has no debug info, and ToolMissingError
 * when llvm-dwarfdump-19 is not installed. Cached per path, size and mtime.
 */
export async function readDwarf(
  objectPath: string,
  options: ReadDwarfOptions = {},
): Promise<DwarfInfo> {
  let stat: Deno.FileInfo;
  let real: string;
  try {
    real = await Deno.realPath(objectPath);
    stat = await Deno.stat(real);
  } catch (e) {
    throw new DwarfError(`cannot read object ${objectPath}: ${(e as Error).message}`);
  }
  if (!stat.isFile) throw new DwarfError(`object ${objectPath} is not a regular file`);
  const tool = options.dwarfdump ?? LLVM_DWARFDUMP;
  const key = `${tool}:${stat.size}:${stat.mtime?.getTime() ?? 0}`;
  const cached = cache.get(real);
  if (cached && cached.key === key) return await cached.info;
  const info = dump(objectPath, tool);
  cache.set(real, { key, info });
  try {
    return await info;
  } catch (e) {
    if (cache.get(real)?.info === info) cache.delete(real);
    throw e;
  }
}

async function dump(objectPath: string, tool: string): Promise<DwarfInfo> {
  const command = findTool(tool);
  const started = performance.now();
  dwarfStats.spawns++;
  const out = await new Deno.Command(command, {
    args: ["--debug-info", objectPath],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const dumped = performance.now();
  if (out.code !== 0) {
    const stderr = new TextDecoder().decode(out.stderr).trim().split("\n").slice(0, 5).join("; ");
    throw new DwarfError(
      `${tool} failed on ${objectPath} (exit ${out.code}): ${stderr || "no message"}`,
    );
  }
  const text = new TextDecoder().decode(out.stdout);
  const parsed = parseDwarfDump(text, objectPath);
  const parseMs = performance.now() - dumped;
  return makeInfo(objectPath, parsed, {
    textBytes: out.stdout.length,
    dies: parsed.dies,
    keptDies: parsed.byOffset.size,
    dumpMs: dumped - started,
    parseMs,
  });
}

// Tags kept, as small numbers.
const T_STRUCT = 1;
const T_UNION = 2;
const T_MEMBER = 3;
const T_ENUM = 4;
const T_ENUMERATOR = 5;
const T_TYPEDEF = 6;
const T_BASE = 7;
const T_POINTER = 8;
const T_QUALIFIER = 9; // const, volatile, restrict, atomic: same size as their type
const T_ARRAY = 10;
const T_SUBRANGE = 11;
const T_SUBROUTINE = 12;

const TAGS: Record<string, number> = {
  DW_TAG_structure_type: T_STRUCT,
  DW_TAG_class_type: T_STRUCT,
  DW_TAG_union_type: T_UNION,
  DW_TAG_member: T_MEMBER,
  DW_TAG_enumeration_type: T_ENUM,
  DW_TAG_enumerator: T_ENUMERATOR,
  DW_TAG_typedef: T_TYPEDEF,
  DW_TAG_base_type: T_BASE,
  DW_TAG_unspecified_type: T_BASE,
  DW_TAG_pointer_type: T_POINTER,
  DW_TAG_reference_type: T_POINTER,
  DW_TAG_rvalue_reference_type: T_POINTER,
  DW_TAG_const_type: T_QUALIFIER,
  DW_TAG_volatile_type: T_QUALIFIER,
  DW_TAG_restrict_type: T_QUALIFIER,
  DW_TAG_atomic_type: T_QUALIFIER,
  DW_TAG_immutable_type: T_QUALIFIER,
  DW_TAG_array_type: T_ARRAY,
  DW_TAG_subrange_type: T_SUBRANGE,
  DW_TAG_subroutine_type: T_SUBROUTINE,
};

/** A kept DIE with the attributes layouts need; values are the raw text inside the parens. */
interface Die {
  offset: number;
  tag: number;
  name?: string;
  /** DW_AT_type: offset of the referenced DIE, and the name llvm-dwarfdump gives it. */
  type?: number;
  typeName?: string;
  byteSize?: string;
  memberLocation?: string;
  dataBitOffset?: string;
  bitSize?: string;
  bitOffset?: string;
  declaration?: boolean;
  constValue?: string;
  upperBound?: string;
  lowerBound?: string;
  count?: string;
  encoding?: string;
  /** Members, enumerators or subranges, in order. */
  children?: Die[];
}

interface Parsed {
  units: number;
  dies: number;
  addressSize: number;
  byOffset: Map<number, Die>;
  /** Named structs and unions, complete or not, and enums, in order of appearance. */
  aggregates: Die[];
  enums: Die[];
  typedefs: Map<string, Die>;
  baseTypes: Map<string, Die>;
}

const CHILD_TAGS = new Set([T_STRUCT, T_UNION, T_ENUM, T_ARRAY]);

/**
 * Parses the text of `llvm-dwarfdump --debug-info` in one pass. A DIE starts
 * at a line `0x<offset>:<indent>DW_TAG_...` (depth = indent / 2), its
 * attributes follow as `<indent>DW_AT_<name>\t(<value>)`. Throws
 * {@link DwarfError} when there is no compile unit.
 */
function parseDwarfDump(text: string, objectPath: string): Parsed {
  const parsed: Parsed = {
    units: 0,
    dies: 0,
    addressSize: 8,
    byOffset: new Map(),
    aggregates: [],
    enums: [],
    typedefs: new Map(),
    baseTypes: new Map(),
  };
  // stack[d] is the kept DIE at depth d on the current path (null if not kept).
  const stack: (Die | null)[] = [];
  let current: Die | null = null;
  let pos = 0;
  const end = text.length;
  while (pos < end) {
    let eol = text.indexOf("\n", pos);
    if (eol < 0) eol = end;
    if (text.charCodeAt(pos) === 48 /* 0 */ && text.charCodeAt(pos + 1) === 120 /* x */) {
      // "0x0000007d:     DW_TAG_member": offset, depth from the indent, tag.
      const colon = text.indexOf(":", pos);
      let at = colon + 1;
      while (text.charCodeAt(at) === 32) at++;
      const tagText = text.slice(at, eol);
      current = null;
      if (tagText.startsWith("Compile Unit") || tagText.startsWith("Type Unit")) {
        parsed.units++;
        const size = /addr_size = 0x([0-9a-f]+)/.exec(tagText);
        if (size) parsed.addressSize = parseInt(size[1], 16);
      } else if (tagText !== "NULL") {
        parsed.dies++;
        const depth = (at - colon - 2) >> 1;
        const tag = TAGS[tagText];
        if (tag !== undefined) {
          const die: Die = { offset: parseInt(text.slice(pos + 2, colon), 16), tag };
          parsed.byOffset.set(die.offset, die);
          if (CHILD_TAGS.has(tag)) die.children = [];
          const parent = depth > 0 ? stack[depth - 1] : null;
          if (parent?.children) parent.children.push(die);
          current = die;
        }
        stack.length = depth + 1;
        stack[depth] = current;
      }
    } else if (current) {
      let at = pos;
      while (text.charCodeAt(at) === 32) at++;
      if (text.startsWith("DW_AT_", at)) {
        const tab = text.indexOf("\t", at);
        if (tab > 0 && tab < eol) attribute(current, text.slice(at + 6, tab), text, tab + 1, eol);
      }
    }
    pos = eol + 1;
  }
  if (parsed.units === 0) {
    throw new DwarfError(
      `${objectPath} has no DWARF debug info (no compile unit in .debug_info); ` +
        "compile it with -g (for a kernel: CONFIG_DEBUG_INFO_DWARF5=y)",
    );
  }
  for (const die of parsed.byOffset.values()) {
    if ((die.tag === T_STRUCT || die.tag === T_UNION) && die.name !== undefined) {
      parsed.aggregates.push(die);
    } else if (die.tag === T_ENUM) {
      parsed.enums.push(die);
      if (die.name !== undefined) parsed.aggregates.push(die);
    } else if (die.tag === T_TYPEDEF && die.name && !parsed.typedefs.has(die.name)) {
      parsed.typedefs.set(die.name, die);
    } else if (die.tag === T_BASE && die.name && !parsed.baseTypes.has(die.name)) {
      parsed.baseTypes.set(die.name, die);
    }
  }
  return parsed;
}

/** Records one attribute line; the value is `text[from, to)`, e.g. `(0x08)`. */
function attribute(die: Die, name: string, text: string, from: number, to: number): void {
  const value = () => text.slice(from + 1, text.lastIndexOf(")", to));
  switch (name) {
    case "name": {
      const v = value();
      die.name = v.startsWith('"') ? v.slice(1, -1) : v;
      break;
    }
    case "type": {
      const v = value();
      die.type = parseInt(v, 16);
      const quote = v.indexOf('"');
      if (quote > 0) die.typeName = typeName(v.slice(quote + 1, v.lastIndexOf('"')));
      break;
    }
    case "byte_size":
      die.byteSize = value();
      break;
    case "data_member_location":
      die.memberLocation = value();
      break;
    case "data_bit_offset":
      die.dataBitOffset = value();
      break;
    case "bit_size":
      die.bitSize = value();
      break;
    case "bit_offset":
      die.bitOffset = value();
      break;
    case "declaration":
      die.declaration = value() === "true";
      break;
    case "const_value":
      die.constValue = value();
      break;
    case "upper_bound":
      die.upperBound = value();
      break;
    case "lower_bound":
      die.lowerBound = value();
      break;
    case "count":
      die.count = value();
      break;
    case "encoding":
      die.encoding = value();
      break;
  }
}

/** llvm-dwarfdump names anonymous aggregates "structure " and "union "; say so. */
function typeName(name: string): string {
  if (name === "structure ") return "struct <anonymous>";
  if (name === "union ") return "union <anonymous>";
  return name;
}

/**
 * A constant as llvm-dwarfdump prints it: `0x08`, `0x80000000` (DW_FORM_dataN,
 * unsigned, the width telling N), `16` or `-5` (implicit_const, sdata, udata),
 * or `DW_OP_plus_uconst 0x8` (a DWARF 2 member location).
 */
function constant(raw: string): bigint {
  const v = raw.startsWith("DW_OP_plus_uconst ") ? raw.slice(18) : raw;
  if (!/^(0x[0-9a-f]+|-?\d+)$/.test(v)) throw new Error(`not a constant: ${raw}`);
  return BigInt(v);
}

function num(raw: string | undefined, what: string, die: Die): number | undefined {
  if (raw === undefined) return undefined;
  let value: bigint;
  try {
    value = constant(raw);
  } catch {
    throw new DwarfError(
      `unsupported ${what} (${raw}) in DIE 0x${die.offset.toString(16)}${
        die.name ? ` (${die.name})` : ""
      }`,
    );
  }
  // An upper bound of -1 printed as data8 (0xffffffffffffffff) means an empty array.
  if (value > BigInt(Number.MAX_SAFE_INTEGER)) return -1;
  return Number(value);
}

/** Sign-extends a `0x..` dataN value when the enum is signed. */
function enumValue(raw: string, signed: boolean): bigint {
  const value = constant(raw);
  if (!signed || !raw.startsWith("0x")) return value;
  const bits = BigInt((raw.length - 2) * 4);
  return BigInt.asIntN(Number(bits), value);
}

function makeInfo(objectPath: string, parsed: Parsed, stats: DwarfStats): DwarfInfo {
  const { byOffset } = parsed;
  const structs = new Map<string, Die>();
  const unions = new Map<string, Die>();
  const enumsByName = new Map<string, Die>();
  const declared = new Set<string>();
  for (const die of parsed.aggregates) {
    const map = die.tag === T_STRUCT ? structs : die.tag === T_UNION ? unions : enumsByName;
    if (die.declaration) {
      if (die.tag === T_STRUCT) declared.add(die.name!);
    } else if (!map.has(die.name!)) map.set(die.name!, die);
  }
  const values = new Map<string, bigint>();
  for (const e of parsed.enums) {
    let signed = e.encoding === "DW_ATE_signed";
    if (e.encoding === undefined && e.type !== undefined) {
      const base = strip(e.type);
      signed = base?.encoding === "DW_ATE_signed";
    }
    for (const c of e.children ?? []) {
      if (c.tag !== T_ENUMERATOR || !c.name || c.constValue === undefined) continue;
      if (!values.has(c.name)) values.set(c.name, enumValue(c.constValue, signed));
    }
  }

  /**
   * Follows typedefs and qualifiers to the type that has a layout; a struct or
   * union declared here but defined in another unit is replaced by that definition.
   */
  function strip(offset: number | undefined): Die | undefined {
    for (let i = 0; i < 64 && offset !== undefined; i++) {
      const die = byOffset.get(offset);
      if (!die || (die.tag !== T_TYPEDEF && die.tag !== T_QUALIFIER)) {
        if (die?.declaration && die.name !== undefined) {
          if (die.tag === T_STRUCT) return structs.get(die.name) ?? die;
          if (die.tag === T_UNION) return unions.get(die.name) ?? die;
        }
        return die;
      }
      offset = die.type;
    }
    return undefined;
  }

  /** sizeof the type at a DIE offset; undefined for void, functions and unknown types. */
  function sizeOf(offset: number | undefined): number | undefined {
    const die = strip(offset);
    if (!die) return undefined;
    if (die.tag === T_POINTER) return num(die.byteSize, "byte size", die) ?? parsed.addressSize;
    if (die.tag === T_ARRAY) return arrayShape(die)?.size;
    if (die.tag === T_SUBROUTINE || die.declaration) return undefined;
    return num(die.byteSize, "byte size", die);
  }

  /** Total size, first-dimension count and the size of one element of that dimension. */
  function arrayShape(die: Die): { size: number; count: number; elementSize: number } | undefined {
    const inner = sizeOf(die.type);
    if (inner === undefined) return undefined;
    const counts = (die.children ?? []).filter((c) => c.tag === T_SUBRANGE).map((c) => {
      const count = num(c.count, "array count", c);
      if (count !== undefined) return Math.max(count, 0);
      const upper = num(c.upperBound, "array upper bound", c);
      if (upper === undefined) return 0; // flexible array member
      return Math.max(upper - (num(c.lowerBound, "array lower bound", c) ?? 0) + 1, 0);
    });
    if (counts.length === 0) counts.push(0);
    const elementSize = counts.slice(1).reduce((a, b) => a * b, inner);
    const explicit = num(die.byteSize, "byte size", die);
    return { size: explicit ?? elementSize * counts[0], count: counts[0], elementSize };
  }

  function memberLayout(member: Die, base: number): FieldLayout {
    const type = strip(member.type);
    const size = sizeOf(member.type) ?? 0;
    const layout: FieldLayout = {
      offset: base + (num(member.memberLocation, "member location", member) ?? 0),
      size,
      type: member.typeName ?? "void",
    };
    if (type?.tag === T_ARRAY) {
      const shape = arrayShape(type);
      if (shape) {
        layout.elementSize = shape.elementSize;
        layout.count = shape.count;
      }
    }
    const bitSize = num(member.bitSize, "bit size", member);
    if (bitSize !== undefined) {
      let bit: number;
      const dataBit = num(member.dataBitOffset, "data bit offset", member);
      if (dataBit !== undefined) {
        bit = dataBit;
      } else {
        // DWARF 2-4: bit_offset counts from the most significant bit of a
        // byte_size unit at data_member_location; turn it around (little-endian).
        const unit = num(member.byteSize, "byte size", member) ?? size;
        const fromMsb = num(member.bitOffset, "bit offset", member) ?? 0;
        bit = unit * 8 - fromMsb - bitSize;
      }
      const absolute = layout.offset * 8 + bit;
      const unitBits = size * 8;
      const start = unitBits > 0 ? Math.floor(absolute / unitBits) * size : 0;
      if (unitBits > 0 && absolute - start * 8 + bitSize <= unitBits) {
        layout.offset = start;
        layout.bitOffset = absolute - start * 8;
      } else {
        layout.offset = Math.floor(absolute / 8);
        layout.bitOffset = absolute % 8;
        layout.size = Math.ceil((layout.bitOffset + bitSize) / 8);
      }
      layout.bitSize = bitSize;
    }
    return layout;
  }

  function flatten(
    aggregate: Die,
    prefix: string,
    base: number,
    out: Record<string, FieldLayout>,
    depth: number,
  ): void {
    if (depth > 32) return;
    for (const member of aggregate.children ?? []) {
      if (member.tag !== T_MEMBER) continue;
      const layout = memberLayout(member, base);
      if (member.name !== undefined) {
        const name = prefix + member.name;
        if (!(name in out)) out[name] = layout;
      }
      const type = strip(member.type);
      if (type && (type.tag === T_STRUCT || type.tag === T_UNION) && !type.declaration) {
        const inner = member.name === undefined ? prefix : `${prefix}${member.name}.`;
        // Bitfields are never structs, so layout.offset is the member's own offset.
        flatten(type, inner, layout.offset, out, depth + 1);
      }
    }
  }

  const layouts = new Map<string, KernelStruct | undefined>();

  function lookup(name: string): Die | undefined {
    if (name.startsWith("union ")) return unions.get(name.slice(6));
    return structs.get(name.startsWith("struct ") ? name.slice(7) : name);
  }

  return {
    objectPath,
    units: parsed.units,
    stats,
    struct(name) {
      if (layouts.has(name)) return layouts.get(name);
      const die = lookup(name);
      let layout: KernelStruct | undefined;
      if (die) {
        const fields: Record<string, FieldLayout> = Object.create(null);
        flatten(die, "", 0, fields, 0);
        layout = { name: die.name!, size: num(die.byteSize, "byte size", die) ?? 0, fields };
      }
      layouts.set(name, layout);
      return layout;
    },
    declaredOnly(name) {
      const bare = name.startsWith("struct ") ? name.slice(7) : name;
      return declared.has(bare) && !structs.has(bare);
    },
    enumerator: (name) => values.get(name),
    enumerators(prefix) {
      return new Map([...values].filter(([name]) => name.startsWith(prefix)));
    },
    typeSize(name) {
      const m = /^(struct|union|enum)\s+(\S+)$/.exec(name.trim());
      const die = m
        ? (m[1] === "struct" ? structs : m[1] === "union" ? unions : enumsByName).get(m[2])
        : parsed.typedefs.get(name) ?? parsed.baseTypes.get(name);
      return die ? sizeOf(die.offset) : undefined;
    },
  };
}

/**
 * A field of a struct by path: a flattened name (`thread_info.preempt_count`),
 * optionally with an index into an array field (`regs[3]`), which gives that
 * element's offset and size.
 */
export function fieldAt(layout: KernelStruct, path: string): FieldLayout | undefined {
  const direct = layout.fields[path];
  if (direct) return direct;
  const m = /^(.+)\[(\d+)\]$/.exec(path);
  if (!m) return undefined;
  const array = layout.fields[m[1]];
  const index = Number(m[2]);
  if (array?.elementSize === undefined || index >= (array.count ?? 0)) return undefined;
  return {
    offset: array.offset + index * array.elementSize,
    size: array.elementSize,
    type: array.type.replace(/\[\d*\]/, ""),
  };
}

/**
 * The layout of `struct NAME` with every one of `fields` present (flattened
 * names, `regs[3]` allowed), for the hot path. Throws {@link DwarfError}
 * naming the kernel, object, struct and missing fields otherwise.
 */
export function requireFields(
  info: DwarfInfo,
  objectPath: string,
  kernel: string,
  struct: string,
  fields: string[],
): KernelStruct {
  const where = `the DWARF of ${objectPath} (kernel ${kernel})`;
  const layout = info.struct(struct);
  if (!layout) {
    const bare = struct.replace(/^(struct|union) /, "");
    const why = info.declaredOnly(struct)
      ? "it is only declared there, not defined (was the object built with " +
        "CONFIG_DEBUG_INFO_REDUCED, which drops structs defined in headers?)"
      : "no such type is defined there";
    throw new DwarfError(
      `struct ${bare} not found in ${where}: ${why}; fields wanted: ${fields.join(", ")}`,
    );
  }
  const missing = fields.filter((f) => !fieldAt(layout, f));
  if (missing.length > 0) {
    const known = Object.keys(layout.fields).filter((f) => !f.includes("."));
    throw new DwarfError(
      `struct ${layout.name} in ${where} has no field${missing.length > 1 ? "s" : ""} ` +
        `${missing.join(", ")}; its fields are: ${known.join(", ")}`,
    );
  }
  return layout;
}
