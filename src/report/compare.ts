/**
 * Regression verdicts between a baseline and a current set of results. The
 * figures are exact, so the default thresholds are strict: any increase in
 * instructions, loads or stores regresses, cycles (a model's estimate) may
 * grow 0.5%. Results of different schemas, kernels, timing models or CPU
 * files are refused, with the reason, instead of being compared. Cases on one
 * side only make the comparison incomplete, which fails it unless allowed.
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
  /** The CPU model, when a side holds the scenario's results of several (`--cpu all`). */
  cpu?: string;
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
  /** True when any case regressed. */
  regressed: boolean;
  /** True when a case is on one side only (added or removed). */
  incomplete: boolean;
  /** Whether cases on one side only were allowed (`--allow-missing`). */
  allowMissing: boolean;
  /** The verdict, `deno task compare`'s exit status: false on a regression or, unless allowed, missing cases. */
  ok: boolean;
  /** What could not be checked, e.g. a CPU file hash a file from an older harness lacks. */
  notes: string[];
}

/** Options of {@link compareResults}. */
export interface CompareOptions {
  /** Cases on one side only do not fail the comparison (default false). */
  allowMissing?: boolean;
}

function refuseIncompatible(
  base: StoredResult,
  cur: StoredResult,
  paths: [string, string],
  notes: string[],
): void {
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
  if (base.cpu && cur.cpu) {
    const [b, c] = [base.cpu.sha256, cur.cpu.sha256];
    if (b !== undefined && c !== undefined && b !== c) {
      throw new CompareRefused(
        `${base.scenario}: ${bp} and ${cp} were both measured with ${cpuLabel(base.cpu)}, but ` +
          `from different CPU files (sha256 ${b.slice(0, 16)}... and ${c.slice(0, 16)}...); a ` +
          `CPU file edited without a new version is not the same model: give it a new version`,
      );
    }
    const unknown = [...(b === undefined ? [bp] : []), ...(c === undefined ? [cp] : [])];
    if (unknown.length) {
      notes.push(
        `${base.scenario}: the CPU file of ${unknown.join(" and ")} is unknown (written before ` +
          `CPU file hashes were recorded): the ${cpuLabel(base.cpu)} files may differ`,
      );
    }
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

/** What pairs two results: scenario, kernel and CPU model (a history of `--cpu all` has each). */
const resultKey = (r: StoredResult) =>
  `${r.scenario}\u0000${kernelLabel(r.kernel)}\u0000${cpuLabel(r.cpu)}`;

/** The cases of one pair of results (either may be missing: every case added or removed). */
function compareRuns(
  scenario: string,
  cpu: string | undefined,
  baseRuns: readonly StoredRun[],
  curRuns: readonly StoredRun[],
  thresholds: Thresholds,
): CaseComparison[] {
  const cases: CaseComparison[] = [];
  const baseByKey = new Map(baseRuns.map((r) => [runKey(r), r]));
  const seen = new Set<string>();
  const where = { scenario, ...(cpu !== undefined ? { cpu } : {}) };
  for (const cur of curRuns) {
    const key = runKey(cur);
    seen.add(key);
    const base = baseByKey.get(key);
    const common = { ...where, variant: cur.variant, params: cur.params };
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
      ...where,
      variant: base.variant,
      params: base.params,
      baselineStatus: base.status,
      currentStatus: null,
      verdict: "removed",
      deltas: [],
    });
  }
  return cases;
}

/** Compare every case present on either side; throws CompareRefused when not comparable. */
export function compareResults(
  baseline: CompareSide,
  current: CompareSide,
  thresholds: Thresholds = DEFAULT_THRESHOLDS,
  options: CompareOptions = {},
): Comparison {
  const cases: CaseComparison[] = [];
  const notes: string[] = [];
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
  // Results pair by scenario, kernel and CPU model; a scenario with no such partner is refused.
  for (const cur of current.results) {
    const base = baseline.results.find((b) => resultKey(b) === resultKey(cur)) ??
      baseline.results.find((b) => b.scenario === cur.scenario);
    if (base) refuseIncompatible(base, cur, [baseline.path, current.path], notes);
  }
  const keys = [...new Set([...baseline.results, ...current.results].map(resultKey))];
  // Several CPU models of one scenario: each case says which.
  const models = (s: CompareSide, scenario: string) =>
    s.results.filter((r) => r.scenario === scenario).length;
  for (const key of keys) {
    const base = baseline.results.find((r) => resultKey(r) === key);
    const cur = current.results.find((r) => resultKey(r) === key);
    const one = (base ?? cur)!;
    const several = models(baseline, one.scenario) > 1 || models(current, one.scenario) > 1;
    cases.push(
      ...compareRuns(
        one.scenario,
        several ? cpuLabel(one.cpu) : undefined,
        base?.runs ?? [],
        cur?.runs ?? [],
        thresholds,
      ),
    );
  }
  const summary = { regressed: 0, improved: 0, unchanged: 0, added: 0, removed: 0 };
  for (const c of cases) summary[c.verdict]++;
  // A failing case only on the current side counts as regressed, and is missing from the baseline.
  const oneSided = cases.filter((c) => c.baselineStatus === null || c.currentStatus === null);
  const regressed = summary.regressed > 0;
  const incomplete = oneSided.length > 0;
  const allowMissing = options.allowMissing ?? false;
  return {
    kind: "ftrace-bench-compare",
    schema: 1,
    baseline: baseline.path,
    current: current.path,
    thresholds: { ...thresholds },
    cases,
    summary,
    regressed,
    incomplete,
    allowMissing,
    ok: !regressed && (!incomplete || allowMissing),
    notes,
  };
}
