/** The report's stylesheet (inlined). */
export const STYLE = `
body { font: 14px/1.45 system-ui, sans-serif; margin: 0 2rem 3rem; color: #1d1d1f; }
header { border-bottom: 1px solid #ccc; margin-bottom: 1rem; }
nav a { margin-right: 1rem; }
h2 { margin-top: 2.5rem; border-bottom: 1px solid #ddd; }
.question { font-style: italic; }
.muted, .note { color: #666; }
.charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(460px, 1fr)); gap: 1rem; }
figure.chart { position: relative; height: 320px; margin: 0; border: 1px solid #eee; padding: .5rem; }
table { border-collapse: collapse; margin: .5rem 0 1rem; }
th, td { border: 1px solid #ddd; padding: 2px 6px; text-align: left; vertical-align: top; }
th { background: #f4f4f6; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.mono { font-family: ui-monospace, "DejaVu Sans Mono", monospace; white-space: pre; }
.ok { color: #17692f; }
.failed { color: #a40e26; background: #fdecee; }
.na { color: #6b5900; background: #fff8db; }
dl.meta { display: grid; grid-template-columns: max-content 1fr; gap: 0 1rem; }
dl.meta dt { font-weight: 600; }
dl.meta dd { margin: 0; }
details.listing-block summary { cursor: pointer; font-weight: 600; margin: .5rem 0; }
table.listing td { padding: 0 6px; }
tr.ph0 { background: #f1f5ff; } tr.ph1 { background: #fff7e6; } tr.ph2 { background: #fff0ee; }
tr.ph3 { background: #eefaf6; } tr.ph4 { background: #eef8f0; } tr.ph5 { background: #fff0f6; }
tr.ph6 { background: #f6f0ff; } tr.ph7 { background: #f0f6ff; } tr.ph8 { background: #f8f2ee; }
tr.ph9 { background: #f4f4f4; }
`;
