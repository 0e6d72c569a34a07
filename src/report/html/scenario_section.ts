/**
 * One scenario's section of the HTML report: the verdict (its variants
 * cheapest first, at any parameter set of the sweep), the charts, the table
 * of every run (constant parameters in its heading; sortable and filterable
 * in the page), the checks (a count, and every failure in full), where the
 * results came from, and the hot-path listings.
 */
import { paramsText } from "../../store/params.ts";
import { cpuLabel, kernelLabel, type StoredResult, type StoredRun } from "../../store/schema.ts";
import type { Params } from "../../runner/result.ts";
import {
  BASELINE_VARIANT,
  deltaText,
  fixedParams,
  groupFocus,
  parameterSets,
  type ResultGroup,
  type SummaryTable,
  summaryTable,
  timedResults,
} from "../summary.ts";
import { failureSummary } from "../table.ts";
import type { ChartSpec } from "./charts.ts";
import { escapeHtml as e } from "./escape.ts";
import type { Palette } from "./palette.ts";

/** The canvases of a section's charts. */
export function chartFigures(charts: readonly ChartSpec[]): string {
  if (charts.length === 0) return "";
  return `<div class="charts">${
    charts.map((c) =>
      `<figure class="chart" data-chart="${e(c.id)}"><div class="chart-box"><canvas id="${
        e(c.id)
      }" role="img" aria-label="${e(c.title)}"></canvas></div></figure>`
    ).join("\n")
  }</div>`;
}

/** The kernel whose code ran: the model, or a real kernel with its config and objects. */
function kernelText(r: StoredResult): string {
  const k = r.kernel;
  if (!k || k.name === "model") return "model (the harness's own code)";
  const config = Object.entries(k.config).filter(([, v]) => v !== "n").map(([o]) => o).join(" ");
  return `${kernelLabel(k)}, objects sha256 ${k.hash?.slice(0, 16) ?? "?"}; ${config}`;
}

function metaList(r: StoredResult): string {
  const m = r.meta;
  const items: [string, string][] = [
    ["kernel", kernelText(r)],
    [
      "CPU model",
      cpuLabel(r.cpu) + (r.cpu?.sha256 ? ` (CPU file sha256 ${r.cpu.sha256.slice(0, 16)})` : ""),
    ],
    ["harness", `${r.tool.name} ${r.tool.version} (results schema ${r.schema})`],
  ];
  if (m) {
    items.push(["date", m.date]);
    const p = m.project;
    items.push([
      "project commit",
      p.commit ? `${p.commit}${p.dirty ? " (uncommitted changes)" : ""}` : "not a git checkout",
    ]);
    if (m.scenarioFile) {
      const s = m.scenarioFile;
      items.push([
        "scenario file",
        `${s.path} @ ${s.commit ?? "uncommitted"}, sha256 ${s.sha256.slice(0, 16)}`,
      ]);
    }
  }
  if (r.defaults) items.push(["defaults", paramsText(r.defaults)]);
  if (r.sweep) {
    items.push([
      "sweep",
      `${r.sweep.parameterSets} parameter sets, variants ${r.sweep.variants.join(", ")}, ` +
      `listing ${r.sweep.listing}` +
      (Object.keys(r.sweep.overrides).length
        ? `, --param ${JSON.stringify(r.sweep.overrides)}`
        : ""),
    ]);
  }
  return `<dl class="meta">${
    items.map(([k, v]) => `<dt>${e(k)}</dt><dd>${e(v)}</dd>`).join("")
  }</dl>`;
}

/** A variant's name with its colour swatch. */
export function variantName(variant: string, palette: Palette): string {
  return `<span class="swatch" style="--c:${palette.variant(variant)}"></span>${e(variant)}`;
}

/** "1.33×" */
export const ratioHtml = (r: number | null) => (r === null ? "-" : `${r.toFixed(2)}×`);

/** The verdict table's rows (the page's script renders other parameter sets the same way). */
export function verdictRows(t: SummaryTable, palette: Palette): string {
  const max = Math.max(1, ...t.rows.map((r) => r.instructions ?? 0));
  return t.rows.map((r, i) => {
    const name = `<td>${variantName(r.variant, palette)}</td>`;
    if (r.instructions === null) {
      const cls = r.status === "failed" ? "failed" : "na";
      const what = r.status === "failed" ? "FAILED" : "n/a";
      return `<tr class="${cls}"><td class="num">-</td>${name}<td class="${cls}" colspan="${
        3 + t.cpus.length
      }"><strong>${what}</strong>: ${e(r.reason ?? "")}</td></tr>`;
    }
    const width = Math.round((r.instructions / max) * 100);
    return `<tr><td class="num">${i + 1}</td>${name}` +
      `<td class="num bar-cell"><span class="bar" style="width:${width}%;--c:${
        palette.variant(r.variant)
      }"></span><span class="v">${r.instructions}</span></td>` +
      `<td class="num">${deltaText(r.delta)}</td><td class="num">${ratioHtml(r.ratio)}</td>` +
      r.cycles.map((c) => `<td class="num">${c ?? "-"}</td>`).join("") + `</tr>`;
  }).join("\n");
}

