/**
 * The timing engine: runs a CPU model over the dynamic trace the emulator
 * produced (real block order, real branch outcomes, real data addresses) and
 * returns cycles in total, per phase and per pc.
 *
 * Per instruction, in program order:
 * - fetch: `fetchWidth` per cycle; a taken branch ends the fetch group (plus
 *   `takenBubble`), a mispredicted one restarts fetch `mispredictPenalty`
 *   cycles after it resolves;
 * - dispatch (out-of-order): `dispatchWidth` micro-ops per cycle into a window
 *   of `window` micro-ops that drains as instructions retire;
 *   issue (in-order): `dispatchWidth` instructions per cycle, never before the
 *   previous instruction;
 * - issue: when every source register is ready (producer latency minus the
 *   forwarding the CPU file grants this operand role) and every micro-op finds
 *   a free port; an instruction's micro-ops issue together; stores and
 *   atomics issue in program order among themselves (as llvm-mca's LSU does);
 * - loads: the class latency, or store-to-load forwarding from a buffered
 *   older store at the same address, plus a cold miss on a line's first touch
 *   (cold modes) and a line-crossing penalty;
 * - memory ordering, by the CPU file's rules: whether a store-release waits
 *   for older accesses, a load forwards from a store-release, a load-acquire
 *   holds later accesses, an ldar waits for older releases, and whether
 *   `dmb ishld`/`dmb ishst` order only their own direction;
 * - barriers: an isb issues once every older instruction has completed and
 *   the next instruction is fetched `mispredictPenalty` cycles after it
 *   completes (a pipeline refill, assumed to cost what a mispredict's does);
 *   a dsb also waits for all older work, and nothing after it issues before it
 *   completes; after a dmb, memory accesses wait for older ones to complete;
 * - branches: a global-history direction predictor, a path-history indirect
 *   predictor and a return stack (`predictor.ts`); `bimodal` turns histories off;
 * - retire: in order, `retireWidth` per cycle. The cycles by which an
 *   instruction moves the retire point forward are charged to its pc, so the
 *   charges add up to the total exactly.
 *
 * Every cycle an instruction is charged is also charged to a cause (its own
 * latency and the core's widths, a dependency on a producer pc, ports, a
 * mispredict, a cache miss, memory ordering): see `causes.ts`.
 *
 * Steady state, by definition: a kernel developer measures a traced call by
 * calling it many times in a loop, so before the measured pass the case's own
 * recorded trace is replayed (not re-emulated) through the branch predictors
 * until the mispredicts of a pass stop changing (at most 16 passes); every
 * line the trace touches was touched by the previous pass, so every access
 * hits L1 (the model has no capacity misses). Modes: `steady` (the default),
 * `cold` (predictors in steady state, L1 cold: a line's first touch misses)
 * and `first-call` (one untrained pass, L1 cold). Each pass starts with an
 * empty return stack; counters, targets and histories carry over.
 *
 * Everything is integer arithmetic on typed arrays: no clock, no randomness,
 * no allocation per instruction.
 *
 * @module
 */
import type { TimingTrace } from "./trace.ts";
import type { CompiledModel } from "./model.ts";
import { Core, CoreBuffers, MAX_PHASES, predict } from "./core.ts";
import {
  B_NONE,
  type BlockPlan,
  CAUSE_COUNT,
  type CodeSource,
  type PhaseSource,
  planCacheFor,
} from "./plan.ts";
import { BranchPredictor } from "./predictor.ts";
import { causesOf, type CycleCauses } from "./causes.ts";

export type { CodeSource, PhaseSource } from "./plan.ts";

let nextSimulation = 0;

/**
 * Per model, the predictors (with history, bimodal) and core arrays of the
 * last simulation, reset for the next: a simulation allocates no tables.
 * (Simulations run one at a time: `simulate` is synchronous.)
 */
const pools = new WeakMap<
  CompiledModel,
  { buffers: CoreBuffers; predictors: Map<boolean, BranchPredictor>; scratch: Scratch }
>();

function poolFor(model: CompiledModel) {
  let pool = pools.get(model);
  if (!pool) {
    const buffers = new CoreBuffers(model);
    pools.set(model, pool = { buffers, predictors: new Map(), scratch: new Scratch() });
  }
  return pool;
}

type ScratchArray = Float64Array | Int32Array | Uint8Array;

/** `a`, or a longer one of its kind when it holds fewer than `n` (contents not kept). */
function atLeast<T extends ScratchArray>(a: T, n: number): T {
  return a.length >= n ? a : new (a.constructor as new (n: number) => T)(Math.max(n, 2 * a.length));
}

/**
 * The arrays a simulation works in and drops: reused from one simulation to
 * the next (a typed array's allocation costs more than its use here). Only
 * the first entries a simulation sets are read.
 */
