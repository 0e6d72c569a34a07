/**
 * Loader: places the allocated sections of a relocatable AArch64 object at
 * caller-chosen addresses, resolves symbols and applies relocations, with
 * range checks taken from the ARM "ELF for the Arm 64-bit Architecture" ABI.
 */

import {
  type ElfObject,
  type ElfRelocation,
  type ElfSection,
  type ElfSymbol,
  EM_AARCH64,
  ET_REL,
  R_AARCH64,
  relocationTypeName,
  SHF_ALLOC,
  SHF_EXECINSTR,
  SHF_WRITE,
  SHN_ABS,
  SHN_COMMON,
  SHN_UNDEF,
  SHT_NOBITS,
} from "./elf.ts";
import { type DataAddress, type DataSectionLayout, layoutDefining } from "./data_object.ts";
import { cached, LruMap, objectId } from "../lru.ts";

/** What the `place` callback of {@link load} is asked to place. */
export interface PlaceRequest {
  name: string;
  /** Bytes in memory (may be 0). */
  size: number;
  /** Required alignment in bytes (at least 1). */
  align: number;
  /** sh_flags, see SHF_* in elf.ts. */
  flags: number;
}

/** A section after placement and relocation. */
export interface LoadedSection {
  name: string;
  /** Index of the section in the object. */
  index: number;
  address: bigint;
  size: number;
  /** Contents after relocation; zeroes for SHT_NOBITS. */
  bytes: Uint8Array;
  flags: number;
  exec: boolean;
  write: boolean;
  /** Name of the {@link link} input the section came from ("" for a single object). */
  input: string;
}

/** A symbol's name and address. */
export interface NamedAddress {
  name: string;
  address: bigint;
}

/** The result of {@link load}. */
export interface LoadedImage {
  /** Allocated sections in object order. */
  sections: LoadedSection[];
  /**
   * Named symbols (not section, file or $x/$d mapping symbols) and resolved
   * externs; for duplicate local names the first wins, see `duplicates`.
   */
  symbols: ReadonlyMap<string, bigint>;
  /** Later definitions of local names already in `symbols`. */
  duplicates: readonly NamedAddress[];
  /** Address of a named symbol; throws a clear error when unknown. */
  address(name: string): bigint;
  /** The loaded section with this name, if any. */
  section(name: string): LoadedSection | undefined;
  /**
   * Nearest preceding func/object/notype symbol in the section containing
   * `address`, ignoring `__phase.` markers, `__anchor.` points and `$` mapping symbols.
   */
  symbolize(address: bigint): { name: string; offset: number } | undefined;
  /** Symbols whose name starts with `prefix`, sorted by address then name. */
  markers(prefix: string): NamedAddress[];
  /**
   * Which objects' code is where: equal for two links of the same parsed
   * objects at the same places (their data aside), so what is worked out from
   * the code and its symbols alone can be kept between them. Set by {@link link}.
   */
  codeKey?: string;
}

/** Loading failed: placement, unknown or undefined symbols, unsupported relocations. */
export class LoadError extends Error {
  /** @param message what went wrong, naming the symbols involved */
  constructor(message: string) {
    super(message);
    this.name = "LoadError";
  }
}

/** A relocation's value does not fit its field or is misaligned for it. */
export class RelocationError extends LoadError {
  /** @param message full description: type, place, target, distance and limit */
  constructor(
    message: string,
    /** e.g. "R_AARCH64_CALL26". */
    readonly type: string,
    /** Address being patched. */
    readonly place: bigint,
    /** S + A. */
    readonly target: bigint,
  ) {
    super(message);
    this.name = "RelocationError";
  }
}

/**
 * Places every SHF_ALLOC section at the address `place` returns, resolves
 * symbols (undefined ones from `externs`; undefined weak ones to 0) and
 * applies the supported AArch64 relocations.
 */
export function load(
  obj: ElfObject,
  place: (section: PlaceRequest) => bigint,
  externs: ReadonlyMap<string, bigint> = new Map(),
): LoadedImage {
  return link([{ name: "", obj }], place, externs);
}

/** One object of a {@link link}: its name for messages and which sections to load. */
export interface LinkInput {
  /** e.g. "linux-6.12 kernel/trace/ftrace.o"; empty for a single object. */
  readonly name: string;
  readonly obj: ElfObject;
  /** Which SHF_ALLOC sections to load (default: all of them). */
  readonly select?: (section: ElfSection) => boolean;
}

/**
 * Typed data to link (see data_object.ts): laid out already, placed and
 * bound here without an object file, each object a global definition.
 */
export interface DataInput {
  readonly name: string;
  readonly data: readonly DataSectionLayout[];
}

/** What {@link link} links: relocatable objects and typed data. */
export type LinkItem = LinkInput | DataInput;

const isData = (item: LinkItem): item is DataInput => "data" in item;

/**
 * Links several relocatable objects into one image, as `ld -r` followed by
 * placement would: every input's selected sections are placed in input order,
 * an undefined symbol resolves to the global definition of another input (then
 * `externs`, then 0 when weak), and two strong definitions of one name are an
 * error naming both inputs. `aliases` defines names as other names, as a
 * linker script's `alias = target;` does (the target may be a local symbol:
 * that is how the harness's code reaches a kernel object's static function).
 */
export function link(
  items: readonly LinkItem[],
  place: (section: PlaceRequest) => bigint,
  externs: ReadonlyMap<string, bigint> = new Map(),
  aliases: ReadonlyMap<string, string> = new Map(),
): LoadedImage {
  for (const item of items) {
    if (isData(item)) continue;
    const what = item.name ? `${item.name}: ` : "";
    if (item.obj.fileType !== ET_REL) {
      throw new LoadError(`${what}not a relocatable object (e_type ${item.obj.fileType})`);
    }
    if (item.obj.machine !== EM_AARCH64) {
      throw new LoadError(`${what}not an AArch64 object (e_machine ${item.obj.machine})`);
    }
  }
  // Sections are placed in item order, objects' and data's alike.
  const placed: PlacedObject[] = [];
  const data: { input: DataInput; sections: LoadedSection[] }[] = [];
  for (const item of items) {
    if (isData(item)) {
      const sections = item.data.map((layout, k) =>
        placeData(
          layout,
          k,
          place({
            name: layout.name,
            size: layout.bytes.length,
            align: layout.align,
            flags: SHF_ALLOC | SHF_WRITE,
          }),
          item.name,
        )
      );
      data.push({ input: item, sections });
      continue;
    }
    const sections = placeSections(item.obj, place, item.select);
    for (const s of sections) s.input = item.name;
    const bySection = new Map(sections.map((s) => [s.index, s]));
    placed.push({ input: item, sections, bySection, key: placementKey(bySection) });
  }
  checkOverlaps([...placed.flatMap((p) => p.sections), ...data.flatMap((d) => d.sections)]);
  // Which objects sit where: links with equal keys have equal code (LoadedImage.codeKey).
  const codeKey = placed.map((p) => `${objectId(p.input.obj)}:${p.key}`).join("|");
  const globals = globalDefinitions(placed, codeKey);
  if (data.length > 0) {
    for (const name of globals.keys()) {
      if (externs.has(name)) continue;
      for (const { input } of data) {
        if (layoutDefining(input.data, name) < 0) continue;
        throw new LoadError(
          `symbol ${name} is defined twice: in ${input.name || "typed data"} and in an object`,
        );
      }
    }
  }
  // The inputs' definitions win over externs; an alias only fills a name nothing defines.
  const aliased = new Map<string, bigint>();
  const all = (name: string) => globals.get(name) ?? externs.get(name) ?? aliased.get(name);
  // Data objects are looked up where they were laid out, not copied into one table (a
  // sweep's data has hundreds of them per case), and before externs.
  const dataSections = data.flatMap(({ input, sections }) => placedLayouts(input, sections));
  const symbolsOf: SymbolLookup = {
    get(name) {
      const home = holderOf(dataSections, name);
      return home ? home.section.address + BigInt(home.layout.offsets.get(name)!) : all(name);
    },
    // The hot lookup of binding (every address word of every case): no BigInt, no record.
    number(name) {
      const home = holderOf(dataSections, name);
      if (home) {
        return Number.isNaN(home.base) ? undefined : home.base + home.layout.offsets.get(name)!;
      }
      const address = all(name);
      return address === undefined || address > SAFE ? undefined : Number(address);
    },
  };
  // Linker-script assignments (`alias = target;`) where the target is defined; a
  // target no input exports may be one input's local (static) symbol.
  for (const [alias, target] of aliases) {
    const address = symbolsOf.get(target) ?? localDefinition(placed, target);
    if (symbolsOf.get(alias) === undefined && address !== undefined) aliased.set(alias, address);
  }
  const linked = placed.map((p) => {
    const { resolved, placement } = resolveSymbols(p, symbolsOf);
    return {
      ...p,
      resolved,
      placement,
      image: buildImage(p.input.obj, p.sections, resolved, placement),
    };
  });
  const images = [
    ...linked.map((l) => l.image),
    ...data.map(({ input, sections }) => {
      bindData(input, sections, symbolsOf, data.length === 1);
      return dataImage(input, sections);
    }),
  ];
  const image = images.length === 1 ? images[0] : mergeImages(images);
  for (const { input, bySection, resolved } of linked) {
    relocate(input.obj, bySection, resolved, image);
  }
  image.codeKey = codeKey;
  return image;
}