/** The verdict's head: columns, one per CPU model. */
export function verdictHead(t: SummaryTable): string {
  return `<tr><th>#</th><th>variant</th><th>overhead insns</th><th title="instructions more than the cheapest">Δ</th><th title="instructions as a multiple of the cheapest">×</th>${
    t.cpus.map((c) => `<th title="overhead cycles, ${e(c)}">cycles<br>${e(c)}</th>`).join("")
  }</tr>`;
}

/** The verdict of every parameter set of a group, as data for the page's selector. */
export interface VerdictData {
  cpus: string[];
  reasons: string[];
  focus: number;
  sets: {
    label: string;
    baseline: number | null;
    rows: (string | number | null | (number | null)[])[][];
  }[];
}

/** Every parameter set's verdict of a group (rows: variant, insns, delta, ratio, cycles, status, reason). */
export function verdictData(g: ResultGroup): VerdictData {
  const focus = groupFocus(g);
  const sets = parameterSets(g.results[0]);
  const fixed = fixedParams(g.results[0].runs);
  const reasons: string[] = [];
  const reasonIx = (r: string | undefined) => {
    if (r === undefined) return -1;
    let i = reasons.indexOf(r);
    if (i < 0) i = reasons.push(r) - 1;
    return i;
  };
  return {
    cpus: timedResults(g).map((r) => cpuLabel(r.cpu)),
    reasons,
    focus: Math.max(0, sets.findIndex((s) => focus && paramsText(s) === paramsText(focus))),
    sets: sets.map((params) => {
      const t = summaryTable(g, params, false);
      return {
        label: paramsText(Object.fromEntries(
          Object.entries(params).filter(([k]) => !(k in fixed)),
        )) ||
          "(no parameters)",
        baseline: t.baseline,
        rows: t.rows.map((r) => [
          r.variant,
          r.instructions,
          r.delta,
          r.ratio === null ? null : Math.round(r.ratio * 100) / 100,
          r.cycles,
          r.status,
          reasonIx(r.reason),
        ]),
      };
    }),
  };
}

/** The verdict of a group at its focus set, with a selector of every other set. */
function verdict(index: number, g: ResultGroup, palette: Palette): string {
  const focus = groupFocus(g)!;
  const t = summaryTable(g, focus, true);
  const sets = parameterSets(g.results[0]);
  const fixed = fixedParams(g.results[0].runs);
  const label = (p: Params) =>
    paramsText(Object.fromEntries(Object.entries(p).filter(([k]) => !(k in fixed)))) ||
    "(no parameters)";
  const options = sets.map((p, i) =>
    `<option value="${i}"${paramsText(p) === paramsText(focus) ? " selected" : ""}>${
      e(label(p))
    }</option>`
  ).join("");
  const every = paramsText(fixed);
  return `<div class="verdict" data-verdict="${index}">
<p class="verdict-head">Overhead per traced call over nop${
    t.baseline !== null ? ` (<span class="baseline">${t.baseline}</span> instructions)` : ""
  }, cheapest first${every ? `; every run: ${e(every)}` : ""}. ${
    sets.length > 1
      ? `<label>Parameter set <select class="set-select" data-verdict="${index}">${options}</select></label>` +
        `<span class="print-only set-now">Parameter set ${e(label(focus))}</span>`
      : ""
  }</p>
<table class="verdict"><thead>${verdictHead(t)}</thead>
<tbody>${verdictRows(t, palette)}</tbody></table></div>`;
}

