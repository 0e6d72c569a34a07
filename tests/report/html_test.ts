import assert from "node:assert/strict";
import { renderReport } from "../../src/report/html/page.ts";
import { scenarioCharts } from "../../src/report/html/charts.ts";
import { escapeHtml, scriptJson, scriptSource } from "../../src/report/html/escape.ts";
import { historyRecord } from "../../src/store/history.ts";
import { sha256Hex } from "../../src/store/meta.ts";
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
  assert.match(html, /not applicable: &lt;\/td&gt;&lt;\/tr&gt;&lt;script&gt;alert\(2\)/);
  const withPath = evilResult();
  withPath.runs[1].path = "bl <ftrace_caller>";
  const pathHtml = await renderReport({ results: [withPath], history: [], sources: [] });
  assert.match(pathHtml, /<th>path<\/th>/);
  assert.match(pathHtml, /<td>bl &lt;ftrace_caller&gt;<\/td>/);
  // Exactly three script elements: chart data (JSON), chart.js, the page's own script.
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
    const hex = await sha256Hex(new TextEncoder().encode(code));
    const b64 = btoa(String.fromCharCode(...hex.match(/../g)!.map((h) => parseInt(h, 16))));
    assert.ok(csp.includes(`sha256-${b64}`), "script hash in the CSP");
  }
});

Deno.test("report: charts for overhead, sweeps and phases at the default parameters", () => {
  const [overhead, sweep, phases] = scenarioCharts("s0", {
    name: "sample",
    results: [sampleResult()],
  });
  assert.equal(overhead.type, "bar");
  assert.deepEqual(overhead.labels, ["args"], "nop is the baseline, not a bar");
  assert.deepEqual(overhead.datasets.find((d) => d.label === "instructions")?.data, [31]);
  assert.match(overhead.title, /args=1/);
  assert.equal(sweep.type, "line");
  assert.deepEqual(sweep.labels, ["0", "1", "2"]);
  assert.deepEqual(sweep.datasets, [{ label: "args", data: [30, 31, 32] }]);
  assert.equal(phases.stacked, true);
  assert.deepEqual(phases.datasets.map((d) => d.label), ["caller", "save", "body"]);
});

Deno.test("report: cycles per CPU model and the listing's cycles column when present", async () => {
  const model = (name: string, cycles: number) => {
    const r = clone(sampleResult({ cpu: { name, version: "1" } }));
    for (const run of r.runs) {
      run.metrics!.cycles = cycles;
      run.overhead!.cycles = cycles - 10;
    }
    return r;
  };
  const a55 = model("cortex-a55", 60), n1 = model("neoverse-n1", 40);
  a55.runs[3].listing = [{
    address: "0x10",
    symbol: "f",
    word: "d503201f",
    disasm: "nop",
    count: 1,
    phase: "body",
    cycles: 1,
  }];
  const charts = scenarioCharts("s0", { name: "sample", results: [a55, n1] });
  const cycles = charts.find((c) => c.id === "s0-cycles")!;
  assert.deepEqual(cycles.datasets.map((d) => [d.label, d.data]), [
    ["cortex-a55 1", [50]],
    ["neoverse-n1 1", [30]],
  ]);
  const html = await renderReport({ results: [a55, n1], history: [], sources: [] });
  assert.match(html, /<th>cycles<\/th>/);
  assert.match(html, /<h3>cortex-a55 1<\/h3>/);
  assert.match(html, /<th>overhead cycles<\/th>/);
});

Deno.test("report: the history marks a regression against the previous run", async () => {
  const meta = (date: string) => ({ date, project: { commit: "c".repeat(40), dirty: false } });
  const worse = clone(sampleResult());
  worse.runs[3] = okRun("args", { args: 1 }, 44);
  const history = [
    { path: "h/1.json", record: historyRecord([sampleResult()], meta("2025-01-01T00:00:00.000Z")) },
    { path: "h/2.json", record: historyRecord([sampleResult()], meta("2025-01-02T00:00:00.000Z")) },
    { path: "h/3.json", record: historyRecord([worse], meta("2025-01-03T00:00:00.000Z")) },
  ];
  const html = await renderReport({ results: [worse], history, sources: [] });
  assert.match(html, /first stored run/);
  assert.match(html, /no regression/);
  assert.match(
    html,
    /REGRESSED<\/strong> \(1 case\)<ul><li>sample args args=1: instructions 41 → 44/,
  );
  assert.match(html, /id="history-0"/);
});
