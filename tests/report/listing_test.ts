/**
 * One run record, many views: a listing is built from the run that measured
 * the case (no second emulation), and disassembly is cached per instruction
 * word for the process (no llvm-mc spawn per listed run).
 */
import assert from "node:assert/strict";
import type { EngineFactory } from "../../src/engine/engine.ts";
import { unicornFactory } from "../../src/engine/unicorn.ts";
import { loadScenario } from "../../src/cli/main.ts";
import { disasmStats, relocateText } from "../../src/report/disasm_cache.ts";
import { pcRelativeTarget } from "../../src/report/hot_path.ts";
import { renderReport } from "../../src/report/html/page.ts";
import { summarize, summaryText } from "../../src/report/summary.ts";
import { renderTable } from "../../src/report/table.ts";
import { recordRuns } from "../../src/store/record.ts";
import type { ListingMode } from "../../src/store/listing.ts";
import type { RecordedResult, StoredResult } from "../../src/store/schema.ts";
import { countingFactory } from "../engine/counting_factory.ts";

const ROOT = new URL("../../", import.meta.url).pathname;

async function record(mode: ListingMode, factory: EngineFactory): Promise<RecordedResult> {
  const scenario = await loadScenario(`${ROOT}scenarios/single-tracer.ts`);
  const [r] = await recordRuns(scenario, {
    factory,
    file: null,
    root: ROOT,
    listing: mode,
    cpus: [],
    overrides: new Map([["args", [1, 2]]]),
  });
  // Run metadata (the date) is not part of the run: make it equal.
  r.meta = {
    date: "2025-01-01T00:00:00.000Z",
    project: { commit: null, dirty: null },
    scenarioFile: null,
  };
  return r;
}

/** The report's data block, and the page without it. */
function split(html: string): { data: Record<string, unknown>; page: string } {
  const m = /<script type="application\/json" id="report-data">(.*?)<\/script>/s.exec(html)!;
  return { data: JSON.parse(m[1]), page: html.replace(m[0], "") };
}

Deno.test("listing: one run, many views; listing every run emulates nothing more", async () => {
  const none = countingFactory(), all = countingFactory();
  const plain = await record("none", none);
  const listed = await record("all", all);
  assert.equal(
    all.engines,
    none.engines,
    "the same engines (cases emulated) with every run listed",
  );
  assert.equal(listed.runs.filter((r) => r.listing).length, 10, "every ok run listed");
  for (const run of listed.runs) {
    const executed = run.listing!.reduce((n, e) => n + e.count, 0);
    assert.equal(executed, run.metrics!.instructions, `${run.variant} ${run.params.args}`);
  }
  // Every view but the listing is the same, byte for byte.
  const strip = (r: RecordedResult): StoredResult => ({
    ...r,
    sweep: { ...r.sweep, listing: "-" },
    runs: r.runs.map(({ listing: _, ...run }) => run),
  });
  assert.deepEqual(strip(listed), strip(plain), "the record without its listings");
  assert.equal(renderTable(listed), renderTable(plain), "the table");
  assert.equal(summaryText(summarize([listed])), summaryText(summarize([plain])), "the summary");
  const generated = new Date("2025-01-02T00:00:00.000Z");
  const html = async (r: StoredResult) =>
    split(await renderReport({ results: [r], history: [], sources: ["x.json"], generated }));
  const a = await html({ ...listed, sweep: { ...listed.sweep, listing: "-" } });
  const b = await html({ ...plain, sweep: { ...plain.sweep, listing: "-" } });
  assert.ok(a.data.listings && (a.data.listings as unknown[])[0], "the listing is in the page");
  const explorer =
    /<div class="listing-explorer".*?<\/div>|<p class="note">No hot-path listing.*?<\/p>/s;
  assert.equal(a.page.replace(explorer, ""), b.page.replace(explorer, ""), "the page");
  assert.deepEqual({ ...a.data, listings: null }, { ...b.data, listings: null }, "the page's data");
});

Deno.test("listing: disassembly is cached per word: no llvm-mc spawn per listed run", async () => {
  await record("all", unicornFactory);
  const before = { ...disasmStats };
  // The same runs again, and a third time: every word is known, nothing spawns.
  const again = await record("all", unicornFactory);
  await record("all", unicornFactory);
  assert.equal(disasmStats.spawns, before.spawns, "no llvm-mc spawn for known words");
  assert.ok(again.runs.every((r) => !r.listing || r.listing.every((e) => e.disasm !== "")));
  // A result lists all its runs with one spawn at most: new words of 10 runs, one batch.
  const scenario = await loadScenario(`${ROOT}scenarios/ftrace-ops.ts`);
  const spawns = disasmStats.spawns;
  const [r] = await recordRuns(scenario, {
    factory: unicornFactory,
    file: null,
    root: ROOT,
    listing: "all",
    cpus: [],
    overrides: new Map([["relevant", [0, 1, 2]], ["irrelevant", [0, 1]]]),
  });
  assert.ok(r.runs.filter((x) => x.listing).length >= 20);
  assert.ok(disasmStats.spawns - spawns <= 1, `${disasmStats.spawns - spawns} spawns`);
});

Deno.test("listing: pc-relative operands move with the address their word is listed at", () => {
  // bl #+0x400 at two addresses.
  const bl = 0x94000100;
  assert.equal(pcRelativeTarget(bl, 0x8008000000n), 0x8008000400n);
  assert.equal(pcRelativeTarget(bl, 0x10n), 0x410n);
  assert.equal(relocateText("bl 0x400", 0x8008000000n), "bl 0x8008000400");
  // adrp: the page of the pc.
  assert.equal(relocateText("adrp x0, 0x1000", 0x8008000123n), "adrp x0, 0x8008001000");
  assert.equal(pcRelativeTarget(0x90000000, 0x8008000123n), 0x8008000000n); // adrp x0, 0
  // A backwards branch: the text at address 0 wrapped around.
  assert.equal(relocateText("b 0xfffffffffffffffc", 0x100n), "b 0xfc");
  assert.equal(pcRelativeTarget(0x17ffffff, 0x100n), 0xfcn);
  // Immediates and memory operands are not targets.
  assert.equal(relocateText("mov x0, #0x10", 0x100n), "mov x0, #0x10");
  assert.equal(relocateText("ldr x0, [x1, #8]", 0x100n), "ldr x0, [x1, #8]");
  assert.equal(pcRelativeTarget(0xd503201f, 0x100n), undefined); // nop
  // cbz, tbz and a literal load.
  assert.equal(pcRelativeTarget(0xb4000040, 0x100n), 0x108n); // cbz x0, +8
  assert.equal(pcRelativeTarget(0x36000040, 0x100n), 0x108n); // tbz w0, #0, +8
  assert.equal(pcRelativeTarget(0x58000040, 0x100n), 0x108n); // ldr x0, +8
  assert.equal(pcRelativeTarget(0x54000040, 0x100n), 0x108n); // b.eq +8
});
