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
 *   (cold mode) and a line-crossing penalty;
 * - barriers: an isb issues once every older instruction has completed and
 *   the next instruction is fetched `mispredictPenalty` cycles after it
 *   completes (a pipeline refill, assumed to cost what a mispredict's does);
 *   a dsb also waits for all older work, and nothing after it issues before it
 *   completes; after a dmb, memory accesses wait for older ones to complete;
 * - retire: in order, `retireWidth` per cycle. The cycles by which an
 *   instruction moves the retire point forward are charged to its pc, so the
 *   charges add up to the total exactly.
 *
 * Branch predictors are trained by a first pass over the same trace (a traced
 * call in steady state), then the return stack is emptied and the trace is
 * timed. Everything is integer arithmetic on typed arrays: no clock, no
 * randomness, no allocation per instruction.
 *
 * @module
 */
import type { TimingTrace } from "./trace.ts";
import type { CompiledModel } from "./model.ts";
import { Core, MAX_PHASES, predict } from "./core.ts";
import { B_NONE, type BlockPlan, type CodeSource, type PhaseSource, planCacheFor } from "./plan.ts";
import { BranchPredictor } from "./predictor.ts";

export type { CodeSource, PhaseSource } from "./plan.ts";

let nextSimulation = 0;

export interface SimulateOptions {
  /** Cold L1: the first access to each line misses. Default false (every access hits). */
  cold?: boolean;
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
  mispredicts: { conditional: number; indirect: number; returns: number };
  coldMisses: number;
  storeForwards: number;
  /**
   * Recorded accesses no instruction claimed, plus memory instructions that
   * found fewer bytes than they move (0 when the trace and the decoder agree).
   */
  unmatchedAccesses: number;
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
  const plans = planCacheFor(model, code, phases);
  const phaseNames = plans.ctx.phaseNames;
  const id = nextSimulation++;
  const predictor = new BranchPredictor(file.branch);
  const n = trace.blockCount;

  // Look every block up once: plans, and the address execution went to next.
  const blockPlans: BlockPlan[] = new Array(n);
  for (let b = 0; b < n; b++) {
    const plan = plans.get(trace.blockStart[b], trace.blockSize[b]);
    if (plan.lastUse !== id) {
      plan.lastUse = id;
      plan.charged.fill(0);
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

  // Training pass: branch outcomes only.
  for (let b = 0; b < n; b++) {
    const plan = blockPlans[b];
    const last = plan.count - 1;
    if (last < 0 || plan.branch[last] === B_NONE || next[b] !== next[b]) continue;
    predict(predictor, plan.branch[last], plan.start + 4 * last, next[b]);
  }
  predictor.startMeasuring();

  const core = new Core(model, predictor, options.cold === true);
  core.run(blockPlans, next, trace);
  // Cycles live in Int32Arrays; a run this long would have wrapped them.
  if (core.lastRetire >= 2 ** 31 - 1) {
    throw new RangeError(`the trace takes over 2^31 cycles on ${file.name}: too long to time`);
  }

  const byPc = new Map<number, number>();
  for (const plan of plans.plans) {
    if (plan.lastUse !== id) continue;
    for (let i = 0; i < plan.count; i++) {
      const pc = plan.start + 4 * i;
      // Overlapping blocks (same pc, different block start) add up.
      byPc.set(pc, (byPc.get(pc) ?? 0) + plan.charged[i]);
    }
  }
  const phaseResult: Record<string, number> = {};
  phaseNames.forEach((name, i) => {
    if (core.phaseInstructions[i] > 0) phaseResult[name] = core.phaseCycles[i];
  });
  return {
    model: { name: file.name, version: file.version },
    cycles: core.lastRetire,
    instructions: core.instructions,
    phases: phaseResult,
    byPc,
    mispredicts: {
      conditional: predictor.conditional,
      indirect: predictor.indirect,
      returns: predictor.returns,
    },
    coldMisses: core.coldMisses,
    storeForwards: core.storeForwards,
    unmatchedAccesses: core.unmatched,
  };
}