function statusCell(id: string, run: StoredRun, reasons: string[]): string {
  if (run.status === "ok") return `<td class=ok>ok`;
  const text = run.status === "n/a" ? run.reason ?? "" : failureSummary(run) || run.reason || "";
  let i = reasons.indexOf(text);
  if (i < 0) i = reasons.push(text) - 1;
  return run.status === "n/a"
    ? `<td class=na>n/a <a href="#${e(id)}-n${i + 1}">[${i + 1}]</a>`
    : `<td class=failed>FAILED <a href="#${e(id)}-n${i + 1}">[${i + 1}]</a>`;
}

/**
 * Every run of a group, one row each; cycles of every CPU model side by
 * side. Rows are terse (HTML's optional end tags, classes instead of inline
 * styles): a sweep has hundreds.
 */
function runsTable(id: string, g: ResultGroup, palette: Palette): string {
  const first = g.results[0];
  const fixed = fixedParams(first.runs);
  const varying = Object.keys(first.runs[0]?.params ?? {}).filter((k) => !(k in fixed));
  const timed = timedResults(g);
  const paths = first.runs.some((run) => run.path);
  // Short headings (the full name on hover): a sweep's table has many columns.
  const head: [string, string][] = [
    ["variant", "variant"],
    ...varying.map((k): [string, string] => [k, k]),
    ...(paths ? [["path", "how the patch site reached the tracer"] as [string, string]] : []),
    ["insns", "instructions"],
    ["loads", "loads"],
    ["stores", "stores"],
    ["br", "taken branches"],
    ["+insns", "overhead instructions over nop"],
    ...timed.map((r): [string, string] => [
      `+cyc ${r.cpu!.name}`,
      `overhead cycles over nop, ${cpuLabel(r.cpu)}`,
    ]),
    ["status", "ok, n/a (not applicable) or FAILED"],
  ];
  const reasons: string[] = [];
  const byKey = timed.map((r) =>
    new Map(r.runs.map((x) => [`${x.variant}|${paramsText(x.params)}`, x]))
  );
  const num = (v: number | undefined | null) => `<td>${v ?? "-"}`;
  const rows = first.runs.map((run) => {
    const key = `${run.variant}|${paramsText(run.params)}`;
    const m = run.metrics;
    return `<tr><td class=${palette.variantClass(run.variant)}>${e(run.variant)}` +
      varying.map((k) => `<td>${e(run.params[k])}`).join("") +
      (paths ? `<td class=path>${e(run.path ?? "")}` : "") +
      num(m?.instructions) + num(m?.loads) + num(m?.stores) + num(m?.branches) +
      num(run.status === "ok" ? run.overhead?.instructions : null) +
      byKey.map((map) => {
        const x = map.get(key);
        return num(x?.status === "ok" ? x.overhead?.cycles : null);
      }).join("") + statusCell(id, run, reasons);
  });
  const every = paramsText(fixed);
  return `<div class="table-tools"><input type="search" class="row-filter" data-table="${e(id)}" ` +
    `placeholder="filter: words all rows must contain, e.g. direct fexit" aria-label="filter the runs">` +
    `<span class="muted row-count" data-table="${e(id)}">${first.runs.length} runs</span></div>` +
    (every ? `<p class="muted">Every run: ${e(every)}.</p>` : "") +
    `<div class="scroll-box"><table class="runs sortable" id="${e(id)}" data-left="${
      1 + varying.length + (paths ? 1 : 0)
    }"><thead><tr>${
      head.map(([h, title]) =>
        `<th title="${e(title)}">${e(h).replaceAll("_", "_<wbr>").replaceAll("-", "-<wbr>")}</th>`
      ).join("")
    }</tr></thead>
<tbody>
${rows.join("\n")}
</tbody></table></div>` +
    (reasons.length
      ? `<ol class="notes">${
        reasons.map((r, i) => `<li id="${e(id)}-n${i + 1}">${e(r)}</li>`).join("")
      }</ol>`
      : "");
}

