import assert from "node:assert/strict";
import { CompareRefused, compareResults, DEFAULT_THRESHOLDS } from "../../src/report/compare.ts";
import { renderComparison } from "../../src/report/compare_text.ts";
import { missingText, parseThresholds } from "../../src/cli/compare.ts";
import type { StoredResult } from "../../src/store/schema.ts";
import { clone, sampleResult } from "./fixtures/results.ts";

const side = (path: string, ...results: StoredResult[]) => ({ path, results });

Deno.test("compare: identical results do not regress", () => {
  const cmp = compareResults(side("a", sampleResult()), side("b", sampleResult()));
  assert.equal(cmp.regressed, false);
  assert.equal(cmp.summary.unchanged, 6);
  assert.match(renderComparison(cmp), /6 cases: 0 regressed, 0 improved, 6 unchanged/);
});

Deno.test("compare: any extra instruction, load or store regresses; fewer improves", () => {
  for (const metric of ["instructions", "loads", "stores"] as const) {
    const cur = clone(sampleResult());
    cur.runs[3].metrics![metric] += 1;
    const cmp = compareResults(side("a", sampleResult()), side("b", cur));
    assert.equal(cmp.regressed, true, metric);
    const c = cmp.cases[3];
    assert.equal(c.verdict, "regressed");
    assert.deepEqual(c.deltas.find((d) => d.metric === metric)?.delta, 1);
    assert.match(renderComparison(cmp), /REGRESSED/);
  }
  const better = clone(sampleResult());
  better.runs[3].metrics!.instructions -= 2;
  const cmp = compareResults(side("a", sampleResult()), side("b", better));
  assert.equal(cmp.regressed, false);
  assert.equal(cmp.cases[3].verdict, "improved");
  // Branches are informational by default.
  const branches = clone(sampleResult());
  branches.runs[3].metrics!.branches += 1;
  assert.equal(compareResults(side("a", sampleResult()), side("b", branches)).regressed, false);
});

Deno.test("compare: cycles may grow 0.5%", () => {
  const withCycles = (c: number) => {
    const r = clone(sampleResult({ cpu: { name: "neoverse-n1", version: "llvm19-1" } }));
    for (const run of r.runs) run.metrics!.cycles = c;
    return r;
  };
  assert.equal(
    compareResults(side("a", withCycles(1000)), side("b", withCycles(1004))).regressed,
    false,
  );
  const cmp = compareResults(side("a", withCycles(1000)), side("b", withCycles(1006)));
  assert.equal(cmp.regressed, true);
  assert.equal(cmp.cases[0].deltas.find((d) => d.metric === "cycles")?.percent, 0.6);
  assert.match(renderComparison(cmp), /1000 -> 1006 \(\+6, \+0\.60%\) !/);
});

Deno.test("compare: a case that now fails or is no longer measured regresses", () => {
  const cur = clone(sampleResult());
  Object.assign(cur.runs[1], {
    status: "failed",
    ok: false,
    reason: "callee-saved: x19",
    metrics: null,
  });
  Object.assign(cur.runs[3], { status: "n/a", reason: "cannot express", metrics: null });
  const cmp = compareResults(side("a", sampleResult()), side("b", cur));
  assert.equal(cmp.cases[1].verdict, "regressed");
  assert.match(cmp.cases[1].note!, /fails: callee-saved: x19/);
  assert.equal(cmp.cases[3].verdict, "regressed");
  assert.match(cmp.cases[3].note!, /no longer measured/);
});

Deno.test("compare: added and removed cases fail the verdict unless --allow-missing", () => {
  const cur = clone(sampleResult());
  const moved = cur.runs.pop()!;
  cur.runs.push({ ...moved, params: { args: 3 } });
  const cmp = compareResults(side("a", sampleResult()), side("b", cur));
  assert.equal(cmp.summary.added, 1);
  assert.equal(cmp.summary.removed, 1);
  assert.equal(cmp.regressed, false, "not a regression of any case");
  assert.equal(cmp.incomplete, true);
  assert.equal(cmp.ok, false, "a case on one side only fails the comparison");
  assert.match(
    missingText(cmp),
    /^incomplete: 1 case only in a \(removed\) and 1 only in b \(added\)/,
  );
  assert.match(missingText(cmp), /pass --allow-missing/);
  const allowed = compareResults(side("a", sampleResult()), side("b", cur), DEFAULT_THRESHOLDS, {
    allowMissing: true,
  });
  assert.equal(allowed.ok, true);
  assert.match(missingText(allowed), /^note: .*common cases only \(--allow-missing\)/);
  // Removed only (a shorter sweep): still incomplete.
  const fewer = clone(sampleResult());
  fewer.runs.splice(0, 2);
  const short = compareResults(side("a", sampleResult()), side("b", fewer));
  assert.equal(short.summary.removed, 2);
  assert.equal(short.ok, false);
  // The same cases: complete.
  const same = compareResults(side("a", sampleResult()), side("b", sampleResult()));
  assert.equal(same.incomplete, false);
  assert.equal(same.ok, true);
});

