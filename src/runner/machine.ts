/**
 * Turns a built world into a ready-to-run emulated machine: assemble, load at
 * the layout's addresses, map memory with kernel-like permissions (text is not
 * writable), and set the registers a traced call starts with.
 */
import type { AsmUnit } from "../asm/source.ts";
import { parsedObject, unitObjects } from "../asm/objects.ts";
import { link, type LoadedImage, type PlaceRequest, undefinedReferences } from "../asm/loader.ts";
import { SHF_EXECINSTR } from "../asm/elf.ts";
import type { Engine, EngineFactory, Register } from "../engine/engine.ts";
import { type MemoryLayout, pageSpan, regionOfSection, SectionPlacer } from "../kernel/layout.ts";
import type { KernelLink, World } from "../kernel/world.ts";
import { ANCHOR_PREFIX, PHASE_PREFIX } from "../kernel/asm_writer.ts";
import { CodeImage } from "../measure/code_image.ts";
import { PhaseMap, type PhaseTable, phaseTable } from "../measure/phases.ts";
import { cached, LruMap } from "../lru.ts";
import { argumentValues } from "../kernel/workload.ts";

/** A world assembled and relocated for a layout; reusable across runs. */
export interface LoadedWorld {
  readonly world: World;
  readonly layout: MemoryLayout;
  readonly image: LoadedImage;
  readonly code: CodeImage;
  readonly phases: PhaseMap;
}

/** Assemble `unit` (its typed data built directly) and load it where `layout` places it. */
export async function loadUnit(unit: AsmUnit, layout: MemoryLayout): Promise<LoadedImage> {
  const placer = new SectionPlacer(layout);
  return link(await unitObjects(unit), (s) => placer.place(s));
}

/**
 * Phase tables by the code they were read from (LoadedImage.codeKey): phase
 * markers are code labels, so links of the same code at the same places
 * have the same table, whatever their data.
 */
const phaseTables = new LruMap<string, PhaseTable>(64);

export async function loadWorld(world: World, layout: MemoryLayout): Promise<LoadedWorld> {
  const image = world.kernel
    ? await linkKernel(world, world.kernel, layout)
    : await loadUnit(world.unit, layout);
  const table = cached(phaseTables, image.codeKey, () =>
    phaseTable([
      ...image.markers(PHASE_PREFIX),
      ...(world.kernel?.phaseMarkers(image) ?? []),
    ]));
  const phases = new PhaseMap(table, (address) => image.symbolize(address));
  return { world, layout, image, code: new CodeImage(image), phases };
}

/** The section of trap stubs: never mapped, so reaching or reading one faults. */
export const TRAP_SECTION = ".text.trap";

/**
 * One trap stub per symbol the kernel's objects use but the world does not
 * define, in a page-aligned section of its own that is never mapped: calling
 * one, or reading one as data, faults at an address the oops names. Each stub
 * spans as far as the code reaches past its symbol. Nothing undefined is ever
 * a silent return.
 */
function trapUnit(names: ReadonlyMap<string, bigint>): AsmUnit {
  const lines = [`\t.section ${TRAP_SECTION}, "ax", %progbits`, "\t.balign 4096"];
  for (const [name, reach] of names) {
    const size = (reach + 8n + 15n) / 16n * 16n;
    lines.push(`\t.globl ${name}`, `\t.type ${name}, %function`, `${name}:`, `\t.zero ${size}`);
  }
  lines.push("\t.balign 4096");
  const text = lines.join("\n");
  return { name: "trap stubs", chunks: [{ origin: "src/runner/machine.ts: trap stubs", text }] };
}

/** Place a kernel object's section by its flags when its name is not one the layout knows. */
function kernelPlacer(layout: MemoryLayout): (s: PlaceRequest) => bigint {
  const placer = new SectionPlacer(layout);
  return (s) =>
    placer.place(
      regionOfSection(s.name) ? s : { ...s, name: s.flags & SHF_EXECINSTR ? ".text" : ".data" },
    );
}

/** Link the harness's unit with a real kernel's objects and trap stubs, then register. */
async function linkKernel(world: World, kernel: KernelLink, layout: MemoryLayout) {
  const unit = await unitObjects(world.unit, world.unit.name);
  // The harness's typed data is placed after the kernel's sections: it is the one input
  // whose size changes from case to case, so the kernel's data keeps its place, its code
  // the same words, and what is worked out from the code (LoadedImage.codeKey) is kept.
  const inputs = [
    ...unit.filter((item) => !("data" in item)),
    ...kernel.inputs,
    ...unit.filter((item) => "data" in item),
  ];
  const missing = undefinedReferences(inputs, kernel.aliases);
  // A sweep on one kernel needs one or two sets of stubs: parsed once each.
  const trap = { name: "trap stubs", obj: await parsedObject(trapUnit(missing)) };
  const image = link([...inputs, trap], kernelPlacer(layout), new Map(), kernel.aliases);
  kernel.initialize(image);
  return image;
}

