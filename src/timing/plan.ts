/**
 * Per-block static data for the timing model, built once per distinct block:
 * each instruction's figure (class or mnemonic override), source registers
 * with their operand roles, destination registers with their latency kind,
 * memory access and branch. The simulator's per-instruction loop only
 * indexes these typed arrays.
 *
 * @module
 */
import type { Decoded, Undecoded } from "../isa/types.ts";
import { LruMap } from "../lru.ts";
import { REG_NZCV, REG_V0 } from "../isa/types.ts";
import {
  type CompiledModel,
  CpuModelError,
  OPERAND_ROLES,
  overrideKey,
  TIMING_CLASSES,
} from "./model.ts";

/** Registers tracked: x0..x30, sp (31), nzcv (32), v0..v31 (64..95). */
export const REGISTER_COUNT = 96;

/** Destination kinds. */
export const W_RESULT = 0; // the class latency (memory adjustments apply to loads)
export const W_PAIR_SECOND = 1; // second register of a load pair
export const W_WRITEBACK = 2; // pre/post-index base update

/** Memory kinds (bit 0: reads, bit 1: writes). */
export const M_LOAD = 1;
export const M_STORE = 2;

/** Barrier kinds: what a barrier makes later instructions wait for. */
export const BAR_NONE = 0;
export const BAR_ISB = 1; // every older instruction completes, then the pipeline refills
export const BAR_DSB = 2; // every older instruction completes before any later one issues
export const BAR_DMB = 3; // later memory accesses wait for older ones to complete
export const BAR_DMB_LD = 4; // dmb ...ld: later accesses wait for older loads
export const BAR_DMB_ST = 5; // dmb ...st: later stores wait for older stores

/** Ordering semantics of a memory access (bits). */
export const ORD_ACQUIRE = 1; // load-acquire (ldar, ldaxr, LSE ...a): RCsc
export const ORD_ACQUIRE_PC = 2; // load-acquire RCpc (ldapr, ldapur): no wait for older releases
export const ORD_RELEASE = 4; // store-release (stlr, stlur, stlxr, LSE ...l)

/** Cause indexes of the cycles charged to an instruction (see CAUSE_NAMES). */
export const C_BASE = 0;
export const C_DEPENDENCY = 1;
export const C_PORTS = 2;
export const C_CONDITIONAL = 3;
export const C_INDIRECT = 4;
export const C_RETURN = 5;
export const C_CACHE_MISS = 6;
export const C_ORDERING = 7;
export const CAUSE_COUNT = 8;

const orderings = new Map<string, number>();

/** The ordering semantics of a decoded memory instruction (ORD_* bits, 0 for none). */
export function orderingOf(mnemonic: string): number {
  let ord = orderings.get(mnemonic);
  if (ord === undefined) orderings.set(mnemonic, ord = orderingOfMnemonic(mnemonic));
  return ord;
}

function orderingOfMnemonic(mnemonic: string): number {
  if (/^(ldar|ldaxr|ldaxp|ldlar)/.test(mnemonic)) return ORD_ACQUIRE;
  if (/^(ldapr|ldapur)/.test(mnemonic)) return ORD_ACQUIRE_PC;
  if (/^(stlr|stlur|stllr|stlxr|stlxp)/.test(mnemonic)) return ORD_RELEASE;
  const lse = /^(?:ld|st)(?:add|clr|eor|set|smax|smin|umax|umin)(al|a|l)?[bh]?$/.exec(mnemonic) ??
    /^(?:swp|casp?)(al|a|l)?[bh]?$/.exec(mnemonic);
  if (!lse || !lse[1]) return 0;
  return (lse[1].includes("a") ? ORD_ACQUIRE : 0) | (lse[1].includes("l") ? ORD_RELEASE : 0);
}

/** `dmb <option>`: CRm (bits 11:8) low two bits say which accesses it orders. */
function dmbKind(word: number): number {
  const types = (word >>> 8) & 3;
  return types === 1 ? BAR_DMB_LD : types === 2 ? BAR_DMB_ST : BAR_DMB;
}

