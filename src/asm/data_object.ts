/**
 * Initialised data as typed values rather than assembly text: the ops lists,
 * hashes and structures a case changes. A {@link DataWriter} writes objects,
 * words and zero fill straight into bytes; its chunk renders the same data
 * as assembly when asked (for listings, and for assembling a whole unit with
 * llvm-mc), and {@link layoutData} lays chunks out for the loader, which
 * places them and writes their addresses without an object file: a sweep
 * assembles its code once and only builds its data per case.
 *
 * @module
 */
import type { AsmChunk } from "./source.ts";

/** A symbol's address plus a byte offset (`.quad name + addend`). */
export interface SymbolValue {
  readonly symbol: string;
  readonly addend: number;
}

/** The value of a data word: a number, or an address. */
export type DataValue = number | bigint | SymbolValue;

/** `name + addend` as a {@link DataValue}. */
export function sym(symbol: string, addend = 0): SymbolValue {
  return { symbol, addend };
}

/** Event kinds of a data chunk, in its `events` triples (kind, position, argument). */
const ALIGN = 0, OBJECT = 1, WORD = 2;

/**
 * A chunk of writable data, laid out as it is written: its bytes with every
 * number in place and no alignment padding (padding depends on where the
 * chunk lands in its section), and the events that say where alignment,
 * objects and words are. The assembly text is rendered only when asked for.
 */
export interface DataChunk extends AsmChunk {
  /** The section the data goes to, e.g. ".data". */
  readonly section: string;
  /** The bytes, padding left out; address words are zero. */
  readonly content: Uint8Array;
  /** Triples (kind, position in `content`, argument): alignment, object index, word size. */
  readonly events: ArrayLike<number>;
  readonly objects: readonly string[];
  /** Address words, by position in `content`, but for those in `internal`. */
  readonly addresses: readonly DataAddress[];
  /**
   * 8-byte address words naming an object of the chunk itself, as triples
   * (position in `content`, index in `objects`, addend): written where a
   * segment was appended (see {@link DataWriter.segment}), they are bound
   * without looking their names up. None when absent.
   */
  readonly internal?: ArrayLike<number>;
}

/** Whether a chunk is typed data (built without the assembler) rather than text. */
export function isDataChunk(chunk: AsmChunk): chunk is DataChunk {
  return "content" in chunk;
}

/** An address a data word holds: where, and what it names. */
export interface DataAddress {
  /** Byte offset (in a chunk's content, or in a laid-out section). */
  readonly offset: number;
  readonly size: 4 | 8;
  readonly symbol: string;
  readonly addend: number;
  /** Where the data comes from (the writer's origin), for errors. */
  readonly origin: string;
}

/** A data value that is not an address does not fit its word. */
export class DataValueError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DataValueError";
  }
}

/**
 * Data written once and appended as often as it recurs ({@link DataWriter.append}):
 * its bytes, events, objects and addresses, positioned from its own start.
 */
export interface DataSegment {
  readonly content: Uint8Array;
  readonly events: ArrayLike<number>;
  readonly objects: readonly string[];
  /** Address words naming something outside the segment. */
  readonly addresses: readonly DataAddress[];
  /** Those naming one of its own objects: triples as a chunk's `internal`. */
  readonly internal: Int32Array;
}

/** Whether one of the segment's words naming its own objects is at `offset`. */
function internalAt(segment: DataSegment, offset: number): boolean {
  for (let i = 0; i < segment.internal.length; i += 3) {
    if (segment.internal[i] === offset) return true;
  }
  return false;
}

/** Records data objects in order, as bytes; `chunk()` hands them over. */
export class DataWriter {
  readonly #sink: ByteSink;
  #events: EventLog;
  /** Appended segments' words naming their own objects (see DataChunk.internal). */
  #internal: EventLog;
  #objects: string[] = [];
  #addresses: DataAddress[] = [];
  /** A chunk holds the arrays: the next write copies them first. */
  #handedOver = false;
  /** Writing into the process's scratch buffers, handed back by `chunk()`. */
  #scratch = false;

