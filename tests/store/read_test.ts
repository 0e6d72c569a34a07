import assert from "node:assert/strict";
import { parseStoreFile, readStoreFile, StoreError } from "../../src/store/read.ts";
import { clone, sampleResult } from "../report/fixtures/results.ts";

const text = JSON.stringify(sampleResult(), null, 2);

function refused(content: string, message: RegExp) {
  assert.throws(() => parseStoreFile("results/x.json", content), (e: unknown) => {
    assert.ok(e instanceof StoreError, `expected StoreError, got ${e}`);
    assert.match(e.message, /^results\/x\.json/);
    assert.match(e.message, message);
    return true;
  });
}

Deno.test("a results file reads back as a result", () => {
  const file = parseStoreFile("a.json", text);
  assert.equal(file.kind, "result");
  if (file.kind === "result") assert.deepEqual(file.result, sampleResult());
});

Deno.test("truncated, empty and garbage files are refused with their name", () => {
  refused(text.slice(0, text.length / 2), /not valid JSON \(truncated or corrupt\?\)/);
  refused("", /is empty/);
  refused("\u0000\u0001garbage", /not valid JSON/);
  refused("[1, 2]", /not a JSON object/);
  refused(`{"hello": "world"}`, /no schema field/);
});

Deno.test("a newer schema is refused, naming the version that wrote it", () => {
  refused(
    JSON.stringify({
      ...sampleResult(),
      schema: 2,
      tool: { name: "ftrace-bench", version: "9.0.0" },
    }),
    /results file schema 2 \(written by ftrace-bench 9\.0\.0\) is newer than this harness reads \(schema 1\)/,
  );
  refused(
    JSON.stringify({ kind: "ftrace-bench-history", schema: 7, meta: { date: "x" }, results: [] }),
    /history record schema 7 .*newer/,
  );
  refused(JSON.stringify({ ...sampleResult(), schema: "1" }), /schema is not a positive integer/);
});

Deno.test("structural damage names the JSON path", () => {
  const bad = clone(sampleResult()) as unknown as { runs: { metrics: Record<string, unknown> }[] };
  bad.runs[3].metrics.instructions = "many";
  refused(JSON.stringify(bad), /runs\[3\]\.metrics\.instructions is not a number/);
  const noRuns = { ...sampleResult(), runs: undefined };
  refused(JSON.stringify(noRuns), /runs is not an array/);
  const badCpu = { ...sampleResult(), cpu: "a72" };
  refused(JSON.stringify(badCpu), /cpu is neither null nor \{name, version, sha256\}/);
  const badHistory = {
    kind: "ftrace-bench-history",
    schema: 1,
    tool: {},
    meta: { date: "2025-01-01T00:00:00.000Z", project: { commit: null, dirty: null } },
    results: [{ ...sampleResult(), runs: [{ variant: 3 }] }],
  };
  refused(JSON.stringify(badHistory), /results\[0\]\.runs\[0\]\.variant is not a string/);
});

Deno.test("cycles and a timing model read back", () => {
  const r = sampleResult({ cpu: { name: "neoverse-n1", version: "2" } });
  r.runs[0].metrics!.cycles = 12.5;
  const file = parseStoreFile("a.json", JSON.stringify(r));
  assert.equal(file.kind === "result" && file.result.runs[0].metrics!.cycles, 12.5);
  const bad = clone(r);
  (bad.runs[0].metrics as unknown as Record<string, unknown>).cycles = "12";
  refused(JSON.stringify(bad), /runs\[0\]\.metrics\.cycles is not a number/);
});

Deno.test("a missing file is a StoreError naming it", async () => {
  await assert.rejects(
    () => readStoreFile("/nonexistent/results.json"),
    /cannot read results file \/nonexistent\/results\.json: no such file/,
  );
});

Deno.test("a sweep identity and a CPU file hash read back; damaged ones are refused by path", () => {
  const sweep = {
    scenarioSha256: "ab".repeat(32),
    overrides: { args: [1, 2] },
    variants: ["nop", "args"],
    parameterSets: 2,
    listing: "default",
    shards: 1,
  };
  const r = sampleResult({ cpu: { name: "neoverse-n1", version: "2", sha256: "cd".repeat(32) } });
  const file = parseStoreFile("a.json", JSON.stringify({ ...r, sweep }));
  assert.ok(file.kind === "result");
  assert.deepEqual(file.result.sweep, sweep);
  assert.equal(file.result.cpu?.sha256, "cd".repeat(32));
  // Files from before either was recorded still read: both are simply unknown.
  const old = parseStoreFile("old.json", text);
  assert.ok(old.kind === "result" && old.result.sweep === undefined);
  refused(JSON.stringify({ ...r, sweep: { ...sweep, variants: "args" } }), /sweep\.variants/);
  refused(
    JSON.stringify({ ...r, sweep: { ...sweep, shards: -1 } }),
    /sweep\.shards is not a count/,
  );
  refused(
    JSON.stringify({ ...r, sweep: { ...sweep, overrides: { args: 1 } } }),
    /sweep\.overrides/,
  );
  refused(JSON.stringify({ ...r, cpu: { ...r.cpu, sha256: 7 } }), /cpu is neither null/);
});