/** An object's sections placed for a link, by index, and where they are as a key. */
interface PlacedObject {
  input: LinkInput;
  sections: LoadedSection[];
  bySection: Map<number, LoadedSection>;
  /** placementKey(bySection): equal keys, equal places. */
  key: string;
}

/** A data section at `address`; its bytes are the layout's until they are bound (a copy). */
function placeData(layout: DataSectionLayout, k: number, address: bigint, input: string) {
  if (address % BigInt(layout.align) !== 0n) {
    throw new LoadError(
      `section ${layout.name} placed at ${hex(address)}, which is not ${layout.align}-byte aligned`,
    );
  }
  return {
    name: layout.name,
    index: k,
    address,
    size: layout.bytes.length,
    bytes: layout.bytes,
    flags: SHF_ALLOC | SHF_WRITE,
    exec: false,
    write: true,
    input,
  };
}

/** Addresses below this are exact as numbers. */
const SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/**
 * A data input's address words split once per (shared) data: per layout, the
 * 8-byte words that name the data's own objects (a section's address plus a
 * number: bound once per placement, see `prebound`), and the others, in order.
 */
interface BindPlan {
  /** Per layout: its own words' offsets, the layouts they name, and the objects' offsets plus addends. */
  own: { offsets: Int32Array; sections: Int32Array; values: Float64Array }[];
  others: DataAddress[][];
}

const bindPlans = new WeakMap<readonly DataSectionLayout[], BindPlan>();

function bindPlan(data: readonly DataSectionLayout[]): BindPlan {
  return cached(bindPlans, data, () => makeBindPlan(data));
}

// Loops, not closures made per call: each new data made V8 compile those again.
function makeBindPlan(data: readonly DataSectionLayout[]): BindPlan {
  const plan: BindPlan = { own: [], others: [] };
  for (let k = 0; k < data.length; k++) {
    const layout = data[k];
    const { internal } = layout;
    const n = layout.addresses.length + internal.length / 2;
    const offsets = new Int32Array(n), sections = new Int32Array(n), values = new Float64Array(n);
    const others: DataAddress[] = [];
    let count = 0;
    // Words naming the layout's own objects by position need no lookup.
    for (let w = 0; w < internal.length; w += 2) {
      offsets[count] = internal[w];
      sections[count] = k;
      values[count++] = internal[w + 1];
    }
    for (const a of layout.addresses) {
      const section = a.size === 8 ? layoutDefining(data, a.symbol) : -1;
      if (section < 0) others.push(a);
      else {
        offsets[count] = a.offset;
        sections[count] = section;
        values[count++] = data[section].offsets.get(a.symbol)! + a.addend;
      }
    }
    plan.own.push({
      offsets: offsets.subarray(0, count),
      sections: sections.subarray(0, count),
      values: values.subarray(0, count),
    });
    plan.others.push(others);
  }
  return plan;
}

/**
 * A layout's bytes with its own address words bound, at its data's last
 * placement: a parameter set's variants link one data at one place.
 */
interface Prebound {
  at: string;
  /** The bound bytes: the start of `buffer`, which goes to another layout when this one's is dropped. */
  bytes: Uint8Array;
  buffer: Uint8Array;
}

/**
 * The last few layouts bound, by objectId (each thread links one parameter
 * set at a time), in buffers that are written again, not allocated per set: a
 * copy per set, held by its layout until a full collection, was most of the
 * buffer bytes a sweep kept that long (bench/README.md, "Buffers kept until a
 * full collection"). Keyed by objectId, not by layout: holding the layouts
 * kept their own bytes that long instead.
 */
const prebound = new LruMap<number, Prebound>(8);

/**
 * `layout`'s bytes, unbound yet, in its own slot (`kept`, bound elsewhere) or
 * the least recently used one's buffer.
 */
function preboundSlot(
  layout: DataSectionLayout,
  id: number,
  at: string,
  kept: Prebound | undefined,
): Prebound {
  const slot = kept ?? prebound.evictWhenFull() ?? { at, bytes: EMPTY, buffer: EMPTY };
  const size = layout.bytes.length;
  if (slot.buffer.length < size) {
    slot.buffer = new Uint8Array(Math.max(size, 2 * slot.buffer.length));
  }
  slot.at = at;
  slot.bytes = slot.buffer.subarray(0, size);
  slot.bytes.set(layout.bytes);
  prebound.set(id, slot);
  return slot;
}

const EMPTY = new Uint8Array(0);

/**
 * Give each placed section of `input` its own copy of its bytes and write
 * every address it holds. With `alone` (the link's only data), words naming
 * the data's own objects come bound in the copy; the rest are looked up.
 */
function bindData(
  input: DataInput,
  sections: LoadedSection[],
  symbols: SymbolLookup,
  alone: boolean,
): void {
  if (!alone) {
    input.data.forEach((layout, k) => {
      sections[k].bytes = copyOf(layout.bytes);
      bindAddresses(layout.addresses, sections[k], symbols, input.name);
      bindInternal(layout.internal, sections[k]);
    });
    return;
  }
  const plan = bindPlan(input.data);
  const at = sections.map((s) => s.address).join(" ");
  let placed: ReturnType<typeof placedLayouts> | undefined;
  for (let k = 0; k < input.data.length; k++) {
    const layout = input.data[k];
    const id = objectId(layout);
    let kept = prebound.get(id);
    if (kept?.at !== at) {
      kept = preboundSlot(layout, id, at, kept);
      const view = viewOf(kept.buffer);
      placed ??= placedLayouts(input, sections);
      const { offsets, sections: named, values } = plan.own[k];
      for (let w = 0; w < offsets.length; w++) {
        const { base, section } = placed[named[w]];
        setPlacedWord(view, offsets[w], base, section.address, values[w]);
      }
    }
    sections[k].bytes = copyOf(kept.bytes);
    bindAddresses(plan.others[k], sections[k], symbols, input.name);
  }
}

