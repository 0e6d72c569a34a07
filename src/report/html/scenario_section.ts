/**
 * One scenario's section of the HTML report: metadata, charts, the table of
 * every run (with "not applicable" reasons), check results and listings.
 */
import { paramsText } from "../../store/params.ts";
import { cpuLabel, kernelLabel, type StoredResult, type StoredRun } from "../../store/schema.ts";
import type { ChartSpec, ScenarioGroup } from "./charts.ts";
import { escapeHtml as e } from "./escape.ts";
import { renderListings } from "./listing_view.ts";

/** The canvases of a section's charts. */
export function chartFigures(charts: readonly ChartSpec[]): string {
  return `<div class="charts">${
    charts.map((c) =>
      `<figure class="chart"><canvas id="${e(c.id)}" role="img" aria-label="${
        e(c.title)
      }"></canvas></figure>`
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
    ["CPU model", cpuLabel(r.cpu)],
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
  return `<dl class="meta">${
    items.map(([k, v]) => `<dt>${e(k)}</dt><dd>${e(v)}</dd>`).join("")
  }</dl>`;
}

function statusCell(run: StoredRun, span: number): string {
  if (run.status === "n/a") {
    return `<td class="na" colspan="${span}">not applicable: ${e(run.reason ?? "")}</td>`;
  }
  return `<td class="failed" colspan="${span}">FAILED: ${e(run.reason ?? "")}</td>`;
}

function runsTable(r: StoredResult): string {
  const cycles = r.runs.some((run) => run.metrics?.cycles !== undefined);
  const cols = [
    "instructions",
    "loads",
    "stores",
    "branches",
    ...(cycles ? ["cycles"] : []),
  ] as const;
  // How the patch site reached the tracer, when the runner recorded it.
  const paths = r.runs.some((run) => run.path);
  const head = [
    "variant",
    "params",
    ...(paths ? ["path"] : []),
    ...cols,
    "overhead insns",
    ...(cycles ? ["overhead cycles"] : []),
    "status",
  ];
  const rows = r.runs.map((run) => {
    const lead = paths ? 3 : 2;
    const first = `<td>${e(run.variant)}</td><td>${e(paramsText(run.params))}</td>` +
      (paths ? `<td>${e(run.path ?? "")}</td>` : "");
    if (run.status !== "ok" || !run.metrics) {
      return `<tr>${first}${statusCell(run, head.length - lead)}</tr>`;
    }
    const m = run.metrics as unknown as Record<string, number | undefined>;
    const nums = cols.map((c) => `<td class="num">${e(m[c] ?? "-")}</td>`).join("");
    const over = run.overhead
      ? `<td class="num">+${e(run.overhead.instructions)}</td>` +
        (cycles ? `<td class="num">+${e(run.overhead.cycles ?? "-")}</td>` : "")
      : `<td>-</td>${cycles ? "<td>-</td>" : ""}`;
    return `<tr>${first}${nums}${over}<td class="ok">ok</td></tr>`;
  });
  return `<table class="runs"><thead><tr>${
    head.map((h) => `<th>${e(h)}</th>`).join("")
  }</tr></thead>
<tbody>${rows.join("\n")}</tbody></table>`;
}

function checksTable(r: StoredResult): string {
  const names: string[] = [];
  for (const run of r.runs) {
    for (const c of run.checks) if (!names.includes(c.name)) names.push(c.name);
  }
  const rows = r.runs.map((run) => {
    const first = `<td>${e(run.variant)}</td><td>${e(paramsText(run.params))}</td>`;
    if (run.status === "n/a") {
      return `<tr>${first}${statusCell(run, Math.max(1, names.length))}</tr>`;
    }
    const cells = names.map((n) => {
      const c = run.checks.find((c) => c.name === n);
      if (!c) return `<td>-</td>`;
      return c.ok
        ? `<td class="ok" title="${e(c.detail)}">ok</td>`
        : `<td class="failed">FAILED: ${e(c.detail)}</td>`;
    }).join("");
    return `<tr>${first}${cells}</tr>`;
  });
  const failed = r.runs.reduce((n, run) => n + run.checks.filter((c) => !c.ok).length, 0);
  const total = r.runs.reduce((n, run) => n + run.checks.length, 0);
  return `<p>${total - failed} of ${total} checks passed${
    failed ? `, <strong class="failed">${failed} failed</strong>` : ""
  }.</p>
<table class="checks"><thead><tr><th>variant</th><th>params</th>${
    names.map((n) => `<th>${e(n)}</th>`).join("")
  }</tr></thead>
<tbody>${rows.join("\n")}</tbody></table>`;
}

/** The section for one scenario; `charts` are its chart specs (canvases placed here). */
export function renderScenarioSection(
  id: string,
  g: ScenarioGroup,
  charts: readonly ChartSpec[],
): string {
  const parts = g.results.map((r) => {
    // Several results of one scenario differ by kernel, CPU model or both: say which.
    const kernels = new Set(g.results.map((x) => kernelLabel(x.kernel))).size > 1;
    const cpus = new Set(g.results.map((x) => cpuLabel(x.cpu))).size > 1 || !kernels;
    const title = [...(kernels ? [kernelLabel(r.kernel)] : []), ...(cpus ? [cpuLabel(r.cpu)] : [])]
      .join(", ");
    const heading = g.results.length > 1 ? `<h3>${e(title)}</h3>` : "";
    return `${heading}${metaList(r)}
<h3>Every run</h3>${runsTable(r)}
<h3>Checks</h3>${checksTable(r)}
<h3>Hot path</h3>${renderListings(r.runs)}`;
  });
  return `<section id="${e(id)}" class="scenario">
<h2>${e(g.name)}</h2>
<p class="question">${e(g.results[0].question)}</p>
${chartFigures(charts)}
${parts.join("\n")}
</section>`;
}