class Scratch {
  next = new Float64Array(0);
  eventKind = new Uint8Array(0);
  eventPc = new Float64Array(0);
  eventTo = new Float64Array(0);
  /** Phases whose figures are listed (by phase index). */
  listed = new Uint8Array(0);
  /** A pc's slot by its offset into the code's span (-1: none yet). */
  slotTable = new Int32Array(0);
}

/**
 * Code spans (in instructions) up to which a pc's slot is found by its
 * offset in a table: beyond (a trampoline placed far away), a Map keyed by
 * pc finds it.
 */
const DENSE_SPAN = 1 << 16;

/**
 * Executed pcs as slots (a pc run by two blocks has one slot): each slot's
 * pc and cycles, and the slots in ascending pc order.
 */
export class PcSlots {
  readonly #vectors: Float64Array;
  readonly #depends: readonly (ReadonlyMap<number, number> | undefined)[];

  constructor(
    readonly pc: Float64Array,
    readonly cycles: Float64Array,
    /** Slot numbers by ascending pc. */
    readonly ascending: Float64Array,
    /** Cycles by C_* cause, CAUSE_COUNT per slot, and `dependency` by producer pc. */
    vectors: Float64Array,
    depends: readonly (ReadonlyMap<number, number> | undefined)[],
  ) {
    this.#vectors = vectors;
    this.#depends = depends;
  }

