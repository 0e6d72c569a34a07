/**
 * A timed case's figures as plain data, and how they join its counts: apart
 * from the timing model (case.ts), so a run without `--cpu` loads none of it.
 *
 * @module
 */
import type { Metrics } from "../measure/metrics.ts";
import type { CycleCauses } from "./causes.ts";
import type { Mispredicts } from "./simulate.ts";

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
