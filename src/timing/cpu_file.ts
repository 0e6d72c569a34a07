/**
 * The CPU file: the JSON schema of `src/timing/cpus/*.json` and its reader,
 * which validates a file (every error names the file and the field). The
 * tables the engine indexes are compiled from it in `tables.ts`.
 *
 * A CPU file holds published figures only: widths, issue ports, per-class
 * latency and port use, forwarding paths, memory figures and ordering rules,
 * branch-predictor structures, each with the source it comes from (or
 * `assumed`). The engine that uses them is `simulate.ts`.
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
];

/** Classes that may have a pre/post-index writeback. */
export const MEMORY_CLASSES: readonly InstrClass[] = [
  "load",
  "store",
  "load-pair",
  "store-pair",
  "atomic",
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
export function overrideKeys(ov: OverrideFigure): string[] {
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

/**
 * The direction predictor of conditional branches: 2-bit saturating counters,
 * indexed by the pc xor a global history of the last `historyBits` outcomes
 * folded to the index width (`gshare`), or by the pc alone (`bimodal`).
 */
export interface ConditionalPredictorFigure {
  kind: "gshare" | "bimodal";
  /** Counters (a power of two). */
  entries: number;
  /** Outcomes of the most recent conditional branches in the index (0..30; 0 for bimodal). */
  historyBits: number;
  source: string;
}

/**
 * Targets of indirect branches (`br`, `blr`): a table indexed and tagged by the
 * pc and a hash of the targets of the last `pathLength` taken branches (path
 * history), backed by a last-target entry per pc; returns on an empty return
 * stack use the per-pc entry too.
 */
export interface IndirectPredictorFigure {
  /** Entries of each table (a power of two). */
  entries: number;
  /** Taken-branch targets in the path history (0..16; 0: last target per pc only). */
  pathLength: number;
  source: string;
}

/** One memory-ordering rule of a core: whether it holds, and where that comes from. */
export interface OrderingRule {
  value: boolean;
  source: string;
}

/**
 * Memory-ordering rules (the architecture orders; these say what it costs here).
 * Acquire: ldar, ldaxr, ldaxp, LSE atomics with `a`; ldapr/ldapur are acquire
 * without the store-release rule (RCpc). Release: stlr, stlur, stlxr, stlxp,
 * LSE atomics with `l`.
 */
export interface OrderingRules {
  /** A store-release completes only after every older load and store has completed. */
  releaseWaitsForOlder: OrderingRule;
  /**
   * A younger load reading a buffered store-release's bytes takes them from the
   * store buffer (true) or waits for the release to complete and reads L1 (false).
   */
  loadForwardsFromRelease: OrderingRule;
  /** Loads and stores after a load-acquire access memory only once it has completed. */
  acquireHoldsYounger: OrderingRule;
  /** An ldar (RCsc, not ldapr) accesses memory only once older store-releases have completed. */
  ldarWaitsForRelease: OrderingRule;
  /**
   * `dmb ishld` holds later accesses only for older loads, `dmb ishst` later
   * stores only for older stores (true); every dmb waits for all older accesses (false).
   */
  dmbByDirection: OrderingRule;
}

/** The rules of {@link OrderingRules}, in a fixed order. */
export const ORDERING_RULES: ReadonlyArray<keyof OrderingRules> = [
  "releaseWaitsForOlder",
  "loadForwardsFromRelease",
  "acquireHoldsYounger",
  "ldarWaitsForRelease",
  "dmbByDirection",
];

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
    /** How load-acquire, store-release and barriers order memory accesses on this core. */
    ordering: OrderingRules;
  };
  branch: {
    /** Cycles from the resolution of a mispredicted branch to the next correct fetch. */
    mispredictPenalty: number;
    /** Fetch cycles lost after a correctly predicted taken branch. */
    takenBubble: number;
    source: string;
    conditional: ConditionalPredictorFigure;
    indirect: IndirectPredictorFigure;
    returnStack: { depth: number; source: string };
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
  const ord = r.object(m.ordering, "memory.ordering");
  const ordering = Object.fromEntries(ORDERING_RULES.map((rule) => {
    const at = `memory.ordering.${rule}`;
    const ro = r.object(ord[rule], at);
    return [rule, {
      value: r.bool(ro.value, `${at}.value`),
      source: r.source(ro.source, `${at}.source`, sources),
    }];
  })) as unknown as OrderingRules;
  for (const key of Object.keys(ord)) {
    if (!(ORDERING_RULES as readonly string[]).includes(key)) {
      r.fail(`memory.ordering.${key}`, `is not a rule (rules: ${ORDERING_RULES.join(", ")})`);
    }
  }
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
    ordering,
  };

  const b = r.object(o.branch, "branch");
  const bc = r.object(b.conditional, "branch.conditional");
  const kindName = r.string(bc.kind, "branch.conditional.kind");
  if (kindName !== "gshare" && kindName !== "bimodal") {
    r.fail("branch.conditional.kind", `is not "gshare" or "bimodal" (got "${kindName}")`);
  }
  const conditional: ConditionalPredictorFigure = {
    kind: kindName as ConditionalPredictorFigure["kind"],
    entries: r.pow2(bc.entries, "branch.conditional.entries"),
    historyBits: r.int(bc.historyBits, "branch.conditional.historyBits", 0, 30),
    source: r.source(bc.source, "branch.conditional.source", sources),
  };
  if (conditional.kind === "bimodal" && conditional.historyBits !== 0) {
    r.fail("branch.conditional.historyBits", "is not 0 for a bimodal predictor");
  }
  const bi = r.object(b.indirect, "branch.indirect");
  const indirect: IndirectPredictorFigure = {
    entries: r.pow2(bi.entries, "branch.indirect.entries"),
    pathLength: r.int(bi.pathLength, "branch.indirect.pathLength", 0, 16),
    source: r.source(bi.source, "branch.indirect.source", sources),
  };
  const rs = r.object(b.returnStack, "branch.returnStack");
  const branch = {
    mispredictPenalty: r.int(b.mispredictPenalty, "branch.mispredictPenalty", 0, 1000),
    takenBubble: r.int(b.takenBubble, "branch.takenBubble", 0, 100),
    source: r.source(b.source, "branch.source", sources),
    conditional,
    indirect,
    returnStack: {
      depth: r.int(rs.depth, "branch.returnStack.depth", 0, 1024),
      source: r.source(rs.source, "branch.returnStack.source", sources),
    },
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