  /**
   * @param origin where the data comes from, for listings and errors
   * @param expected bytes the writer is expected to hold (room made at once, not by doubling)
   * @param scratch write into buffers kept for the next such writer, which `chunk()`
   *   copies out of and hands back (a case's world data: no buffers left to collect);
   *   nothing may be written after it
   */
  constructor(
    readonly origin: string,
    readonly section = ".data",
    expected = 256,
    scratch = false,
  ) {
    // A word, an object or an alignment every 8 bytes or so, three numbers each.
    const events = Math.ceil(expected / 8) * 3;
    // A scratch writer without free buffers makes its own, which become the scratch ones.
    this.#scratch = scratch;
    const free = scratch ? scratchBuffers : undefined;
    if (free) {
      scratchBuffers = undefined;
      this.#sink = free.sink.reset(expected);
      this.#events = free.events.reset(events);
      this.#internal = free.internal.reset(events);
    } else {
      this.#sink = new ByteSink(expected);
      this.#events = new EventLog(events);
      this.#internal = new EventLog(0);
    }
  }

  /** What `write` writes, as a segment to append to writers of the same origin. */
  static segment(origin: string, write: (w: DataWriter) => void): DataSegment {
    const w = new DataWriter(origin);
    write(w);
    // Words naming the segment's own objects are bound by position wherever it lands (a
    // segment that defines a name twice keeps every word by name, for layOut to refuse).
    const own = new Map<string, number>();
    w.#objects.forEach((name, k) => own.set(name, own.has(name) ? -1 : k));
    const internal: number[] = [];
    const addresses: DataAddress[] = [];
    const twice = [...own.values()].includes(-1);
    for (const a of w.#addresses) {
      const k = a.size === 8 && !twice && (a.addend | 0) === a.addend
        ? own.get(a.symbol)
        : undefined;
      if (k === undefined) addresses.push(a);
      else internal.push(a.offset, k, a.addend);
    }
    return {
      content: w.#sink.bytes(),
      events: w.#events.view().slice(), // exact size: segments are kept
      objects: w.#objects,
      addresses,
      internal: Int32Array.from(internal),
    };
  }