/** Write a placed section's words that name its own objects (DataSectionLayout.internal). */
function bindInternal(internal: Int32Array, section: LoadedSection): void {
  const view = viewOf(section.bytes);
  const base = section.address > SAFE ? NaN : Number(section.address);
  for (let w = 0; w < internal.length; w += 2) {
    setPlacedWord(view, internal[w], base, section.address, internal[w + 1]);
  }
}

/**
 * Write the word at `offset`: a placed section's `address` (`base` as a
 * number, NaN when it is not exact) plus `value`, without a BigInt when it can.
 */
function setPlacedWord(
  view: DataView,
  offset: number,
  base: number,
  address: bigint,
  value: number,
): void {
  if (setExactWord(view, offset, base + value)) return;
  view.setBigUint64(offset, BigInt.asUintN(64, address + BigInt(value)), true);
}

/**
 * Write `value` as a little-endian 64-bit word, in two 32-bit halves (no
 * BigInt), when it is exact as a number (NaN and out-of-range are not); false
 * when it is not, for the caller's BigInt path.
 */
function setExactWord(view: DataView, offset: number, value: number): boolean {
  if (!(value >= 0 && value <= Number.MAX_SAFE_INTEGER)) return false;
  view.setUint32(offset, value % 0x1_0000_0000, true);
  view.setUint32(offset + 4, Math.floor(value / 0x1_0000_0000), true);
  return true;
}

/** Write the addresses a data section holds; a name nothing defines is an error. */
function bindAddresses(
  addresses: readonly DataAddress[],
  section: LoadedSection,
  symbols: SymbolLookup,
  input: string,
): void {
  const view = viewOf(section.bytes);
  const missing = new Map<string, string>();
  for (const a of addresses) {
    if (a.size === 8) {
      // The usual case (a pointer into the image) in plain numbers: no BigInt per word.
      const at = symbols.number(a.symbol);
      if (at !== undefined && setExactWord(view, a.offset, at + a.addend)) continue;
    }
    const target = symbols.get(a.symbol);
    if (target === undefined) {
      if (!missing.has(a.symbol)) missing.set(a.symbol, a.origin);
      continue;
    }
    const value = target + BigInt(a.addend);
    if (a.size === 8) view.setBigUint64(a.offset, BigInt.asUintN(64, value), true);
    else if (value < -(1n << 31n) || value >= 1n << 32n) {
      throw new LoadError(
        `${a.origin}: the address of ${a.symbol} + ${a.addend} (${hex(value)}) does not fit ` +
          `the 4-byte data word at ${hex(section.address + BigInt(a.offset))}`,
      );
    } else view.setUint32(a.offset, Number(BigInt.asUintN(32, value)), true);
  }
  if (missing.size > 0) {
    const parts = [...missing].map(([name, origin]) =>
      `${name}, referenced by data from ${origin}`
    );
    const where = input ? ` in ${input}` : "";
    throw new LoadError(
      `undefined symbol${missing.size > 1 ? "s" : ""}${where}: ${parts.join("; ")}`,
    );
  }
}

/** A data section laid out and placed; `base` is its address as a number (NaN past exact). */
interface PlacedLayout {
  layout: DataSectionLayout;
  section: LoadedSection;
  base: number;
}

function placedLayouts(input: DataInput, sections: readonly LoadedSection[]): PlacedLayout[] {
  return input.data.map((layout, k) => ({
    layout,
    section: sections[k],
    base: sections[k].address > SAFE ? NaN : Number(sections[k].address),
  }));
}

/** The placed layout that defines data object `name`. */
function holderOf(placed: readonly PlacedLayout[], name: string): PlacedLayout | undefined {
  for (const p of placed) if (p.layout.offsets.has(name)) return p;
  return undefined;
}

/** The image of bound data: its objects, named as data objects are, looked up where laid out. */
function dataImage(input: DataInput, sections: LoadedSection[]): LoadedImage {
  const placed = placedLayouts(input, sections);
  const get = (name: string) => {
    const home = holderOf(placed, name);
    return home && home.section.address + BigInt(home.layout.offsets.get(name)!);
  };
  const named = (prefix: string) =>
    input.data.flatMap((layout, k) =>
      layout.objects.filter((o) => o.name.startsWith(prefix))
        .map((o) => ({ name: o.name, address: sections[k].address + BigInt(o.offset) }))
    );
  let sorted: NamedAddress[] | undefined;
  const symbolize = (address: bigint) => {
    const section = sections.find((s) =>
      address >= s.address && address < s.address + BigInt(s.size)
    );
    if (!section) return undefined;
    sorted ??= named("").sort((a, b) => cmp(a.address, b.address));
    let hit: NamedAddress | undefined;
    for (const d of sorted) {
      if (d.address > address) break;
      if (d.address >= section.address) hit = d;
    }
    return hit && { name: hit.name, offset: Number(address - hit.address) };
  };
  const symbols = new SymbolView(get, () => new Map(named("").map((d) => [d.name, d.address])));
  return makeImage(sections, symbols, () => [], symbolize, named);
}

/**
 * The global definitions of the last few code placements: a sweep links the
 * same objects at the same places case after case. Never changed once made.
 */
const globalsByPlacement = new LruMap<string, ReadonlyMap<string, bigint>>(16);

/** Global and weak definitions of every input; a second strong definition is an error. */
function globalDefinitions(
  placed: readonly PlacedObject[],
  codeKey: string,
): ReadonlyMap<string, bigint> {
  return cached(globalsByPlacement, codeKey, () => findGlobalDefinitions(placed));
}

function findGlobalDefinitions(
  placed: readonly PlacedObject[],
): Map<string, bigint> {
  const found = new Map<string, { address: bigint; weak: boolean; from: string }>();
  for (const { input, bySection } of placed) {
    for (const sym of indexOf(input.obj).exported) {
      const section = bySection.get(sym.sectionIndex);
      const address = sym.sectionIndex === SHN_ABS
        ? sym.value
        : section && section.address + sym.value;
      if (address === undefined) continue;
      const weak = sym.binding === "weak";
      const before = found.get(sym.name);
      if (before && !before.weak && !weak) {
        throw new LoadError(
          `symbol ${sym.name} is defined twice: in ${before.from || "the first object"} and in ${
            input.name || "another object"
          }`,
        );
      }
      if (!before || (before.weak && !weak)) {
        found.set(sym.name, { address, weak, from: input.name });
      }
    }
  }
  return new Map([...found].map(([name, d]) => [name, d.address]));
}

/** The address of the first local definition of `name` in the inputs' loaded sections. */
function localDefinition(
  placed: readonly PlacedObject[],
  name: string,
): bigint | undefined {
  for (const { input, bySection } of placed) {
    for (const sym of input.obj.symbols) {
      const section = bySection.get(sym.sectionIndex);
      if (sym.binding === "local" && sym.name === name && section) {
        return section.address + sym.value;
      }
    }
  }
  return undefined;
}

/** One image over several linked ones: the first definition of a name wins. */
function mergeImages(images: LoadedImage[]): LoadedImage {
  const get = (name: string) => {
    for (const image of images) {
      const address = image.symbols.get(name);
      if (address !== undefined) return address;
    }
    return undefined;
  };
  // Listed, with the later definitions of names already listed, only when asked.
  let listed: { symbols: Map<string, bigint>; duplicates: NamedAddress[] } | undefined;
  const list = () => {
    if (listed) return listed;
    const symbols = new Map<string, bigint>();
    const duplicates: NamedAddress[] = [];
    for (const image of images) {
      for (const [name, address] of image.symbols) {
        const known = symbols.get(name);
        if (known === undefined) symbols.set(name, address);
        else if (known !== address) duplicates.push({ name, address });
      }
      duplicates.push(...image.duplicates);
    }
    return listed = { symbols, duplicates };
  };
  return makeImage(
    images.flatMap((i) => i.sections),
    new SymbolView(get, () => list().symbols),
    () => list().duplicates,
    (address) => {
      for (const image of images) {
        const hit = image.symbolize(address);
        if (hit) return hit;
      }
      return undefined;
    },
    (prefix) => images.flatMap((i) => namedIn(i, prefix)),
  );
}

