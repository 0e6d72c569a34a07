/**
 * CPU timing models as data: the JSON schema of a CPU file (`src/timing/cpus/*.json`),
 * its validation (every error names the file and the field), and its compilation
 * into the flat tables the simulator indexes in its inner loop.
 *
 * A CPU file holds published figures only: widths, issue ports, per-class
 * latency and port use, forwarding paths, memory and branch-predictor figures,
 * each with the source it comes from. The engine that uses them is `simulate.ts`.
 *
 * @module
 */
import type { InstrClass, OperandForm } from "../isa/types.ts";

/** Every decoder class, in a fixed order: a class's index in the compiled tables. */
export const TIMING_CLASSES: readonly InstrClass[] = [
  "int-alu",
  "int-shift",
  "move-wide",
  "logical",
  "multiply",
  "divide",
  "load",
  "store",
  "load-pair",
  "store-pair",
  "atomic",
  "branch-cond",
  "branch",
  "bl",
  "br",
  "blr",
  "ret",
  "hint",
  "pac",
  "barrier",
  "system",
  "exception",
  "simd-fp",
];

/** Classes that may have a pre/post-index writeback. */
const MEMORY_CLASSES: readonly InstrClass[] = [
  "load",
  "store",
  "load-pair",
  "store-pair",
  "atomic",
  "simd-fp",
];

/**
 * How an instruction consumes a source register. Forwarding entries of a CPU
 * file shorten the latency seen by one role (e.g. ALU-to-ALU bypass on an in-order core).
 */
export const OPERAND_ROLES = [
  "alu", // int-alu, logical, move-wide sources
  "shift", // int-shift sources (bitfield, variable shift, immediate shift)
  "shifted", // the register a shifted- or extended-register operand shifts or extends
  "multiply", // multiply and divide sources
  "accumulator", // the addend of a multiply-accumulate (madd, msub, smaddl...)
  "address", // base and index registers of a memory access
  "store-data", // registers a store writes to memory
  "branch", // registers a branch reads
  "flags", // the condition flags (NZCV), whoever reads them
  "other", // everything else (pointer-auth operands are "alu")
] as const;
export type OperandRole = typeof OPERAND_ROLES[number];

/** One micro-op: it issues to one of `ports` and holds it for `cycles` (1 = pipelined). */
export interface UopFigure {
  ports: string[];
  cycles: number;
}

/** Timing of one instruction class (or of one mnemonic, in `overrides`). */
export interface ClassFigure {
  /** Issue to result: cycles until a dependent instruction can use the (first) result. */
  latency: number;
  /** Load pairs: latency of the second data register (defaults to `latency`). */
  pairLatency?: number;
  /** Micro-ops with their issue ports; empty = uses no execution port. */
  uops: UopFigure[];
  /** Dispatch/issue bandwidth it takes, in micro-ops (default: the number of `uops`). */
  slots?: number;
  /** Where the figures come from (a key of `sources`, plus a section when useful). */
  source: string;
}

/**
 * Instructions of a class whose figures differ from the class's: mnemonics
 * (e.g. an eliminated `mov`), an addressing form or operand forms, or both.
 * A list applies the figure to each of its entries.
 */
export interface OverrideFigure extends ClassFigure {
  class: InstrClass;
  mnemonic?: string | string[];
  /** "register-offset": a load or store addressed by base + register. */
  addressing?: "register-offset";
  /** Data-processing operand forms (see `OperandForm` in src/isa/types.ts). */
  operand?: OperandForm | OperandForm[];
}

const OPERAND_FORMS: readonly OperandForm[] = ["register", "lsl-1-4", "shifted", "extended"];

/** Every (mnemonic, form) an override applies to. */
function overrideKeys(ov: OverrideFigure): string[] {
  const list = <T>(v: T | T[] | undefined): (T | undefined)[] =>
    v === undefined ? [undefined] : Array.isArray(v) ? v : [v];
  const forms = ov.addressing !== undefined ? [ov.addressing] : list(ov.operand);
  return list(ov.mnemonic).flatMap((m) => forms.map((f) => overrideKey(ov.class, m, f)));
}