  /** A segment's data, as if written here again. */
  append(segment: DataSegment): this {
    this.#own();
    const at = this.#sink.length;
    const firstObject = this.#objects.length;
    this.#sink.append(segment.content, 0, segment.content.length);
    this.#events.addShifted(segment.events, at, firstObject);
    this.#internal.addInternal(segment.internal, at, firstObject);
    for (const name of segment.objects) this.#objects.push(name);
    for (const a of segment.addresses) {
      this.#addresses.push({
        offset: a.offset + at,
        size: a.size,
        symbol: a.symbol,
        addend: a.addend,
        origin: a.origin,
      });
    }
    return this;
  }

  /**
   * `segment`, with the 8-byte value word at its `offset` set to `value`: a
   * segment kept once for all the values that word takes (an ops' flags).
   * The word must be one the segment wrote as a value, not as an address.
   */
  appendPatched(segment: DataSegment, offset: number, value: bigint): this {
    if (!(offset >= 0 && offset + 8 <= segment.content.length)) {
      throw new RangeError(
        `${this.origin}: a patch at offset ${offset} is outside a segment of ` +
          `${segment.content.length} bytes`,
      );
    }
    // An address word is bound at link time, over whatever the patch wrote.
    if (segment.addresses.some((a) => a.offset === offset) || internalAt(segment, offset)) {
      throw new RangeError(
        `${this.origin}: a patch at offset ${offset} would set an address word of the segment`,
      );
    }
    const at = this.#sink.length;
    this.append(segment);
    this.#sink.set64(at + offset, BigInt.asUintN(64, value));
    return this;
  }

  #own(): void {
    if (!this.#handedOver) return;
    if (this.#scratch) throw new Error(`${this.origin}: data written after its chunk was taken`);
    this.#handedOver = false;
    this.#events = this.#events.copy();
    this.#internal = this.#internal.copy();
    this.#objects = this.#objects.slice();
    this.#addresses = this.#addresses.slice();
  }

  /** Start a global data object named `name`, aligned to `align` bytes. */
  object(name: string, align = 8): this {
    this.#own();
    const at = this.#sink.length;
    this.#events.add(ALIGN, at, align);
    this.#events.add(OBJECT, at, this.#objects.length);
    this.#objects.push(name);
    return this;
  }

  /** Bytes written so far, alignment padding left out (it depends on where the data lands). */
  get length(): number {
    return this.#sink.length;
  }

  /** Pad with zeros to a multiple of `align` bytes (`.balign`). */
  align(align: number): this {
    this.#own();
    this.#events.add(ALIGN, this.#sink.length, align);
    return this;
  }

  /** An 8-byte value. */
  quad(value: DataValue): this {
    return this.#word(8, value);
  }

  /** A 4-byte value. */
  word(value: DataValue): this {
    return this.#word(4, value);
  }

  /** `size` zero bytes. */
  zero(size: number): this {
    this.#own();
    if (size > 0) this.#sink.skip(size);
    return this;
  }

  #word(size: 4 | 8, value: DataValue): this {
    this.#own();
    const sink = this.#sink;
    this.#events.add(WORD, sink.length, size);
    if (typeof value === "object") {
      this.#addresses.push({
        offset: sink.length,
        size,
        symbol: value.symbol,
        addend: value.addend,
        origin: this.origin,
      });
      sink.skip(size);
    } else if (
      typeof value === "number" && value >= -0x8000_0000 && value <= 0xffff_ffff &&
      Number.isInteger(value)
    ) {
      sink.small(size, value); // flags, counts, -1: no BigInt needed
    } else {
      const n = BigInt(value);
      const limit = 1n << BigInt(8 * size);
      if (n < -(limit >> 1n) || n >= limit) {
        throw new DataValueError(`${this.origin}: ${value} does not fit a ${size}-byte data word`);
      }
      sink.value(size, BigInt.asUintN(8 * size, n));
    }
    return this;
  }

  chunk(): DataChunk {
    const content = this.#sink.bytes();
    // Handed over, not copied: writing more first copies them (see #own). Scratch
    // events are copied, and the scratch buffers go back for the next writer.
    const events = this.#scratch ? this.#events.view().slice() : this.#events.view();
    const internal = this.#scratch ? this.#internal.view().slice() : this.#internal.view();
    const objects = this.#objects, addresses = this.#addresses;
    this.#handedOver = true;
    if (this.#scratch) {
      scratchBuffers = { sink: this.#sink, events: this.#events, internal: this.#internal };
    }
    return new WrittenChunk(
      this.origin,
      this.section,
      content,
      events,
      objects,
      addresses,
      internal,
    );
  }
}

/**
 * A written chunk, its assembly text rendered when first asked for. A class,
 * not an object literal with a getter (see SectionLayout).
 */
class WrittenChunk implements DataChunk {
  #text?: string;
  #layouts?: DataSectionLayout[];

  constructor(
    readonly origin: string,
    readonly section: string,
    readonly content: Uint8Array,
    readonly events: ArrayLike<number>,
    readonly objects: readonly string[],
    readonly addresses: readonly DataAddress[],
    readonly internal: ArrayLike<number>,
  ) {}

  /**
   * The chunk laid out alone, once: a chunk is not changed once taken, and
   * one shared by a parameter set's variants (src/kernel/data.ts) is laid out
   * once for all of them. Kept on the chunk, not in a WeakMap keyed by it
   * (see `writtenFor` in src/kernel/data.ts).
   */
  laidOut(): DataSectionLayout[] {
    return this.#layouts ??= layOut([this]);
  }

  get text(): string {
    return this.#text ??= renderData(
      this.section,
      this.content,
      this.events,
      this.objects,
      this.addresses,
      this.internal,
    );
  }
}