/** What a link resolves names through. */
interface SymbolLookup {
  get(name: string): bigint | undefined;
  /** The same address as a number, when it is exact as one. */
  number(name: string): number | undefined;
}

/**
 * A symbol table looked up through a function and listed (as a Map) only when
 * iterated: merged and data images are asked for a few names, not listed.
 */
class SymbolView implements ReadonlyMap<string, bigint> {
  // The list is made by a method, not by a closure made in the constructor: with that
  // closure kept in a field, a sweep's data images outlived young-generation
  // collections and were moved to the old generation (bench/README.md).
  readonly #make: () => ReadonlyMap<string, bigint>;
  #listed?: ReadonlyMap<string, bigint>;
  constructor(
    readonly get: (name: string) => bigint | undefined,
    list: () => ReadonlyMap<string, bigint>,
  ) {
    this.#make = list;
  }
  #list(): ReadonlyMap<string, bigint> {
    return this.#listed ??= this.#make();
  }
  has(name: string): boolean {
    return this.get(name) !== undefined;
  }
  get size(): number {
    return this.#list().size;
  }
  forEach(
    f: (value: bigint, key: string, map: ReadonlyMap<string, bigint>) => void,
    thisArg?: unknown,
  ): void {
    this.#list().forEach((v, k) => f.call(thisArg, v, k, this));
  }
  entries(): MapIterator<[string, bigint]> {
    return this.#list().entries();
  }
  keys(): MapIterator<string> {
    return this.#list().keys();
  }
  values(): MapIterator<bigint> {
    return this.#list().values();
  }
  [Symbol.iterator](): MapIterator<[string, bigint]> {
    return this.entries();
  }
}

function placeSections(
  obj: ElfObject,
  place: (s: PlaceRequest) => bigint,
  select: (s: ElfSection) => boolean = () => true,
): LoadedSection[] {
  const sections = obj.sections.filter((s) => (s.flags & SHF_ALLOC) !== 0 && select(s));
  return sections.map((s) => {
    // Code sections may come with sh_addralign 1; instructions still need 4.
    const align = Math.max(s.flags & SHF_EXECINSTR ? 4 : 1, s.align);
    const address = place({ name: s.name, size: s.size, align, flags: s.flags });
    if (address < 0n || address + BigInt(s.size) > 1n << 64n) {
      throw new LoadError(`section ${s.name} placed outside the address space at ${hex(address)}`);
    }
    if (address % BigInt(align) !== 0n) {
      throw new LoadError(
        `section ${s.name} placed at ${hex(address)}, which is not ${align}-byte aligned`,
      );
    }
    return loadedSection(s, address);
  });
}

function loadedSection(s: ElfSection, address: bigint): LoadedSection {
  return {
    name: s.name,
    index: s.index,
    address,
    size: s.size,
    // Copy: relocation patches must not write into the caller's object bytes.
    bytes: s.type === SHT_NOBITS || !s.data ? carve(s.size) : copyOf(s.data),
    flags: s.flags,
    exec: (s.flags & SHF_EXECINSTR) !== 0,
    write: (s.flags & SHF_WRITE) !== 0,
    input: "",
  };
}

function checkOverlaps(sections: LoadedSection[]): void {
  const sorted = sections.filter((s) => s.size > 0).sort((a, b) => cmp(a.address, b.address));
  for (let i = 1; i < sorted.length; i++) {
    const prev = sorted[i - 1];
    if (prev.address + BigInt(prev.size) > sorted[i].address) {
      throw new LoadError(
        `sections ${prev.name} (${hex(prev.address)}, ${prev.size} bytes) and ${sorted[i].name} (${
          hex(sorted[i].address)
        }) overlap`,
      );
    }
  }
}

/** Absolute address per symbol index; undefined for symbols that cannot be resolved. */
type Resolved = (bigint | undefined)[];

/**
 * The addresses of an object's defined symbols at its last few placements: a
 * sweep links the same code at the same place case after case, and only its
 * undefined symbols (the data's) resolve differently; code placed a few ways
 * in turn (a sweep's variants before a real kernel's objects) keeps each.
 */
const placements = new WeakMap<ElfObject, LruMap<string, Placement>>();
/** Placements kept per object, least recently used dropped first. */
const PLACEMENTS_PER_OBJECT = 8;

interface Placement {
  key: string;
  /** Addresses of the defined symbols (undefined ones left out). */
  defined: Resolved;
  /** The defined symbols' names, worked out when the image is first built. */
  image?: PlacedNames;
  /** The symbols that can name a place, sorted per section, when first asked to. */
  places?: Map<number, Candidate[]>;
}

/** An object's relocations by the section they patch and by their symbol; its symbols by section. */
interface RelocationIndex {
  bySection: Map<number, ElfRelocation[]>;
  bySymbol: Map<number, ElfRelocation[]>;
  symbolsBySection: Map<number, number[]>;
}

const relocationIndexes = new WeakMap<ElfObject, RelocationIndex>();

function relocationIndex(obj: ElfObject): RelocationIndex {
  let index = relocationIndexes.get(obj);
  if (!index) {
    index = { bySection: new Map(), bySymbol: new Map(), symbolsBySection: new Map() };
    for (const rel of obj.relocations) {
      pushTo(index.bySection, rel.section, rel);
      pushTo(index.bySymbol, rel.symbol, rel);
    }
    for (const sym of obj.symbols) pushTo(index.symbolsBySection, sym.sectionIndex, sym.index);
    relocationIndexes.set(obj, index);
  }
  return index;
}

function pushTo<T>(map: Map<number, T[]>, key: number, value: T): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/** What a link left in an object's relocated sections: their addresses, bytes, and symbols. */
interface Relocated {
  resolved: Resolved;
  address: Map<number, bigint>;
  bytes: Map<number, Uint8Array>;
}

/**
 * Relocated sections of the objects' last links, by where their read-only
 * sections sat (a sweep's variants may put them in a few places in turn; its
 * data moves from case to case, section by section).
 */
const relocatedBy = new WeakMap<ElfObject, LruMap<string, Relocated>>();
/** Links remembered per object. */
const RELOCATED_PER_OBJECT = 8;

/**
 * Apply an object's relocations. A section placed where a remembered link of
 * the object put it starts from the bytes that link relocated, and only its
 * relocations against symbols that now resolve elsewhere are applied again:
 * a relocation rewrites its whole field from its addend and two addresses,
 * so the bytes are those of a full pass. Other sections are relocated whole.
 */
