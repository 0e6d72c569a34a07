/**
 * The delta table `deno task compare` prints: the wide table of every case
 * (the default), or the narrow layout for a mailing list or a commit message
 * (at most 100 columns): the changes grouped, then a block per scenario.
 * `changedOnly` leaves out the cases whose figures and status stayed the same.
 */
import type { CaseComparison, Comparison, MetricDelta } from "./compare.ts";
import { COMPARED_METRICS } from "./compare.ts";
import { alignTable } from "./align.ts";
import { groupChanges, groupDetail, groupLine } from "./grouping.ts";
import { fixedParams, varyingParams, wrap } from "./summary.ts";
import { paramsText } from "../store/params.ts";

const SHORT: Record<string, string> = { instructions: "insns" };

/** Options of {@link renderComparison}. */
export interface ComparisonTextOptions {
  /** "wide" (default): one aligned row per case; "narrow": at most 100 columns. */
  layout?: "wide" | "narrow";
  /** Leave out the cases that did not change at all. */
  changedOnly?: boolean;
}

/** The narrow layout's width. */
export const NARROW_WIDTH = 100;

function cell(d: MetricDelta | undefined): string {
  if (!d) return "-";
  if (d.delta === 0) return String(d.current);
  const sign = d.delta > 0 ? "+" : "";
  const pct = d.percent === null ? "" : `, ${sign}${d.percent.toFixed(2)}%`;
  return `${d.baseline} -> ${d.current} (${sign}${d.delta}${pct})${d.regressed ? " !" : ""}`;
}

function verdictText(c: CaseComparison): string {
  const text = c.verdict === "regressed" ? "REGRESSED" : c.verdict;
  return c.note ? `${text}: ${c.note}` : text;
}

/** Whether a case changed at all: a status or any figure. */
export function caseChanged(c: CaseComparison): boolean {
  return c.verdict !== "unchanged" || c.baselineStatus !== c.currentStatus ||
    c.deltas.some((d) => d.delta !== 0);
}

function summaryLine(cmp: Comparison, shown: number): string {
  const s = cmp.summary;
  const omitted = cmp.cases.length - shown;
  return `${cmp.cases.length} cases: ${s.regressed} regressed, ${s.improved} improved, ` +
    `${s.unchanged} unchanged, ${s.added} added, ${s.removed} removed` +
    (cmp.regressed ? " -- REGRESSION" : "") +
    (omitted ? `\n(${omitted} unchanged not shown: --changed-only)` : "");
}

function thresholdsLine(cmp: Comparison): string {
  const limits = Object.entries(cmp.thresholds)
    .map(([m, t]) => `${m} ${t === 0 ? "any increase" : `+${t}%`}`).join(", ");
  return `thresholds: ${limits}`;
}

/** Render a comparison as text: the wide table (default) or the narrow layout. */
export function renderComparison(cmp: Comparison, options: ComparisonTextOptions = {}): string {
  const cases = options.changedOnly ? cmp.cases.filter(caseChanged) : cmp.cases;
  if (options.layout === "narrow") return renderNarrow(cmp, cases);
  const metrics = COMPARED_METRICS.filter((m) =>
    cmp.cases.some((c) => c.deltas.some((d) => d.metric === m))
  );
  const cpu = cases.some((c) => c.cpu !== undefined);
  const header = [
    "scenario",
    ...(cpu ? ["cpu"] : []),
    "variant",
    "params",
    ...metrics.map((m) => SHORT[m] ?? m),
    "verdict",
  ];
  const rows = cases.map((c) => [
    c.scenario,
    ...(cpu ? [c.cpu ?? ""] : []),
    c.variant,
    Object.entries(c.params).map(([k, v]) => `${k}=${v}`).join(" "),
    ...metrics.map((m) => cell(c.deltas.find((d) => d.metric === m))),
    verdictText(c),
  ]);
  return [
    `baseline ${cmp.baseline}`,
    `current  ${cmp.current}`,
    thresholdsLine(cmp),
    ...(rows.length
      ? [alignTable(header, rows, new Set(metrics.map((m) => SHORT[m] ?? m)))]
      : ["no case changed"]),
    summaryLine(cmp, cases.length),
  ].join("\n");
}