const BARRIER_KIND: Record<string, number> = {
  isb: BAR_ISB,
  sb: BAR_DSB, // speculation barrier: nothing after it runs until it completes
  dsb: BAR_DSB,
  ssbb: BAR_DSB,
  pssbb: BAR_DSB,
  dmb: BAR_DMB,
};

/** Branch kinds. */
export const B_NONE = 0;
export const B_COND = 1;
export const B_DIRECT = 2;
export const B_CALL = 3;
export const B_INDIRECT = 4;
export const B_INDIRECT_CALL = 5;
export const B_RETURN = 6;

const BRANCH_KIND: Record<string, number> = {
  cond: B_COND,
  uncond: B_DIRECT,
  call: B_CALL,
  "indirect-jump": B_INDIRECT,
  "indirect-call": B_INDIRECT_CALL,
  return: B_RETURN,
};

const ROLE = Object.fromEntries(OPERAND_ROLES.map((r, i) => [r, i])) as Record<
  typeof OPERAND_ROLES[number],
  number
>;

/** Static timing data of one block. Per-instruction arrays are indexed 0..count-1. */
export interface BlockPlan {
  readonly start: number;
  readonly size: number;
  readonly count: number;
  readonly figure: Int16Array;
  readonly phase: Int16Array;
  /** Dispatch slots (micro-ops, at least 1). */
  readonly slots: Int16Array;
  readonly readStart: Int32Array;
  readonly readReg: Uint8Array;
  readonly readRole: Uint8Array;
  readonly writeStart: Int32Array;
  readonly writeReg: Uint8Array;
  readonly writeKind: Uint8Array;
  /** Static latency of the instruction's earliest result (in-order writeback rule). */
  readonly firstResult: Int16Array;
  /** Whether the instruction has a writeback (its uops are added to the figure's). */
  readonly writeback: Uint8Array;
  readonly memKind: Uint8Array;
  /** 1 for stores and atomics: they issue in program order among themselves. */
  readonly storeOrder: Uint8Array;
  readonly memBytes: Uint16Array;
  readonly branch: Uint8Array;
  /** BAR_* kind of a barrier (BAR_NONE for everything else). */
  readonly barrier: Uint8Array;
  /** ORD_* bits of a memory access with ordering semantics (0 for everything else). */
  readonly order: Uint8Array;
  /** Direct branch target address (NaN when not a direct branch). */
  readonly target: Float64Array;
  /** Cycles charged to each instruction (scratch of the simulation using the plan). */
  readonly charged: Float64Array;
  /** The same cycles by cause: [instruction * CAUSE_COUNT + C_*] (scratch, like `charged`). */
  readonly causes: Float64Array;
  /**
   * Dependency cycles of each instruction by producer pc (scratch): the first
   * producer in `depPc` (-1: none yet) and `depCycles`, any other in `dependsOn`.
   */
  readonly depPc: Float64Array;
  readonly depCycles: Float64Array;
  readonly dependsOn: (Map<number, number> | undefined)[];
  /** Id of the last simulation that used the plan (scratch, like `charged`). */
  lastUse: number;
  /** The instruction words the plan was made from. */
  readonly words: Uint32Array;
  /** The use of its cache in which the plan's words were last found to be the code's. */
  checked: number;
}

/** The code being timed (a `CodeImage` fits): decoded once per address, cached there. */
export interface CodeSource {
  instruction(address: number): Decoded | Undecoded | undefined;
  describe(address: number): string;
  /**
   * Equal for code at the same places (LoadedImage.codeKey): its blocks' plans are
   * kept from one such code to the next, each checked against its words before it
   * serves. Without it, plans are kept as long as this code is.
   */
  readonly placementKey?: string;
}

/** Phase of a pc (a `PhaseMap` fits). */
export interface PhaseSource {
  at(address: number): string;
  /** Equal for equal maps of pcs to phases. */
  readonly signature?: string;
}

/** Where the plans of one simulation get their inputs. */
export interface PlanContext {
  readonly model: CompiledModel;
  /** The code (and phases) being timed now: a shared cache's are the latest user's. */
  code: CodeSource;
  phases: PhaseSource;
  /** Phase names in first-seen order; plans store indexes into it. */
  readonly phaseNames: string[];
  /** Counts the code the plans have served: a plan made or checked in this use fits it. */
  use: number;
}