function relocate(
  obj: ElfObject,
  bySection: Map<number, LoadedSection>,
  resolved: Resolved,
  image: LoadedImage,
): void {
  const index = relocationIndex(obj);
  const touched = new Set<number>();
  const apply = (rel: ElfRelocation) => {
    const target = bySection.get(rel.section);
    if (!target) return;
    applyRelocation(rel, target, obj, resolved, image);
    touched.add(rel.section);
  };
  const key = placementKey(bySection, (section) => !section.write);
  let memos = relocatedBy.get(obj);
  if (!memos) relocatedBy.set(obj, memos = new LruMap(RELOCATED_PER_OBJECT));
  const last = memos.get(key);
  const kept = new Set<number>();
  if (last) {
    for (const [i, bytes] of last.bytes) {
      const section = bySection.get(i);
      if (!section || section.address !== last.address.get(i)) continue;
      if (section.bytes.length !== bytes.length) continue;
      section.bytes.set(bytes);
      kept.add(i);
    }
  }
  for (const [i, rels] of index.bySection) if (!kept.has(i)) rels.forEach(apply);
  if (last && kept.size > 0) {
    const again = (symbol: number) => {
      for (const rel of index.bySymbol.get(symbol) ?? []) if (kept.has(rel.section)) apply(rel);
    };
    // Symbols resolve elsewhere when they are undefined here (a case's data), or
    // defined in a section placed elsewhere than last time.
    for (const sym of indexOf(obj).undefined) {
      if (resolved[sym.index] !== last.resolved[sym.index]) again(sym.index);
    }
    for (const [i, symbols] of index.symbolsBySection) {
      if (bySection.get(i)?.address === last.address.get(i)) continue;
      for (const symbol of symbols) if (resolved[symbol] !== last.resolved[symbol]) again(symbol);
    }
  }
  const memo: Relocated = last ?? { resolved, address: new Map(), bytes: new Map() };
  memo.resolved = resolved;
  // A section not relocated in this link has no bytes that follow from `resolved`.
  for (const i of memo.bytes.keys()) {
    if (kept.has(i) || touched.has(i)) continue;
    memo.bytes.delete(i);
    memo.address.delete(i);
  }
  for (const i of touched) {
    const section = bySection.get(i)!;
    const bytes = memo.bytes.get(i);
    if (bytes?.length === section.bytes.length) bytes.set(section.bytes);
    else memo.bytes.set(i, section.bytes.slice());
    memo.address.set(i, section.address);
  }
  if (!last) memos.set(key, memo);
}

/** Where an object's sections (those `which` picks) are: equal keys, equal places. */
function placementKey(
  bySection: ReadonlyMap<number, LoadedSection>,
  which: (section: LoadedSection) => boolean = () => true,
): string {
  let key = "";
  for (const [index, section] of bySection) {
    if (which(section)) key += `${index}@${section.address} `;
  }
  return key;
}

function resolveSymbols(
  { input: { obj, name: inputName }, bySection, key }: PlacedObject,
  externs: SymbolLookup,
): { resolved: Resolved; placement: Placement } {
  let known = placements.get(obj);
  if (!known) placements.set(obj, known = new LruMap(PLACEMENTS_PER_OBJECT));
  let last = known.get(key);
  if (!last) {
    const defined: Resolved = obj.symbols.map((sym) => {
      if (sym.index === 0) return 0n;
      if (sym.sectionIndex === SHN_UNDEF) return undefined;
      if (sym.sectionIndex === SHN_ABS) return sym.value;
      if (sym.sectionIndex === SHN_COMMON) {
        throw new LoadError(`common symbol ${sym.name} is not supported; define it in .bss`);
      }
      const section = bySection.get(sym.sectionIndex);
      return section ? section.address + sym.value : undefined;
    });
    last = { key, defined };
    known.set(key, last);
  }
  const resolved = last.defined.slice();
  for (const sym of indexOf(obj).undefined) {
    resolved[sym.index] = externs.get(sym.name) ?? (sym.binding === "weak" ? 0n : undefined);
  }
  checkUndefined(obj, resolved, bySection, inputName);
  return { resolved, placement: last };
}

/** Reports every undefined symbol a relocation uses, with its first referencing places. */
function checkUndefined(
  obj: ElfObject,
  resolved: Resolved,
  bySection: Map<number, LoadedSection>,
  inputName: string,
): void {
  const refs = new Map<string, string[]>();
  for (const rel of obj.relocations) {
    const section = bySection.get(rel.section);
    if (!section || resolved[rel.symbol] !== undefined) continue;
    const sym = obj.symbols[rel.symbol];
    const name = sym.sectionIndex === SHN_UNDEF ? sym.name : `${sym.name} (not allocated)`;
    const list = refs.get(name) ?? [];
    list.push(`${placeName(obj, section, rel.offset)} (${rel.typeName})`);
    refs.set(name, list);
  }
  if (refs.size === 0) return;
  const parts = [...refs].map(([name, where]) =>
    `${name}, referenced from ${where.slice(0, 3).join(", ")}${
      where.length > 3 ? ` and ${where.length - 3} more` : ""
    }`
  );
  const where = inputName ? ` in ${inputName}` : "";
  throw new LoadError(`undefined symbol${refs.size > 1 ? "s" : ""}${where}: ${parts.join("; ")}`);
}

/** Place name for messages before symbols are indexed: nearest symbol in the object. */
function placeName(obj: ElfObject, section: LoadedSection, offset: number): string {
  return `${nearestInSection(obj, section.index, BigInt(offset))} (${
    hex(section.address + BigInt(offset))
  })`;
}

/** `label+0xoff` for an offset into a section, from the nearest preceding label. */
function nearestInSection(obj: ElfObject, sectionIndex: number, offset: bigint): string {
  let best: ElfSymbol | undefined;
  for (const sym of obj.symbols) {
    if (sym.sectionIndex !== sectionIndex || !isCodeOrDataSymbol(sym)) continue;
    if (sym.value <= offset && (!best || sym.value > best.value)) best = sym;
  }
  const base = best ? best.name : obj.sections[sectionIndex]?.name ?? "?";
  return `${base}+${hex(offset - (best ? best.value : 0n))}`;
}

function isMappingSymbol(name: string): boolean {
  return /^\$[adtx](\.|$)/.test(name);
}

function isCodeOrDataSymbol(sym: ElfSymbol): boolean {
  return (sym.type === "func" || sym.type === "object" || sym.type === "notype") &&
    sym.name !== "" && !sym.name.startsWith("$") && !sym.name.startsWith("__phase.") &&
    !sym.name.startsWith("__anchor.");
}

function buildImage(
  obj: ElfObject,
  sections: LoadedSection[],
  resolved: Resolved,
  placement: Placement,
): LoadedImage {
  // What the object defines is the placement's (worked out once); what it uses
  // from elsewhere (a sweep's data) is the case's.
  const defined = placement.image ??= namedDefinitions(obj, placement.defined);
  const used = new Map<string, bigint>();
  let clash = false;
  for (const sym of indexOf(obj).undefined) {
    const address = resolved[sym.index];
    if (address === undefined || !isNamed(sym)) continue;
    clash ||= defined.symbols.has(sym.name) || used.has(sym.name);
    used.set(sym.name, address);
  }
  // A name both used and defined (no assembler writes that): table order decides.
  const table = clash ? namedDefinitions(obj, resolved) : undefined;
  const symbols = table?.symbols ?? new SymbolView(
    (name) => defined.symbols.get(name) ?? used.get(name),
    () => namedDefinitions(obj, resolved).symbols,
  );
  const { duplicates, all } = table ?? defined;
  const byPrefix = table ? new Map<string, NamedAddress[]>() : defined.byPrefix;
  return makeImage(
    sections,
    symbols,
    () => duplicates,
    symbolizer(obj, sections, placement),
    (prefix) => {
      let named = byPrefix.get(prefix);
      if (!named) byPrefix.set(prefix, named = all.filter((s) => s.name.startsWith(prefix)));
      return named;
    },
  );
}

/** An object's named symbols at `resolved` addresses, in table order (the first of a name wins). */
function namedDefinitions(obj: ElfObject, resolved: Resolved): PlacedNames {
  const symbols = new Map<string, bigint>();
  const duplicates: NamedAddress[] = [];
  const all: NamedAddress[] = [];
  for (const sym of indexOf(obj).named) {
    const address = resolved[sym.index];
    if (address === undefined) continue;
    if (sym.sectionIndex !== SHN_UNDEF) all.push({ name: sym.name, address });
    if (symbols.has(sym.name)) duplicates.push({ name: sym.name, address });
    else symbols.set(sym.name, address);
  }
  return { symbols, duplicates, all, byPrefix: new Map() };
}

