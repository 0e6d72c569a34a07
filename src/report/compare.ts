/**
 * Regression verdicts between a baseline and a current set of results. The
 * figures are exact, so the default thresholds are strict: any increase in
 * instructions, loads or stores regresses, cycles (a model's estimate) may
 * grow 0.5%. Results of different schemas or timing models are refused, with
 * the reason, instead of being compared.
 */
import { paramsLabel } from "../runner/run_scenario.ts";
import type { Params } from "../runner/result.ts";
import {
  cpuLabel,
  kernelLabel,
  type StoredMetrics,
  type StoredResult,
  type StoredRun,
} from "../store/schema.ts";

/** Metrics compared, in display order. */
export const COMPARED_METRICS = ["instructions", "loads", "stores", "branches", "cycles"] as const;
export type ComparedMetric = typeof COMPARED_METRICS[number];

/** Allowed increase per metric in percent (0: any increase regresses); absent: informational. */
export type Thresholds = Partial<Record<ComparedMetric, number>>;

export const DEFAULT_THRESHOLDS: Readonly<Thresholds> = {
  instructions: 0,
  loads: 0,
  stores: 0,
  cycles: 0.5,
};

/** The two sides cannot be compared; the message says why. */
export class CompareRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CompareRefused";
  }
}

export interface MetricDelta {
  metric: ComparedMetric;
  baseline: number;
  current: number;
  delta: number;
  /** Relative change in percent; null when the baseline is 0. */
  percent: number | null;
  regressed: boolean;
}

export type CaseVerdict = "regressed" | "improved" | "unchanged" | "added" | "removed";

export interface CaseComparison {
  scenario: string;
  variant: string;
  params: Params;
  baselineStatus: StoredRun["status"] | null;
  currentStatus: StoredRun["status"] | null;
  verdict: CaseVerdict;
  deltas: MetricDelta[];
  /** Why a status change matters, e.g. which check now fails. */
  note?: string;
}

/** One side of a comparison: where it came from and its results. */
export interface CompareSide {
  path: string;
  results: readonly StoredResult[];
}

export interface Comparison {
  kind: "ftrace-bench-compare";
  schema: 1;
  baseline: string;
  current: string;
  thresholds: Thresholds;
  cases: CaseComparison[];
  summary: Record<CaseVerdict, number>;
  /** True when any case regressed: the exit status of `deno task compare`. */
  regressed: boolean;
}

function refuseIncompatible(base: StoredResult, cur: StoredResult, paths: [string, string]): void {
  const [bp, cp] = paths;
  if (base.schema !== cur.schema) {
    throw new CompareRefused(
      `${base.scenario}: ${bp} has results schema ${base.schema} and ${cp} schema ${cur.schema}; ` +
        `results of different schemas are not compared (re-run the baseline with this harness)`,
    );
  }
  if (kernelLabel(base.kernel) !== kernelLabel(cur.kernel)) {
    throw new CompareRefused(
      `${base.scenario}: ${bp} ran on kernel ${kernelLabel(base.kernel)} and ${cp} on ` +
        `${kernelLabel(cur.kernel)}; results of different kernels are not compared ` +
        `(run both with --kernel ${base.kernel?.name ?? "model"},${cur.kernel?.name ?? "model"} ` +
        `for a side-by-side table)`,
    );
  }
  if (cpuLabel(base.cpu) !== cpuLabel(cur.cpu)) {
    throw new CompareRefused(
      `${base.scenario}: ${bp} was measured with ${cpuLabel(base.cpu)} and ${cp} with ` +
        `${cpuLabel(cur.cpu)}; results of different CPU models or model versions are not compared`,
    );
  }
}

function metricValue(m: StoredMetrics | null, metric: ComparedMetric): number | undefined {
  return m ? m[metric] : undefined;
}