/** The key an override is found by: class, mnemonic or "*", form (addressing or operand) or "*". */
export function overrideKey(cls: string, mnemonic?: string, form?: string): string {
  return `${cls} ${mnemonic ?? "*"} ${form ?? "*"}`;
}

export interface ForwardingFigure {
  /** Consumer operand role that receives the value early. */
  to: OperandRole;
  /** Producer classes whose results are forwarded (absent: every producer). */
  from?: InstrClass[];
  /** Cycles subtracted from the producer's latency for this consumer. */
  cycles: number;
  source: string;
}

/** A CPU file as written (after validation). */
export interface CpuFile {
  name: string;
  /** Bumped whenever a figure or the engine's use of it changes. */
  version: string;
  description: string;
  /** Source keys used by the `source` fields: key -> full citation. */
  sources: Record<string, string>;
  core: {
    kind: "in-order" | "out-of-order";
    /** Instructions fetched and decoded per cycle. */
    fetchWidth: number;
    /** Micro-ops dispatched per cycle (out-of-order) / instructions issued per cycle (in-order). */
    dispatchWidth: number;
    /** Micro-ops in flight between dispatch and retire (out-of-order only; 0 for in-order). */
    window: number;
    /** Instructions retired per cycle. */
    retireWidth: number;
    /**
     * In-order cores: results are written back in program order, so an
     * instruction issues no earlier than lets its first result land after the
     * previous instruction's last one (classes in `writebackExempt` complete out of order).
     */
    inOrderWriteback: boolean;
    writebackExempt: InstrClass[];
    source: string;
  };
  /** Execution port kinds and how many of each. */
  ports: Record<string, number>;
  /** The base-register update of a pre/post-indexed access. */
  writeback: ClassFigure;
  forwarding: ForwardingFigure[];
  memory: {
    lineBytes: number;
    /** Extra load latency when the line was never touched before (cold-cache mode only). */
    coldMissPenalty: number;
    /** Extra cycles for an access that crosses a cache line. */
    lineCrossPenalty: number;
    /** Load-to-use latency when the data comes from an older, still buffered store. */
    storeForwardLatency: number;
    /** Load-to-use latency when it overlaps a buffered store but cannot forward from it. */
    storeForwardFailLatency: number;
    /** Stores an older load may still find in the store buffer. */
    storeBufferEntries: number;
    source: string;
  };
  branch: {
    /** Cycles from the resolution of a mispredicted branch to the next correct fetch. */
    mispredictPenalty: number;
    /** Fetch cycles lost after a correctly predicted taken branch. */
    takenBubble: number;
    /** 2-bit direction counters, indexed by pc (power of two). */
    directionEntries: number;
    /** Last-target entries of the indirect predictor, indexed by pc (power of two). */
    indirectEntries: number;
    returnStackDepth: number;
    source: string;
  };
  /** Figures per decoder class; a class without one is refused when executed. */
  classes: Partial<Record<InstrClass, ClassFigure>>;
  overrides: OverrideFigure[];
}

/** A CPU file that cannot be used: the message names the file and the field. */
export class CpuModelError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CpuModelError";
  }
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** Validates one CPU file; every complaint names `file` and the JSON path. */
class Reader {
  constructor(readonly file: string) {}

  fail(field: string, what: string): never {
    throw new CpuModelError(`CPU file ${this.file}: field ${field} ${what}`);
  }

  object(v: unknown, field: string): Json {
    if (v === undefined) this.fail(field, "is missing");
    if (!isObject(v)) this.fail(field, "is not an object");
    return v;
  }

  string(v: unknown, field: string): string {
    if (v === undefined) this.fail(field, "is missing");
    if (typeof v !== "string" || v === "") this.fail(field, "is not a non-empty string");
    return v;
  }

  /** Absent, a non-empty string, or a non-empty list of them. */
  stringOrList(v: unknown, field: string): string | string[] | undefined {
    if (v === undefined) return undefined;
    if (!Array.isArray(v)) return this.string(v, field);
    if (v.length === 0) this.fail(field, "is an empty list");
    return v.map((e, i) => this.string(e, `${field}[${i}]`));
  }

