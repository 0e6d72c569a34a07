/**
 * Chart specifications for the HTML report, derived from results as plain
 * data; the page's script turns each into a chart.js chart.
 *
 * Every chart has one quantity on its y axis: overhead instructions; loads,
 * stores and branches; or one CPU model's cycles (a chart per model, titled
 * with it). Numeric parameters get a numeric x axis, logarithmic when their
 * values span more than 10x; other parameters are categories, drawn as
 * bars. A variant keeps its colour, point style and dash everywhere, a phase
 * its colour, and a failed or not applicable variant is a labelled gap.
 */
import type { HistoryEntry } from "../../store/history.ts";
import { paramsText, sameParams } from "../../store/params.ts";
import { cpuLabel, type StoredResult, type StoredRun } from "../../store/schema.ts";
import type { Params, ParamValue } from "../../runner/result.ts";
import {
  BASELINE_VARIANT,
  groupFocus,
  type ResultGroup,
  summaryTable,
  timedResults,
  varyingParams,
} from "../summary.ts";
import type { Comparison } from "../compare.ts";
import { METRIC_COLOURS, type Palette } from "./palette.ts";

/** One series: a variant, a metric or a phase. */
export interface ChartDataset {
  label: string;
  color: string;
  /** One colour per bar (bars coloured by variant). */
  colors?: string[];
  /** Point style and dash (the variant's). */
  style?: number;
  data: (number | null)[];
  /** Indices of points to mark (a regression against the previous stored run). */
  marks?: number[];
}

/** A value that is missing for a reason: drawn as a labelled gap. */
export interface ChartGap {
  dataset: number;
  index: number;
  /** "n/a" or "FAILED". */
  text: string;
  /** The reason, shown on hover. */
  title: string;
}

/** One quantity of a chart: the default view, or one a button switches to. */
export interface ChartView {
  name: string;
  title: string;
  yTitle: string;
  /** "log" when the values are positive and span more than 10x (sweep charts). */
  yScale?: "linear" | "log";
  datasets: ChartDataset[];
  gaps: ChartGap[];
}

/** One chart: a canvas id, its axes and its views (the first drawn first). */
export interface ChartSpec {
  id: string;
  kind: "bar" | "line" | "stacked";
  /** The first view's title (also the canvas's label). */
  title: string;
  /** Category labels, or the tick labels of `xs`. */
  labels: string[];
  /** Numeric x positions of a line chart's points. */
  xs?: number[];
  /** Scale of a numeric x axis; "log" with a 0 among `xs` is log(1 + x). */
  xScale?: "linear" | "log";
  xTitle?: string;
  /** Whether the y axis starts at zero (bars); history charts fit the data. */
  yZero: boolean;
  /** The CPU model of a cycles chart. */
  cpu?: string;
  views: ChartView[];
}

/** Every result of one scenario (one per kernel and CPU model). */
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

/** Why a run has no figure: "n/a" or "FAILED", and the reason. */
function gapOf(run: StoredRun | undefined): { text: string; title: string } | undefined {
  if (!run || run.status === "ok") return undefined;
  return run.status === "n/a"
    ? { text: "n/a", title: `not applicable: ${run.reason ?? ""}` }
    : { text: "FAILED", title: `failed: ${run.reason ?? ""}` };
}

const runAt = (r: StoredResult, variant: string, params: Params) =>
  r.runs.find((run) => run.variant === variant && sameParams(run.params, params));

/** The overhead of `metric` of a run, or null. */
function overheadOf(run: StoredRun | undefined, metric: string): number | null {
  if (run?.status !== "ok") return null;
  const v = (run.overhead as Record<string, number | undefined> | null)?.[metric];
  return v === undefined ? null : v;
}

