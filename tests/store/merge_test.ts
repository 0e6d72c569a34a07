import assert from "node:assert/strict";
import { shardSlice } from "../../src/runner/run_scenario.ts";
import { mergeShards } from "../../src/store/merge.ts";
import type { StoredResult, SweepIdentity } from "../../src/store/schema.ts";
import { clone, sampleResult } from "../report/fixtures/results.ts";

Deno.test("shard slices are contiguous, deterministic and cover the sweep exactly once", () => {
  for (const total of [0, 1, 5, 9, 45]) {
    for (const count of [1, 2, 3, 4, 10]) {
      const sets = Array.from({ length: total }, (_, i) => i);
      const parts = Array.from(
        { length: count },
        (_, i) => shardSlice(sets, { index: i + 1, count }),
      );
      assert.deepEqual(parts.flat(), sets, `${total} sets in ${count} shards`);
      const sizes = parts.map((p) => p.length);
      assert.ok(Math.max(...sizes) - Math.min(...sizes) <= 1, "balanced");
    }
  }
});

/** The sample's sweep identity, as `run --shard i/count` records it. */
function sweepOf(count: number): SweepIdentity {
  return {
    scenarioSha256: "ab".repeat(32),
    overrides: {},
    variants: ["nop", "args"],
    parameterSets: 3,
    listing: "default",
    shards: count,
  };
}

/** Split the sample's runs (two per parameter set) into shards as the runner would. */
function shards(count: number, withSweep = false): { path: string; result: StoredResult }[] {
  const whole = withSweep ? sampleResult({ sweep: sweepOf(1) }) : sampleResult();
  const sets = [0, 1, 2];
  return Array.from({ length: count }, (_, i) => {
    const mine = shardSlice(sets, { index: i + 1, count });
    return {
      path: `shard-${i + 1}.json`,
      result: {
        ...clone(whole),
        ...(withSweep ? { sweep: sweepOf(count) } : {}),
        shard: { index: i + 1, count, parameterSets: sets.length },
        runs: whole.runs.filter((r) => mine.includes(r.params.args as number)),
      },
    };
  });
}

Deno.test("merge: shards in any order give the unsharded result", () => {
  const parts = shards(3);
  const merged = mergeShards([parts[2], parts[0], parts[1]]);
  assert.deepEqual(merged, sampleResult());
  assert.equal("shard" in merged, false);
});

Deno.test("merge: missing, repeated, foreign or mismatched shards are refused", () => {
  const parts = shards(3);
  assert.throws(() => mergeShards([parts[0], parts[2]]), /shard 2\/3 of sample missing/);
  assert.throws(() => mergeShards([parts[0], parts[0], parts[1], parts[2]]), /both shard 1\/3/);
  assert.throws(
    () => mergeShards([{ path: "whole.json", result: sampleResult() }]),
    /whole\.json is not a shard/,
  );
  const other = clone(parts[1]);
  other.result.scenario = "other";
  assert.throws(
    () => mergeShards([parts[0], other, parts[2]]),
    /cannot merge shard-2\.json .*different scenario/,
  );
  const cpu = clone(parts[1]);
  cpu.result.cpu = { name: "a55", version: "1" };
  assert.throws(() => mergeShards([parts[0], cpu, parts[2]]), /different CPU model/);
  const edited = clone(parts[1]);
  edited.result.meta = {
    date: "x",
    project: { commit: null, dirty: null },
    scenarioFile: { path: "s.ts", commit: null, sha256: "ff" },
  };
  assert.throws(() => mergeShards([parts[0], edited, parts[2]]), /different scenario file content/);
  assert.throws(() => mergeShards([]), /needs the shard files/);
});

Deno.test("merge: shards with a sweep identity give the unsharded result, sweep included", () => {
  const parts = shards(3, true);
  const notes: string[] = [];
  const merged = mergeShards([parts[1], parts[2], parts[0]], (n) => notes.push(n));
  assert.deepEqual(merged, sampleResult({ sweep: sweepOf(1) }));
  assert.deepEqual(
    Object.keys(merged),
    Object.keys(sampleResult({ sweep: sweepOf(1) })),
    "same key order: the same bytes as the unsharded file",
  );
  assert.deepEqual(notes, [], "nothing left unchecked");
});

Deno.test("merge: shards of different sweeps are refused, naming the difference", () => {
  const cases: [string, (s: SweepIdentity) => void, RegExp][] = [
    [
      "--param",
      (s) => s.overrides = { args: [0, 1, 2] },
      /shard-2\.json .*different parameter overrides \(--param\) \(\{"args":\[0,1,2\]\} vs \{\}\)/,
    ],
    [
      "--variant",
      (s) => s.variants = ["args", "nop"],
      /different variants \(--variant\) \(\["args","nop"\] vs \["nop","args"\]\)/,
    ],
    ["scenario edit", (s) => s.scenarioSha256 = "ff".repeat(32), /different scenario file content/],
    ["--listing", (s) => s.listing = "all", /different listing mode \(--listing\)/],
    ["sweep size", (s) => s.parameterSets = 4, /different sweep size \(parameter sets\)/],
  ];
  for (const [what, change, message] of cases) {
    const parts = shards(3, true);
    change(parts[1].result.sweep!);
    assert.throws(() => mergeShards(parts), message, what);
  }
  // A different CPU file under the same model name and version.
  const parts = shards(3, true);
  for (const p of parts) p.result.cpu = { name: "n1", version: "2", sha256: "aa".repeat(32) };
  parts[2].result.cpu = { name: "n1", version: "2", sha256: "bb".repeat(32) };
  assert.throws(() => mergeShards(parts), /shard-3\.json .*different CPU file \(sha256\)/);
});

Deno.test("merge: old shards without a sweep identity merge with a note; mixed ones are refused", () => {
  const notes: string[] = [];
  const merged = mergeShards(shards(3), (n) => notes.push(n));
  assert.deepEqual(merged, sampleResult());
  assert.equal(notes.length, 1);
  assert.match(
    notes[0],
    /^shard-1\.json, shard-2\.json, shard-3\.json have no sweep identity \(written by an older harness\): the shards' --param overrides cannot be checked; only their variants are$/,
  );
  // What old files still tell is checked: the variants their runs show.
  const other = shards(3);
  other[1].result.runs = other[1].result.runs.filter((r) => r.variant === "args");
  assert.throws(() => mergeShards(other), /shard-2\.json .*different variants run/);
  const mixed = shards(3, true);
  delete mixed[0].result.sweep;
  assert.throws(
    () => mergeShards(mixed),
    /cannot merge shard-1\.json with shard-2\.json: shard-1\.json has no sweep identity/,
  );
});
