/**
 * The history page: the stored main-job runs of the report's scenarios,
 * oldest first, each compared with the run before it. Regressions are
 * grouped by how they changed ("+1 insn, +1 store: args, call-ops, direct in
 * 6 scenarios (200 cases)"), the cases behind each folded; the charts fit
 * their y axis to the data and mark the points that regressed; and any two
 * stored runs can be compared in the page.
 */
import type { HistoryEntry } from "../../store/history.ts";
import { paramsText } from "../../store/params.ts";
import { cpuLabel, kernelLabel } from "../../store/schema.ts";
import { CompareRefused, compareResults, type Comparison } from "../compare.ts";
import { type DeltaGroup, groupChanges, groupDetail, groupLine } from "../grouping.ts";
import { fixedParams } from "../summary.ts";
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
        undefined,
        { allowMissing: true },
      );
    } catch (err) {
      if (err instanceof CompareRefused) return err.message;
      throw err;
    }
  });
}

/** A comparison's changes, grouped, each group's cases folded under it. */
export function groupsHtml(cmp: Comparison): string {
  const groups = groupChanges(cmp.cases);
  const fixed = new Map<string, ReturnType<typeof fixedParams>>();
  const fixedOf = (s: string) => {
    if (!fixed.has(s)) fixed.set(s, fixedParams(cmp.cases.filter((c) => c.scenario === s)));
    return fixed.get(s)!;
  };
  const item = (g: DeltaGroup) => {
    const cls = g.verdict === "regressed" ? "failed" : g.verdict === "improved" ? "ok" : "";
    const mark = g.verdict === "regressed" ? "REGRESSED" : g.verdict;
    return `<details class="group ${cls}"><summary><strong>${e(mark)}</strong>: ${
      e(groupLine(g))
    }</summary><ul>${
      groupDetail(g, fixedOf).map((d) => `<li>${e(d)}</li>`).join("")
    }</ul></details>`;
  };
  return groups.map(item).join("");
}

function verdictCell(v: Comparison | string | null): string {
  if (v === null) return `<td>first stored run</td>`;
  if (typeof v === "string") return `<td class="na">not compared: ${e(v)}</td>`;
  const s = v.summary;
  const counts = `${s.regressed} regressed, ${s.improved} improved, ${s.unchanged} unchanged` +
    (s.added || s.removed ? `, ${s.added} added, ${s.removed} removed` : "");
  const head = v.regressed
    ? `<strong class="failed">REGRESSED</strong> (${counts})`
    : `<span class="ok">no regression</span> (${counts})`;
  return `<td class="${v.regressed ? "regressed" : ""}">${head}${groupsHtml(v)}</td>`;
}

/** Stored values of every case, recorded only where they change (for comparing any two runs). */
export interface HistoryData {
  labels: string[];
  /** The cases of one scenario (and kernel and CPU model). */
  groups: {
    scenario: string;
    /** The CPU model, when a run holds the scenario's results of several; else "". */
    cpu: string;
    variants: string[];
    params: string[];
    /**
     * Per case: variant index, parameter set index, then its values from a
     * run on until the next change, each [run index, status (0 ok, 1 failed,
     * 2 n/a, -1 absent), instructions, loads, stores, branches, cycles or null].
     */
    cases: (number | (number | null)[])[][];
  }[];
}

const STATUS: Record<string, number> = { ok: 0, failed: 1, "n/a": 2 };