/** Bars of one metric per variant, each in its variant's colour; gaps labelled. */
function variantBars(
  id: string,
  title: string,
  yTitle: string,
  variants: string[],
  value: (v: string) => { value: number | null; run: StoredRun | undefined },
  palette: Palette,
  cpu?: string,
): ChartSpec {
  const data = variants.map((v) => value(v));
  const gaps: ChartGap[] = [];
  data.forEach((d, index) => {
    const gap = d.value === null ? gapOf(d.run) : undefined;
    if (gap) gaps.push({ dataset: 0, index, ...gap });
  });
  return {
    id,
    kind: "bar",
    title,
    labels: variants,
    yZero: true,
    ...(cpu ? { cpu } : {}),
    views: [{
      name: yTitle,
      title,
      yTitle,
      datasets: [{
        label: yTitle,
        color: palette.variant(variants[0] ?? ""),
        colors: variants.map((v) => palette.variant(v)),
        data: data.map((d) => d.value),
      }],
      gaps,
    }],
  };
}

/** The variants of a group's focus set, cheapest first (the verdict's order), nop left out. */
function rankedVariants(g: ResultGroup, focus: Params): string[] {
  return summaryTable(g, focus, true).rows.map((r) => r.variant);
}

/** Parameters that take more than one value among the runs. */
function sweptParams(r: StoredResult): string[] {
  const names = Object.keys(r.runs[0]?.params ?? {});
  return names.filter((n) => new Set(r.runs.map((run) => run.params[n])).size > 1);
}

/** Log scale when the positive values span more than 10x. */
function scaleOf(xs: number[]): "linear" | "log" {
  const positive = xs.filter((x) => x > 0);
  if (positive.length < 2 || xs.some((x) => x < 0)) return "linear";
  return Math.max(...positive) / Math.min(...positive) > 10 ? "log" : "linear";
}

/** A sweep chart of one parameter through the focus set: instructions, then cycles per model. */
function sweepChart(
  id: string,
  g: ResultGroup,
  focus: Params,
  name: string,
  variants: string[],
  palette: Palette,
): ChartSpec {
  const first = g.results[0];
  const onSlice = (run: StoredRun) =>
    Object.entries(focus).every(([k, v]) => k === name || run.params[k] === v);
  let values: ParamValue[] = [
    ...new Set(first.runs.filter(onSlice).map((run) => run.params[name])),
  ];
  const numeric = values.every((v) => typeof v === "number");
  if (numeric) values = (values as number[]).sort((a, b) => a - b);
  const others = paramsText(varyingParams(
    Object.fromEntries(Object.entries(focus).filter(([k]) => k !== name)),
    Object.fromEntries(
      Object.entries(focus).filter(([k]) => !sweptParams(first).includes(k)),
    ),
  ));
  const at = (r: StoredResult, v: string, x: ParamValue) =>
    r.runs.find((run) => run.variant === v && run.params[name] === x && onSlice(run));
  const view = (metric: string, r: StoredResult, label: string, yTitle: string): ChartView => {
    const gaps: ChartGap[] = [];
    const datasets = variants.map((v, di) => ({
      label: v,
      color: palette.variant(v),
      style: palette.variantStyle(v),
      data: values.map((x, index) => {
        const run = at(r, v, x);
        const value = overheadOf(run, metric);
        const gap = value === null ? gapOf(run) : undefined;
        if (gap) gaps.push({ dataset: di, index, ...gap });
        return value;
      }),
    }));
    const title = `${label} against ${name}${others ? ` (${others})` : ""}`;
    const ys = datasets.flatMap((d) => d.data).filter((y): y is number => y !== null);
    const yScale = numeric && ys.length && Math.min(...ys) > 0 ? scaleOf(ys) : "linear";
    return {
      name: yTitle,
      title,
      yTitle: yScale === "log" ? `${yTitle} (log scale)` : yTitle,
      ...(yScale === "log" ? { yScale } : {}),
      datasets,
      gaps,
    };
  };
  const views = [
    view("instructions", first, "Overhead instructions", "instructions"),
    ...timedResults(g).map((r) =>
      view("cycles", r, `Overhead cycles, ${cpuLabel(r.cpu)},`, `cycles (${cpuLabel(r.cpu)})`)
    ),
  ];
  const xs = numeric ? values as number[] : undefined;
  const scale = xs ? scaleOf(xs) : undefined;
  return {
    id,
    kind: numeric ? "line" : "bar",
    title: views[0].title,
    labels: values.map(String),
    ...(xs ? { xs, xScale: scale } : {}),
    xTitle: scale === "log" ? `${name} (log scale)` : name,
    yZero: true,
    views,
  };
}