  int(v: unknown, field: string, min: number, max = 1_000_000): number {
    if (v === undefined) this.fail(field, "is missing");
    if (typeof v !== "number" || !Number.isInteger(v) || v < min || v > max) {
      this.fail(field, `is not an integer in ${min}..${max} (got ${JSON.stringify(v)})`);
    }
    return v;
  }

  bool(v: unknown, field: string): boolean {
    if (v === undefined) this.fail(field, "is missing");
    if (typeof v !== "boolean") this.fail(field, "is not true or false");
    return v;
  }

  classes(v: unknown, field: string): InstrClass[] {
    if (v === undefined) this.fail(field, "is missing");
    if (!Array.isArray(v)) this.fail(field, "is not an array of class names");
    return v.map((x, i) => this.cls(x, `${field}[${i}]`));
  }

  pow2(v: unknown, field: string): number {
    const n = this.int(v, field, 1, 1 << 20);
    if ((n & (n - 1)) !== 0) this.fail(field, `is not a power of two (got ${n})`);
    return n;
  }

  cls(v: unknown, field: string): InstrClass {
    const s = this.string(v, field);
    if (!TIMING_CLASSES.includes(s as InstrClass)) {
      this.fail(
        field,
        `names no instruction class (got "${s}"; classes: ${TIMING_CLASSES.join(", ")})`,
      );
    }
    return s as InstrClass;
  }

  source(v: unknown, field: string, sources: Record<string, string>): string {
    const s = this.string(v, field);
    const key = s.split(/[\s,;:]/)[0];
    if (!(key in sources)) this.fail(field, `cites "${key}", which is not a key of sources`);
    return s;
  }

  figure(v: unknown, field: string, ports: Record<string, number>, sources: Json): ClassFigure {
    const o = this.object(v, field);
    const latency = this.int(o.latency, `${field}.latency`, 0, 1000);
    const pairLatency = o.pairLatency === undefined
      ? undefined
      : this.int(o.pairLatency, `${field}.pairLatency`, 0, 1000);
    if (!Array.isArray(o.uops)) {
      this.fail(`${field}.uops`, o.uops === undefined ? "is missing" : "is not an array");
    }
    const uops = (o.uops as unknown[]).map((u, i) => this.uop(u, `${field}.uops[${i}]`, ports));
    const slots = o.slots === undefined ? undefined : this.int(o.slots, `${field}.slots`, 0, 64);
    const source = this.source(o.source, `${field}.source`, sources as Record<string, string>);
    return {
      latency,
      ...(pairLatency === undefined ? {} : { pairLatency }),
      uops,
      ...(slots === undefined ? {} : { slots }),
      source,
    };
  }

  /** A uop is `["P1", "P2"]` (any of these ports, pipelined) or `{ports, cycles}`. */
  uop(v: unknown, field: string, ports: Record<string, number>): UopFigure {
    const list = Array.isArray(v) ? v : isObject(v) ? v.ports : undefined;
    if (!Array.isArray(list) || list.length === 0) {
      this.fail(field, "is not a non-empty list of port names or {ports, cycles}");
    }
    const names = list.map((p, i) => {
      const s = this.string(p, `${field}.ports[${i}]`);
      if (!(s in ports)) this.fail(`${field}.ports[${i}]`, `names no port of ports (got "${s}")`);
      return s;
    });
    const cycles = Array.isArray(v) ? 1 : this.int((v as Json).cycles, `${field}.cycles`, 1, 1000);
    return { ports: names, cycles };
  }
}