function hex(n: number, digits = 0): string {
  return n.toString(16).padStart(digits, "0");
}

/** Multiply-accumulate mnemonics (their Ra is an addend, not a factor). */
const ACCUMULATING = new Set(["madd", "msub", "smaddl", "smsubl", "umaddl", "umsubl"]);

/** Role of a source register of `insn`. */
function roleOf(insn: Decoded, reg: number): number {
  if (reg === REG_NZCV) return ROLE.flags;
  if (insn.operand && insn.operand !== "register") {
    // Rm (bits 20:16; 31 is xzr, never read) is the register shifted or extended;
    // Rn is a plain ALU operand (31 there is sp in the extended form).
    const rm = (insn.word >>> 16) & 31;
    return rm !== 31 && reg === rm ? ROLE.shifted : ROLE.alu;
  }
  const mem = insn.mem;
  if (mem) {
    if (reg === mem.base || reg === mem.index) return ROLE.address;
    return mem.kind === "load" ? ROLE.other : ROLE["store-data"];
  }
  switch (insn.cls) {
    case "int-alu":
    case "logical":
    case "move-wide":
    case "pac":
      return ROLE.alu;
    case "int-shift":
      return ROLE.shift;
    case "multiply": {
      // Ra (bits 14:10) of a multiply-accumulate, unless it is also a factor.
      const ra = (insn.word >>> 10) & 31;
      const factor = reg === ((insn.word >>> 5) & 31) || reg === ((insn.word >>> 16) & 31);
      return ACCUMULATING.has(insn.mnemonic) && ra !== 31 && reg === ra && !factor
        ? ROLE.accumulator
        : ROLE.multiply;
    }
    case "divide":
      return ROLE.multiply;
    case "branch-cond":
    case "br":
    case "blr":
    case "ret":
      return ROLE.branch;
    default:
      return ROLE.other;
  }
}

/**
 * The figure of `insn`: an override for its mnemonic and form, its mnemonic,
 * or its form (register-offset addressing, shifted or extended operand),
 * else its class. Throws naming pc and CPU file.
 */
function figureOf(ctx: PlanContext, insn: Decoded, pc: number): number {
  const { model } = ctx;
  const form = insn.mem?.index !== undefined ? "register-offset" : insn.operand;
  const index = model.overrideIndex;
  const override = (form && index.get(overrideKey(insn.cls, insn.mnemonic, form))) ??
    index.get(overrideKey(insn.cls, insn.mnemonic)) ??
    (form && index.get(overrideKey(insn.cls, undefined, form)));
  if (typeof override === "number") return override;
  const figure = TIMING_CLASSES.indexOf(insn.cls);
  if (model.latency[figure] < 0) {
    throw new CpuModelError(
      `CPU file ${model.path} (${model.file.name}) has no figure for class "${insn.cls}": ` +
        `instruction ${insn.mnemonic} (word 0x${hex(insn.word, 8)}) at ` +
        `${ctx.code.describe(pc)} (pc 0x${hex(pc)})`,
    );
  }
  return figure;
}