/** Instructions (and cycles per model) by phase, stacked, per variant. */
function phaseStack(id: string, g: ResultGroup, focus: Params, palette: Palette): ChartSpec {
  const first = g.results[0];
  const variants = [
    ...(first.runs.some((r) => r.variant === BASELINE_VARIANT) ? [BASELINE_VARIANT] : []),
    ...rankedVariants(g, focus),
  ];
  const runs = variants.map((v) => runAt(first, v, focus));
  // Phases in execution order: take them from the run that passes through the most.
  const phases: string[] = [];
  const byCount = runs.filter((r) => r?.phases).sort((a, b) =>
    Object.keys(b!.phases!).length - Object.keys(a!.phases!).length
  );
  for (const run of byCount) {
    for (const p of Object.keys(run!.phases!)) if (!phases.includes(p)) phases.push(p);
  }
  const view = (r: StoredResult, metric: "instructions" | "cycles", yTitle: string): ChartView => {
    const gaps: ChartGap[] = [];
    variants.forEach((v, index) => {
      const gap = gapOf(runAt(r, v, focus));
      if (gap) gaps.push({ dataset: 0, index, ...gap });
    });
    const set = paramsText(varyingParams(
      focus,
      Object.fromEntries(
        Object.entries(focus).filter(([k]) => !sweptParams(first).includes(k)),
      ),
    ));
    return {
      name: yTitle,
      title: `${metric === "cycles" ? `Cycles, ${cpuLabel(r.cpu)},` : "Instructions"} by phase` +
        (set ? ` (${set})` : ""),
      yTitle,
      datasets: phases.map((p) => ({
        label: p,
        color: palette.phase(p),
        data: variants.map((v) => {
          const run = runAt(r, v, focus);
          return run?.status === "ok" ? run.phases?.[p]?.[metric] ?? null : null;
        }),
      })),
      gaps,
    };
  };
  const views = [
    view(first, "instructions", "instructions"),
    ...timedResults(g).map((r) => view(r, "cycles", `cycles (${cpuLabel(r.cpu)})`)),
  ];
  return {
    id,
    kind: "stacked",
    title: views[0].title,
    labels: variants,
    yZero: true,
    views,
  };
}

/** The charts of one scenario on one kernel; ids are prefixed with `prefix`. */
export function groupCharts(prefix: string, g: ResultGroup, palette: Palette): ChartSpec[] {
  const focus = groupFocus(g);
  if (!focus) return [];
  const first = g.results[0];
  const variants = rankedVariants(g, focus);
  const set = paramsText(varyingParams(
    focus,
    Object.fromEntries(
      Object.entries(focus).filter(([k]) => !sweptParams(first).includes(k)),
    ),
  ));
  const at = set ? ` (${set})` : "";
  const charts: ChartSpec[] = [
    variantBars(
      `${prefix}-insns`,
      `Overhead instructions per traced call${at}`,
      "instructions",
      variants,
      (v) => {
        const run = runAt(first, v, focus);
        return { value: overheadOf(run, "instructions"), run };
      },
      palette,
    ),
  ];
  for (const [i, r] of timedResults(g).entries()) {
    charts.push(variantBars(
      `${prefix}-cycles-${i}`,
      `Overhead cycles, ${cpuLabel(r.cpu)}${at}`,
      "cycles",
      variants,
      (v) => {
        const run = runAt(r, v, focus);
        return { value: overheadOf(run, "cycles"), run };
      },
      palette,
      cpuLabel(r.cpu),
    ));
  }
  // Loads, stores and branches: counts of one kind, on their own axis.
  const memory: ChartSpec = {
    id: `${prefix}-memory`,
    kind: "bar",
    title: `Overhead loads, stores and branches${at}`,
    labels: variants,
    yZero: true,
    views: [{
      name: "count",
      title: `Overhead loads, stores and branches${at}`,
      yTitle: "count",
      datasets: (["loads", "stores", "branches"] as const).map((k) => ({
        label: k,
        color: METRIC_COLOURS[k],
        data: variants.map((v) => overheadOf(runAt(first, v, focus), k)),
      })),
      gaps: variants.flatMap((v, index) => {
        const gap = gapOf(runAt(first, v, focus));
        return gap ? [{ dataset: 0, index, ...gap }] : [];
      }),
    }],
  };
  charts.push(memory);
  charts.push(
    ...sweptParams(first).map((name, i) =>
      sweepChart(`${prefix}-sweep-${i}`, g, focus, name, variants, palette)
    ),
  );
  charts.push(phaseStack(`${prefix}-phases`, g, focus, palette));
  return charts;
}

