/**
 * The HTML report: one self-contained file (chart.js inlined, no network
 * access, a Content-Security-Policy that forbids any) that opens with the
 * verdict of every scenario, then a section per scenario and the history of
 * the stored runs. Tables, charts and listings are views of the same results;
 * the page's own script draws the charts and listings from one JSON block,
 * sorts and filters tables, and copies the text summary.
 */
import type { HistoryEntry } from "../../store/history.ts";
import { sha256Hex } from "../../hash.ts";
import type { StoredResult } from "../../store/schema.ts";
import { TOOL } from "../../version.ts";
import { resultGroups, summarize } from "../summary.ts";
import { groupByScenario, groupCharts, historyCharts } from "./charts.ts";
import { chartJsSource } from "./chartjs.ts";
import { clientScript } from "./client.ts";
import { escapeHtml as e, scriptJson, scriptSource } from "./escape.ts";
import { historyData, historyVerdicts, renderHistorySection } from "./history_section.ts";
import { listingData, renderListingExplorer } from "./listing_view.ts";
import { Palette } from "./palette.ts";
import { renderGroup, renderScenarioSection, verdictData } from "./scenario_section.ts";
import { renderSummarySection } from "./summary_section.ts";
import { style } from "./style.ts";

export interface ReportInput {
  results: readonly StoredResult[];
  history: readonly HistoryEntry[];
  /** The files the results came from, listed in the header. */
  sources: readonly string[];
  /** When the report was generated. */
  generated?: Date;
  /** Why the history is what it is ("leaving out 3 runs of other scenarios"), shown with it. */
  historyNote?: string;
}

async function cspHash(code: string): Promise<string> {
  const hex = await sha256Hex(code);
  const bytes = hex.match(/../g)!.map((h) => parseInt(h, 16));
  return `'sha256-${btoa(String.fromCharCode(...bytes))}'`;
}

/** Render the whole report as one HTML document. */
export async function renderReport(input: ReportInput): Promise<string> {
  const palette = new Palette(
    [
      ...input.results.flatMap((r) => r.runs.map((x) => x.variant)),
      ...input.history.flatMap((h) =>
        h.record.results.flatMap((r) => r.runs.map((x) => x.variant))
      ),
    ],
    input.results.flatMap((r) => r.runs.flatMap((x) => Object.keys(x.phases ?? {}))),
  );
  const scenarios = groupByScenario(input.results);
  const groups = resultGroups(input.results);
  const summary = summarize(input.results);
  const charts = [];
  const sections: string[] = [];
  const listings = [];
  const anchorOf = new Map<string, string>();
  for (const [si, s] of scenarios.entries()) {
    const id = `scenario-${si}`;
    anchorOf.set(s.name, id);
    const mine = groups.map((g, gi) => ({ g, gi })).filter(({ g }) => g.scenario === s.name);
    const parts = mine.map(({ g, gi }) => {
      const specs = groupCharts(`g${gi}`, g, palette);
      charts.push(...specs);
      return renderGroup(gi, g, specs, mine.length > 1, palette);
    });
    const data = listingData(s.results);
    listings.push(data);
    sections.push(
      renderScenarioSection(
        id,
        s.name,
        s.results[0].question,
        parts,
        renderListingExplorer(si, data),
      ),
    );
  }
  const verdicts = historyVerdicts(input.history);
  const hist = historyCharts("history", input.history, verdicts, palette);
  charts.push(...hist);
  const history = renderHistorySection(input.history, verdicts, hist, input.historyNote ?? "");
  const summarySection = renderSummarySection(
    summary,
    summary.tables.map((t) => anchorOf.get(t.scenario) ?? "summary"),
    palette,
  );
  const data = {
    charts,
    verdicts: groups.map(verdictData),
    listings,
    history: input.history.length ? historyData(input.history) : null,
    summary,
    variantColors: Object.fromEntries(
      [...new Set(input.results.flatMap((r) => r.runs.map((x) => x.variant)))].map((v) => [
        v,
        palette.variant(v),
      ]),
    ),
    phaseColors: Object.fromEntries(palette.phaseColours()),
  };

  const library = scriptSource(await chartJsSource());
  const client = scriptSource(await clientScript());
  // Only these two scripts may run: an injected <script> would be refused even if escaping failed.
  const csp =
    `default-src 'none'; script-src ${await cspHash(library)} ${await cspHash(client)}; ` +
    `style-src 'unsafe-inline'; img-src data:`;
  const nav = scenarios.map((g, i) => `<a href="#scenario-${i}">${e(g.name)}</a>`).join(" ");
  const generated = (input.generated ?? new Date()).toISOString();
  const sources = input.sources.length > 3
    ? `<details class="sources"><summary>${input.sources.length} results files</summary>${
      input.sources.map((s) => `<div class="mono">${e(s)}</div>`).join("")
    }</details>`
    : e(input.sources.join(", ") || "no files");
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${e(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>ftrace-bench report</title>
<style>${style(palette)}</style>
</head>
<body>
<header>
<h1>ftrace-bench report</h1>
<p class="muted">Exact emulated counts per traced call. Generated ${e(generated)} by ${
    e(`${TOOL.name} ${TOOL.version}`)
  } from ${sources}</p>
<nav><a href="#summary">verdict</a> ${nav} <a href="#history">history</a></nav>
</header>
<main>
${summarySection}
${sections.join("\n")}
${history}
</main>
<script type="application/json" id="report-data">${scriptJson(data)}</script>
<script>${library}</script>
<script>${client}</script>
</body>
</html>
`;
}
