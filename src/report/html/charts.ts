/**
 * Chart specifications for the HTML report, derived from results as plain
 * data; the page's script turns each into a chart.js chart.
 */
import { focusParams, paramsText, sameParams } from "../../store/params.ts";
import { cpuLabel, type StoredMetrics, type StoredResult } from "../../store/schema.ts";
import type { HistoryEntry } from "../../store/history.ts";

/** One chart: a canvas id, and data chart.js understands. */
export interface ChartSpec {
  id: string;
  type: "bar" | "line";
  title: string;
  labels: string[];
  datasets: { label: string; data: (number | null)[] }[];
  stacked?: boolean;
  xTitle?: string;
  yTitle?: string;
}

/** Every result of one scenario (one per CPU model or input file). */
export interface ScenarioGroup {
  name: string;
  results: StoredResult[];
}

/** Group results by scenario, in order of first appearance. */
export function groupByScenario(results: readonly StoredResult[]): ScenarioGroup[] {
  const groups: ScenarioGroup[] = [];
  for (const r of results) {
    const g = groups.find((g) => g.name === r.scenario);
    if (g) g.results.push(r);
    else groups.push({ name: r.scenario, results: [r] });
  }
  return groups;
}

const variantsOf = (r: StoredResult) => [...new Set(r.runs.map((run) => run.variant))];
const OVERHEAD_KEYS = ["instructions", "loads", "stores", "branches"] as const;

function focusRuns(r: StoredResult) {
  const focus = focusParams(r.runs, r.defaults);
  return { focus, runs: focus ? r.runs.filter((run) => sameParams(run.params, focus)) : [] };
}

function overheadBars(id: string, r: StoredResult): ChartSpec {
  const { focus, runs } = focusRuns(r);
  const variants = variantsOf(r).filter((v) => v !== "nop");
  const at = (v: string) => runs.find((run) => run.variant === v)?.overhead ?? null;
  return {
    id,
    type: "bar",
    title: `Overhead per traced call over nop (${paramsText(focus ?? {})})`,
    labels: variants,
    datasets: OVERHEAD_KEYS.map((k) => ({
      label: k,
      data: variants.map((v) => at(v)?.[k] ?? null),
    })),
    yTitle: "count",
  };
}

function cyclesBars(id: string, g: ScenarioGroup): ChartSpec | undefined {
  const withCycles = g.results.filter((r) =>
    r.runs.some((run) => run.overhead?.cycles !== undefined)
  );
  if (withCycles.length === 0) return undefined;
  const variants = variantsOf(withCycles[0]).filter((v) => v !== "nop");
  return {
    id,
    type: "bar",
    title: "Overhead cycles per CPU model",
    labels: variants,
    datasets: withCycles.map((r) => {
      const { runs } = focusRuns(r);
      return {
        label: cpuLabel(r.cpu),
        data: variants.map((v) => runs.find((run) => run.variant === v)?.overhead?.cycles ?? null),
      };
    }),
    yTitle: "cycles",
  };
}

/** Parameters that take more than one value among the runs. */
function sweptParams(r: StoredResult): string[] {
  const names = Object.keys(r.runs[0]?.params ?? {});
  return names.filter((n) => new Set(r.runs.map((run) => run.params[n])).size > 1);
}

function sweepLines(idPrefix: string, r: StoredResult, metric: keyof StoredMetrics): ChartSpec[] {
  const { focus } = focusRuns(r);
  if (!focus) return [];
  const variants = variantsOf(r).filter((v) => v !== "nop");
  return sweptParams(r).map((name, i) => {
    // The slice through the focus set: every other parameter at its focus value.
    const runs = r.runs.filter((run) =>
      Object.entries(focus).every(([k, v]) => k === name || run.params[k] === v)
    );
    let values = [...new Set(runs.map((run) => run.params[name]))];
    if (values.every((v) => typeof v === "number")) {
      values = (values as number[]).sort((a, b) => a - b);
    }
    const others = Object.entries(focus).filter(([k]) => k !== name);
    return {
      id: `${idPrefix}-${i}`,
      type: "line" as const,
      title: `Overhead ${metric} against ${name}` +
        (others.length ? ` (${others.map(([k, v]) => `${k}=${v}`).join(" ")})` : ""),
      labels: values.map(String),
      datasets: variants.map((v) => ({
        label: v,
        data: values.map((x) => {
          const run = runs.find((run) => run.variant === v && run.params[name] === x);
          return run?.overhead?.[metric] ?? null;
        }),
      })),
      xTitle: name,
      yTitle: String(metric),
    };
  });
}

function phaseStack(id: string, r: StoredResult): ChartSpec {
  const { focus, runs } = focusRuns(r);
  const variants = variantsOf(r);
  // Phases in execution order: take them from the run that passes through the most.
  const phases: string[] = [];
  const byCount = [...runs].sort((a, b) =>
    Object.keys(b.phases ?? {}).length - Object.keys(a.phases ?? {}).length
  );
  for (const run of byCount) {
    for (const p of Object.keys(run.phases ?? {})) if (!phases.includes(p)) phases.push(p);
  }
  return {
    id,
    type: "bar",
    title: `Instructions by phase (${paramsText(focus ?? {})})`,
    labels: variants,
    datasets: phases.map((p) => ({
      label: p,
      data: variants.map((v) =>
        runs.find((run) => run.variant === v)?.phases?.[p]?.instructions ?? null
      ),
    })),
    stacked: true,
    yTitle: "instructions",
  };
}

/** The charts of one scenario section; ids are prefixed with `prefix`. */
export function scenarioCharts(prefix: string, g: ScenarioGroup): ChartSpec[] {
  const first = g.results[0];
  const charts = [overheadBars(`${prefix}-overhead`, first)];
  const cycles = cyclesBars(`${prefix}-cycles`, g);
  if (cycles) charts.push(cycles);
  charts.push(...sweepLines(`${prefix}-sweep`, first, "instructions"));
  if (first.runs.some((run) => run.overhead?.cycles !== undefined)) {
    charts.push(...sweepLines(`${prefix}-sweep-cycles`, first, "cycles"));
  }
  charts.push(phaseStack(`${prefix}-phases`, first));
  return charts;
}

/** "2025-11-24 20:32:05 c069fb6" for a history entry. */
export function historyLabel(e: HistoryEntry): string {
  const commit = e.record.meta.project.commit?.slice(0, 7) ?? "no commit";
  return `${e.record.meta.date.slice(0, 19).replace("T", " ")} ${commit}`;
}

/** Overhead instructions of each variant over the stored runs, one chart per scenario. */
export function historyCharts(prefix: string, history: readonly HistoryEntry[]): ChartSpec[] {
  const scenarios = [...new Set(history.flatMap((e) => e.record.results.map((r) => r.scenario)))];
  return scenarios.map((name, i) => {
    const results = history.map((e) => e.record.results.find((r) => r.scenario === name));
    const variants = [
      ...new Set(results.flatMap((r) => (r ? variantsOf(r) : []))),
    ].filter((v) => v !== "nop");
    return {
      id: `${prefix}-${i}`,
      type: "line" as const,
      title: `${name}: overhead instructions over the stored runs`,
      labels: history.map(historyLabel),
      datasets: variants.map((v) => ({
        label: v,
        data: results.map((r) => {
          if (!r) return null;
          return focusRuns(r).runs.find((run) => run.variant === v)?.overhead?.instructions ?? null;
        }),
      })),
      yTitle: "instructions",
    };
  });
}
