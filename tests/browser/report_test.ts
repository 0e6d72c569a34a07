/**
 * The HTML report in a real browser: Debian's chromium, driven by
 * playwright-core, opens a report of the real scenarios (timed on every
 * built-in CPU model for one of them, and a hostile scenario) from disk, with
 * every network request refused. The verdict comes first, in the order of
 * the summary's JSON; the ftrace-ops sweep has a log axis; each CPU model
 * has its cycles chart; the checks show only failures; every listing is
 * complete and the diff view aligns two variants by phase; nothing overflows
 * at 1,000 px or at print width; no console errors. Screenshots go to
 * test-artifacts/.
 *
 * `deno task test` installs chromium when missing (as root). Where it is
 * absent and cannot be installed, this test fails and says so: it is never
 * skipped silently.
 */
import assert from "node:assert/strict";
import { chromium, type Page } from "playwright-core";
import { unicornFactory } from "../../src/engine/unicorn.ts";
import { loadScenario } from "../../src/cli/main.ts";
import { renderReport } from "../../src/report/html/page.ts";
import { summarize, summaryText } from "../../src/report/summary.ts";
import { historyRecord } from "../../src/store/history.ts";
import { recordRuns } from "../../src/store/record.ts";
import { selectCpus } from "../../src/runner/run_scenario.ts";
import type { StoredResult } from "../../src/store/schema.ts";
import { scenarioFiles } from "../scenario_files.ts";

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

/** Elements that stick out of the page (or the page itself): none may. */
const OVERFLOW = `(() => {
  const width = document.documentElement.clientWidth;
  const out = [...document.querySelectorAll("table, pre, figure, section, .chip, .listing-box, .scroll-box")]
    .filter((e) => e.getClientRects().length && e.getBoundingClientRect().right > width + 1)
    .map((e) => e.tagName.toLowerCase() + "." + e.className + " " + Math.round(e.getBoundingClientRect().right));
  return { width, scroll: document.documentElement.scrollWidth, out: out.slice(0, 10) };
})()`;

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
    ...scenarioFiles(),
    `${ROOT}tests/report/fixtures/evil-scenario.ts`,
  ];
  const results: StoredResult[] = [];
  for (const file of files) {
    const scenario = await loadScenario(file);
    results.push(
      ...await recordRuns(scenario, {
        factory: unicornFactory,
        file,
        root: ROOT,
        listing: "default",
        cpus: [],
      }),
    );
  }
  // One scenario timed on every built-in model, as `--cpu all` runs it: one result each.
  const single = await loadScenario(`${ROOT}scenarios/single-tracer.ts`);
  results.push(
    ...await recordRuns(single, {
      factory: unicornFactory,
      file: null,
      root: ROOT,
      listing: "default",
      cpus: await selectCpus("all"),
      overrides: new Map([["args", [0, 2, 8]]]),
    }),
  );
  // A scenario with a failing check, for the checks table.
  const broken = structuredClone(results.find((r) => r.scenario === "struct-ops")!);
  broken.scenario = "struct-ops-broken";
  const run = broken.runs.find((r) => r.variant === "bpf" && r.params.args === 2)!;
  Object.assign(run, {
    status: "failed",
    ok: false,
    reason: "callee-saved: x19 = 0x0, expected 0x1919191919191919",
    metrics: null,
    overhead: null,
    phases: null,
    listing: undefined,
  });
  run.checks[0] = {
    name: "callee-saved",
    ok: false,
    detail: "x19 = 0x0, expected 0x1919191919191919",
  };
  results.push(broken);
  return results;
}

async function noOverflow(page: Page, what: string): Promise<void> {
  const o = await page.evaluate(OVERFLOW) as { width: number; scroll: number; out: string[] };
  assert.ok(o.scroll <= o.width, `${what}: the page is ${o.scroll} px wide in ${o.width}`);
  assert.deepEqual(o.out, [], `${what}: nothing sticks out of ${o.width} px`);
}

