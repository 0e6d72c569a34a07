import assert from "node:assert/strict";
import { shardSlice } from "../../src/runner/run_scenario.ts";
import { mergeShards } from "../../src/store/merge.ts";
import type { StoredResult } from "../../src/store/schema.ts";
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

/** Split the sample's runs (two per parameter set) into shards as the runner would. */
function shards(count: number): { path: string; result: StoredResult }[] {
  const whole = sampleResult();
  const sets = [0, 1, 2];
  return Array.from({ length: count }, (_, i) => {
    const mine = shardSlice(sets, { index: i + 1, count });
    return {
      path: `shard-${i + 1}.json`,
      result: {
        ...clone(whole),
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
