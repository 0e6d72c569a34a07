/**
 * The HTML report: one self-contained file (chart.js inlined, no network
 * access, a Content-Security-Policy that forbids any) with a section per
 * scenario and a history page over the stored runs.
 */
import type { HistoryEntry } from "../../store/history.ts";
import { sha256Hex } from "../../store/meta.ts";
import type { StoredResult } from "../../store/schema.ts";
import { TOOL } from "../../version.ts";
import { groupByScenario, historyCharts, scenarioCharts } from "./charts.ts";
import { chartJsSource } from "./chartjs.ts";
import { CLIENT_SCRIPT } from "./client.ts";
import { escapeHtml as e, scriptJson, scriptSource } from "./escape.ts";
import { renderHistorySection } from "./history_section.ts";
import { renderScenarioSection } from "./scenario_section.ts";
import { STYLE } from "./style.ts";

export interface ReportInput {
  results: readonly StoredResult[];
  history: readonly HistoryEntry[];
  /** The files the results came from, listed in the header. */
  sources: readonly string[];
  /** When the report was generated. */
  generated?: Date;
}

async function cspHash(code: string): Promise<string> {
  const hex = await sha256Hex(new TextEncoder().encode(code));
  const bytes = hex.match(/../g)!.map((h) => parseInt(h, 16));
  return `'sha256-${btoa(String.fromCharCode(...bytes))}'`;
}

/** Render the whole report as one HTML document. */
export async function renderReport(input: ReportInput): Promise<string> {
  const groups = groupByScenario(input.results);
  const sections: string[] = [];
  const charts = [];
  for (const [i, g] of groups.entries()) {
    const specs = scenarioCharts(`s${i}`, g);
    charts.push(...specs);
    sections.push(renderScenarioSection(`scenario-${i}`, g, specs));
  }
  const hist = historyCharts("history", input.history);
  charts.push(...hist);
  sections.push(renderHistorySection(input.history, hist));

  const library = scriptSource(await chartJsSource());
  const client = scriptSource(CLIENT_SCRIPT);
  // Only these two scripts may run: an injected <script> would be refused even if escaping failed.
  const csp =
    `default-src 'none'; script-src ${await cspHash(library)} ${await cspHash(client)}; ` +
    `style-src 'unsafe-inline'; img-src data:`;
  const nav = groups.map((g, i) => `<a href="#scenario-${i}">${e(g.name)}</a>`).join(" ");
  const generated = (input.generated ?? new Date()).toISOString();
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${e(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>ftrace-bench report</title>
<style>${STYLE}</style>
</head>
<body>
<header>
<h1>ftrace-bench report</h1>
<p class="muted">Exact emulated counts per traced call. Generated ${e(generated)} by ${
    e(`${TOOL.name} ${TOOL.version}`)
  } from ${e(input.sources.join(", ") || "no files")}.</p>
<nav>${nav} <a href="#history">history</a></nav>
</header>
<main>
${sections.join("\n")}
</main>
<script type="application/json" id="chart-data">${scriptJson(charts)}</script>
<script>${library}</script>
<script>${client}</script>
</body>
</html>
`;
}