/** The checks: how many passed, and every failure in full. */
function checksPart(g: ResultGroup, palette: Palette): string {
  const runs = g.results[0].runs;
  const names: string[] = [];
  let total = 0;
  const failures: { run: StoredRun; name: string; detail: string }[] = [];
  for (const run of runs) {
    for (const c of run.checks) {
      if (!names.includes(c.name)) names.push(c.name);
      total++;
      if (!c.ok) failures.push({ run, name: c.name, detail: c.detail });
    }
  }
  const measured = runs.filter((r) => r.status !== "n/a").length;
  const head = failures.length
    ? `<p><strong class="failed">${failures.length} of ${total} checks failed</strong>; ${
      total - failures.length
    } passed`
    : `<p class="ok-line">All ${total} checks passed`;
  const summary = `${head} (${measured} runs checked; ${
    names.length ? e(names.join(", ")) : "no checks"
  }).</p>`;
  if (failures.length === 0) return summary;
  const rows = failures.map((f) => {
    const long = f.detail.includes("\n") || f.detail.length > 160;
    const detail = long
      ? `<details><summary>${e(f.detail.split("\n")[0].slice(0, 160))}</summary><pre>${
        e(f.detail)
      }</pre></details>`
      : e(f.detail);
    return `<tr><td>${variantName(f.run.variant, palette)}</td><td>${
      e(paramsText(f.run.params))
    }</td>` +
      `<td>${e(f.name)}</td><td class="failed">${detail}</td></tr>`;
  });
  return `${summary}
<table class="checks"><thead><tr><th>variant</th><th>params</th><th>check</th><th>failure</th></tr></thead>
<tbody>${rows.join("\n")}</tbody></table>`;
}

/** One kernel's part of a scenario section. */
export function renderGroup(
  index: number,
  g: ResultGroup,
  charts: readonly ChartSpec[],
  several: boolean,
  palette: Palette,
): string {
  const heading = several ? `<h3 class="kernel">kernel ${e(g.kernel)}</h3>` : "";
  const focus = groupFocus(g);
  const nop = g.results[0].runs.some((r) => r.variant === BASELINE_VARIANT);
  const provenance = g.results.map((r) =>
    `${g.results.length > 1 ? `<h4>${e(cpuLabel(r.cpu))}</h4>` : ""}${metaList(r)}`
  ).join("");
  return `${heading}
<h3>Verdict</h3>
${focus ? verdict(index, g, palette) : `<p class="note">No runs.</p>`}
${
    nop
      ? ""
      : `<p class="note">No nop run in these results: overheads are as measured by the runner.</p>`
  }
${chartFigures(charts)}
<h3>Every run</h3>
${runsTable(`runs-${index}`, g, palette)}
<h3>Checks</h3>
${checksPart(g, palette)}
<details class="provenance"><summary>Where these results come from</summary>${provenance}</details>`;
}

/** The section of one scenario: its kernels' parts, then the listings of all of them. */
export function renderScenarioSection(
  id: string,
  name: string,
  question: string,
  parts: readonly string[],
  listing: string,
): string {
  return `<section id="${e(id)}" class="scenario">
<h2>${e(name)}</h2>
<p class="question">${e(question)}</p>
${parts.join("\n")}
<h3>Hot path</h3>
${listing}
</section>`;
}
