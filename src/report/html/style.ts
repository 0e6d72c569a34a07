/**
 * The report's stylesheet (inlined): light and dark (`prefers-color-scheme`),
 * and a print layout where every table fits an A4 page.
 */
import type { Palette } from "./palette.ts";

const BASE = `
:root {
  --fg: #1d1d1f; --bg: #ffffff; --muted: #5f6368; --line: #d9d9de; --head: #f2f2f5;
  --ok: #17692f; --bad: #a40e26; --bad-bg: #fdecee; --na: #6b5900; --na-bg: #fff8db;
  --link: #1a55c4; --hl: #fff3b0; --add: #e6f6e9; --del: #fdecee; --chg: #fff6dd;
  --bar: #4269d0; color-scheme: light;
}
@media (prefers-color-scheme: dark) {
  :root {
    --fg: #e6e6ea; --bg: #17181b; --muted: #a0a4ab; --line: #3a3c42; --head: #24262b;
    --ok: #6fd28a; --bad: #ff8b8b; --bad-bg: #3d1f24; --na: #e8cf6a; --na-bg: #37301a;
    --link: #8ab4ff; --hl: #4a4220; --add: #1e3a26; --del: #44232a; --chg: #3b3620;
    color-scheme: dark;
  }
}
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, sans-serif; margin: 0 auto; padding: 0 1.5rem 3rem;
  max-width: 1500px; color: var(--fg); background: var(--bg); overflow-wrap: anywhere; }
a { color: var(--link); }
header { border-bottom: 1px solid var(--line); margin-bottom: 1rem; }
nav { display: flex; flex-wrap: wrap; gap: .25rem 1rem; padding-bottom: .5rem; }
h2 { margin-top: 2.5rem; border-bottom: 1px solid var(--line); }
h3 { margin: 1.5rem 0 .5rem; }
.question { font-style: italic; }
.muted, .note { color: var(--muted); }
.charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(440px, 1fr)); gap: 1rem; }
figure.chart { margin: 0; border: 1px solid var(--line); padding: .4rem; min-width: 0; }
.chart-box { position: relative; height: 280px; }
.chart-views { display: flex; flex-wrap: wrap; gap: .3rem; margin-top: .3rem; }
.chart-views button { font: inherit; font-size: 12px; padding: 1px 8px; border-radius: 10px;
  border: 1px solid var(--line); background: var(--head); color: var(--fg); cursor: pointer; }
.chart-views button[aria-pressed="true"] { border-color: var(--link); color: var(--link); }
table { border-collapse: collapse; margin: .5rem 0 1rem; }
th, td { border: 1px solid var(--line); padding: 2px 6px; text-align: left; vertical-align: top; }
th { background: var(--head); overflow-wrap: normal; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.mono, pre, code { font-family: ui-monospace, "DejaVu Sans Mono", monospace; }
.mono { white-space: pre; }
pre { white-space: pre-wrap; overflow-wrap: anywhere; }
.ok { color: var(--ok); }
.failed { color: var(--bad); background: var(--bad-bg); }
strong.failed { background: none; }
.na { color: var(--na); background: var(--na-bg); }
.swatch { display: inline-block; width: .7em; height: .7em; border-radius: 2px;
  background: var(--c); margin-right: .35em; vertical-align: baseline; }
dl.meta { display: grid; grid-template-columns: max-content 1fr; gap: 0 1rem; }
dl.meta dt { font-weight: 600; }
dl.meta dd { margin: 0; }
details > summary { cursor: pointer; }
details.provenance { margin: .5rem 0 1rem; }
table.overview { width: 100%; }
table.overview th[scope=row] { white-space: nowrap; }
table.overview td.set { font-size: 12px; color: var(--muted); }
.chip { display: inline-block; border: 1px solid var(--line); border-radius: 4px;
  padding: 0 .4em; margin: 1px 2px; white-space: nowrap; }
.chip small { color: var(--muted); }
.chip.failed, .chip.na { border-style: dashed; }
.copy-row { display: flex; gap: .5rem; align-items: center; }
button.copy { font: inherit; padding: 2px 10px; cursor: pointer; }
table.verdict td.bar-cell { position: relative; min-width: 9rem; }
table.verdict .bar { position: absolute; left: 0; top: 3px; bottom: 3px; opacity: .28;
  background: var(--c); }
table.verdict .v { position: relative; }
.scroll-box { max-height: 28rem; overflow: auto; border: 1px solid var(--line); margin: .5rem 0; }
.scroll-box table { margin: 0; border-style: hidden; }
.scroll-box thead th { position: sticky; top: 0; z-index: 1; box-shadow: 0 1px 0 var(--line); }
table.sortable th { cursor: pointer; user-select: none; }
table.runs td { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
table.runs td:first-child, table.runs td:last-child, table.runs td.path { text-align: left; }
table.sortable th[aria-sort=ascending]::after { content: " ▲"; }
table.sortable th[aria-sort=descending]::after { content: " ▼"; }
.table-tools { display: flex; gap: 1rem; align-items: center; flex-wrap: wrap; }
.table-tools input { font: inherit; min-width: 18rem; padding: 2px 6px; }
td.path, table.runs td.path { font-size: 12px; white-space: normal; min-width: 7rem; }
ol.notes { font-size: 12px; color: var(--muted); margin: .25rem 0 1rem; }
.listing-controls { display: flex; flex-wrap: wrap; gap: .5rem 1rem; align-items: center; }
.listing-controls select { font: inherit; max-width: 100%; }
.listing-box { max-height: 34rem; overflow: auto; border: 1px solid var(--line); margin: .5rem 0; }
table.listing, table.listing-diff { margin: 0; font-size: 12px; border-style: hidden; width: 100%; }
table.listing-diff td { white-space: normal; }
table.listing-diff td.mono { white-space: normal; overflow-wrap: break-word; }
table.listing td, table.listing-diff td { padding: 0 5px; border-width: 0 0 1px 0;
  white-space: nowrap; }
table.listing thead th, table.listing-diff thead th { position: sticky; top: 0; z-index: 1; }
table.listing td.ph, table.listing-diff td.ph { border-left: 4px solid var(--c); }
tr.phase-head td { background: var(--head); font-weight: 600; padding-top: 3px; }
td.heat { width: 4.5rem; min-width: 3rem; }
td.heat span { display: block; height: .8em; background: var(--bar); opacity: .7; }
tr.target td, tr:target td { background: var(--hl); }
a.ln { color: var(--muted); text-decoration: none; }
a.ln:hover { text-decoration: underline; }
table.listing td.causes { font-size: 11px; color: var(--muted); white-space: normal; min-width: 6rem; }
table.listing td.sym, table.listing td.dis { white-space: normal; overflow-wrap: break-word; }
table.phase-totals { font-size: 12.5px; }
tr.d-del td.l, tr.d-chg td.l { background: var(--del); }
tr.d-add td.r, tr.d-chg td.r { background: var(--add); }
tr.d-cnt td.cnt { background: var(--chg); }
td.gap { border-left: 2px solid var(--line); }
details.group { margin: .15rem 0; }
details.group ul { margin: .2rem 0 .4rem; font-size: 12.5px; }
.history-diff { border: 1px solid var(--line); padding: .25rem .75rem; margin: 1rem 0; }
.history-diff select { font: inherit; }
.print-only { display: none; }
`;