/** Build the plan of the block [start, start + size). */
export function planBlock(ctx: PlanContext, start: number, size: number): BlockPlan {
  const { model, code } = ctx;
  const count = size >>> 2;
  const figure = new Int16Array(count);
  const phase = new Int16Array(count);
  const slots = new Int16Array(count);
  const readStart = new Int32Array(count + 1);
  const writeStart = new Int32Array(count + 1);
  const readReg: number[] = [], readRole: number[] = [];
  const writeReg: number[] = [], writeKind: number[] = [];
  const writeback = new Uint8Array(count);
  const firstResult = new Int16Array(count);
  const memKind = new Uint8Array(count);
  const storeOrder = new Uint8Array(count);
  const memBytes = new Uint16Array(count);
  const branch = new Uint8Array(count);
  const barrier = new Uint8Array(count);
  const order = new Uint8Array(count);
  const target = new Float64Array(count).fill(NaN);
  const words = new Uint32Array(count);
  for (let i = 0; i < count; i++) {
    const pc = start + 4 * i;
    const insn = code.instruction(pc);
    if (!insn || insn.cls === null) {
      throw new CpuModelError(
        `cannot time instruction word 0x${hex(insn?.word ?? 0, 8)} at ${code.describe(pc)} ` +
          `(pc 0x${hex(pc)}) with CPU file ${model.path}: ` +
          (insn ? `the decoder does not know it (${insn.reason})` : "no code is loaded there"),
      );
    }
    words[i] = insn.word;
    const f = figureOf(ctx, insn, pc);
    figure[i] = f;
    const name = ctx.phases.at(pc);
    let p = ctx.phaseNames.indexOf(name);
    if (p < 0) p = ctx.phaseNames.push(name) - 1;
    phase[i] = p;

    readStart[i] = readReg.length;
    for (const r of insn.reads) {
      readReg.push(r);
      readRole.push(roleOf(insn, r));
    }
    writeStart[i] = writeReg.length;
    const mem = insn.mem;
    const wb = mem !== undefined && mem.writeback !== "none" && mem.base >= 0;
    // Rt2 of a load pair (bits 14:10), as a GPR or a SIMD register.
    const rt2 = (insn.word >>> 10) & 0x1f;
    for (const r of insn.writes) {
      writeReg.push(r);
      if (wb && r === mem!.base) writeKind.push(W_WRITEBACK);
      else if (insn.cls === "load-pair" && (r === rt2 || r === REG_V0 + rt2)) {
        writeKind.push(W_PAIR_SECOND);
      } else writeKind.push(W_RESULT);
    }
    let first = insn.writes.length === 0 ? model.latency[f] : Infinity;
    for (let w = writeStart[i]; w < writeReg.length; w++) {
      const k = writeKind[w];
      const lat = k === W_WRITEBACK
        ? model.latency[model.writebackFigure]
        : k === W_PAIR_SECOND
        ? model.pairLatency[f]
        : model.latency[f];
      if (lat < first) first = lat;
    }
    firstResult[i] = first;
    writeback[i] = wb ? 1 : 0;
    slots[i] = Math.max(1, model.slots[f] + (wb ? model.slots[model.writebackFigure] : 0));
    if (mem && !insn.prefetch && mem.bytes > 0) {
      memKind[i] = mem.kind === "load" ? M_LOAD : mem.kind === "store" ? M_STORE : M_LOAD | M_STORE;
      memBytes[i] = mem.bytes;
    }
    if (insn.cls === "atomic" || (mem && mem.kind !== "load")) storeOrder[i] = 1;
    if (insn.cls === "barrier") {
      barrier[i] = insn.mnemonic === "dmb"
        ? dmbKind(insn.word)
        : BARRIER_KIND[insn.mnemonic] ?? BAR_NONE;
    }
    if (memKind[i] !== 0) order[i] = orderingOf(insn.mnemonic);
    if (insn.branch) {
      branch[i] = BRANCH_KIND[insn.branch.kind];
      if (insn.branch.offset !== undefined) target[i] = pc + insn.branch.offset;
    }
  }
  readStart[count] = readReg.length;
  writeStart[count] = writeReg.length;
  return {
    start,
    size,
    count,
    figure,
    phase,
    slots,
    readStart,
    readReg: Uint8Array.from(readReg),
    readRole: Uint8Array.from(readRole),
    writeStart,
    writeReg: Uint8Array.from(writeReg),
    writeKind: Uint8Array.from(writeKind),
    firstResult,
    writeback,
    memKind,
    storeOrder,
    memBytes,
    branch,
    barrier,
    order,
    target,
    charged: new Float64Array(count),
    causes: new Float64Array(count * CAUSE_COUNT),
    depPc: new Float64Array(count).fill(-1),
    depCycles: new Float64Array(count),
    dependsOn: new Array(count).fill(undefined),
    lastUse: -1,
    words,
    checked: ctx.use,
  };
}

const caches = new WeakMap<CodeSource, WeakMap<CompiledModel, WeakMap<PhaseSource, PlanCache>>>();

/**
 * Plan caches by model, then by code placement and phases: a sweep times the
 * same code case after case, where only the words holding data addresses
 * change. At most 64 codes are kept per model.
 */
const sharedCaches = new WeakMap<CompiledModel, LruMap<string, PlanCache>>();