interface PlacedNames {
  symbols: Map<string, bigint>;
  duplicates: NamedAddress[];
  all: NamedAddress[];
  /** Definitions by name prefix (phase markers), as asked for. */
  byPrefix: Map<string, NamedAddress[]>;
}

/** The LoadedImage over placed sections, their symbols and every named definition. */
function makeImage(
  sections: LoadedSection[],
  symbols: ReadonlyMap<string, bigint>,
  duplicates: () => readonly NamedAddress[],
  symbolize: LoadedImage["symbolize"],
  named: (prefix: string) => readonly NamedAddress[],
): LoadedImage {
  return new Image(sections, symbols, duplicates, symbolize, named);
}

/**
 * A loaded image; `named` lists its definitions by name prefix, unsorted, for
 * merging images. A class, not an object literal with a getter: see
 * SectionLayout in data_object.ts.
 */
class Image implements LoadedImage {
  codeKey?: string;
  readonly #duplicates: () => readonly NamedAddress[];

  constructor(
    public sections: LoadedSection[],
    public symbols: ReadonlyMap<string, bigint>,
    duplicates: () => readonly NamedAddress[],
    readonly symbolize: LoadedImage["symbolize"],
    readonly named: (prefix: string) => readonly NamedAddress[],
  ) {
    this.#duplicates = duplicates;
  }

  get duplicates(): readonly NamedAddress[] {
    return this.#duplicates();
  }

  address(name: string): bigint {
    const value = this.symbols.get(name);
    if (value === undefined) throw new LoadError(`unknown symbol ${JSON.stringify(name)}`);
    return value;
  }

  section(name: string): LoadedSection | undefined {
    return this.sections.find((s) => s.name === name);
  }

  markers(prefix: string): NamedAddress[] {
    // Only the prefix's few names are sorted, not the image's (data objects included).
    return [...this.named(prefix)]
      .sort((a, b) => cmp(a.address, b.address) || (a.name < b.name ? -1 : 1));
  }
}

/** An image's named definitions starting with `prefix` (every image is made by makeImage). */
function namedIn(image: LoadedImage, prefix: string): readonly NamedAddress[] {
  if (!(image instanceof Image)) throw new Error("an image not made by the loader");
  return image.named(prefix);
}

/** An object's symbols by what the loader does with them, sorted out once per object. */
interface SymbolIndex {
  /** Named symbols (see isNamed), in table order. */
  readonly named: readonly ElfSymbol[];
  /** Named global and weak definitions. */
  readonly exported: readonly ElfSymbol[];
  /** Symbols that can name a place (see isCodeOrDataSymbol). */
  readonly places: readonly ElfSymbol[];
  /** Undefined symbols (index 0 aside). */
  readonly undefined: readonly ElfSymbol[];
}

const symbolIndexes = new WeakMap<ElfObject, SymbolIndex>();

function indexOf(obj: ElfObject): SymbolIndex {
  let index = symbolIndexes.get(obj);
  if (!index) {
    const named = obj.symbols.filter(isNamed);
    index = {
      named,
      exported: named.filter((s) =>
        (s.binding === "global" || s.binding === "weak") && s.sectionIndex !== SHN_UNDEF
      ),
      places: obj.symbols.filter(isCodeOrDataSymbol),
      undefined: obj.symbols.filter((s) => s.index !== 0 && s.sectionIndex === SHN_UNDEF),
    };
    symbolIndexes.set(obj, index);
  }
  return index;
}

function isNamed(sym: ElfSymbol): boolean {
  return sym.index !== 0 && sym.name !== "" && sym.type !== "section" && sym.type !== "file" &&
    !isMappingSymbol(sym.name);
}

interface Candidate {
  address: bigint;
  sym: ElfSymbol;
}

/**
 * Builds the lookup behind LoadedImage.symbolize: sorted candidates per
 * section, when first asked (most images are never asked to name an
 * address), once per placement of the object (they are all defined symbols).
 */
function symbolizer(obj: ElfObject, sections: LoadedSection[], placement: Placement) {
  const build = () => {
    const map = new Map<number, Candidate[]>();
    for (const sym of indexOf(obj).places) {
      const address = placement.defined[sym.index];
      if (address === undefined) continue; // undefined names are no place of this object
      pushTo(map, sym.sectionIndex, { address, sym });
    }
    // At equal addresses the preferred symbol sorts last, where the search lands.
    for (const list of map.values()) {
      list.sort((a, b) => cmp(a.address, b.address) || preference(a.sym, b.sym));
    }
    return map;
  };
  return (address: bigint): { name: string; offset: number } | undefined => {
    const perSection = placement.places ??= build();
    const section = sections.find((s) =>
      address >= s.address && address < s.address + BigInt(s.size)
    );
    const list = section && perSection.get(section.index);
    const hit = list && lastAtOrBefore(list, address);
    return hit && { name: hit.sym.name, offset: Number(address - hit.address) };
  };
}

/**
 * Orders symbols at one address, least preferred first: plain labels before
 * functions/objects, locals before weak before globals, later definitions first.
 */
function preference(a: ElfSymbol, b: ElfSymbol): number {
  const typeRank = (s: ElfSymbol) => s.type === "notype" ? 0 : 1;
  const bindRank = (s: ElfSymbol) => ["local", "weak", "global"].indexOf(s.binding);
  return typeRank(a) - typeRank(b) || bindRank(a) - bindRank(b) || b.index - a.index;
}

function lastAtOrBefore(list: Candidate[], address: bigint): Candidate | undefined {
  let lo = 0;
  let hi = list.length; // invariant: list[<lo] <= address < list[>=hi]
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (list[mid].address <= address) lo = mid + 1;
    else hi = mid;
  }
  return lo > 0 ? list[lo - 1] : undefined;
}

// ---------------------------------------------------------------------------
// Relocations

/** How the value X of a relocation is computed from S (symbol), A (addend), P (place). */
type Formula = "S+A" | "S+A-P" | "Page(S+A)-Page(P)";

interface RelocSpec {
  formula: Formula;
  /** Bytes patched at the place. */
  width: 4 | 8;
  /** Allowed X range, [min, max). Omitted for _NC types and 64-bit data. */
  range?: [bigint, bigint];
  /** Required alignment of X (the low bits the field drops). */
  align?: number;
  /** Produces the new 32-bit word (or 64-bit data) from the old one and X. */
  encode: (old: bigint, x: bigint) => bigint;
  /**
   * The same as `encode` in plain numbers, for 32-bit fields (addresses here stay
   * far below 2^53): the fast path most relocations take. A value that fails a
   * check goes through `encode`'s BigInt path, which reports it.
   */
  encode32?: (old: number, x: number) => number;
}

/** `field()` on a 32-bit word in plain numbers (width <= 26). */
function field32(word: number, value: number, lsb: number, width: number): number {
  const mask = (1 << width) - 1;
  return ((word & ~(mask << lsb)) | ((value & mask) << lsb)) >>> 0;
}

function adrImmediate32(word: number, imm: number): number {
  return field32(field32(word, imm, 29, 2), Math.floor(imm / 4), 5, 19);
}

const MiB = 1n << 20n;

/** A branch's word offset (X / 4) in `bits` bits at `lsb`. */
const branch = (bits: number, lsb: number): RelocSpec => ({
  formula: "S+A-P",
  width: 4,
  range: [-(1n << BigInt(bits + 1)), 1n << BigInt(bits + 1)],
  align: 4,
  encode: (old, x) => field(old, x >> 2n, lsb, bits),
  encode32: (old, x) => field32(old, x / 4, lsb, bits),
});