function deltas(base: StoredRun, cur: StoredRun, thresholds: Thresholds): MetricDelta[] {
  const out: MetricDelta[] = [];
  for (const metric of COMPARED_METRICS) {
    const b = metricValue(base.metrics, metric), c = metricValue(cur.metrics, metric);
    if (b === undefined || c === undefined) continue;
    const delta = c - b;
    const percent = b === 0 ? null : (delta / b) * 100;
    const limit = thresholds[metric];
    const regressed = limit !== undefined && delta > 0 &&
      (limit === 0 || percent === null || percent > limit);
    out.push({ metric, baseline: b, current: c, delta, percent, regressed });
  }
  return out;
}

function compareRun(base: StoredRun, cur: StoredRun, thresholds: Thresholds) {
  const ds = deltas(base, cur, thresholds);
  let verdict: CaseVerdict = "unchanged";
  let note: string | undefined;
  if (cur.status === "failed") {
    verdict = "regressed";
    note = `fails: ${cur.reason ?? "a check failed"}`;
  } else if (base.status === "ok" && cur.status === "n/a") {
    verdict = "regressed";
    note = `no longer measured: n/a: ${cur.reason ?? ""}`;
  } else if (base.status !== "ok" && cur.status === "ok") {
    verdict = "improved";
    note = `now measured (was ${base.status})`;
  } else if (ds.some((d) => d.regressed)) verdict = "regressed";
  else if (ds.some((d) => d.delta < 0) && !ds.some((d) => d.delta > 0)) verdict = "improved";
  return { deltas: ds, verdict, note };
}

const runKey = (r: StoredRun) => `${r.variant}\u0000${paramsLabel(r.params)}`;

/** Compare every case present on either side; throws CompareRefused when not comparable. */
export function compareResults(
  baseline: CompareSide,
  current: CompareSide,
  thresholds: Thresholds = DEFAULT_THRESHOLDS,
): Comparison {
  const cases: CaseComparison[] = [];
  const common = current.results.filter((c) =>
    baseline.results.some((b) => b.scenario === c.scenario)
  );
  if (common.length === 0) {
    const names = (s: CompareSide) => s.results.map((r) => r.scenario).join(", ") || "none";
    throw new CompareRefused(
      `${baseline.path} (scenarios: ${names(baseline)}) and ${current.path} ` +
        `(scenarios: ${names(current)}) have no scenario in common`,
    );
  }
  for (const cur of current.results) {
    const base = baseline.results.find((b) => b.scenario === cur.scenario);
    if (base) refuseIncompatible(base, cur, [baseline.path, current.path]);
  }
  const scenarios = [
    ...new Set([...baseline.results, ...current.results].map((r) => r.scenario)),
  ];
  for (const scenario of scenarios) {
    const baseRuns = baseline.results.find((r) => r.scenario === scenario)?.runs ?? [];
    const curRuns = current.results.find((r) => r.scenario === scenario)?.runs ?? [];
    const baseByKey = new Map(baseRuns.map((r) => [runKey(r), r]));
    const seen = new Set<string>();
    for (const cur of curRuns) {
      const key = runKey(cur);
      seen.add(key);
      const base = baseByKey.get(key);
      const common = { scenario, variant: cur.variant, params: cur.params };
      if (!base) {
        cases.push({
          ...common,
          baselineStatus: null,
          currentStatus: cur.status,
          verdict: cur.status === "failed" ? "regressed" : "added",
          deltas: [],
          ...(cur.status === "failed" ? { note: `fails: ${cur.reason ?? ""}` } : {}),
        });
        continue;
      }
      cases.push({
        ...common,
        baselineStatus: base.status,
        currentStatus: cur.status,
        ...compareRun(base, cur, thresholds),
      });
    }
    for (const base of baseRuns) {
      if (seen.has(runKey(base))) continue;
      cases.push({
        scenario,
        variant: base.variant,
        params: base.params,
        baselineStatus: base.status,
        currentStatus: null,
        verdict: "removed",
        deltas: [],
      });
    }
  }
  const summary = { regressed: 0, improved: 0, unchanged: 0, added: 0, removed: 0 };
  for (const c of cases) summary[c.verdict]++;
  return {
    kind: "ftrace-bench-compare",
    schema: 1,
    baseline: baseline.path,
    current: current.path,
    thresholds: { ...thresholds },
    cases,
    summary,
    regressed: summary.regressed > 0,
  };
}