/** The assembly llvm-mc turns into the same bytes, symbols and relocations. */
function renderData(
  section: string,
  content: Uint8Array,
  events: ArrayLike<number>,
  objects: readonly string[],
  addresses: readonly DataAddress[],
  internal: ArrayLike<number>,
): string {
  const lines = [`\t.section ${section}, "aw", %progbits`];
  const view = new DataView(content.buffer, content.byteOffset, content.byteLength);
  const byOffset = new Map<number, { symbol: string; addend: number }>(
    addresses.map((a) => [a.offset, a]),
  );
  for (let t = 0; t < internal.length; t += 3) {
    byOffset.set(internal[t], { symbol: objects[internal[t + 1]], addend: internal[t + 2] });
  }
  let cursor = 0;
  const zeroTo = (at: number) => {
    if (at > cursor) lines.push(`\t.zero ${at - cursor}`);
    cursor = Math.max(cursor, at);
  };
  for (let e = 0; e < events.length; e += 3) {
    const [kind, at, arg] = [events[e], events[e + 1], events[e + 2]];
    zeroTo(at);
    if (kind === ALIGN) lines.push(`\t.balign ${arg}`);
    else if (kind === OBJECT) {
      const name = objects[arg];
      lines.push(`\t.globl ${name}`, `\t.type ${name}, %object`, `${name}:`);
    } else {
      const address = byOffset.get(at);
      const value = address
        ? (address.addend === 0
          ? address.symbol
          : `${address.symbol} ${address.addend < 0 ? "-" : "+"} ${Math.abs(address.addend)}`)
        : `0x${(arg === 8 ? view.getBigUint64(at, true) : view.getUint32(at, true)).toString(16)}`;
      lines.push(`\t${arg === 8 ? ".quad" : ".word"} ${value}`);
      cursor = at + arg;
    }
  }
  zeroTo(content.length);
  return lines.join("\n");
}

/** One section of typed data laid out: bytes with numbers in place, objects, addresses. */
export interface DataSectionLayout {
  readonly name: string;
  readonly align: number;
  /** The section's bytes, every address word still zero (never bound in place). */
  readonly bytes: Uint8Array;
  /** Objects in order, by offset. */
  readonly objects: readonly { readonly name: string; readonly offset: number }[];
  /** The objects' offsets by name. */
  readonly offsets: ReadonlyMap<string, number>;
  readonly addresses: readonly DataAddress[];
  /**
   * 8-byte words naming the section's own objects, bound by position: pairs
   * (offset of the word, offset it points at, addend included).
   */
  readonly internal: Int32Array;
}

/**
 * The index of the layout in `data` that defines `name`, or -1. A plain loop:
 * a search closure made per address word of a link was compiled again and
 * again by V8 in a long sweep (bench/README.md).
 */
export function layoutDefining(data: readonly DataSectionLayout[], name: string): number {
  for (let k = 0; k < data.length; k++) if (data[k].offsets.has(name)) return k;
  return -1;
}

/**
 * Lays `chunks` out as llvm-mc lays out the same directives: sections in
 * order of first use, each the concatenation of its chunks, padded where
 * they asked for alignment at the offsets they really land at. Numbers are
 * in place; addresses are listed for whoever places the data.
 */
export function layoutData(chunks: readonly DataChunk[]): DataSectionLayout[] {
  const lone = chunks.length === 1 ? chunks[0] : undefined;
  return lone instanceof WrittenChunk ? lone.laidOut() : layOut(chunks);
}