/** A load/store unsigned-offset immediate: X[11:scale] into bits [21:10]. */
const ldst = (scale: number): RelocSpec => ({
  formula: "S+A",
  width: 4,
  align: 1 << scale,
  encode: (old, x) => field(old, (x & 0xfffn) >> BigInt(scale), 10, 12),
  encode32: (old, x) => field32(old, (x & 0xfff) >> scale, 10, 12),
});

/** Supported relocation types and their ABI semantics. */
const SPECS = new Map<number, RelocSpec>([
  [R_AARCH64.ABS64, { formula: "S+A", width: 8, encode: (_, x) => BigInt.asUintN(64, x) }],
  [R_AARCH64.PREL64, { formula: "S+A-P", width: 8, encode: (_, x) => BigInt.asUintN(64, x) }],
  [R_AARCH64.ABS32, data32("S+A")],
  [R_AARCH64.PREL32, data32("S+A-P")],
  [R_AARCH64.CALL26, branch(26, 0)],
  [R_AARCH64.JUMP26, branch(26, 0)],
  [R_AARCH64.CONDBR19, branch(19, 5)],
  [R_AARCH64.LD_PREL_LO19, branch(19, 5)],
  [R_AARCH64.TSTBR14, branch(14, 5)],
  [R_AARCH64.ADR_PREL_LO21, {
    formula: "S+A-P",
    width: 4,
    range: [-MiB, MiB],
    encode: adrImmediate,
    encode32: adrImmediate32,
  }],
  [R_AARCH64.ADR_PREL_PG_HI21, {
    formula: "Page(S+A)-Page(P)",
    width: 4,
    range: [-(1n << 32n), 1n << 32n],
    encode: (old, x) => adrImmediate(old, x >> 12n),
    encode32: (old, x) => adrImmediate32(old, Math.floor(x / 4096)),
  }],
  [R_AARCH64.ADD_ABS_LO12_NC, {
    formula: "S+A",
    width: 4,
    encode: (old, x) => field(old, x & 0xfffn, 10, 12),
    encode32: (old, x) => field32(old, x & 0xfff, 10, 12),
  }],
  [R_AARCH64.LDST8_ABS_LO12_NC, ldst(0)],
  [R_AARCH64.LDST16_ABS_LO12_NC, ldst(1)],
  [R_AARCH64.LDST32_ABS_LO12_NC, ldst(2)],
  [R_AARCH64.LDST64_ABS_LO12_NC, ldst(3)],
  [R_AARCH64.LDST128_ABS_LO12_NC, ldst(4)],
]);

/** The AArch64 relocation types {@link load} applies. */
export const SUPPORTED_RELOCATIONS: readonly string[] = [...SPECS.keys()].map(relocationTypeName);

/** 32-bit data: the ABI allows -2^31 <= X < 2^32 (signed or unsigned use). */
function data32(formula: Formula): RelocSpec {
  return {
    formula,
    width: 4,
    range: [-(1n << 31n), 1n << 32n],
    encode: (_, x) => BigInt.asUintN(32, x),
    encode32: (_, x) => x >>> 0,
  };
}

/** Replaces `width` bits at `lsb` of an instruction word with the low bits of `value`. */
function field(word: bigint, value: bigint, lsb: number, width: number): bigint {
  const mask = ((1n << BigInt(width)) - 1n) << BigInt(lsb);
  return (word & ~mask) | ((BigInt.asUintN(width, value) << BigInt(lsb)) & mask);
}

/** ADR/ADRP immediate: immlo = imm[1:0] in bits [30:29], immhi = imm[20:2] in bits [23:5]. */
function adrImmediate(word: bigint, imm: bigint): bigint {
  return field(field(word, imm, 29, 2), imm >> 2n, 5, 19);
}

/** Context shared by the relocation helpers. */
interface RelocSite {
  rel: ElfRelocation;
  section: LoadedSection;
  obj: ElfObject;
  image: LoadedImage;
  place: bigint;
  target: bigint;
}

function applyRelocation(
  rel: ElfRelocation,
  section: LoadedSection,
  obj: ElfObject,
  resolved: Resolved,
  image: LoadedImage,
): void {
  if (rel.type === R_AARCH64.NONE) return;
  const place = section.address + BigInt(rel.offset);
  const target = resolved[rel.symbol]! + rel.addend;
  // Data words (the ops lists' pointers): the commonest relocation, and never out of range.
  if (
    rel.type === R_AARCH64.ABS64 && rel.offset + 8 <= section.bytes.length && target >= 0n &&
    target < 1n << 64n
  ) {
    viewOf(section.bytes).setBigUint64(rel.offset, target, true);
    return;
  }
  const spec = SPECS.get(rel.type);
  if (spec?.encode32 && rel.offset + 4 <= section.size && section.bytes.length > 0) {
    if (fastApply(spec, spec.encode32, section.bytes, rel.offset, Number(target), Number(place))) {
      return;
    }
  }
  const site: RelocSite = { rel, section, obj, image, place, target };
  if (!spec) {
    throw new LoadError(
      `unsupported relocation ${rel.typeName} (type ${rel.type}) at ${where(site)} against ${
        targetName(site)
      }; supported: ${SUPPORTED_RELOCATIONS.join(", ")}`,
    );
  }
  if (section.bytes.length === 0 || rel.offset + spec.width > section.size) {
    throw new LoadError(`${rel.typeName} at ${where(site)} lies outside section ${section.name}`);
  }
  const x = computeX(spec.formula, target, place);
  checkValue(site, spec, x);
  writeValue(section.bytes, rel.offset, spec, x);
}

/** Numbers for `spec.range`, made once. */
const numericRange = new WeakMap<RelocSpec, [number, number]>();

/**
 * Apply a 32-bit relocation in plain numbers; false when X fails a check, so
 * the BigInt path reports it exactly.
 */