Deno.test("browser: the report of the real scenarios opens from disk and reads at a glance", async () => {
  requireChromium();
  const results = await realResults();
  const meta = (date: string) => ({ date, project: { commit: null, dirty: null } });
  // The second stored run has one more instruction and store in every args run.
  const worse = structuredClone(results);
  for (const r of worse) {
    for (const run of r.runs.filter((x) => x.variant === "args" && x.metrics)) {
      run.metrics!.instructions += 1;
      run.metrics!.stores += 1;
    }
  }
  const history = [
    { path: "h/1.json", record: historyRecord(results, meta("2025-01-01T00:00:00.000Z")) },
    { path: "h/2.json", record: historyRecord(worse, meta("2025-01-02T00:00:00.000Z")) },
  ];
  const dir = await Deno.makeTempDir({ prefix: "ftrace-bench-browser-" });
  const file = `${dir}/report.html`;
  await Deno.writeTextFile(file, await renderReport({ results, history, sources: ["test"] }));
  const context = await chromium.launchPersistentContext(`${dir}/profile`, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1000, height: 1000 },
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
    await page.waitForSelector("html[data-ready=true]");
    await Deno.mkdir(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: `${ARTIFACTS}/report.png` });

    // The verdict is the first section, in the order of the summary's JSON.
    const firstSection = await page.evaluate(`document.querySelector("main > section").id`);
    assert.equal(firstSection, "summary");
    const summary = summarize(results);
    const data = JSON.parse(await page.locator("#report-data").textContent() ?? "{}");
    assert.deepEqual(data.summary, JSON.parse(JSON.stringify(summary)), "the page's summary");
    const shown = await page.evaluate(
      `[...document.querySelectorAll("table.overview tbody tr")].map((tr) =>
        [tr.dataset.scenario, [...tr.querySelectorAll(".chip")].map((c) => c.dataset.variant)])`,
    ) as [string, string[]][];
    assert.deepEqual(
      shown,
      summary.tables.map((t) => [t.scenario, t.rows.map((r) => r.variant)]),
      "the overview's rows and variants in the JSON's order",
    );
    for (const t of summary.tables) {
      const costs = t.rows.filter((r) => r.instructions !== null).map((r) => r.instructions!);
      assert.deepEqual(costs, [...costs].sort((a, b) => a - b), `${t.scenario}: cheapest first`);
    }

    // Every chart drawn.
    const charts = await page.evaluate(CANVAS_PIXELS) as {
      id: string;
      width: number;
      height: number;
      drawn: number;
    }[];
    assert.equal(charts.length, data.charts.length, "a canvas per chart");
    for (const c of charts) {
      assert.ok(c.width > 0 && c.height > 0, `${c.id} has a size`);
      assert.ok(c.drawn > 500, `${c.id} has drawn pixels (${c.drawn})`);
    }

    // ftrace-ops sweeps 0, 1, 2, 10, 100 ops: a log axis, ticks at the values.
    const opsSweep =
      (data.charts as { id: string; title: string; xScale?: string; labels: string[] }[])
        .find((c) => c.title.includes("against relevant") && c.labels.includes("100"))!;
    assert.equal(opsSweep.xScale, "log");
    const axis = await page.evaluate(`(() => {
      const x = Chart.getChart("${opsSweep.id}").scales.x;
      return x.ticks.map((t) => [String(t.label), x.getPixelForValue(t.value)]);
    })()`) as [string, number][];
    assert.deepEqual(axis.map(([l]) => l), ["0", "1", "2", "10", "100"]);
    const px = axis.map(([, p]) => p);
    assert.ok(px[4] - px[3] < 2 * (px[3] - px[1]), `log spacing: ${px.join(", ")}`);

    // Each CPU model has its cycles chart, titled with the model.
    const group = data.verdicts.findIndex((v: { cpus: string[] }) => v.cpus.length === 3);
    assert.ok(group >= 0, "single-tracer's group has three models");
    for (const cpu of data.verdicts[group].cpus) {
      const title = await page.evaluate(
        `[...document.querySelectorAll("canvas")].map((c) => c.getAttribute("aria-label"))
          .find((t) => t.startsWith("Overhead cycles, ${cpu}"))`,
      );
      assert.ok(title, `a cycles chart for ${cpu}`);
    }

    // The checks: a count where all passed, only the failures where some did not.
    const brokenIx = results.findIndex((r) => r.scenario === "struct-ops-broken");
    const brokenSection = page.locator(
      `#scenario-${[...new Set(results.map((r) => r.scenario))].indexOf("struct-ops-broken")}`,
    );
    assert.ok(brokenIx >= 0);
    assert.equal(await brokenSection.locator("table.checks tbody tr").count(), 1);
    assert.match(await brokenSection.locator("table.checks").innerText(), /callee-saved/);
    assert.equal(await page.locator("table.checks").count(), 1, "no table where all passed");

    // Every listing is complete: each listed run drawn has one row per instruction.
    const names = [...new Set(results.map((r) => r.scenario))];
    for (const [i, name] of names.entries()) {
      const section = page.locator(`#scenario-${i}`);
      assert.equal(await section.locator("h2").textContent(), name, "names render as text");
      const listed = results.filter((r) => r.scenario === name)
        .flatMap((r) => r.runs.filter((x) => x.listing));
      const select = section.locator(".listing-explorer select.run-a");
      if (listed.length === 0) continue;
      assert.equal(await select.locator("option").count(), listed.length, `${name}: listed runs`);
      for (const [k, run] of listed.entries()) {
        await select.selectOption(String(k));
        const rows = section.locator("table.listing tbody tr:not(.phase-head)");
        assert.equal(await rows.count(), run.listing!.length, `${name} ${run.variant} listing`);
      }
    }

    // The diff view: args and call-ops of single-tracer, aligned by phase.
    const st = page.locator(`#scenario-${names.indexOf("single-tracer")}`);
    const options = await st.locator("select.run-a option").allTextContents();
    const pick = (v: string) =>
      String(options.findIndex((o) => o.startsWith(`${v} ·`) && o.includes("neoverse-n1")));
    await st.locator("select.run-a").selectOption(pick("args"));
    await st.locator("select.run-b").selectOption(pick("call-ops"));
    const diff = await page.evaluate(`(() => {
      const s = document.getElementById("scenario-${names.indexOf("single-tracer")}");
      const rows = [...s.querySelectorAll("table.listing-diff tbody tr")];
      const side = (tr, k) => {
        const cells = [...tr.children].slice(k ? 5 : 0, k ? 10 : 5);
        return cells[0] && cells[0].textContent ? { text: cells[2].textContent, count: Number(cells[3].textContent) } : null;
      };
      return rows.map((tr) => tr.classList.contains("phase-head")
        ? { phase: tr.children[0].textContent.split(":")[0] }
        : { cls: tr.className, left: side(tr, 0), right: side(tr, 1) });
    })()`) as {
      phase?: string;
      cls?: string;
      left?: { text: string; count: number } | null;
      right?: { text: string; count: number } | null;
    }[];
    const runOf = (v: string) =>
      results.find((r) => r.scenario === "single-tracer" && r.cpu?.name === "neoverse-n1")!.runs
        .find((x) => x.variant === v && x.listing)!;
    const total = (k: "left" | "right") => diff.reduce((n, d) => n + (d[k]?.count ?? 0), 0);
    assert.equal(total("left"), runOf("args").metrics!.instructions, "every left line once");
    assert.equal(total("right"), runOf("call-ops").metrics!.instructions, "every right line once");
    const phases = diff.filter((d) => d.phase).map((d) => d.phase);
    assert.deepEqual(phases.slice(0, 3), ["caller", "patch-site", "save"], "aligned by phase");
    const same = diff.filter((d) => d.left && d.right && d.cls !== "d-chg");
    assert.ok(same.length > 20, `${same.length} lines aligned as the same instruction`);
    assert.ok(diff.some((d) => d.cls === "d-add"), "call-ops' extra instructions shown as added");
    await st.locator(".listing-explorer").scrollIntoViewIfNeeded();
    await page.screenshot({ path: `${ARTIFACTS}/report-listing-diff.png` });

    // A line can be linked to.
    await st.locator("select.run-b").selectOption("");
    await page.evaluate(`location.hash = "#L${names.indexOf("single-tracer")}-${pick("regs")}-7"`);
    await page.waitForSelector("tr.target");

    assert.equal(await page.locator("table.history tbody tr").count(), 2);
    // The stored runs' regression, grouped: the table's (computed here) and the page's own
    // comparison of any two runs (computed in the page) say the same.
    const grouped = (await page.locator("table.history tbody tr:nth-child(2) summary").first()
      .innerText()).trim();
    assert.match(grouped, /^REGRESSED: \+1 insn, \+1 store: args in \d+ scenarios \(\d+ cases\)$/);
    const inPage = (await page.locator(".history-diff .hist-result summary").first().innerText())
      .trim();
    assert.equal(inPage, grouped);

    // The verdict at another parameter set: bpf-fentry's fexit has n/a variants, listed last.
    const bpf = page.locator(`#scenario-${names.indexOf("bpf-fentry")} .verdict`);
    const fexit = await bpf.locator("select.set-select option").allTextContents();
    await bpf.locator("select.set-select").selectOption(
      String(fexit.indexOf("args=2 attach=fexit other_tracers=0")),
    );
    const verdictRows = await bpf.locator("tbody tr").allInnerTexts();
    assert.match(verdictRows[0], /^1\s+direct\s/);
    assert.deepEqual(
      verdictRows.filter((r) => /n\/a: fexit needs a trampoline/.test(r)).length,
      3,
      "regs, args and call-ops are n/a at fexit",
    );
    assert.match(verdictRows[verdictRows.length - 1], /n\/a/);

    // The run table sorts and filters in the page.
    const runsTable = page.locator(`#runs-${0}`);
    await runsTable.locator("th", { hasText: "+insns" }).click();
    await runsTable.locator("th", { hasText: "+insns" }).click();
    const sorted = await page.evaluate(`(() => {
      const col = [...document.querySelectorAll("#runs-0 thead th")]
        .findIndex((th) => th.textContent === "+insns");
      return [...document.querySelectorAll("#runs-0 tbody tr")].map((tr) => tr.cells[col].textContent);
    })()`) as string[];
    const numbers = sorted.filter((v) => v !== "-").map(Number);
    assert.deepEqual(numbers, [...numbers].sort((a, b) => b - a), "sorted, largest first");
    await page.locator('input.row-filter[data-table="runs-0"]').fill("direct-far fexit");
    const visible = await page.evaluate(
      `[...document.querySelectorAll("#runs-0 tbody tr")].filter((tr) => !tr.hidden).length`,
    );
    assert.equal(visible, 18, "direct-far at fexit: 9 args values x 2 other_tracers");
    await page.locator('input.row-filter[data-table="runs-0"]').fill("");

    // The summary to copy is the text output's.
    assert.equal(await page.locator("#summary-text").textContent(), summaryText(summary));
    await page.locator('button[data-copy="summary-text"]').click();
    // A locator wait, not waitForFunction: the report's CSP forbids the eval that its
    // polling would need once the clipboard answers later than the first check.
    await page.locator(".copy-status").filter({ hasText: /\S/ }).waitFor();
    // The n/a runs of the hostile scenario show as n/a.
    const evil = page.locator(`#scenario-${names.length - 2}`);
    await evil.locator("h2").scrollIntoViewIfNeeded();
    await page.screenshot({ path: `${ARTIFACTS}/report-escaped.png` });

    // Nothing overflows on a 1,000 px screen, nor on an A4 page.
    await noOverflow(page, "1000 px");
    await page.emulateMedia({ media: "print" });
    await page.setViewportSize({ width: 718, height: 1000 });
    await page.waitForTimeout(200);
    await noOverflow(page, "print");
    await page.screenshot({ path: `${ARTIFACTS}/report-print.png` });
    await page.emulateMedia({ media: "screen", colorScheme: "dark" });
    await page.setViewportSize({ width: 1000, height: 1000 });
    await page.evaluate(`window.scrollTo(0, 0)`);
    await page.screenshot({ path: `${ARTIFACTS}/report-dark.png` });
    assert.deepEqual(problems, [], "no console errors, dialogs or network requests");
  } finally {
    await context.close();
    await Deno.remove(dir, { recursive: true });
  }
});