function layOut(chunks: readonly DataChunk[]): DataSectionLayout[] {
  const sections = new Map<string, SectionDraft>();
  for (const chunk of chunks) {
    let section = sections.get(chunk.section);
    if (!section) {
      section = { align: 1, length: 0, offsets: new Map(), addresses: [], internal: [] };
      sections.set(chunk.section, section);
    }
    const draft = section;
    const { offsets, addresses } = draft;
    // The chunk's objects' section offsets, by index, for its internal words.
    const placedAt = new Int32Array(chunk.objects.length);
    const internal = chunk.internal ?? [];
    const define = (index: number, offset: number) => {
      const name = chunk.objects[index];
      placedAt[index] = offset;
      // A name is defined once across the sections (usually one: .data); a name already
      // there leaves the map's size as it was.
      const size = offsets.size;
      let twice = offsets.set(name, offset).size === size;
      if (!twice && sections.size > 1) {
        for (const other of sections.values()) twice ||= other !== draft && other.offsets.has(name);
      }
      if (twice) throw new DataValueError(`${chunk.origin}: data object ${name} is defined twice`);
    };
    const { content, events } = chunk;
    const padding = paddingBound(chunk, draft.length);
    if (padding === 0) {
      // The usual case: no padding anywhere, so the content goes in whole (a section's
      // only chunk is its bytes as they are; whoever binds addresses writes into a copy).
      const shift = draft.length;
      if (shift === 0 && !draft.sink) draft.solo = content;
      else sinkOf(draft).append(content, 0, content.length);
      draft.length += content.length;
      for (let e = 0; e < events.length; e += 3) {
        const kind = events[e], at = events[e + 1], arg = events[e + 2];
        if (kind === ALIGN) draft.align = Math.max(draft.align, arg);
        else if (kind === OBJECT) define(arg, at + shift);
      }
      for (const a of chunk.addresses) addresses.push(shifted(a, shift, chunk.origin));
      for (let t = 0; t < internal.length; t += 3) {
        draft.internal.push(internal[t] + shift, placedAt[internal[t + 1]] + internal[t + 2]);
      }
      continue;
    }
    // Content positions map to section offsets by the padding inserted so far.
    const sink = sinkOf(draft, content.length + padding);
    let copied = 0;
    let shift = sink.length;
    let next = 0; // next address word of the chunk
    let nextInternal = 0; // next internal word, by triple
    const internalAt: number[] = []; // their section offsets
    // Content up to `at` goes in, with its address words at the shift so far.
    const moveTo = (at: number) => {
      const to = Math.min(at, content.length);
      sink.append(content, copied, to);
      copied = to;
      while (next < chunk.addresses.length && chunk.addresses[next].offset < at) {
        addresses.push(shifted(chunk.addresses[next++], shift, chunk.origin));
      }
      while (nextInternal < internal.length && internal[nextInternal] < at) {
        internalAt.push(internal[nextInternal] + shift);
        nextInternal += 3;
      }
    };
    for (let e = 0; e < events.length; e += 3) {
      const kind = events[e], at = events[e + 1], arg = events[e + 2];
      if (kind === WORD) continue;
      moveTo(at);
      if (kind === ALIGN) {
        draft.align = Math.max(draft.align, arg);
        const pad = (arg - (sink.length % arg)) % arg;
        sink.skip(pad);
        shift += pad;
      } else define(arg, at + shift);
    }
    moveTo(Infinity); // the rest, and every address word left
    draft.length = sink.length;
    // Where each internal word points, now that every object of the chunk has its place.
    for (let t = 0, w = 0; t < internal.length; t += 3, w++) {
      draft.internal.push(internalAt[w], placedAt[internal[t + 1]] + internal[t + 2]);
    }
  }
  return [...sections].map(([name, { align, sink, solo, offsets, addresses, internal }]) =>
    new SectionLayout(
      name,
      align,
      sink ? sink.written() : solo ?? new Uint8Array(0),
      offsets,
      addresses,
      Int32Array.from(internal),
    )
  );
}

/**
 * A laid-out section. Its object list is made when first asked for
 * (symbolizing an address, a missing name) from the offsets map, which keeps
 * the objects in the order they were laid out.
 *
 * A class, not an object literal with a getter, as every per-case object
 * with an accessor must be: each literal's getter is a closure of its own,
 * so V8 gives every such object a hidden class of its own, in the old
 * generation. That class keeps the closure, and all it closes over, alive
 * through every young-generation collection until the next full one: in a
 * 5,000-case sweep (no timing model), the three such literals here and in
 * the loader cost about 12 MB promoted and three or four more full collections.
 */