Deno.test("compare: the same CPU model and version from different CPU files is refused", () => {
  const n1 = (sha256?: string) =>
    sampleResult({ cpu: { name: "neoverse-n1", version: "2", ...(sha256 ? { sha256 } : {}) } });
  const a = "a".repeat(64), b = "b".repeat(64);
  assert.equal(compareResults(side("x", n1(a)), side("y", n1(a))).ok, true);
  assert.throws(
    () => compareResults(side("base.json", n1(a)), side("cur.json", n1(b))),
    (e: unknown) =>
      e instanceof CompareRefused &&
      /base\.json and cur\.json were both measured with neoverse-n1 2, but from different CPU files \(sha256 aaaaaaaaaaaaaaaa\.\.\. and bbbbbbbbbbbbbbbb\.\.\.\)/
        .test(e.message),
  );
  // A file from before CPU hashes were recorded: compared, and the comparison says so.
  const old = compareResults(side("old.json", n1()), side("new.json", n1(a)));
  assert.equal(old.ok, true);
  assert.deepEqual(old.notes, [
    "sample: the CPU file of old.json is unknown (written before CPU file hashes were " +
    "recorded): the neoverse-n1 2 files may differ",
  ]);
  assert.deepEqual(compareResults(side("x", sampleResult()), side("y", sampleResult())).notes, []);
});

Deno.test("compare: different timing models, model versions or schemas are refused", () => {
  const n1 = (version: string) => sampleResult({ cpu: { name: "neoverse-n1", version } });
  assert.throws(
    () => compareResults(side("base.json", n1("1")), side("cur.json", n1("2"))),
    (e: unknown) =>
      e instanceof CompareRefused &&
      /base\.json was measured with neoverse-n1 1 and cur\.json with neoverse-n1 2/.test(e.message),
  );
  assert.throws(
    () => compareResults(side("a", sampleResult()), side("b", n1("1"))),
    /no timing model and b with neoverse-n1 1/,
  );
  const newer = { ...sampleResult(), schema: 2 } as unknown as StoredResult;
  assert.throws(
    () => compareResults(side("a", sampleResult()), side("b", newer)),
    /results schema 1 and b schema 2; results of different schemas are not compared/,
  );
  assert.throws(
    () => compareResults(side("a", sampleResult()), side("b", sampleResult({ scenario: "other" }))),
    /no scenario in common/,
  );
});

Deno.test("compare: thresholds from the command line", () => {
  assert.deepEqual(parseThresholds([]), DEFAULT_THRESHOLDS);
  assert.deepEqual(parseThresholds(["cycles=2", "branches=0", "stores=off"]), {
    instructions: 0,
    loads: 0,
    cycles: 2,
    branches: 0,
  });
  assert.throws(() => parseThresholds(["ipc=1"]), /--threshold ipc=1: expected metric=percent/);
  assert.throws(() => parseThresholds(["cycles=-1"]), /-1 is not a percentage >= 0/);
  assert.throws(() => parseThresholds(["cycles="]), /is not a percentage/);
  const loose = clone(sampleResult());
  loose.runs[3].metrics!.instructions += 1; // 41 -> 42: +2.4%
  const ok = compareResults(
    side("a", sampleResult()),
    side("b", loose),
    parseThresholds(["instructions=5"]),
  );
  assert.equal(ok.regressed, false);
});

Deno.test("compare: the narrow layout groups the changes and stays within 100 columns", () => {
  const wide = (scenario: string) => {
    const r = clone(sampleResult({ scenario }));
    for (const run of r.runs) run.params = { ...run.params, tracer: "empty", relevant: 100 };
    return r;
  };
  const base = [wide("single-tracer"), wide("bpf-fentry")];
  const cur = base.map((r) => {
    const c = clone(r);
    for (const run of c.runs.filter((x) => x.variant === "args")) {
      run.metrics!.instructions += 1;
      run.metrics!.stores += 1;
    }
    return c;
  });
  Object.assign(cur[0].runs[5], {
    status: "failed",
    ok: false,
    reason: "tracer-saw: x",
    metrics: null,
  });
  const cmp = compareResults(side("base.json", ...base), side("cur.json", ...cur));
  const text = renderComparison(cmp, { layout: "narrow" });
  for (const line of text.split("\n")) assert.ok(line.length <= 100, `${line.length}: ${line}`);
  assert.match(
    text,
    /^REGRESSED: \+1 insn, \+1 store: args in 2 scenarios \(5 cases\)$/m,
  );
  assert.match(text, /^ {4}single-tracer args: args=0,1 \(2 cases\)$/m);
  assert.match(text, /^REGRESSED: now FAILED: tracer-saw: args in single-tracer \(1 case\)$/m);
  assert.match(text, /^single-tracer \(every case: tracer=empty relevant=100\)$/m);
  assert.match(
    text,
    /^12 cases: 6 regressed, 0 improved, 6 unchanged, 0 added, 0 removed -- REGRESSION$/m,
  );
  // Unchanged cases left out, in either layout.
  const changed = renderComparison(cmp, { layout: "narrow", changedOnly: true });
  assert.doesNotMatch(changed, /^nop /m);
  assert.match(changed, /^\(6 unchanged not shown: --changed-only\)$/m);
  const wideChanged = renderComparison(cmp, { changedOnly: true });
  assert.equal(
    wideChanged.split("\n").filter((l) => /^(single-tracer|bpf-fentry) /.test(l)).length,
    6,
  );
});

Deno.test("compare: history records of several CPU models pair each model with itself", () => {
  const model = (name: string, cycles: number) => {
    const r = clone(sampleResult({ cpu: { name, version: "3" } }));
    for (const run of r.runs) run.metrics!.cycles = cycles;
    return r;
  };
  const base = [model("cortex-a55", 100), model("neoverse-n1", 50)];
  const cur = [model("cortex-a55", 100), model("neoverse-n1", 60)];
  const cmp = compareResults(side("a", ...base), side("b", ...cur));
  assert.equal(cmp.cases.length, 12);
  assert.equal(cmp.summary.regressed, 6);
  assert.ok(
    cmp.cases.filter((c) => c.verdict === "regressed").every((c) => c.cpu === "neoverse-n1 3"),
  );
  assert.match(renderComparison(cmp), /^scenario +cpu +variant/m);
});
