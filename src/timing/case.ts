/**
 * The timing model in a measured case: time the run's trace with one CPU
 * model and add `cycles` to the case's figures. The runner calls this after
 * the counting core (run_case.ts) has measured the case.
 *
 * @module
 */
import type { Metrics } from "../measure/metrics.ts";
import type { TimingTrace } from "./trace.ts";
import { type CpuSelection, selectCpus } from "./catalog.ts";
import { CpuModelError } from "./model.ts";
import { type CodeSource, type Mispredicts, type PhaseSource, simulate } from "./simulate.ts";
import { type CycleCauses, hexPc } from "./causes.ts";

export type { CycleCauses } from "./causes.ts";
export type { Mispredicts } from "./simulate.ts";

/** How a case was timed: training passes before the measured one, and its mispredicts. */
export interface TimingSummary {
  /** Passes over the recorded trace that trained the predictors (0: a first call). */
  passes: number;
  /** Mispredicts of the measured (steady-state) pass, by kind. */
  mispredicts: Mispredicts;
}

/** A case's cycles under one model, as plain (structured-clonable) data. */
export interface CaseTiming {
  cpu: { name: string; version: string };
  cycles: number;
  /** Cycles charged to each phase. */
  phases: Record<string, number>;
  /** Cycles charged to each executed pc, keyed "0x..." like listing addresses. */
  byPc: Record<string, number>;
  /**
   * The same cycles by cause: per pc (non-zero causes only; pcs charged no
   * cycle are left out) and per phase (every cause).
   */
  causesByPc: Record<string, CycleCauses>;
  phaseCauses: Record<string, CycleCauses>;
  summary: TimingSummary;
}

const selections = new Map<string, CpuSelection>();

/** The one model a `--cpu` value other than `all` selects (parsed once per process). */
export async function singleCpu(spec: string): Promise<CpuSelection> {
  const known = selections.get(spec);
  if (known) return known;
  const selected = await selectCpus(spec);
  if (selected.length !== 1) {
    throw new CpuModelError(`--cpu ${spec} selects ${selected.length} models; a case takes one`);
  }
  selections.set(spec, selected[0]);
  return selected[0];
}

/** Times one case from the trace `measure` returns with `{ trace: true }`. */
export class CaseTimer {
  /** One model: a selection from `selectCpus()` (`--cpu`, parsed once). */
  constructor(readonly selection: CpuSelection) {}

  /** Time the captured run. */
  time(trace: TimingTrace, code: CodeSource, phases: PhaseSource): CaseTiming {
    const { model, mode, bimodal, info } = this.selection;
    const r = simulate(model, trace, code, phases, { mode, bimodal });
    const byPc: Record<string, number> = {};
    const causesByPc: Record<string, CycleCauses> = {};
    for (const [pc, cycles] of [...r.byPc].sort((a, b) => a[0] - b[0])) {
      byPc[hexPc(pc)] = cycles;
      // A pc charged no cycle has no cause: left out.
      if (cycles !== 0) causesByPc[hexPc(pc)] = r.causesByPc.get(pc)!;
    }
    return {
      cpu: info,
      cycles: r.cycles,
      phases: r.phases,
      byPc,
      causesByPc,
      phaseCauses: r.phaseCauses,
      summary: { passes: r.passes, mispredicts: r.mispredicts },
    };
  }
}

/** Metrics with the timing model's cycles (an estimate, not one of the exact METRIC_KEYS). */
export type TimedMetrics = Metrics & { cycles?: number };

/** A run's figures with `cycles` added where a timing model ran (inputs are not changed). */
export function timedFigures(
  metrics: Metrics,
  overhead: Metrics | null,
  phases: Record<string, Metrics>,
  timing: CaseTiming | undefined,
  baseline: CaseTiming | undefined,
): {
  metrics: TimedMetrics;
  overhead: TimedMetrics | null;
  phases: Record<string, TimedMetrics>;
  cyclesByPc?: Record<string, number>;
  cycleCausesByPc?: Record<string, CycleCauses>;
  cycleCauses?: Record<string, CycleCauses>;
  timing?: TimingSummary;
} {
  if (!timing) return { metrics, overhead, phases };
  const timedPhases: Record<string, TimedMetrics> = {};
  for (const [phase, m] of Object.entries(phases)) {
    timedPhases[phase] = { ...m, cycles: timing.phases[phase] ?? 0 };
  }
  return {
    metrics: { ...metrics, cycles: timing.cycles },
    overhead: overhead && baseline
      ? { ...overhead, cycles: timing.cycles - baseline.cycles }
      : overhead,
    phases: timedPhases,
    cyclesByPc: timing.byPc,
    cycleCausesByPc: timing.causesByPc,
    cycleCauses: timing.phaseCauses,
    timing: timing.summary,
  };
}
