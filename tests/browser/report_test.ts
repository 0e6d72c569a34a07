/**
 * The HTML report in a real browser: Debian's chromium, driven by
 * playwright-core, opens a report of the real scenarios (and a hostile one)
 * from disk, with every network request refused. No console errors, every
 * chart drawn, every listing complete; a screenshot goes to test-artifacts/.
 *
 * `deno task test` installs chromium when missing (as root). Where it is
 * absent and cannot be installed, this test fails and says so: it is never
 * skipped silently.
 */
import assert from "node:assert/strict";
import { chromium } from "playwright-core";
import { unicornFactory } from "../../src/engine/unicorn.ts";
import { loadScenario } from "../../src/cli/main.ts";
import { renderReport } from "../../src/report/html/page.ts";
import { historyRecord } from "../../src/store/history.ts";
import { recordRun } from "../../src/store/record.ts";
import type { StoredResult } from "../../src/store/schema.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const CHROMIUM = "/usr/bin/chromium";
const ARTIFACTS = `${ROOT}test-artifacts`;

/** Size and number of non-transparent pixels of every canvas on the page. */
const CANVAS_PIXELS = `[...document.querySelectorAll("canvas")].map((c) => {
  const data = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
  let drawn = 0;
  for (let i = 3; i < data.length; i += 4) if (data[i] !== 0) drawn++;
  return { id: c.id, width: c.width, height: c.height, drawn };
})`;

function requireChromium(): void {
  try {
    if (Deno.statSync(CHROMIUM).isFile) return;
  } catch {
    // reported below
  }
  throw new Error(
    `${CHROMIUM} not found: the browser test needs Debian's chromium. Run \`deno task test\` as ` +
      `root (it installs it), or \`apt-get install chromium\`.`,
  );
}

async function realResults(): Promise<StoredResult[]> {
  const files = [
    ...[...Deno.readDirSync(`${ROOT}scenarios`)].filter((e) => e.name.endsWith(".ts"))
      .map((e) => `${ROOT}scenarios/${e.name}`).sort(),
    `${ROOT}tests/report/fixtures/evil-scenario.ts`,
  ];
  const results: StoredResult[] = [];
  for (const file of files) {
    const scenario = await loadScenario(file);
    results.push(
      await recordRun(scenario, { factory: unicornFactory, file, root: ROOT, listing: "default" }),
    );
  }
  return results;
}

Deno.test("browser: the report of the real scenarios opens from disk and draws everything", async () => {
  requireChromium();
  const results = await realResults();
  const meta = (date: string) => ({ date, project: { commit: null, dirty: null } });
  const history = [
    { path: "h/1.json", record: historyRecord(results, meta("2025-01-01T00:00:00.000Z")) },
    { path: "h/2.json", record: historyRecord(results, meta("2025-01-02T00:00:00.000Z")) },
  ];
  const dir = await Deno.makeTempDir({ prefix: "ftrace-bench-browser-" });
  const file = `${dir}/report.html`;
  await Deno.writeTextFile(file, await renderReport({ results, history, sources: ["test"] }));
  const context = await chromium.launchPersistentContext(`${dir}/profile`, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1400, height: 1000 },
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  try {
    const page = context.pages()[0] ?? await context.newPage();
    const problems: string[] = [];
    page.on("console", (m) => {
      if (m.type() === "error" || m.type() === "warning") {
        problems.push(`console ${m.type()}: ${m.text()}`);
      }
    });
    page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
    page.on("dialog", (d) => {
      problems.push(`dialog opened: ${d.message()}`);
      d.dismiss();
    });
    await page.route("**/*", (route) => {
      const url = route.request().url();
      if (url.startsWith("file:")) return route.continue();
      problems.push(`network request: ${url}`);
      return route.abort();
    });
    await page.goto(`file://${file}`, { waitUntil: "load" });

    // Page code as a string: this program is type-checked without the DOM library.
    const charts = await page.evaluate(CANVAS_PIXELS) as {
      id: string;
      width: number;
      height: number;
      drawn: number;
    }[];
    const specs = JSON.parse(await page.locator("#chart-data").textContent() ?? "[]");
    assert.equal(charts.length, specs.length, "a canvas per chart");
    assert.ok(charts.length >= 4 * results.length, `${charts.length} charts`);
    for (const c of charts) {
      assert.ok(c.width > 0 && c.height > 0, `${c.id} has a size`);
      assert.ok(c.drawn > 500, `${c.id} has drawn pixels (${c.drawn})`);
    }

    for (const [i, r] of results.entries()) {
      const section = page.locator(`#scenario-${i}`);
      assert.equal(await section.locator("h2").textContent(), r.scenario, "names render as text");
      for (const run of r.runs.filter((x) => x.listing)) {
        const rows = section.locator(`table.listing[data-variant="${run.variant}"] tbody tr`);
        assert.equal(
          await rows.count(),
          run.listing!.length,
          `${r.scenario} ${run.variant} listing`,
        );
      }
      const na = r.runs.filter((x) => x.status === "n/a").length;
      assert.equal(await section.locator("table.runs td.na").count(), na, "n/a cells");
    }
    assert.equal(await page.locator("table.history tbody tr").count(), 2);

    await Deno.mkdir(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: `${ARTIFACTS}/report.png` });
    // The hostile scenario's section, scrolled into view: its markup shows as text.
    await page.locator(`#scenario-${results.length - 1} h2`).scrollIntoViewIfNeeded();
    await page.screenshot({ path: `${ARTIFACTS}/report-escaped.png` });
    assert.deepEqual(problems, [], "no console errors, dialogs or network requests");
  } finally {
    await context.close();
    await Deno.remove(dir, { recursive: true });
  }
});
