import assert from "node:assert/strict";
import { renderReport } from "../../src/report/html/page.ts";
import { groupCharts, historyCharts } from "../../src/report/html/charts.ts";
import { escapeHtml, scriptJson, scriptSource } from "../../src/report/html/escape.ts";
import { historyData, historyVerdicts } from "../../src/report/html/history_section.ts";
import { listingData } from "../../src/report/html/listing_view.ts";
import { Palette } from "../../src/report/html/palette.ts";
import { resultGroups } from "../../src/report/summary.ts";
import { expandResultsFile, relatedHistory } from "../../src/cli/report.ts";
import { historyRecord } from "../../src/store/history.ts";
import { sha256Hex } from "../../src/hash.ts";
import type { StoredResult } from "../../src/store/schema.ts";
import { clone, okRun, sampleResult } from "./fixtures/results.ts";

const EVIL = `<script>alert("x")</script>`;

/** A result where every string a scenario controls is hostile. */
function evilResult(): StoredResult {
  const r = clone(sampleResult({ scenario: EVIL, question: `<img src=x onerror=alert(1)> & "q"` }));
  r.runs.push({
    variant: "<b>direct</b>",
    params: { args: 1 },
    status: "n/a",
    ok: true,
    reason: "</td></tr><script>alert(2)</script>",
    checks: [],
    metrics: null,
    overhead: null,
    phases: null,
  });
  r.runs[3].checks.push({ name: "<i>check</i>", ok: false, detail: "<script>alert(3)</script>" });
  r.runs[3].listing = [{
    address: "0x10",
    symbol: "<sym>",
    word: "d503201f",
    disasm: "</script><script>alert(4)</script>",
    count: 2,
    phase: "<phase>",
  }];
  r.defaults = { args: 1 };
  return r;
}

/** The page's data block. */
function pageData(html: string) {
  const m = /<script type="application\/json" id="report-data">(.*?)<\/script>/s.exec(html)!;
  return JSON.parse(m[1]);
}

const group = (...results: StoredResult[]) => resultGroups(results)[0];

Deno.test("escape helpers", () => {
  assert.equal(
    escapeHtml(`<a href="x">'&'</a>`),
    "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;",
  );
  assert.equal(scriptJson({ s: "</script><!--" }), '{"s":"\\u003c/script\\u003e\\u003c!--"}');
  assert.deepEqual(JSON.parse(scriptJson({ s: "</script>&\u2028" })), { s: "</script>&\u2028" });
  assert.equal(scriptSource('x = "</script>"; // <!--'), 'x = "<\\/script>"; // <\\!--');
});

Deno.test("report: every scenario string renders as text, never as markup", async () => {
  const html = await renderReport({
    results: [evilResult()],
    history: [],
    sources: [`${EVIL}.json`],
  });
  for (const n of [1, 2, 3, 4]) assert.doesNotMatch(html, new RegExp(`<script>alert\\(${n}\\)`));
  assert.doesNotMatch(html, /<script>alert\("x"\)/);
  assert.doesNotMatch(html, /<img src=x/);
  assert.doesNotMatch(html, /<b>direct<\/b>|<i>check<\/i>|<sym>|<phase>/);
  assert.match(html, /<h2>&lt;script&gt;alert\(&quot;x&quot;\)&lt;\/script&gt;<\/h2>/);
  assert.match(html, /&lt;\/td&gt;&lt;\/tr&gt;&lt;script&gt;alert\(2\)/);
  const withPath = evilResult();
  withPath.runs[1].path = "bl <ftrace_caller>";
  const pathHtml = await renderReport({ results: [withPath], history: [], sources: [] });
  assert.match(pathHtml, /<th title="how the patch site reached the tracer">path<\/th>/);
  assert.match(pathHtml, /<td class=path>bl &lt;ftrace_caller&gt;/);
  // Exactly three script elements: the page's data (JSON), chart.js, the page's own script.
  assert.equal(html.match(/<script[\s>]/g)?.length, 3);
});

