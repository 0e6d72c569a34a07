/**
 * The history page: every stored main-job run, oldest first, each compared
 * with the run before it, regressions marked.
 */
import type { HistoryEntry } from "../../store/history.ts";
import { paramsText } from "../../store/params.ts";
import { cpuLabel } from "../../store/schema.ts";
import { CompareRefused, compareResults, type Comparison } from "../compare.ts";
import { type ChartSpec, historyLabel } from "./charts.ts";
import { escapeHtml as e } from "./escape.ts";
import { chartFigures } from "./scenario_section.ts";

/** Each entry's verdict against the previous entry: a comparison, or why there is none. */
export function historyVerdicts(history: readonly HistoryEntry[]): (Comparison | string | null)[] {
  return history.map((entry, i) => {
    if (i === 0) return null;
    try {
      return compareResults(
        { path: history[i - 1].path, results: history[i - 1].record.results },
        { path: entry.path, results: entry.record.results },
      );
    } catch (err) {
      if (err instanceof CompareRefused) return err.message;
      throw err;
    }
  });
}

function verdictCell(v: Comparison | string | null): string {
  if (v === null) return `<td>first stored run</td>`;
  if (typeof v === "string") return `<td class="na">not compared: ${e(v)}</td>`;
  if (!v.regressed) {
    return `<td class="ok">no regression (${v.summary.improved} improved, ${v.summary.unchanged} unchanged)</td>`;
  }
  const items = v.cases.filter((c) => c.verdict === "regressed").map((c) => {
    const what = c.note ??
      c.deltas.filter((d) => d.regressed).map((d) => `${d.metric} ${d.baseline} → ${d.current}`)
        .join(", ");
    return `<li>${e(`${c.scenario} ${c.variant} ${paramsText(c.params)}: ${what}`)}</li>`;
  });
  return `<td class="failed regressed"><strong>REGRESSED</strong> (${v.summary.regressed} case${
    v.summary.regressed === 1 ? "" : "s"
  })<ul>${items.join("")}</ul></td>`;
}

/** The history section; `charts` are its chart specs. */
export function renderHistorySection(
  history: readonly HistoryEntry[],
  charts: readonly ChartSpec[],
): string {
  if (history.length === 0) {
    return `<section id="history"><h2>History</h2>
<p class="note">No stored runs yet: <code>deno task bench</code> records each run under results/history/.</p></section>`;
  }
  const verdicts = historyVerdicts(history);
  const rows = history.map((entry, i) => {
    const r = entry.record;
    const p = r.meta.project;
    const cpus = [...new Set(r.results.map((x) => cpuLabel(x.cpu)))].join(", ");
    return `<tr><td>${e(historyLabel(entry))}</td><td class="mono">${e(p.commit ?? "no commit")}${
      p.dirty ? " (dirty)" : ""
    }</td>` +
      `<td>${e(`${r.tool.name} ${r.tool.version}`)}</td><td>${e(cpus)}</td>` +
      `<td>${e(r.results.map((x) => x.scenario).join(", "))}</td>${verdictCell(verdicts[i])}</tr>`;
  });
  return `<section id="history"><h2>History</h2>
<p>${history.length} stored runs, oldest first; each is compared with the run before it
(any increase in instructions, loads or stores, or cycles above +0.5%, is a regression).</p>
${chartFigures(charts)}
<table class="history"><thead><tr><th>run</th><th>project commit</th><th>harness</th><th>CPU model</th><th>scenarios</th><th>against the previous run</th></tr></thead>
<tbody>${rows.join("\n")}</tbody></table></section>`;
}