function fastApply(
  spec: RelocSpec,
  encode32: (old: number, x: number) => number,
  bytes: Uint8Array,
  offset: number,
  target: number,
  place: number,
): boolean {
  const x = spec.formula === "S+A"
    ? target
    : spec.formula === "S+A-P"
    ? target - place
    : Math.floor(target / 4096) * 4096 - Math.floor(place / 4096) * 4096;
  if (spec.align && x % spec.align !== 0) return false;
  if (spec.range) {
    let range = numericRange.get(spec);
    if (!range) numericRange.set(spec, range = [Number(spec.range[0]), Number(spec.range[1])]);
    if (x < range[0] || x >= range[1]) return false;
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  view.setUint32(offset, encode32(view.getUint32(offset, true), x), true);
  return true;
}

function computeX(formula: Formula, target: bigint, place: bigint): bigint {
  if (formula === "S+A") return target;
  if (formula === "S+A-P") return target - place;
  const page = (v: bigint) => v & ~0xfffn;
  return page(target) - page(place);
}

const views = new WeakMap<Uint8Array, DataView>();

/**
 * Bytes for a linked section, carved from a shared slab: a link per case
 * copies its sections, and a buffer of its own per copy cost more than the
 * copy (an allocation the collector counts, and memory to zero). A slab is
 * freed once no section of it is left. Large sections get their own buffer.
 * A slab of 64 KB lasts a few cases; one of 1 MB lasted about sixty, long
 * enough (presumably) to be promoted and wait for a full collection: the
 * 5,000-case sweep on one thread peaked at 146 to 174 MB with 64 KB against
 * 172 to 177 MB with 1 MB, in alternating runs (seven of each).
 */
function carve(size: number): Uint8Array {
  if (size === 0 || size > SLAB_BYTES / 8) return new Uint8Array(size);
  if (slabUsed + size > SLAB_BYTES) {
    slab = new ArrayBuffer(SLAB_BYTES);
    slabUsed = 0;
  }
  const bytes = new Uint8Array(slab, slabUsed, size);
  slabUsed += (size + 15) & ~15; // each section 16-byte aligned, as DataViews like
  return bytes;
}

const SLAB_BYTES = 64 << 10;
let slab = new ArrayBuffer(0);
let slabUsed = SLAB_BYTES;

function copyOf(bytes: Uint8Array): Uint8Array {
  const copy = carve(bytes.length);
  copy.set(bytes);
  return copy;
}

/** One DataView per section's bytes, for all its relocations. */
function viewOf(bytes: Uint8Array): DataView {
  let view = views.get(bytes);
  if (!view) {
    view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    views.set(bytes, view);
  }
  return view;
}

function writeValue(bytes: Uint8Array, offset: number, spec: RelocSpec, x: bigint): void {
  const view = viewOf(bytes);
  if (spec.width === 8) {
    view.setBigUint64(offset, spec.encode(view.getBigUint64(offset, true), x), true);
  } else {
    const old = BigInt(view.getUint32(offset, true));
    view.setUint32(offset, Number(spec.encode(old, x)), true);
  }
}

function checkValue(site: RelocSite, spec: RelocSpec, x: bigint): void {
  const what = spec.formula === "S+A"
    ? "value"
    : spec.formula === "S+A-P"
    ? "distance"
    : "page distance";
  if (spec.align && x % BigInt(spec.align) !== 0n) {
    fail(site, `${what} ${signedHex(x)} is not a multiple of ${spec.align} bytes`);
  }
  if (spec.range && (x < spec.range[0] || x >= spec.range[1])) {
    const [min, max] = spec.range;
    fail(
      site,
      `${what} ${x > 0n ? "+" : ""}${x} bytes (${size(x)}) is out of range: the limit is ${
        limit(min, max)
      } (${signedHex(min)} <= ${what} < ${signedHex(max)})`,
    );
  }
}

function fail(site: RelocSite, problem: string): never {
  throw new RelocationError(
    `${site.rel.typeName} at ${where(site)} to ${targetName(site)}: ${problem}`,
    site.rel.typeName,
    site.place,
    site.target,
  );
}

/** The patched place as `symbol+0xoff (0xaddress)`. */
function where(site: RelocSite): string {
  const { image, place, section } = site;
  const sym = image.symbolize(place);
  const base = sym
    ? `${sym.name}+${hex(BigInt(sym.offset))}`
    : `${section.name}+${hex(place - section.address)}`;
  return `${base} (${hex(place)})`;
}

/** The relocation's target as symbol(+addend) and address. */
function targetName(site: RelocSite): string {
  const { rel, obj, target } = site;
  const sym = obj.symbols[rel.symbol];
  if (sym.type !== "section") return `${sym.name}${addend(rel.addend)} (${hex(target)})`;
  // Local labels are referenced through their section symbol: name the label.
  const label = nearestInSection(obj, sym.sectionIndex, sym.value + rel.addend);
  return `${label} (${sym.name}${addend(rel.addend)}, ${hex(target)})`;
}

function addend(a: bigint): string {
  return a === 0n ? "" : a > 0n ? `+${hex(a)}` : `-${hex(-a)}`;
}

function hex(v: bigint): string {
  return `0x${v.toString(16)}`;
}

function signedHex(v: bigint): string {
  return v < 0n ? `-0x${(-v).toString(16)}` : `+0x${v.toString(16)}`;
}

const UNITS: [string, number][] = [["GiB", 2 ** 30], ["MiB", 2 ** 20], ["KiB", 2 ** 10]];

/** Bytes in the largest fitting binary unit, e.g. 200 MiB -> "200.00 MiB" (or "128 MiB" exact). */
function inUnits(bytes: number, exact: boolean): string {
  const [unit, scale] = UNITS.find(([, scale]) => bytes >= scale) ?? ["bytes", 1];
  return `${exact ? bytes / scale : (bytes / scale).toFixed(2)} ${unit}`;
}

/** A signed byte count, e.g. "+200.00 MiB". */
function size(v: bigint): string {
  return `${v < 0n ? "-" : "+"}${inUnits(Number(v < 0n ? -v : v), false)}`;
}

/** A range limit, e.g. "±128 MiB" or "-2 GiB to +4 GiB". */
function limit(min: bigint, max: bigint): string {
  const unit = (v: bigint) => inUnits(Number(v < 0n ? -v : v), true);
  return -min === max ? `±${unit(max)}` : `-${unit(min)} to +${unit(max)}`;
}

function cmp(a: bigint, b: bigint): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Names that relocations in the inputs' selected sections use but that no
 * input defines (weak references excluded), sorted, each with the largest
 * addend used with it (how far past the symbol the code reaches): what a link
 * of these inputs still needs from elsewhere.
 */
export function undefinedReferences(
  items: readonly LinkItem[],
  aliases: ReadonlyMap<string, string> = new Map(),
): Map<string, bigint> {
  const dataNames = new Set<string>();
  const inputs: InputNames[] = [];
  for (const item of items) {
    if (isData(item)) {
      for (const layout of item.data) for (const o of layout.objects) dataNames.add(o.name);
    } else inputs.push(namesOfInput(item));
  }
  const defined = (name: string) =>
    aliases.has(name) || dataNames.has(name) || inputs.some((input) => input.defined.has(name));
  const missing = new Map<string, bigint>();
  const need = (name: string, addend: bigint) => {
    if (defined(name)) return;
    const reach = addend > 0n ? addend : 0n;
    if (!missing.has(name) || missing.get(name)! < reach) missing.set(name, reach);
  };
  for (const item of items) {
    if (isData(item)) {
      for (const layout of item.data) {
        for (const a of layout.addresses) need(a.symbol, BigInt(a.addend));
      }
    }
  }
  for (const input of inputs) input.needs.forEach((reach, name) => need(name, reach));
  return new Map([...missing].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** What an input's selected sections define, and what its relocations need (largest reach). */
interface InputNames {
  readonly defined: ReadonlySet<string>;
  readonly needs: ReadonlyMap<string, bigint>;
}

/**
 * Worked out once per object and selection: a sweep on a real kernel links
 * the same kernel objects, and the same code object, case after case.
 */
const inputNames = new WeakMap<ElfObject, WeakMap<(s: ElfSection) => boolean, InputNames>>();
const ALL_SECTIONS = () => true;

function namesOfInput({ obj, select = ALL_SECTIONS }: LinkInput): InputNames {
  let bySelection = inputNames.get(obj);
  if (!bySelection) inputNames.set(obj, bySelection = new WeakMap());
  return cached(bySelection, select, () => {
    const defined = new Set<string>();
    for (const sym of obj.symbols) {
      const section = obj.sections[sym.sectionIndex];
      const loaded = sym.sectionIndex === SHN_ABS ||
        (section !== undefined && (section.flags & SHF_ALLOC) !== 0 && select(section));
      if (sym.sectionIndex !== SHN_UNDEF && loaded && isNamed(sym)) defined.add(sym.name);
    }
    const needs = new Map<string, bigint>();
    for (const rel of obj.relocations) {
      const section = obj.sections[rel.section];
      if (!section || (section.flags & SHF_ALLOC) === 0 || !select(section)) continue;
      const sym = obj.symbols[rel.symbol];
      if (sym.sectionIndex !== SHN_UNDEF || sym.binding === "weak" || !isNamed(sym)) continue;
      const reach = rel.addend > 0n ? rel.addend : 0n;
      const known = needs.get(sym.name);
      if (known === undefined || known < reach) needs.set(sym.name, reach);
    }
    return { defined, needs };
  });
}