class SectionLayout implements DataSectionLayout {
  #objects?: { name: string; offset: number }[];

  constructor(
    readonly name: string,
    readonly align: number,
    readonly bytes: Uint8Array,
    readonly offsets: ReadonlyMap<string, number>,
    readonly addresses: readonly DataAddress[],
    readonly internal: Int32Array,
  ) {}

  get objects(): readonly { readonly name: string; readonly offset: number }[] {
    return this.#objects ??= [...this.offsets].map(([name, offset]) => ({ name, offset }));
  }
}

/** A section being laid out: its only chunk's bytes as they are, or a sink once it has more. */
interface SectionDraft {
  align: number;
  length: number;
  solo?: Uint8Array;
  sink?: ByteSink;
  /** Objects by name, in the order they were laid out. */
  offsets: Map<string, number>;
  addresses: DataAddress[];
  /** Pairs as DataSectionLayout.internal. */
  internal: number[];
}

/**
 * The section's sink, made (with its only chunk's bytes so far) when first
 * needed, with room for `more` bytes after what the section holds.
 */
function sinkOf(draft: SectionDraft, more = 256): ByteSink {
  if (!draft.sink) {
    draft.sink = new ByteSink(draft.length + more);
    if (draft.solo) draft.sink.append(draft.solo, 0, draft.solo.length);
    draft.solo = undefined;
  } else draft.sink.reserve(more);
  return draft.sink;
}

/**
 * 0 when every alignment `chunk` asks for holds with its content placed at
 * `start`; otherwise the most padding its alignments can insert.
 */
function paddingBound(chunk: DataChunk, start: number): number {
  const { events } = chunk;
  let aligned = true, bound = 0;
  for (let e = 0; e < events.length; e += 3) {
    if (events[e] !== ALIGN) continue;
    if ((start + events[e + 1]) % events[e + 2] !== 0) aligned = false;
    bound += events[e + 2] - 1;
  }
  return aligned ? 0 : bound;
}

/** A chunk's address word at a section offset `shift` further on (its own record when 0). */
function shifted(a: DataAddress, shift: number, origin: string): DataAddress {
  return shift === 0 && a.origin === origin ? a : {
    offset: a.offset + shift,
    size: a.size,
    symbol: a.symbol,
    addend: a.addend,
    origin,
  };
}

/** Buffers of a scratch writer that has handed over its chunk, for the next one. */
let scratchBuffers: { sink: ByteSink; events: EventLog; internal: EventLog } | undefined;

/** A writer's events: (kind, position, argument) triples in a growing Int32Array. */
class EventLog {
  #buffer: Int32Array;
  #length = 0;

  constructor(capacity = 384) {
    this.#buffer = new Int32Array(capacity);
  }

  add(kind: number, at: number, arg: number): void {
    this.#reserve(3);
    const b = this.#buffer, n = this.#length;
    b[n] = kind;
    b[n + 1] = at;
    b[n + 2] = arg;
    this.#length = n + 3;
  }

  /** A segment's events, its positions `at` further on and its objects from `firstObject`. */
  addShifted(events: ArrayLike<number>, at: number, firstObject: number): void {
    this.#reserve(events.length);
    const b = this.#buffer, n = this.#length;
    for (let e = 0; e < events.length; e += 3) {
      const kind = events[e];
      b[n + e] = kind;
      b[n + e + 1] = events[e + 1] + at;
      b[n + e + 2] = kind === OBJECT ? events[e + 2] + firstObject : events[e + 2];
    }
    this.#length = n + events.length;
  }