/** "2025-11-24 20:32 c069fb6" for a history entry. */
export function historyLabel(e: HistoryEntry): string {
  const commit = e.record.meta.project.commit?.slice(0, 7) ?? "no commit";
  return `${e.record.meta.date.slice(0, 16).replace("T", " ")} ${commit}`;
}

/**
 * Overhead of each variant at the scenario's focus set over the stored runs,
 * one chart per scenario (instructions, then cycles per model): the y axis
 * fits the data, and a point that regressed against the run before is marked.
 */
export function historyCharts(
  prefix: string,
  history: readonly HistoryEntry[],
  verdicts: readonly (Comparison | string | null)[],
  palette: Palette,
): ChartSpec[] {
  const scenarios = [...new Set(history.flatMap((e) => e.record.results.map((r) => r.scenario)))];
  return scenarios.map((name, i) => {
    const results = (cpu: string | null) =>
      history.map((e) =>
        e.record.results.find((r) =>
          r.scenario === name && (cpu === null ? true : cpuLabel(r.cpu) === cpu)
        )
      );
    const cpus = [
      ...new Set(
        history.flatMap((e) =>
          e.record.results.filter((r) =>
            r.scenario === name && r.runs.some((x) => x.metrics?.cycles !== undefined)
          ).map((r) => cpuLabel(r.cpu))
        ),
      ),
    ];
    const all = results(null);
    const variants = [...new Set(all.flatMap((r) => r ? r.runs.map((x) => x.variant) : []))]
      .filter((v) => v !== BASELINE_VARIANT);
    const view = (metric: "instructions" | "cycles", cpu: string | null): ChartView => {
      const rs = cpu === null ? all : results(cpu);
      const gaps: ChartGap[] = [];
      const datasets = variants.map((v, di) => {
        const marks: number[] = [];
        const data = rs.map((r, index) => {
          if (!r) return null;
          const focus = groupFocus({ scenario: name, question: "", kernel: "", results: [r] });
          const run = focus ? runAt(r, v, focus) : undefined;
          const value = overheadOf(run, metric);
          const gap = value === null ? gapOf(run) : undefined;
          if (gap) gaps.push({ dataset: di, index, ...gap });
          const verdict = verdicts[index];
          if (
            focus && typeof verdict === "object" && verdict !== null &&
            verdict.cases.some((c) =>
              c.verdict === "regressed" && c.scenario === name && c.variant === v &&
              sameParams(c.params, focus) && (c.cpu === undefined || c.cpu === cpuLabel(r.cpu))
            )
          ) marks.push(index);
          return value;
        });
        return {
          label: v,
          color: palette.variant(v),
          style: palette.variantStyle(v),
          data,
          ...(marks.length ? { marks } : {}),
        };
      });
      const what = metric === "instructions" ? "overhead instructions" : `overhead cycles, ${cpu}`;
      return {
        name: metric === "instructions" ? "instructions" : `cycles (${cpu})`,
        title: `${name}: ${what}, over the stored runs`,
        yTitle: metric === "instructions" ? "instructions" : `cycles (${cpu})`,
        datasets,
        gaps,
      };
    };
    const views = [view("instructions", null), ...cpus.map((c) => view("cycles", c))];
    return {
      id: `${prefix}-${i}`,
      kind: "line" as const,
      title: views[0].title,
      labels: history.map(historyLabel),
      yZero: false,
      views,
    };
  });
}
