import assert from "node:assert/strict";
import {
  summarize,
  summaryMarkdown,
  summaryText,
  TEXT_WIDTH,
  wrap,
} from "../../src/report/summary.ts";
import type { StoredResult, StoredRun } from "../../src/store/schema.ts";
import { clone, okRun, sampleResult } from "./fixtures/results.ts";

/** A sweep of four variants at args=1 (the default): a failure and an n/a among them. */
function mixed(cpu?: { name: string; version: string }, cycles = 0): StoredResult {
  const r = clone(sampleResult(cpu ? { cpu } : {}));
  const at = { args: 1 };
  r.runs.push(okRun("regs", at, 60), okRun("call-ops", at, 35));
  const failed: StoredRun = {
    variant: "broken",
    params: at,
    status: "failed",
    ok: false,
    reason: "callee-saved: x19 = 0x0, expected 0x1919191919191919",
    checks: [{ name: "callee-saved", ok: false, detail: "x19 = 0x0, expected 0x1919191919191919" }],
    metrics: null,
    overhead: null,
    phases: null,
  };
  const na: StoredRun = {
    ...failed,
    variant: "direct",
    status: "n/a",
    ok: true,
    reason: "a direct call with several tracers on one site cannot be expressed: the " +
      "trampoline is the site's only call, so only one tracer can own it",
    checks: [],
  };
  r.runs.push(na, failed);
  if (cpu) {
    for (const run of r.runs.filter((x) => x.overhead)) {
      run.overhead!.cycles = run.overhead!.instructions * 2 + cycles;
      run.metrics!.cycles = run.metrics!.instructions * 2 + cycles;
    }
  }
  return r;
}

Deno.test("summary: variants cheapest first, Δ and × against the cheapest, failures last", () => {
  const s = summarize([mixed()]);
  assert.equal(s.tables.length, 1);
  const t = s.tables[0];
  assert.deepEqual(t.params, { args: 1 });
  assert.equal(t.baseline, 11);
  assert.deepEqual(
    t.rows.map((r) => [r.variant, r.instructions, r.delta, r.ratio, r.status]),
    [
      ["call-ops", 25, 0, 1, "ok"],
      ["args", 31, 6, 1.24, "ok"],
      ["regs", 50, 25, 2, "ok"],
      ["broken", null, null, null, "failed"],
      ["direct", null, null, null, "n/a"],
    ],
  );
  assert.match(t.rows[3].reason!, /^callee-saved: x19 = 0x0/);
  assert.match(t.rows[4].reason!, /^a direct call with several tracers/);
  // Every parameter set on request.
  assert.equal(summarize([mixed()], { allSets: true }).tables.length, 3);
});

Deno.test("summary: one cycles column per CPU model, from the results of each model", () => {
  const a55 = mixed({ name: "cortex-a55", version: "3" }, 100);
  const n1 = mixed({ name: "neoverse-n1", version: "3" }, 7);
  const [t] = summarize([a55, n1]).tables;
  assert.deepEqual(t.cpus, ["cortex-a55 3", "neoverse-n1 3"]);
  assert.deepEqual(t.rows[0].cycles, [150, 57]);
  assert.deepEqual(t.rows[3].cycles, [null, null]);
  const text = summaryText(summarize([a55, n1]));
  assert.match(text, /^variant +insns +delta +ratio +cortex-a55 +neoverse-n1$/m);
  assert.match(text, /^call-ops +25 +0 +1\.00x +150 +57$/m);
});

/** Every line at most 80 columns, and each table's rows in the order of the summary's data. */
function checkLines(text: string, results: StoredResult[], markdown: boolean): void {
  const lines = text.split("\n");
  for (const [i, line] of lines.entries()) {
    assert.ok(line.length <= TEXT_WIDTH, `line ${i + 1} is ${line.length} columns: ${line}`);
  }
  const tables = summarize(results).tables;
  const rowLines = lines.filter((l) =>
    markdown ? /^\| (?!variant|-)/.test(l) : /^\S+ +(\d+|FAILED|n\/a)( |$)/.test(l)
  );
  const variants = rowLines.map((l) => (markdown ? l.slice(2) : l).split(/[ |]+/)[0]);
  assert.deepEqual(variants, tables.flatMap((t) => t.rows.map((r) => r.variant)), "sorted");
}

Deno.test("summary: text and markdown at most 80 columns a line, rows sorted by cost", () => {
  const results = [
    mixed({ name: "cortex-a55:cold", version: "3" }, 1000),
    mixed({ name: "neoverse-n1:first-call", version: "3" }, 9000),
    mixed({ name: "apple-m1", version: "3" }, 4),
  ];
  checkLines(summaryText(summarize(results)), results, false);
  checkLines(summaryMarkdown(summarize(results)), results, true);
  const md = summaryMarkdown(summarize(results));
  // Too many wide model names for 80 columns: short headings and a legend.
  assert.match(md, /^- c1: cortex-a55:cold 3 \(overhead cycles\)$/m);
  assert.match(md, /^\| variant +\| +insns \| delta \| ratio \| +c1 \| +c2 \| +c3 \|$/m);
  assert.match(md, /^- \*\*broken\*\* FAILED: callee-saved: x19 = 0x0/m);
  // A hostile name does not break the table.
  const evil = clone(mixed());
  evil.runs[3].variant = "a|b";
  assert.match(summaryMarkdown(summarize([evil])), /\| a\\\|b /);
  checkLines(summaryText(summarize([mixed()])), [mixed()], false);
});

Deno.test("wrap: lines of at most the width, first-line and hanging indents", () => {
  assert.deepEqual(wrap("aaa bbb ccc", 7), ["aaa bbb", "ccc"]);
  assert.deepEqual(wrap("aaa bbb ccc", 8, "  ", ""), ["aaa bbb", "  ccc"]);
  assert.deepEqual(wrap("x".repeat(12), 5), ["xxxxx", "xxxxx", "xx"]);
  assert.deepEqual(wrap("", 5), [""]);
});