  /** A segment's internal words (see DataChunk.internal), `at` and `firstObject` further on. */
  addInternal(triples: Int32Array, at: number, firstObject: number): void {
    this.#reserve(triples.length);
    const b = this.#buffer, n = this.#length;
    for (let t = 0; t < triples.length; t += 3) {
      b[n + t] = triples[t] + at;
      b[n + t + 1] = triples[t + 1] + firstObject;
      b[n + t + 2] = triples[t + 2];
    }
    this.#length = n + triples.length;
  }

  /** Empty again, with room for `capacity` numbers. */
  reset(capacity: number): this {
    this.#length = 0;
    this.#reserve(capacity);
    return this;
  }

  /** The events so far, not copied (see DataWriter.#own). */
  view(): Int32Array {
    return this.#buffer.subarray(0, this.#length);
  }

  copy(): EventLog {
    const log = new EventLog(0);
    log.#buffer = this.#buffer.slice();
    log.#length = this.#length;
    return log;
  }

  #reserve(n: number): void {
    this.#buffer = withRoom(this.#buffer, this.#length, n);
  }
}

/**
 * `buffer`, or a copy of its first `length` items in one at least twice as
 * big, with room for `n` more after them.
 */
function withRoom<T extends Uint8Array | Int32Array>(buffer: T, length: number, n: number): T {
  if (length + n <= buffer.length) return buffer;
  const make = buffer.constructor as new (size: number) => T;
  const bigger = new make(Math.max(length + n, buffer.length * 2));
  bigger.set(buffer.subarray(0, length));
  return bigger;
}

/** A growing little-endian byte buffer, zero where nothing was written. */
class ByteSink {
  #buffer: Uint8Array;
  #view: DataView;
  length = 0;

  constructor(capacity = 256) {
    this.#buffer = new Uint8Array(capacity);
    this.#view = new DataView(this.#buffer.buffer);
  }

  /** Empty again (zero where written), with room for `capacity` bytes. */
  reset(capacity: number): this {
    this.#buffer.fill(0, 0, this.length);
    this.length = 0;
    this.reserve(capacity);
    return this;
  }

  /** `n` zero bytes. */
  skip(n: number): void {
    this.reserve(n);
    this.length += n;
  }

  /** A 4- or 8-byte value. */
  value(size: 4 | 8, bits: bigint): void {
    this.reserve(size);
    if (size === 8) this.#view.setBigUint64(this.length, bits, true);
    else this.#view.setUint32(this.length, Number(bits), true);
    this.length += size;
  }

  /** Overwrite the 8 bytes at `at` (already written) with `bits`. */
  set64(at: number, bits: bigint): void {
    this.#view.setBigUint64(at, bits, true);
  }

  /** A 4- or 8-byte value from an integer in [-2^31, 2^32). */
  small(size: 4 | 8, n: number): void {
    this.reserve(size);
    this.#view.setUint32(this.length, n >>> 0, true);
    if (size === 8) this.#view.setUint32(this.length + 4, n < 0 ? 0xffff_ffff : 0, true);
    this.length += size;
  }

  /** Append `bytes[from..to)`. */
  append(bytes: Uint8Array, from: number, to: number): void {
    const n = to - from;
    if (n <= 0) return;
    this.reserve(n);
    const buffer = this.#buffer, at = this.length;
    // Most ranges are struct-sized: a loop costs less than a subarray and a set.
    if (n > 64) buffer.set(bytes.subarray(from, to), at);
    else for (let k = 0; k < n; k++) buffer[at + k] = bytes[from + k];
    this.length += n;
  }

  bytes(): Uint8Array {
    return this.#buffer.slice(0, this.length);
  }

  /** What was written, not copied: for a sink that is written no more. */
  written(): Uint8Array {
    return this.#buffer.subarray(0, this.length);
  }

  /** Room for `n` more bytes. */
  reserve(n: number): void {
    const buffer = withRoom(this.#buffer, this.length, n);
    if (buffer === this.#buffer) return;
    this.#buffer = buffer;
    this.#view = new DataView(buffer.buffer);
  }
}