Deno.test("report: self-contained, and the CSP allows exactly its own two scripts", async () => {
  const html = await renderReport({ results: [sampleResult()], history: [], sources: ["a.json"] });
  assert.doesNotMatch(html, /<(script|link|img)[^>]+(src|href)=/i, "nothing loaded from elsewhere");
  assert.match(html, /Chart\.js v4/);
  const csp = /http-equiv="Content-Security-Policy" content="([^"]+)"/.exec(html)![1];
  assert.match(csp, /default-src &#39;none&#39;/);
  const scripts = [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1]);
  assert.equal(scripts.length, 2);
  for (const code of scripts) {
    const hex = await sha256Hex(code);
    const b64 = btoa(String.fromCharCode(...hex.match(/../g)!.map((h) => parseInt(h, 16))));
    assert.ok(csp.includes(`sha256-${b64}`), "script hash in the CSP");
  }
});

Deno.test("report: the verdict comes first, sorted by cost, with the text to copy", async () => {
  const r = clone(sampleResult());
  r.runs.push(okRun("regs", { args: 0 }, 60), okRun("regs", { args: 1 }, 35));
  r.runs.push({ ...okRun("regs", { args: 2 }, 62) });
  const html = await renderReport({ results: [r], history: [], sources: [] });
  const main = html.slice(html.indexOf("<main>"));
  assert.ok(main.indexOf('<section id="summary">') < main.indexOf('<section id="scenario-0"'));
  const overview = /<table class="overview">.*?<\/table>/s.exec(html)![0];
  // args=1 (the default): regs +25, args +31.
  assert.deepEqual([...overview.matchAll(/data-variant="([^"]+)"/g)].map((m) => m[1]), [
    "regs",
    "args",
  ]);
  assert.match(html, /<pre id="summary-text">sample \(args=1\)/);
  assert.match(html, /<button type="button" class="copy" data-copy="summary-text">/);
  const data = pageData(html);
  assert.deepEqual(data.summary.tables[0].rows.map((x: { variant: string }) => x.variant), [
    "regs",
    "args",
  ]);
  // The scenario's own verdict: every parameter set, for the page's selector.
  assert.equal(data.verdicts[0].sets.length, 3);
  assert.match(html, /<select class="set-select" data-verdict="0">/);
});

Deno.test("charts: one quantity per axis, a chart per CPU model, fixed colours, labelled gaps", () => {
  const model = (name: string, cycles: number) => {
    const r = clone(sampleResult({ cpu: { name, version: "1" } }));
    r.runs.push({
      variant: "direct",
      params: { args: 1 },
      status: "n/a",
      ok: true,
      reason: "cannot express it",
      checks: [],
      metrics: null,
      overhead: null,
      phases: null,
    });
    for (const run of r.runs.filter((x) => x.metrics)) {
      run.metrics!.cycles = cycles;
      run.overhead!.cycles = cycles - 10;
      for (const p of Object.values(run.phases!)) p.cycles = 1;
    }
    return r;
  };
  const palette = new Palette();
  const charts = groupCharts(
    "g0",
    group(model("cortex-a55", 60), model("neoverse-n1", 40)),
    palette,
  );
  const ids = charts.map((c) => c.id);
  assert.deepEqual(ids, [
    "g0-insns",
    "g0-cycles-0",
    "g0-cycles-1",
    "g0-memory",
    "g0-sweep-0",
    "g0-phases",
  ]);
  const [insns, a55, n1, memory, sweep, phases] = charts;
  assert.deepEqual(insns.views[0].datasets.map((d) => d.label), ["instructions"]);
  assert.deepEqual(insns.labels, ["args", "direct"], "nop is the baseline, not a bar");
  assert.deepEqual(insns.views[0].datasets[0].data, [31, null]);
  assert.deepEqual(insns.views[0].gaps, [{
    dataset: 0,
    index: 1,
    text: "n/a",
    title: "not applicable: cannot express it",
  }]);
  assert.equal(a55.cpu, "cortex-a55 1");
  assert.match(a55.title, /^Overhead cycles, cortex-a55 1/);
  assert.deepEqual(a55.views[0].datasets[0].data, [50, null]);
  assert.match(n1.title, /neoverse-n1 1/);
  assert.deepEqual(memory.views[0].datasets.map((d) => d.label), ["loads", "stores", "branches"]);
  // The sweep: a numeric x axis, instructions first, then cycles per model.
  assert.equal(sweep.kind, "line");
  assert.deepEqual(sweep.xs, [0, 1, 2]);
  assert.equal(sweep.xScale, "linear");
  assert.deepEqual(sweep.views.map((v) => v.yTitle), [
    "instructions",
    "cycles (cortex-a55 1)",
    "cycles (neoverse-n1 1)",
  ]);
  assert.deepEqual(sweep.views[0].datasets[0], {
    label: "args",
    color: palette.variant("args"),
    style: palette.variantStyle("args"),
    data: [30, 31, 32],
  });
  assert.equal(phases.kind, "stacked");
  assert.deepEqual(phases.views[0].datasets.map((d) => d.label), ["caller", "save", "body"]);
  assert.equal(phases.views[0].datasets[1].color, palette.phase("save"));
  // The same variant has the same colour in every report.
  assert.equal(new Palette().variant("args"), new Palette(["zzz"]).variant("args"));
  assert.notEqual(palette.variant("args"), palette.variant("direct"));
});

