import assert from "node:assert/strict";
import { historyRecord, readHistory, writeHistory } from "../../src/store/history.ts";
import { StoreError } from "../../src/store/read.ts";
import { sampleResult } from "../report/fixtures/results.ts";

const meta = (date: string, commit: string | null = "0123456789abcdef0123") => ({
  date,
  project: { commit, dirty: false },
});

Deno.test("history: one file per run, read back oldest first, listings left out", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const withListing = sampleResult();
    withListing.runs[1].listing = [{
      address: "0x0",
      symbol: "caller",
      word: "d503201f",
      disasm: "nop",
      count: 1,
      phase: "caller",
    }];
    const later = await writeHistory(
      dir,
      historyRecord([withListing], meta("2025-02-01T10:00:00.000Z")),
    );
    const earlier = await writeHistory(
      dir,
      historyRecord([sampleResult()], meta("2025-01-01T10:00:00.000Z", null)),
    );
    assert.match(later, /2025-02-01T10-00-00\.000Z-0123456789ab\.json$/);
    assert.match(earlier, /2025-01-01T10-00-00\.000Z-nocommit\.json$/);
    const again = await writeHistory(
      dir,
      historyRecord([sampleResult()], meta("2025-02-01T10:00:00.000Z")),
    );
    assert.notEqual(again, later, "an existing record is never replaced");
    const entries = await readHistory(dir);
    assert.deepEqual(entries.map((e) => e.record.meta.date), [
      "2025-01-01T10:00:00.000Z",
      "2025-02-01T10:00:00.000Z",
      "2025-02-01T10:00:00.000Z",
    ]);
    assert.equal(entries[0].record.kind, "ftrace-bench-history");
    assert.ok(entries.every((e) => e.record.results[0].runs.every((r) => r.listing === undefined)));
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("history: a missing directory is an empty history", async () => {
  assert.deepEqual(await readHistory("/nonexistent/history"), []);
});

Deno.test("history: a corrupt or foreign file is an error naming it, never skipped", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await writeHistory(dir, historyRecord([sampleResult()], meta("2025-01-01T10:00:00.000Z")));
    await Deno.writeTextFile(
      `${dir}/2025-03-01-broken.json`,
      '{"kind":"ftrace-bench-history","sch',
    );
    await assert.rejects(
      () => readHistory(dir),
      (e: unknown) =>
        e instanceof StoreError &&
        e.message.includes(`${dir}/2025-03-01-broken.json is not valid JSON`),
    );
    await Deno.remove(`${dir}/2025-03-01-broken.json`);
    await Deno.writeTextFile(`${dir}/2025-04-01-result.json`, JSON.stringify(sampleResult()));
    await assert.rejects(
      () => readHistory(dir),
      /2025-04-01-result\.json is a results file, not a history record/,
    );
    // In-progress atomic writes (dot files) are not records.
    await Deno.remove(`${dir}/2025-04-01-result.json`);
    await Deno.writeTextFile(`${dir}/.2025-05-01.json.123.tmp`, "{");
    assert.equal((await readHistory(dir)).length, 1);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("history: concurrent jobs of the same millisecond all land, none replaced", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const record = historyRecord([sampleResult()], meta("2025-06-01T10:00:00.000Z"));
    // A check-then-write store would let these race for one name; exclusive creation cannot.
    const paths = await Promise.all(
      Array.from({ length: 12 }, () => writeHistory(dir, record)),
    );
    assert.equal(new Set(paths).size, 12, `distinct records: ${paths.join(", ")}`);
    const names = [...Deno.readDirSync(dir)].map((e) => e.name).sort();
    assert.equal(names.length, 12, `no temp file left behind: ${names.join(", ")}`);
    assert.ok(names.includes("2025-06-01T10-00-00.000Z-0123456789ab.json"));
    assert.ok(names.includes("2025-06-01T10-00-00.000Z-0123456789ab-12.json"));
    assert.equal((await readHistory(dir)).length, 12, "every record complete and readable");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("history: two processes writing at once both land", async () => {
  const dir = await Deno.makeTempDir();
  const script = `
    import { historyRecord, writeHistory } from "${
    new URL("../../src/store/history.ts", import.meta.url).href
  }";
    import { sampleResult } from "${
    new URL("../report/fixtures/results.ts", import.meta.url).href
  }";
    const record = historyRecord([sampleResult()], {
      date: "2025-07-01T10:00:00.000Z",
      project: { commit: null, dirty: null },
    });
    for (let i = 0; i < 5; i++) await writeHistory(Deno.args[0], record);
  `;
  try {
    const child = () =>
      new Deno.Command(Deno.execPath(), {
        args: ["eval", "--ext=ts", script, dir],
        stdout: "null",
        stderr: "piped",
      }).output();
    const outs = await Promise.all([child(), child()]);
    for (const o of outs) assert.ok(o.success, new TextDecoder().decode(o.stderr));
    assert.equal((await readHistory(dir)).length, 10);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
