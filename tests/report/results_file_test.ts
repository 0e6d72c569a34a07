import assert from "node:assert/strict";
import { resultJson, ResultStream } from "../../src/report/results_file.ts";
import type { StoredResult } from "../../src/store/schema.ts";

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
    const record = {
      schema: 1,
      scenario: "s",
      meta: { date: "d" },
      runs,
    } as unknown as StoredResult;
    const path = `${dir}/out.json`;
    const stream = ResultStream.open(path);
    for (let i = 0; i < runs.length; i += 500) stream.add(runs.slice(i, i + 500));
    stream.finish(record, path);
    const written = await Deno.readTextFile(path);
    assert.ok(written.length > 3 * 2 ** 20, `${written.length} bytes`);
    assert.equal(written, resultJson(record));
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
    const record = {
      schema: 1,
      scenario: "s",
      meta: { date: "d" },
      runs,
    } as unknown as StoredResult;
    const path = `${dir}/out.json`;
    const stream = ResultStream.open(path);
    stream.add(runs.slice(0, 1));
    stream.add(runs.slice(1));
    stream.finish(record, path);
    assert.equal(await Deno.readTextFile(path), resultJson(record));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a streamed result file with no runs, or a few, is what resultJson writes", async () => {
  const dir = await Deno.makeTempDir();
  try {
    for (const count of [0, 1, 3]) {
      const runs = Array.from({ length: count }, (_, i) => ({ variant: `v${i}`, status: "ok" }));
      const record = { schema: 1, scenario: "s", meta: { date: "d" }, runs };
      const path = `${dir}/out-${count}.json`;
      const stream = ResultStream.open(path);
      if (count > 0) stream.add(runs);
      stream.finish(record as unknown as StoredResult, path);
      assert.equal(await Deno.readTextFile(path), resultJson(record as unknown as StoredResult));
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