/** Address of a `__anchor.` point. */
export function anchor(image: LoadedImage, name: string): bigint {
  return image.address(`${ANCHOR_PREFIX}${name}`);
}

/** Sections with bytes to map: all but the (deliberately unmapped) trap stubs. */
function mapped(image: LoadedImage) {
  return image.sections.filter((s) => s.size > 0 && s.name !== TRAP_SECTION);
}

interface Span {
  start: bigint;
  end: bigint;
  write: boolean;
  exec: boolean;
}

/** Page spans of the loaded sections, merged where they touch. */
function spans(image: LoadedImage): Span[] {
  const list = mapped(image).map((s) => {
    const p = pageSpan(s.address, s.size);
    return { start: p.start, end: p.start + BigInt(p.size), write: s.write, exec: s.exec };
  }).sort((a, b) => (a.start < b.start ? -1 : 1));
  const merged: Span[] = [];
  for (const s of list) {
    const last = merged[merged.length - 1];
    if (last && s.start <= last.end) {
      if (s.end > last.end) last.end = s.end;
      last.write ||= s.write;
      last.exec ||= s.exec;
    } else merged.push({ ...s });
  }
  return merged;
}

/**
 * Map a loaded image with kernel-like permissions (sections sharing a page
 * share its mapping), write its bytes, and map the layout's stack.
 */
export function mapImage(engine: Engine, image: LoadedImage, layout: MemoryLayout): void {
  for (const s of spans(image)) {
    engine.map(s.start, Number(s.end - s.start), { read: true, write: s.write, exec: s.exec });
  }
  // Every mapping before any write: a write that the kept pages and those mapped anew
  // cannot hold settles the engine, which drops what this case has not taken back yet.
  engine.map(layout.stackBase, layout.stackSize, { read: true, write: true, exec: false });
  for (const s of mapped(image)) engine.write(s.address, s.bytes);
}

/**
 * Where an image's code is, for handing a case the engine that last ran
 * code in the same place: its read-only sections' names, addresses and
 * sizes. A sweep's variants differ there, its parameters mostly only in the
 * data; the engine compares the bytes it keeps anyway, so a match is never
 * trusted, only a cheaper start.
 */
export function codeAffinity(image: LoadedImage): string {
  // Links with one code key put the same code objects in the same places.
  return cached(affinities, image.codeKey, () =>
    mapped(image).filter((s) => !s.write)
      .map((s) => `${s.name}@${s.address.toString(16)}+${s.size}`).join(" "));
}

const affinities = new LruMap<string, string>(64);

/** Distinct values that identify which register a stray value came from. */
export const POISON = (i: number) => 0xdead_0000_0000_0000n | BigInt(i);
export const CALLEE_SAVED_SENTINEL = (i: number) => 0xc0de_5a7e_0000_0000n | BigInt(i);

/** The state a run starts from; the checks compare against it. */
export interface InitialState {
  readonly registers: ReadonlyMap<Register, bigint>;
  readonly args: readonly bigint[];
  readonly stackTop: bigint;
  /** The terminal frame record {0, 0} the unwinder stops at. */
  readonly finalFrame: bigint;
}

/**
 * Initial states by all they are made of: a sweep's cases start from a few
 * of them, and making one (34 registers of BigInts) cost a case 11 to 14 µs.
 * A state is shared, never changed (its fields are read-only).
 */
const initialStates = new LruMap<string, InitialState>(64);

/** The registers a traced call starts with, and the stack it starts on. */
export function initialState(loaded: LoadedWorld): InitialState {
  const { image, layout, world } = loaded;
  const stackTop = layout.stackBase + BigInt(layout.stackSize);
  const exit = image.address("harness_exit"), task = image.address("current_task");
  const nargs = world.workload.target.args;
  return cached(initialStates, `${nargs} ${stackTop} ${exit} ${task}`, () => {
    const finalFrame = stackTop - 16n;
    const args = argumentValues(nargs);
    const registers = new Map<Register, bigint>();
    for (let i = 0; i <= 30; i++) registers.set(`x${i}` as Register, POISON(i));
    args.forEach((v, i) => registers.set(`x${i}` as Register, v));
    for (let i = 19; i <= 28; i++) registers.set(`x${i}` as Register, CALLEE_SAVED_SENTINEL(i));
    registers.set("x29", finalFrame);
    registers.set("x30", exit);
    registers.set("sp", finalFrame);
    registers.set("sp_el0", task);
    registers.set("nzcv", 0n);
    return { registers, args, stackTop, finalFrame };
  });
}

