import assert from "node:assert/strict";
import { resultJson, ResultStream } from "../../src/report/results_file.ts";
import type { StoredResult } from "../../src/store/schema.ts";

/**
 * `runs` streamed `batch` at a time into `path`, as a quiet sweep streams
 * them: the file written, and what resultJson writes for the same record.
 */
function streamRuns(
  path: string,
  runs: readonly unknown[],
  batch: number,
): { written: string; expected: string } {
  const record = { schema: 1, scenario: "s", meta: { date: "d" }, runs } as unknown as StoredResult;
  const stream = ResultStream.open(path);
  for (let i = 0; i < runs.length; i += batch) stream.add(runs.slice(i, i + batch));
  stream.finish(record, path);
  return { written: Deno.readTextFileSync(path), expected: resultJson(record) };
}

Deno.test("a streamed result file of several megabytes is byte for byte what resultJson writes", async () => {
  const dir = await Deno.makeTempDir();
  try {
    // About 3.5 MB of runs, with characters of one to four bytes: the stream writes them
    // out a megabyte at a time, and the copy into the final file takes several reads.
    const runs = Array.from({ length: 12_000 }, (_, i) => ({
      variant: `v${i % 4}`,
      params: { relevant: i % 25, irrelevant: i % 50 },
      status: "ok",
      metrics: { instructions: i * 7, loads: i * 3, note: "xé€🧪".repeat(i % 50) },
    }));
    const { written, expected } = streamRuns(`${dir}/out.json`, runs, 500);
    assert.ok(written.length > 3 * 2 ** 20, `${written.length} bytes`);
    assert.equal(written, expected);
    // Only the result is left: the runs' temp file went.
    assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["out.json"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a run bigger than the stream's buffer goes to the file whole, in its place", async () => {
  const dir = await Deno.makeTempDir();
  try {
    // The middle run's text is over a megabyte by itself, with multi-byte characters
    // at the buffer's edge; the runs around it are written before and after it.
    const runs = [
      { variant: "a", status: "ok" },
      { variant: "big", status: "failed", oops: "é🧪".repeat(400_000) },
      { variant: "c", status: "ok" },
    ];
    const { written, expected } = streamRuns(`${dir}/out.json`, runs, 1);
    assert.ok(written.length > 2 ** 20, `${written.length} characters`);
    assert.equal(written, expected);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a streamed result file with no runs, or a few, is what resultJson writes", async () => {
  const dir = await Deno.makeTempDir();
  try {
    for (const count of [0, 1, 3]) {
      const runs = Array.from({ length: count }, (_, i) => ({ variant: `v${i}`, status: "ok" }));
      const { written, expected } = streamRuns(`${dir}/out-${count}.json`, runs, 3);
      assert.equal(written, expected);
    }
    // No temp file is left behind.
    assert.deepEqual(
      [...Deno.readDirSync(dir)].map((e) => e.name).sort(),
      ["out-0.json", "out-1.json", "out-3.json"],
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