/**
 * The plan cache of (code, model, phases): a block is planned once however
 * many runs and simulations use it. Code with a placement key and phases
 * with a signature share it with earlier code at the same places (each plan
 * checked against the words it was made from: `PlanCache.get`); other code
 * keeps its own as long as it is kept.
 */
export function planCacheFor(
  model: CompiledModel,
  code: CodeSource,
  phases: PhaseSource,
): PlanCache {
  if (code.placementKey !== undefined && phases.signature !== undefined) {
    let byCode = sharedCaches.get(model);
    if (!byCode) sharedCaches.set(model, byCode = new LruMap(64));
    const key = `${code.placementKey}\n${phases.signature}`;
    let shared = byCode.get(key);
    if (!shared) {
      byCode.set(key, shared = new PlanCache({ model, code, phases, phaseNames: [], use: 0 }));
    }
    shared.use(code, phases);
    return shared;
  }
  let byModel = caches.get(code);
  if (!byModel) caches.set(code, byModel = new WeakMap());
  let byPhases = byModel.get(model);
  if (!byPhases) byModel.set(model, byPhases = new WeakMap());
  let cache = byPhases.get(phases);
  if (!cache) {
    byPhases.set(phases, cache = new PlanCache({ model, code, phases, phaseNames: [], use: 0 }));
  }
  return cache;
}

/**
 * Plans by (start, size), found without allocating: an open-addressing table
 * of typed arrays (a Map keyed by a 40-bit address would box the key per lookup).
 */
export class PlanCache {
  #keys = new Float64Array(256).fill(-1);
  #sizes = new Int32Array(256);
  #slots = new Int32Array(256);
  readonly plans: BlockPlan[] = [];

  constructor(readonly ctx: PlanContext) {}

  /** From now on, the plans serve `code` (and `phases`): each is checked once against its words. */
  use(code: CodeSource, phases: PhaseSource): void {
    if (code === this.ctx.code && phases === this.ctx.phases) return;
    this.ctx.code = code;
    this.ctx.phases = phases;
    this.ctx.use++;
  }

  get(start: number, size: number): BlockPlan {
    const mask = this.#keys.length - 1;
    let h = ((start / 4) % 65521 * 31 + size) & mask;
    for (;;) {
      const k = this.#keys[h];
      if (k === -1) break;
      if (k === start && this.#sizes[h] === size) {
        const slot = this.#slots[h];
        const plan = this.plans[slot];
        if (plan.checked === this.ctx.use || this.#current(plan)) return plan;
        // A word changed (a data address): planned again, in the same slot.
        return this.plans[slot] = planBlock(this.ctx, start, size);
      }
      h = (h + 1) & mask;
    }
    const plan = planBlock(this.ctx, start, size);
    this.#insert(start, size, this.plans.push(plan) - 1);
    return plan;
  }

  /** Whether the code holds the words `plan` was made from (then checked for this use). */
  #current(plan: BlockPlan): boolean {
    const code = this.ctx.code;
    for (let i = 0; i < plan.count; i++) {
      if (code.instruction(plan.start + 4 * i)?.word !== plan.words[i]) return false;
    }
    plan.checked = this.ctx.use;
    return true;
  }

  #insert(start: number, size: number, slot: number): void {
    if ((this.plans.length + 1) * 2 > this.#keys.length) {
      const old = { keys: this.#keys, sizes: this.#sizes, slots: this.#slots };
      this.#keys = new Float64Array(old.keys.length * 2).fill(-1);
      this.#sizes = new Int32Array(old.keys.length * 2);
      this.#slots = new Int32Array(old.keys.length * 2);
      for (let i = 0; i < old.keys.length; i++) {
        if (old.keys[i] !== -1) this.#place(old.keys[i], old.sizes[i], old.slots[i]);
      }
    }
    this.#place(start, size, slot);
  }

  #place(start: number, size: number, slot: number): void {
    const mask = this.#keys.length - 1;
    let h = ((start / 4) % 65521 * 31 + size) & mask;
    while (this.#keys[h] !== -1) h = (h + 1) & mask;
    this.#keys[h] = start;
    this.#sizes[h] = size;
    this.#slots[h] = slot;
  }
}
