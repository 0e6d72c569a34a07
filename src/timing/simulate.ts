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
  { buffers: CoreBuffers; predictors: Map<boolean, BranchPredictor> }
>();

function poolFor(model: CompiledModel) {
  let pool = pools.get(model);
  if (!pool) pools.set(model, pool = { buffers: new CoreBuffers(model), predictors: new Map() });
  return pool;
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
  byPc: Map<number, number>;
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
function branchEvents(plans: readonly BlockPlan[], next: Float64Array) {
  let n = 0;
  for (let b = 0; b < plans.length; b++) {
    const plan = plans[b];
    for (let i = 0; i < plan.count; i++) if (plan.branch[i] !== B_NONE) n++;
  }
  const kind = new Uint8Array(n), pc = new Float64Array(n), to = new Float64Array(n);
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
      plan.charged.fill(0);
      plan.causes.fill(0);
      plan.depPc.fill(-1);
      plan.depCycles.fill(0);
      plan.dependsOn.fill(undefined);
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
  const next = new Float64Array(n);
  for (let b = 0; b + 1 < n; b++) next[b] = trace.blockStart[b + 1];
  if (n > 0) next[n - 1] = trace.stopAddress ?? NaN;

  // Steady state: train the predictors on the trace's own branches, pass after pass.
  const passes = mode === "first-call" ? 0 : train(predictor, branchEvents(blockPlans, next));
  predictor.startPass();

  const core = new Core(model, predictor, mode !== "steady", pool.buffers.clear());
  core.run(blockPlans, next, trace);
  // Cycles live in Int32Arrays; a run this long would have wrapped them.
  if (core.lastRetire >= 2 ** 31 - 1) {
    throw new RangeError(`the trace takes over 2^31 cycles on ${file.name}: too long to time`);
  }

  // Per pc (overlapping blocks, same pc with another block start, add up) and per phase.
  const byPc = new Map<number, number>();
  const slotOf = new Map<number, number>();
  let size = 0;
  for (const plan of used) size += plan.count;
  const vectors = new Float64Array(size * CAUSE_COUNT);
  const depends: (Map<number, number> | undefined)[] = [];
  const phaseVectors = new Float64Array(phaseNames.length * CAUSE_COUNT);
  let slots = 0;
  for (const plan of used) {
    const causes = plan.causes;
    for (let i = 0; i < plan.count; i++) {
      const pc = plan.start + 4 * i;
      let slot = slotOf.get(pc);
      if (slot === undefined) {
        slotOf.set(pc, slot = slots++);
        byPc.set(pc, plan.charged[i]);
      } else byPc.set(pc, byPc.get(pc)! + plan.charged[i]);
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
      for (const [from, cycles] of plan.dependsOn[i] ?? []) {
        m.set(from, (m.get(from) ?? 0) + cycles);
      }
    }
  }
  const phaseResult: Record<string, number> = {};
  const phaseCauses: Record<string, CycleCauses> = {};
  // Phases in the order this run first reaches them (plans shared between cases number
  // phases in the order any of those cases did).
  for (const plan of used) {
    for (let k = 0; k < plan.count; k++) {
      const i = plan.phase[k], name = phaseNames[i];
      if (name in phaseResult || core.buffers.phaseInstructions[i] === 0) continue;
      phaseResult[name] = core.buffers.phaseCycles[i];
      phaseCauses[name] = causesOf(phaseVectors.subarray(i * CAUSE_COUNT), undefined, true);
    }
  }
  // Per-pc causes as objects only when asked for (a case's JSON, a test): the vectors are the result.
  let causesByPc: Map<number, CycleCauses> | undefined;
  const pcCauses = () => {
    if (causesByPc) return causesByPc;
    causesByPc = new Map();
    for (const [pc, slot] of slotOf) {
      causesByPc.set(pc, causesOf(vectors.subarray(slot * CAUSE_COUNT), depends[slot], false));
    }
    return causesByPc;
  };
  return {
    model: { name: file.name, version: file.version },
    cycles: core.lastRetire,
    instructions: core.instructions,
    phases: phaseResult,
    byPc,
    get causesByPc() {
      return pcCauses();
    },
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
  };
}
