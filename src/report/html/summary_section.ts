/**
 * The report's first section: every scenario's verdict on one screen, its
 * variants cheapest first at the scenario's default parameters, and the same
 * summary as text (80 columns) and markdown, with buttons that copy them.
 */
import { paramsText } from "../../store/params.ts";
import { type Summary, summaryMarkdown, summaryText, varyingParams } from "../summary.ts";
import { escapeHtml as e } from "./escape.ts";
import type { Palette } from "./palette.ts";

/** The overview; `anchors[i]` is the id of table i's scenario section. */
export function renderSummarySection(
  summary: Summary,
  anchors: readonly string[],
  palette: Palette,
): string {
  const cpus = [...new Set(summary.tables.flatMap((t) => t.cpus))];
  const rows = summary.tables.map((t, i) => {
    const chips = t.rows.map((r) => {
      const cycles = r.cycles.map((c, j) => `${t.cpus[j]}: ${c ?? "-"} cycles`).join("; ");
      if (r.instructions === null) {
        const what = r.status === "failed" ? "FAILED" : "n/a";
        return `<span class="chip ${r.status === "failed" ? "failed" : "na"}" data-variant="${
          e(r.variant)
        }" title="${e(`${what}: ${r.reason ?? ""}`)}"><span class="swatch" style="--c:${
          palette.variant(r.variant)
        }"></span>${e(r.variant)} <small>${what}</small></span>`;
      }
      const title = `${r.variant}: +${r.instructions} instructions` +
        (r.ratio !== null ? `, ${r.ratio.toFixed(2)}× the cheapest` : "") +
        (cycles ? `; ${cycles}` : "");
      return `<span class="chip" data-variant="${e(r.variant)}" title="${e(title)}">` +
        `<span class="swatch" style="--c:${palette.variant(r.variant)}"></span>${e(r.variant)} ` +
        `<b>${r.instructions}</b>${
          r.ratio !== null && r.delta ? ` <small>${r.ratio.toFixed(2)}×</small>` : ""
        }${
          r.cycles.some((c) => c !== null)
            ? ` <small class="cyc">${r.cycles.map((c) => c ?? "-").join("/")} cyc</small>`
            : ""
        }</span>`;
    }).join(" ");
    const set = paramsText(varyingParams(t.params, t.fixed));
    const kernel = t.kernel === "model" ? "" : ` <small>[${e(t.kernel)}]</small>`;
    return `<tr data-scenario="${e(t.scenario)}"><th scope="row"><a href="#${e(anchors[i])}">${
      e(t.scenario)
    }</a>${kernel}</th><td class="set">${e(set || "-")}</td><td class="ranking">${chips}</td></tr>`;
  });
  const cycleNote = cpus.length
    ? ` Cycles (per traced call, over nop) follow as ${cpus.map(e).join(" / ")}.`
    : "";
  return `<section id="summary">
<h2>Verdict</h2>
<p>Each scenario's variants at its default parameters, cheapest first: overhead instructions per
traced call over the nop run, and × the cheapest.${cycleNote} Each scenario's section has the full
table at every parameter set of its sweep.</p>
<table class="overview"><thead><tr><th>scenario</th><th>parameters</th><th>variants, cheapest first</th></tr></thead>
<tbody>${rows.join("\n")}</tbody></table>
<p class="copy-row"><button type="button" class="copy" data-copy="summary-text">Copy as text</button>
<button type="button" class="copy" data-copy="summary-md">Copy as markdown</button>
<span class="copy-status muted" role="status"></span></p>
<details class="as-text"><summary>The summary as text (80 columns, for a mailing list or a commit message)</summary>
<pre id="summary-text">${e(summaryText(summary))}</pre>
<pre id="summary-md" hidden>${e(summaryMarkdown(summary))}</pre></details>
</section>`;
}