/** Parse and validate a CPU file's text; `file` is used in error messages. */
export function parseCpuFile(text: string, file: string): CpuFile {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new CpuModelError(`CPU file ${file} is not valid JSON: ${(e as Error).message}`);
  }
  const r = new Reader(file);
  const o = r.object(raw, "(top level)");
  const name = r.string(o.name, "name");
  const version = r.string(o.version, "version");
  const description = r.string(o.description, "description");
  const sourcesRaw = r.object(o.sources, "sources");
  const sources: Record<string, string> = {};
  for (const [k, v] of Object.entries(sourcesRaw)) sources[k] = r.string(v, `sources.${k}`);

  const c = r.object(o.core, "core");
  const kind = r.string(c.kind, "core.kind");
  if (kind !== "in-order" && kind !== "out-of-order") {
    r.fail("core.kind", `is not "in-order" or "out-of-order" (got "${kind}")`);
  }
  const core = {
    kind: kind as CpuFile["core"]["kind"],
    fetchWidth: r.int(c.fetchWidth, "core.fetchWidth", 1, 64),
    dispatchWidth: r.int(c.dispatchWidth, "core.dispatchWidth", 1, 64),
    window: r.int(c.window, "core.window", kind === "in-order" ? 0 : 1, 4096),
    retireWidth: r.int(c.retireWidth, "core.retireWidth", 1, 64),
    inOrderWriteback: r.bool(c.inOrderWriteback, "core.inOrderWriteback"),
    writebackExempt: r.classes(c.writebackExempt, "core.writebackExempt"),
    source: r.source(c.source, "core.source", sources),
  };

  const portsRaw = r.object(o.ports, "ports");
  const ports: Record<string, number> = {};
  let instances = 0;
  for (const [k, v] of Object.entries(portsRaw)) {
    ports[k] = r.int(v, `ports.${k}`, 1, 16);
    instances += ports[k];
  }
  if (instances === 0) r.fail("ports", "declares no port");
  if (instances > 30) {
    r.fail("ports", `declares ${instances} port instances; at most 30 are supported`);
  }

  const writeback = r.figure(o.writeback, "writeback", ports, sources);

  if (!Array.isArray(o.forwarding)) {
    r.fail("forwarding", o.forwarding === undefined ? "is missing" : "is not an array");
  }
  const forwarding = (o.forwarding as unknown[]).map((f, i): ForwardingFigure => {
    const at = `forwarding[${i}]`;
    const fo = r.object(f, at);
    const to = r.string(fo.to, `${at}.to`);
    if (!(OPERAND_ROLES as readonly string[]).includes(to)) {
      r.fail(`${at}.to`, `is not an operand role (${OPERAND_ROLES.join(", ")})`);
    }
    const from = fo.from === undefined ? undefined : r.classes(fo.from, `${at}.from`);
    return {
      to: to as OperandRole,
      ...(from ? { from } : {}),
      cycles: r.int(fo.cycles, `${at}.cycles`, 0, 100),
      source: r.source(fo.source, `${at}.source`, sources),
    };
  });

  const m = r.object(o.memory, "memory");
  const memory = {
    lineBytes: r.pow2(m.lineBytes, "memory.lineBytes"),
    coldMissPenalty: r.int(m.coldMissPenalty, "memory.coldMissPenalty", 0, 10_000),
    lineCrossPenalty: r.int(m.lineCrossPenalty, "memory.lineCrossPenalty", 0, 100),
    storeForwardLatency: r.int(m.storeForwardLatency, "memory.storeForwardLatency", 0, 100),
    storeForwardFailLatency: r.int(
      m.storeForwardFailLatency,
      "memory.storeForwardFailLatency",
      0,
      1000,
    ),
    storeBufferEntries: r.int(m.storeBufferEntries, "memory.storeBufferEntries", 0, 1024),
    source: r.source(m.source, "memory.source", sources),
  };

  const b = r.object(o.branch, "branch");
  const branch = {
    mispredictPenalty: r.int(b.mispredictPenalty, "branch.mispredictPenalty", 0, 1000),
    takenBubble: r.int(b.takenBubble, "branch.takenBubble", 0, 100),
    directionEntries: r.pow2(b.directionEntries, "branch.directionEntries"),
    indirectEntries: r.pow2(b.indirectEntries, "branch.indirectEntries"),
    returnStackDepth: r.int(b.returnStackDepth, "branch.returnStackDepth", 0, 1024),
    source: r.source(b.source, "branch.source", sources),
  };

  const classesRaw = r.object(o.classes, "classes");
  const classes: Partial<Record<InstrClass, ClassFigure>> = {};
  for (const [k, v] of Object.entries(classesRaw)) {
    const cls = r.cls(k, `classes.${k}`);
    classes[cls] = r.figure(v, `classes.${k}`, ports, sources);
  }

  const overridesRaw = o.overrides ?? [];
  if (!Array.isArray(overridesRaw)) r.fail("overrides", "is not an array");
  const overrides = (overridesRaw as unknown[]).map((v, i): OverrideFigure => {
    const at = `overrides[${i}]`;
    const ov = r.object(v, at);
    const cls = r.cls(ov.class, `${at}.class`);
    const mnemonic = r.stringOrList(ov.mnemonic, `${at}.mnemonic`);
    const addressing = ov.addressing === undefined
      ? undefined
      : r.string(ov.addressing, `${at}.addressing`);
    if (addressing !== undefined && addressing !== "register-offset") {
      r.fail(`${at}.addressing`, `is not "register-offset" (got "${addressing}")`);
    }
    const operand = r.stringOrList(ov.operand, `${at}.operand`);
    for (const form of operand === undefined ? [] : [operand].flat()) {
      if (!OPERAND_FORMS.includes(form as OperandForm)) {
        r.fail(`${at}.operand`, `is not one of ${OPERAND_FORMS.join(", ")} (got "${form}")`);
      }
    }
    if (addressing !== undefined && operand !== undefined) {
      r.fail(at, "has both addressing and operand (an instruction has one form)");
    }
    if (mnemonic === undefined && addressing === undefined && operand === undefined) {
      r.fail(at, "has none of mnemonic, addressing and operand");
    }
    return {
      class: cls,
      ...(mnemonic === undefined ? {} : { mnemonic }),
      ...(addressing === undefined ? {} : { addressing: "register-offset" as const }),
      ...(operand === undefined ? {} : { operand: operand as OperandForm | OperandForm[] }),
      ...r.figure(ov, at, ports, sources),
    };
  });

  return {
    name,
    version,
    description,
    sources,
    core,
    ports,
    writeback,
    forwarding,
    memory,
    branch,
    classes,
    overrides,
  };
}