  /** The cycles of slot `slot` by cause (built per call). */
  causes(slot: number): CycleCauses {
    return causesOf(this.#vectors.subarray(slot * CAUSE_COUNT), this.#depends[slot], false);
  }
}

/** How the measured pass starts (see the module documentation). */
export type TimingMode = "steady" | "cold" | "first-call";

/** Training passes at most before the measured one. */
export const MAX_TRAINING_PASSES = 16;

export interface SimulateOptions {
  /** Default "steady". */
  mode?: TimingMode;
  /** Same as `mode: "cold"` (kept for callers that predate modes). */
  cold?: boolean;
  /** Predictors without history: per-pc counters and last targets. */
  bimodal?: boolean;
}

/** Mispredicts by kind. */
export interface Mispredicts {
  conditional: number;
  indirect: number;
  return: number;
}

/** Cycles of one run under one model. */
export interface TimingResult {
  model: { name: string; version: string };
  cycles: number;
  instructions: number;
  /** Cycles charged to each phase (phases with instructions only). */
  phases: Record<string, number>;
  /** Cycles charged to each executed pc (0 for an instruction that retired for free). */
  readonly byPc: Map<number, number>;
  /** The same, and the causes, by slot: what a case's figures are built from. */
  readonly slots: PcSlots;
  /**
   * The same cycles by cause, per pc (non-zero causes only; built on first
   * access) and per phase (every cause).
   */
  readonly causesByPc: Map<number, CycleCauses>;
  phaseCauses: Record<string, CycleCauses>;
  /** Training passes before the measured one (0 for first-call). */
  passes: number;
  /** Mispredicts of the measured pass. */
  mispredicts: Mispredicts;
  coldMisses: number;
  storeForwards: number;
  /**
   * Recorded accesses no instruction claimed, plus memory instructions that
   * found fewer bytes than they move (0 when the trace and the decoder agree).
   */
  unmatchedAccesses: number;
}

/** Every branch the measured pass will predict, in order: kind, pc and where it went. */
function branchEvents(plans: readonly BlockPlan[], next: Float64Array, scratch: Scratch) {
  let n = 0;
  for (let b = 0; b < plans.length; b++) {
    const plan = plans[b];
    for (let i = 0; i < plan.count; i++) if (plan.branch[i] !== B_NONE) n++;
  }
  const kind = scratch.eventKind = atLeast(scratch.eventKind, n);
  const pc = scratch.eventPc = atLeast(scratch.eventPc, n);
  const to = scratch.eventTo = atLeast(scratch.eventTo, n);
  let e = 0;
  for (let b = 0; b < plans.length; b++) {
    const plan = plans[b];
    const last = plan.count - 1;
    for (let i = 0; i <= last; i++) {
      if (plan.branch[i] === B_NONE) continue;
      const at = plan.start + 4 * i;
      const target = i === last ? next[b] : at + 4;
      if (target !== target) continue;
      kind[e] = plan.branch[i];
      pc[e] = at;
      to[e] = target;
      e++;
    }
  }
  return { count: e, kind, pc, to };
}

/**
 * Replay the branches through `predictor` until a pass mispredicts as often
 * (by kind) as the one before, at most {@link MAX_TRAINING_PASSES}; returns
 * the passes run.
 */
function train(predictor: BranchPredictor, events: ReturnType<typeof branchEvents>): number {
  let last: number[] | undefined;
  for (let pass = 1;; pass++) {
    predictor.startPass();
    for (let e = 0; e < events.count; e++) {
      predict(predictor, events.kind[e], events.pc[e], events.to[e]);
    }
    const now = [predictor.conditional, predictor.indirect, predictor.returns];
    if (last && now.every((n, k) => n === last![k])) return pass;
    if (pass === MAX_TRAINING_PASSES) return pass;
    last = now;
  }
}

/** Time `trace` on `model`. Throws `CpuModelError` for an instruction the model cannot time. */
export function simulate(
  model: CompiledModel,
  trace: TimingTrace,
  code: CodeSource,
  phases: PhaseSource,
  options: SimulateOptions = {},
): TimingResult {
  const file = model.file;
  const mode: TimingMode = options.mode ?? (options.cold ? "cold" : "steady");
  const plans = planCacheFor(model, code, phases);
  const phaseNames = plans.ctx.phaseNames;
  const id = nextSimulation++;
  const pool = poolFor(model);
  const bimodal = options.bimodal === true;
  let predictor = pool.predictors.get(bimodal);
  if (predictor) predictor.reset();
  else pool.predictors.set(bimodal, predictor = new BranchPredictor(file.branch, { bimodal }));
  const n = trace.blockCount;

  // Look every block up once: plans, and the address execution went to next.
  const blockPlans: BlockPlan[] = new Array(n);
  const used: BlockPlan[] = [];
  for (let b = 0; b < n; b++) {
    const plan = plans.get(trace.blockStart[b], trace.blockSize[b]);
    if (plan.lastUse !== id) {
      plan.lastUse = id;
      // Cleared in one loop: a block is a few instructions, and a fill is a call each.
      const { charged, causes, depPc, depCycles, dependsOn } = plan;
      for (let i = 0; i < plan.count; i++) {
        charged[i] = 0;
        depPc[i] = -1;
        depCycles[i] = 0;
        dependsOn[i] = undefined;
      }
      for (let c = 0; c < plan.count * CAUSE_COUNT; c++) causes[c] = 0;
      used.push(plan);
    }
    blockPlans[b] = plan;
  }
  if (phaseNames.length > MAX_PHASES) {
    throw new RangeError(
      `the code has ${phaseNames.length} phases; the timing model takes ${MAX_PHASES}`,
    );
  }
  // Where execution went after each block: the next block, or the run's stop address.
  const scratch = pool.scratch;
  const next = scratch.next = atLeast(scratch.next, n);
  for (let b = 0; b + 1 < n; b++) next[b] = trace.blockStart[b + 1];
  if (n > 0) next[n - 1] = trace.stopAddress ?? NaN;

  // Steady state: train the predictors on the trace's own branches, pass after pass.
  const passes = mode === "first-call"
    ? 0
    : train(predictor, branchEvents(blockPlans, next, scratch));
  predictor.startPass();

  const core = new Core(model, predictor, mode !== "steady", pool.buffers.clear());
  core.run(blockPlans, next, trace);
  // Cycles live in Int32Arrays; a run this long would have wrapped them.
  if (core.lastRetire >= 2 ** 31 - 1) {
    throw new RangeError(`the trace takes over 2^31 cycles on ${file.name}: too long to time`);
  }

  // Per pc (overlapping blocks, same pc with another block start, add up) and per phase.
  // Slots are numbered in the order pcs are first met; a pc's slot is found by its offset
  // into the code's span, or by a Map when the blocks lie too far apart for a table.
  let size = 0, lo = Infinity, hi = -Infinity;
  for (const plan of used) {
    size += plan.count;
    lo = Math.min(lo, plan.start);
    hi = Math.max(hi, plan.start + 4 * plan.count);
  }
  const span = used.length ? (hi - lo) / 4 : 0;
  let table: Int32Array | undefined;
  if (span <= DENSE_SPAN) {
    table = scratch.slotTable = atLeast(scratch.slotTable, span);
    table.fill(-1, 0, span);
  }
  const slotOf = table ? undefined : new Map<number, number>();
  // One buffer for the slots' pcs, cycles, causes and order, and the phases' causes.
  const buffer = new Float64Array((3 + CAUSE_COUNT) * size + CAUSE_COUNT * phaseNames.length);
  const slotPc = buffer.subarray(0, size), slotCycles = buffer.subarray(size, 2 * size);
  const vectors = buffer.subarray(2 * size, (2 + CAUSE_COUNT) * size);
  const order = buffer.subarray((2 + CAUSE_COUNT) * size, (3 + CAUSE_COUNT) * size);
  const depends: (Map<number, number> | undefined)[] = [];
  const phaseVectors = buffer.subarray((3 + CAUSE_COUNT) * size);
  let slots = 0;
  for (const plan of used) {
    const causes = plan.causes;
    for (let i = 0; i < plan.count; i++) {
      const pc = plan.start + 4 * i;
      let slot: number;
      if (table) {
        const w = (pc - lo) / 4;
        slot = table[w];
        if (slot === -1) {
          table[w] = slot = slots++;
          slotPc[slot] = pc;
        }
      } else {
        let known = slotOf!.get(pc);
        if (known === undefined) {
          slotOf!.set(pc, known = slots++);
          slotPc[known] = pc;
        }
        slot = known;
      }
      slotCycles[slot] += plan.charged[i];
      if (plan.charged[i] === 0) continue;
      const at = i * CAUSE_COUNT, to = slot * CAUSE_COUNT;
      const phase = plan.phase[i] * CAUSE_COUNT;
      for (let c = 0; c < CAUSE_COUNT; c++) {
        vectors[to + c] += causes[at + c];
        phaseVectors[phase + c] += causes[at + c];
      }
      if (plan.depPc[i] === -1) continue;
      const m = depends[slot] ??= new Map();
      m.set(plan.depPc[i], (m.get(plan.depPc[i]) ?? 0) + plan.depCycles[i]);
      const more = plan.dependsOn[i];
      if (more === undefined) continue;
      for (const [from, cycles] of more) m.set(from, (m.get(from) ?? 0) + cycles);
    }
  }
  const phaseResult: Record<string, number> = {};
  const phaseCauses: Record<string, CycleCauses> = {};
  // Phases in the order this run first reaches them (plans shared between cases number
  // phases in the order any of those cases did).
  const { phaseInstructions, phaseCycles } = core.buffers;
  let phasesLeft = 0;
  for (let i = 0; i < phaseNames.length; i++) if (phaseInstructions[i] !== 0) phasesLeft++;
  const listed = scratch.listed = atLeast(scratch.listed, phaseNames.length);
  listed.fill(0, 0, phaseNames.length);
  for (let u = 0; u < used.length && phasesLeft > 0; u++) {
    const plan = used[u];
    for (let k = 0; k < plan.count; k++) {
      const i = plan.phase[k];
      if (listed[i] === 1 || phaseInstructions[i] === 0) continue;
      listed[i] = 1;
      phasesLeft--;
      phaseResult[phaseNames[i]] = phaseCycles[i];
      phaseCauses[phaseNames[i]] = causesOf(
        phaseVectors.subarray(i * CAUSE_COUNT),
        undefined,
        true,
      );
    }
  }
  // Slots by ascending pc: the table in address order, or a sort.
  const ascending = order.subarray(0, slots);
  if (table) {
    for (let w = 0, k = 0; w < span; w++) if (table[w] !== -1) ascending[k++] = table[w];
  } else {
    for (let k = 0; k < slots; k++) ascending[k] = k;
    ascending.sort((a, b) => slotPc[a] - slotPc[b]);
  }
  const pcSlots = new PcSlots(
    slotPc.subarray(0, slots),
    slotCycles.subarray(0, slots),
    ascending,
    vectors,
    depends,
  );
  return new Timing({
    model: { name: file.name, version: file.version },
    cycles: core.lastRetire,
    instructions: core.instructions,
    phases: phaseResult,
    slots: pcSlots,
    phaseCauses,
    passes,
    mispredicts: {
      conditional: predictor.conditional,
      indirect: predictor.indirect,
      return: predictor.returns,
    },
    coldMisses: core.coldMisses,
    storeForwards: core.storeForwards,
    unmatchedAccesses: core.unmatched,
  });
}

/** What a {@link Timing} is made from: all but the per-pc Maps. */
type TimingFields = Omit<TimingResult, "byPc" | "causesByPc">;

/**
 * A run's timing, its per-pc Maps built only when asked for (tests, tools: a
 * case's figures are built from the slots); its fields are TimingFields'.
 * A class, not an object literal with getters: see SectionLayout in
 * src/asm/data_object.ts.
 */
interface Timing extends TimingFields {}
class Timing implements TimingResult {
  #byPc?: Map<number, number>;
  #causesByPc?: Map<number, CycleCauses>;

  constructor(fields: TimingFields) {
    Object.assign(this, fields);
  }

  get byPc(): Map<number, number> {
    return this.#byPc ??= this.#inSlotOrder((slot) => this.slots.cycles[slot]);
  }

  get causesByPc(): Map<number, CycleCauses> {
    return this.#causesByPc ??= this.#inSlotOrder((slot) => this.slots.causes(slot));
  }

  #inSlotOrder<T>(value: (slot: number) => T): Map<number, T> {
    const m = new Map<number, T>();
    const pc = this.slots.pc;
    for (let slot = 0; slot < pc.length; slot++) m.set(pc[slot], value(slot));
    return m;
  }
}