/**
 * Map memory, write the image, set registers (`initial`, by default
 * initialState's). The caller owns (and closes) the engine. A case to be run
 * with instruction precision gets an engine of its own (`exact`): an engine
 * that has run exactly stays slower (see RunPrecision).
 */
export function boot(
  factory: EngineFactory,
  loaded: LoadedWorld,
  exact = false,
  initial: InitialState = initialState(loaded),
): {
  engine: Engine;
  initial: InitialState;
} {
  const { image, layout } = loaded;
  const affinity = codeAffinity(image);
  const engine = factory.create(exact ? `${affinity} (exact runs)` : affinity);
  try {
    mapImage(engine, image, layout);
    engine.writeRegisters(initial.registers);
    return { engine, initial };
  } catch (e) {
    engine.close();
    throw e;
  }
}

/**
 * The memory boot gives a world, read without an engine: the image's
 * sections, zero elsewhere in their pages, and the zeroed stack. Addresses
 * are numbers; a world with one past 2^53 has no mapping here at all.
 */
export interface InitialMemory {
  /** Permissions of the one mapping holding [start, end) (1: write, 2: exec), or undefined. */
  perms(start: number, end: number): number | undefined;
  /** The executable mappings, as [start, end) pairs in address order. */
  readonly code: readonly (readonly [number, number])[];
  /** Copy `length` bytes at `start` into `into` at `at`. */
  copy(start: number, length: number, into: Uint8Array, at: number): void;
  /** Whether [start, start + length) is one mapping with `perms` holding `bytes` from `at`. */
  equals(start: number, length: number, perms: number, bytes: Uint8Array, at: number): boolean;
}

const memories = new WeakMap<LoadedWorld, InitialMemory>();

export function initialMemory(loaded: LoadedWorld): InitialMemory {
  return cached(memories, loaded, () => new ImageMemory(loaded));
}

class ImageMemory implements InitialMemory {
  readonly #maps: { start: number; end: number; perms: number }[] = [];
  readonly #sections: { start: number; bytes: Uint8Array }[];
  readonly code: (readonly [number, number])[] = [];

  constructor({ image, layout }: LoadedWorld) {
    const SAFE = BigInt(Number.MAX_SAFE_INTEGER);
    const sections = mapped(image);
    const stackEnd = layout.stackBase + BigInt(layout.stackSize);
    if (stackEnd > SAFE || sections.some((s) => s.address + BigInt(s.size) > SAFE)) {
      this.#sections = [];
      return;
    }
    for (const s of spans(image)) {
      this.#maps.push({
        start: Number(s.start),
        end: Number(s.end),
        perms: (s.write ? 1 : 0) | (s.exec ? 2 : 0),
      });
    }
    this.#maps.push({ start: Number(layout.stackBase), end: Number(stackEnd), perms: 1 });
    for (const m of this.#maps) if (m.perms & 2) this.code.push([m.start, m.end]);
    this.#sections = sections.map((s) => ({ start: Number(s.address), bytes: s.bytes }))
      .sort((a, b) => a.start - b.start);
  }

  perms(start: number, end: number): number | undefined {
    for (const m of this.#maps) if (start >= m.start && end <= m.end) return m.perms;
    return undefined;
  }

  copy(start: number, length: number, into: Uint8Array, at: number): void {
    into.fill(0, at, at + length);
    const end = start + length;
    for (const s of this.#sections) {
      const from = Math.max(start, s.start), to = Math.min(end, s.start + s.bytes.length);
      if (from < to) into.set(s.bytes.subarray(from - s.start, to - s.start), at + from - start);
    }
  }

  equals(start: number, length: number, perms: number, bytes: Uint8Array, at: number): boolean {
    if (this.perms(start, start + length) !== perms) return false;
    const end = start + length;
    // Zero between sections, their bytes within them (sections are in address order).
    let cursor = start;
    for (const s of this.#sections) {
      const from = Math.max(cursor, s.start), to = Math.min(end, s.start + s.bytes.length);
      if (from >= to) continue;
      for (let a = cursor; a < from; a++) if (bytes[at + a - start] !== 0) return false;
      for (let a = from; a < to; a++) {
        if (bytes[at + a - start] !== s.bytes[a - s.start]) return false;
      }
      cursor = to;
    }
    for (let a = cursor; a < end; a++) if (bytes[at + a - start] !== 0) return false;
    return true;
  }
}
