/**
 * The delta table `deno task compare` prints.
 */
import type { CaseComparison, Comparison, MetricDelta } from "./compare.ts";
import { COMPARED_METRICS } from "./compare.ts";
import { alignTable } from "./align.ts";

const SHORT: Record<string, string> = { instructions: "insns" };

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

/** Render a comparison as an aligned text table and a summary line. */
export function renderComparison(cmp: Comparison): string {
  const metrics = COMPARED_METRICS.filter((m) =>
    cmp.cases.some((c) => c.deltas.some((d) => d.metric === m))
  );
  const header = ["scenario", "variant", "params", ...metrics.map((m) => SHORT[m] ?? m), "verdict"];
  const rows = cmp.cases.map((c) => [
    c.scenario,
    c.variant,
    Object.entries(c.params).map(([k, v]) => `${k}=${v}`).join(" "),
    ...metrics.map((m) => cell(c.deltas.find((d) => d.metric === m))),
    verdictText(c),
  ]);
  const limits = Object.entries(cmp.thresholds)
    .map(([m, t]) => `${m} ${t === 0 ? "any increase" : `+${t}%`}`).join(", ");
  const s = cmp.summary;
  return [
    `baseline ${cmp.baseline}`,
    `current  ${cmp.current}`,
    `thresholds: ${limits}`,
    alignTable(header, rows, new Set(metrics.map((m) => SHORT[m] ?? m))),
    `${cmp.cases.length} cases: ${s.regressed} regressed, ${s.improved} improved, ` +
    `${s.unchanged} unchanged, ${s.added} added, ${s.removed} removed` +
    (cmp.regressed ? " -- REGRESSION" : ""),
  ].join("\n");
}