/**
 * A CPU file compiled for the simulator: figures numbered (class figures first,
 * then overrides, then the writeback), ports as bit masks, and a forwarding
 * matrix indexed by [role][producer figure].
 */
export interface CompiledModel {
  readonly file: CpuFile;
  /** Path or label of the CPU file, for error messages. */
  readonly path: string;
  readonly portCount: number;
  /** Port instance names ("L0", "L1", ...) for diagnostics. */
  readonly portNames: readonly string[];
  /** Per figure: latency, pair latency, and -1 latency when the file has no figure. */
  readonly latency: Int16Array;
  readonly pairLatency: Int16Array;
  /** Per figure: dispatch/issue slots. */
  readonly slots: Int16Array;
  /** Per figure: first uop index into `uopMask`/`uopCycles`, and the count. */
  readonly uopStart: Int32Array;
  readonly uopCount: Int32Array;
  /** Per uop: bit mask of the port instances it may use, and its occupancy. */
  readonly uopMask: Int32Array;
  /** Per uop: index of its mask among the model's distinct masks (0..maskCount-1). */
  readonly uopMaskId: Int32Array;
  readonly maskCount: number;
  readonly uopCycles: Int32Array;
  /** forward[role * figureCount + producerFigure]: cycles to subtract. */
  readonly forward: Int16Array;
  readonly figureCount: number;
  /** Index of the writeback figure. */
  readonly writebackFigure: number;
  /** Per figure: 1 when it completes out of order on an in-order-writeback core. */
  readonly writebackExempt: Uint8Array;
  /** Override figure index by {@link overrideKey}. */
  readonly overrideIndex: ReadonlyMap<string, number>;
}