/** A narrow cell: the current value, and its change. */
function narrowCell(d: MetricDelta | undefined): string {
  if (!d) return "-";
  if (d.delta === 0) return String(d.current);
  return `${d.current} (${d.delta > 0 ? "+" : ""}${d.delta})${d.regressed ? "!" : ""}`;
}

const NARROW_SHORT: Record<string, string> = {
  instructions: "insns",
  branches: "br",
};

/** Lines of at most `width` columns: `text`, wrapped with an indent. */
const fitLines = (text: string, width: number, indent: string) =>
  text.length <= width ? [text] : wrap(text, width, indent, "");

function renderNarrow(cmp: Comparison, cases: readonly CaseComparison[]): string {
  const W = NARROW_WIDTH;
  const out: string[] = [
    ...fitLines(`baseline ${cmp.baseline}`, W, "  "),
    ...fitLines(`current  ${cmp.current}`, W, "  "),
    ...fitLines(thresholdsLine(cmp), W, "  "),
  ];
  const groups = groupChanges(cases);
  const fixedBy = new Map<string, ReturnType<typeof fixedParams>>();
  const fixedOf = (scenario: string) => {
    if (!fixedBy.has(scenario)) {
      fixedBy.set(scenario, fixedParams(cmp.cases.filter((c) => c.scenario === scenario)));
    }
    return fixedBy.get(scenario)!;
  };
  if (groups.length) {
    out.push("", "changes, grouped:");
    for (const g of groups) {
      const mark = g.verdict === "regressed" ? "REGRESSED" : g.verdict;
      out.push(...wrap(`${mark}: ${groupLine(g)}`, W, "    ", ""));
      for (const d of groupDetail(g, fixedOf)) out.push(...wrap(d, W, "      ", "    "));
    }
  }
  const metrics = COMPARED_METRICS.filter((m) =>
    cases.some((c) => c.deltas.some((d) => d.metric === m))
  );
  const blocks = new Map<string, CaseComparison[]>();
  for (const c of cases) {
    const key = c.cpu ? `${c.scenario} [${c.cpu}]` : c.scenario;
    blocks.set(key, [...(blocks.get(key) ?? []), c]);
  }
  for (const [name, cs] of blocks) {
    const fixed = fixedParams(cs);
    const every = paramsText(fixed);
    out.push("", ...wrap(`${name}${every ? ` (every case: ${every})` : ""}`, W, "  ", ""));
    const header = ["variant", "params", ...metrics.map((m) => NARROW_SHORT[m] ?? m), "verdict"];
    const rows = cs.map((c) => [
      c.variant,
      paramsText(varyingParams(c.params, fixed)),
      ...metrics.map((m) => narrowCell(c.deltas.find((d) => d.metric === m))),
      c.verdict === "regressed" ? "REGRESSED" : c.verdict,
    ]);
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
    // Parameters too wide for the line go on a line of their own.
    const fixedWidth = widths.reduce((a, b) => a + b + 2, -2) - widths[1];
    const paramsOwnLine = fixedWidth + widths[1] > W;
    if (paramsOwnLine) widths[1] = 0;
    const right = (i: number) => i >= 2 && i < header.length - 1;
    const line = (cells: string[]) =>
      cells.map((
        c,
        i,
      ) => (i === 1 && paramsOwnLine ? "" : right(i) ? c.padStart(widths[i]) : c.padEnd(widths[i])))
        .filter((_, i) => !(i === 1 && paramsOwnLine)).join("  ").trimEnd();
    out.push(line(header));
    for (const [i, c] of cs.entries()) {
      out.push(line(rows[i]));
      if (paramsOwnLine && rows[i][1]) out.push(...wrap(rows[i][1], W, "    "));
      if (c.note) out.push(...wrap(c.note, W, "    "));
    }
  }
  out.push("");
  for (const l of summaryLine(cmp, cases.length).split("\n")) out.push(...wrap(l, W, "  ", ""));
  return out.join("\n");
}