Deno.test("charts: values spanning more than 10x get a log axis, 0 included", () => {
  const r = clone(sampleResult({ defaults: { ops: 1 } }));
  r.runs = [];
  for (const ops of [0, 1, 2, 10, 100]) {
    r.runs.push(okRun("nop", { ops }, 10), okRun("args", { ops }, 40 + ops));
  }
  const sweep = groupCharts("g0", group(r), new Palette()).find((c) => c.id === "g0-sweep-0")!;
  assert.equal(sweep.xScale, "log");
  assert.deepEqual(sweep.xs, [0, 1, 2, 10, 100]);
  assert.equal(sweep.xTitle, "ops (log scale)");
  // A parameter that is not a number is a category: bars.
  const e = clone(sampleResult({ defaults: { tracer: "a" } }));
  e.runs = ["a", "b"].flatMap((tracer) => [
    okRun("nop", { tracer }, 10),
    okRun("args", { tracer }, 41),
  ]);
  const cat = groupCharts("g1", group(e), new Palette()).find((c) => c.id === "g1-sweep-0")!;
  assert.equal(cat.kind, "bar");
  assert.equal(cat.xs, undefined);
  assert.deepEqual(cat.labels, ["a", "b"]);
});

Deno.test("report: the checks show a count and only the failures", async () => {
  const r = clone(sampleResult());
  const html = await renderReport({ results: [r], history: [], sources: [] });
  assert.match(html, /All 6 checks passed \(6 runs checked; return-value\)/);
  assert.doesNotMatch(html, /<table class="checks">/);
  r.runs[3].checks.push({ name: "callee-saved", ok: false, detail: "x19 = 0x1, expected 0x2" });
  const bad = await renderReport({ results: [r], history: [], sources: [] });
  assert.match(bad, /1 of 7 checks failed/);
  const table = /<table class="checks">.*?<\/table>/s.exec(bad)![0];
  assert.equal(table.match(/<tr>/g)!.length, 2, "a heading and the one failure");
  assert.match(table, /callee-saved<\/td><td class="failed">x19 = 0x1, expected 0x2/);
});

Deno.test("report: the run table folds constant parameters into its heading", async () => {
  const r = clone(sampleResult());
  for (const run of r.runs) run.params = { ...run.params, tracer: "empty" };
  const html = await renderReport({ results: [r], history: [], sources: [] });
  const table = /<table class="runs sortable".*?<\/table>/s.exec(html)![0];
  assert.doesNotMatch(table, /tracer/);
  assert.match(html, /Every run: tracer=empty\./);
  assert.match(html, /<input type="search" class="row-filter" data-table="runs-0"/);
});

Deno.test("listing data: instructions shared by runs are stored once; counts and cycles per run", () => {
  const r = clone(sampleResult({ cpu: { name: "cortex-a55", version: "1" } }));
  const entry = (address: string, disasm: string, phase: string, count = 1, cycles = 1) => ({
    address,
    symbol: `f+0x${(parseInt(address, 16) - 0x100).toString(16)}`,
    word: "d503201f",
    disasm,
    count,
    phase,
    cycles,
  });
  r.runs[1].listing = [entry("0x100", "nop", "save"), entry("0x104", "nop", "save", 3, 2)];
  r.runs[1].cycleCausesByPc = { "0x104": { base: 1, dependency: 1, dependsOn: { "0x100": 1 } } };
  r.runs[3].listing = [entry("0x100", "nop", "save", 2), entry("0x108", "ret", "body")];
  const data = listingData([r])!;
  assert.equal(data.runs.length, 2);
  assert.deepEqual(data.blocks, [["100", 0, 0, 0, 0, 0], ["108", 0, 8, 1, 1]]);
  assert.deepEqual(data.texts, [["d503201f", "nop"], ["d503201f", "ret"]]);
  assert.deepEqual(data.runs[0].lines, [1, 1, 1, -1, 1, 3, 2, 0]);
  assert.deepEqual(data.causes, [[1, 1, 0, 0, 0, 0, 0, 0, "100", 1]]);
  assert.deepEqual(data.runs[1].lines, [1, 2, 1, -1, 2, 1, 1, -1]);
  assert.equal(data.runs[0].instructions, 4);
  assert.equal(data.runs[0].cycles, 3);
});