/** The history as change points: small however many runs are stored. */
export function historyData(history: readonly HistoryEntry[]): HistoryData {
  const groups: HistoryData["groups"] = [];
  const byGroup = new Map<string, number>();
  const byCase = new Map<string, { group: number; at: number; last: string }>();
  const several = (e: HistoryEntry, scenario: string) =>
    e.record.results.filter((r) => r.scenario === scenario).length > 1;
  const ix = (list: string[], v: string) => {
    const i = list.indexOf(v);
    return i < 0 ? list.push(v) - 1 : i;
  };
  history.forEach((entry, i) => {
    const seen = new Set<string>();
    for (const r of entry.record.results) {
      const cpu = several(entry, r.scenario) ? cpuLabel(r.cpu) : "";
      const kernel = kernelLabel(r.kernel);
      const scenario = kernel === "model" ? r.scenario : `${r.scenario} [${kernel}]`;
      const gkey = `${scenario}\u0000${cpu}`;
      let gi = byGroup.get(gkey);
      if (gi === undefined) {
        byGroup.set(gkey, gi = groups.length);
        groups.push({ scenario, cpu, variants: [], params: [], cases: [] });
      }
      const g = groups[gi];
      for (const run of r.runs) {
        const params = paramsText(run.params);
        const key = `${gkey}\u0000${run.variant}\u0000${params}`;
        let c = byCase.get(key);
        if (!c) {
          c = { group: gi, at: g.cases.length, last: "" };
          byCase.set(key, c);
          g.cases.push([ix(g.variants, run.variant), ix(g.params, params)]);
        }
        seen.add(key);
        const m = run.metrics;
        const values = [
          STATUS[run.status] ?? 1,
          m?.instructions ?? null,
          m?.loads ?? null,
          m?.stores ?? null,
          m?.branches ?? null,
          m?.cycles ?? null,
        ];
        const text = JSON.stringify(values);
        if (text !== c.last) {
          g.cases[c.at].push([i, ...values]);
          c.last = text;
        }
      }
    }
    for (const [key, c] of byCase) {
      if (!seen.has(key) && c.last !== "absent") {
        groups[c.group].cases[c.at].push([i, -1]);
        c.last = "absent";
      }
    }
  });
  return { labels: history.map(historyLabel), groups };
}

/** The history section; `charts` are its chart specs. */
export function renderHistorySection(
  history: readonly HistoryEntry[],
  verdicts: readonly (Comparison | string | null)[],
  charts: readonly ChartSpec[],
  note: string,
): string {
  if (history.length === 0) {
    return `<section id="history"><h2>History</h2>
<p class="note">${
      note ||
      "No stored runs yet: <code>deno task bench</code> records each run under results/history/."
    }</p></section>`;
  }
  const rows = history.map((entry, i) => {
    const r = entry.record;
    const p = r.meta.project;
    const cpus = [...new Set(r.results.map((x) => cpuLabel(x.cpu)))].join(", ");
    return `<tr><td>${e(historyLabel(entry))}</td><td class="mono">${
      e(p.commit?.slice(0, 12) ?? "no commit")
    }${p.dirty ? " (dirty)" : ""}</td><td>${e(cpus)}</td>${verdictCell(verdicts[i])}</tr>`;
  });
  const latest = verdicts[verdicts.length - 1];
  const headline = typeof latest === "object" && latest !== null
    ? `<p class="latest">Latest run against the one before: ${
      latest.regressed
        ? `<strong class="failed">REGRESSED</strong>, ${latest.summary.regressed} cases`
        : `<span class="ok">no regression</span>`
    }.</p>${groupsHtml(latest)}`
    : "";
  const options = history.map((h, i) => `<option value="${i}">${e(historyLabel(h))}</option>`)
    .join("");
  return `<section id="history"><h2>History</h2>
<p>${history.length} stored run${history.length === 1 ? "" : "s"}${
    note ? ` (${note})` : ""
  }, oldest first; each is compared with the run before it (any increase in instructions,
loads or stores, or cycles above +0.5%, is a regression; points that regressed are marked).</p>
${headline}
${chartFigures(charts)}
<div class="history-diff"><p>Compare two stored runs: <label>baseline <select class="hist-from">${
    options.replace(
      `value="${Math.max(0, history.length - 2)}"`,
      `value="${Math.max(0, history.length - 2)}" selected`,
    )
  }</select></label> <label>current <select class="hist-to">${
    options.replace(`value="${history.length - 1}"`, `value="${history.length - 1}" selected`)
  }</select></label></p><div class="hist-result"></div></div>
<div class="scroll-box"><table class="history"><thead><tr><th>run</th><th>project commit</th><th>CPU models</th><th>against the previous run</th></tr></thead>
<tbody>${rows.join("\n")}</tbody></table></div></section>`;
}