/** Compile a validated CPU file into the simulator's tables. */
export function compileModel(file: CpuFile, path: string): CompiledModel {
  const portNames: string[] = [];
  const portBits = new Map<string, number>();
  for (const [kind, count] of Object.entries(file.ports)) {
    let mask = 0;
    for (let i = 0; i < count; i++) {
      mask |= 1 << portNames.length;
      portNames.push(count > 1 ? `${kind}${i}` : kind);
    }
    portBits.set(kind, mask);
  }
  const figures: (ClassFigure | undefined)[] = TIMING_CLASSES.map((c) => file.classes[c]);
  const figureClass: InstrClass[] = [...TIMING_CLASSES];
  const overrideIndex = new Map<string, number>();
  for (const ov of file.overrides) {
    for (const key of overrideKeys(ov)) overrideIndex.set(key, figures.length);
    figures.push(ov);
    figureClass.push(ov.class);
  }
  const writebackFigure = figures.length;
  figures.push(file.writeback);
  figureClass.push("int-alu"); // the writeback is an address-generation add

  const n = figures.length;
  const latency = new Int16Array(n).fill(-1);
  const pairLatency = new Int16Array(n).fill(-1);
  const uopStart = new Int32Array(n);
  const uopCount = new Int32Array(n);
  const slots = new Int16Array(n);
  const masks: number[] = [];
  const cycles: number[] = [];
  const maskOf = (u: UopFigure) => u.ports.reduce((m, p) => m | portBits.get(p)!, 0);
  const bits = (m: number) => m.toString(2).replaceAll("0", "").length;
  const wbMasks = file.writeback.uops.map(maskOf);
  figures.forEach((f, i) => {
    uopStart[i] = masks.length;
    if (!f) return;
    latency[i] = f.latency;
    pairLatency[i] = f.pairLatency ?? f.latency;
    uopCount[i] = f.uops.length;
    slots[i] = f.slots ?? f.uops.length;
    // Most constrained micro-op first, so first-fit port choice never misses a fit.
    const sorted = [...f.uops].sort((a, b) => bits(maskOf(a)) - bits(maskOf(b)));
    for (const u of sorted) {
      masks.push(maskOf(u));
      cycles.push(u.cycles);
    }
    // The simulator issues an instruction's micro-ops (and a writeback's) in one cycle.
    const memory = MEMORY_CLASSES.includes(figureClass[i]) && i !== writebackFigure;
    const all = [...sorted.map(maskOf), ...(memory ? wbMasks : [])];
    let used = 0;
    for (const m of all) {
      const free = m & ~used;
      if (free === 0) {
        const field = i < TIMING_CLASSES.length
          ? `classes.${TIMING_CLASSES[i]}`
          : i === writebackFigure
          ? "writeback"
          : `overrides[${i - TIMING_CLASSES.length}]`;
        throw new CpuModelError(
          `CPU file ${path}: field ${field}.uops needs more ports in one cycle than ports ` +
            `declares (with a writeback's micro-ops); give one micro-op "cycles" instead`,
        );
      }
      used |= free & -free;
    }
  });
  const writebackExempt = Uint8Array.from(
    figureClass,
    (c) => file.core.writebackExempt.includes(c) ? 1 : 0,
  );
  const forward = new Int16Array(OPERAND_ROLES.length * n);
  for (const fw of file.forwarding) {
    const role = OPERAND_ROLES.indexOf(fw.to);
    for (let p = 0; p < n; p++) {
      // The writeback figure is only forwarded by entries without `from`.
      const applies = fw.from === undefined ||
        (p !== writebackFigure && fw.from.includes(figureClass[p]));
      if (applies) forward[role * n + p] = Math.max(forward[role * n + p], fw.cycles);
    }
  }
  return {
    file,
    path,
    portCount: portNames.length,
    portNames,
    latency,
    pairLatency,
    slots,
    uopStart,
    uopCount,
    uopMask: Int32Array.from(masks),
    uopMaskId: Int32Array.from(masks, (m) => [...new Set(masks)].indexOf(m)),
    maskCount: new Set(masks).size,
    uopCycles: Int32Array.from(cycles),
    forward,
    figureCount: n,
    writebackFigure,
    writebackExempt,
    overrideIndex,
  };
}
