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
import { type CodeSource, type PhaseSource, simulate } from "./simulate.ts";

/** A case's cycles under one model, as plain (structured-clonable) data. */
export interface CaseTiming {
  cpu: { name: string; version: string };
  cycles: number;
  /** Cycles charged to each phase. */
  phases: Record<string, number>;
  /** Cycles charged to each executed pc, keyed "0x..." like listing addresses. */
  byPc: Record<string, number>;
}

/** The one model a `--cpu` value other than `all` selects. */
export function singleCpu(spec: string): CpuSelection {
  const selected = selectCpus(spec);
  if (selected.length !== 1) {
    throw new CpuModelError(`--cpu ${spec} selects ${selected.length} models; a case takes one`);
  }
  return selected[0];
}

/** Times one case from the trace `measure` returns with `{ trace: true }`. */
export class CaseTimer {
  readonly selection: CpuSelection;

  /** `spec`: one model, as `--cpu` names it (`NAME`, `NAME:cold` or a CPU file path). */
  constructor(spec: string) {
    this.selection = singleCpu(spec);
  }

  /** Time the captured run. */
  time(trace: TimingTrace, code: CodeSource, phases: PhaseSource): CaseTiming {
    const { model, cold, info } = this.selection;
    const r = simulate(model, trace, code, phases, { cold });
    const byPc: Record<string, number> = {};
    for (const [pc, cycles] of [...r.byPc].sort((a, b) => a[0] - b[0])) {
      byPc[`0x${pc.toString(16)}`] = cycles;
    }
    return { cpu: info, cycles: r.cycles, phases: r.phases, byPc };
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
  };
}