Deno.test("history: regressions grouped by change, points marked, any two runs comparable", async () => {
  const meta = (date: string) => ({ date, project: { commit: "c".repeat(40), dirty: false } });
  const worse = clone(sampleResult());
  for (const run of worse.runs.filter((x) => x.variant === "args")) {
    run.metrics!.instructions += 1;
    run.metrics!.stores += 1;
    run.overhead!.instructions += 1;
  }
  const other = clone(sampleResult({ scenario: "unrelated" }));
  const history = [
    { path: "h/1.json", record: historyRecord([sampleResult()], meta("2025-01-01T00:00:00.000Z")) },
    { path: "h/2.json", record: historyRecord([sampleResult()], meta("2025-01-02T00:00:00.000Z")) },
    { path: "h/3.json", record: historyRecord([worse], meta("2025-01-03T00:00:00.000Z")) },
    { path: "h/4.json", record: historyRecord([other], meta("2025-01-04T00:00:00.000Z")) },
  ];
  // An ad-hoc report of `sample` leaves the run of another scenario out.
  const { entries, left } = relatedHistory(history, [worse]);
  assert.equal(entries.length, 3);
  assert.equal(left, 1);
  const html = await renderReport({
    results: [worse],
    history: entries,
    sources: [],
    historyNote: "1 stored run of other scenarios left out",
  });
  assert.match(html, /3 stored runs \(1 stored run of other scenarios left out\)/);
  assert.match(html, /first stored run/);
  assert.match(html, /no regression/);
  assert.match(
    html,
    /<strong>REGRESSED<\/strong>: \+1 insn, \+1 store: args in sample \(3 cases\)<\/summary><ul><li>sample args: args=0\.\.2 \(3 cases\)<\/li>/,
  );
  const verdicts = historyVerdicts(entries);
  const [chart] = historyCharts("history", entries, verdicts, new Palette());
  assert.equal(chart.yZero, false, "the y axis fits the data");
  assert.deepEqual(chart.views[0].datasets[0].data, [31, 31, 32]);
  assert.deepEqual(chart.views[0].datasets[0].marks, [2], "the regressed point is marked");
  // The page's data: values only where they change.
  const data = historyData(entries);
  assert.equal(data.groups.length, 1);
  const args1 = data.groups[0].cases.find((c) =>
    data.groups[0].variants[c[0] as number] === "args" &&
    data.groups[0].params[c[1] as number] === "args=1"
  )!;
  assert.deepEqual(args1.slice(2), [[0, 0, 41, 2, 2, 3, null], [2, 0, 42, 2, 3, 3, null]]);
});

Deno.test("report: a --cpu all base name reads the files of every model", async () => {
  const dir = await Deno.makeTempDir();
  try {
    for (const cpu of ["cortex-a55", "neoverse-n1"]) {
      await Deno.writeTextFile(`${dir}/ops.${cpu}.json`, "{}");
    }
    await Deno.writeTextFile(`${dir}/ops.json.bak`, "{}");
    assert.deepEqual(expandResultsFile(`${dir}/ops.json`), [
      `${dir}/ops.cortex-a55.json`,
      `${dir}/ops.neoverse-n1.json`,
    ]);
    assert.deepEqual(expandResultsFile(`${dir}/other.json`), [`${dir}/other.json`]);
    await Deno.writeTextFile(`${dir}/ops.json`, "{}");
    assert.deepEqual(expandResultsFile(`${dir}/ops.json`), [`${dir}/ops.json`]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