const PRINT = `
@media print {
  @page { size: A4; margin: 12mm; }
  body { font-size: 9pt; padding: 0; max-width: none; color: #000; background: #fff; }
  a { color: #000; text-decoration: none; }
  nav, .table-tools, .copy-row, .chart-views, .listing-controls select, .history-diff,
    button, input { display: none !important; }
  .print-only { display: inline; }
  label:has(select.set-select) { display: none; }
  .charts { grid-template-columns: 1fr 1fr; }
  .chart-box { height: 200px; }
  figure.chart, tr, .verdict { break-inside: avoid; }
  h2 { break-before: page; }
  #summary h2 { break-before: auto; }
  .scroll-box, .listing-box { max-height: none; overflow: visible; border: none; }
  .scroll-box thead th, table.listing thead th { position: static; }
  table { width: 100%; table-layout: auto; font-size: 8pt; }
  th, td { padding: 1px 3px; }
  td, th, table.runs td, table.listing td { white-space: normal !important; }
  .mono { white-space: pre-wrap; }
  table.listing td, table.listing-diff td { font-size: 7pt; }
  table.listing td.mono, table.listing-diff td.mono { word-break: break-all; }
  td.heat { width: 3rem; min-width: 0; }
  details:not([open]) > :not(summary) { display: none; }
}
`;

/** The stylesheet, with a swatch class per variant (table cells: `<td class=v3>args`). */
export function style(palette: Palette): string {
  const classes = palette.variantClasses();
  const swatches = classes.length
    ? `${classes.map(([c]) => `td.${c}::before`).join(",")} { content: ""; display: inline-block;
  width: .7em; height: .7em; border-radius: 2px; margin-right: .35em; background: var(--c); }
${classes.map(([c, colour]) => `td.${c}{--c:${colour}}`).join("\n")}
`
    : "";
  return BASE + swatches + PRINT;
}
