/**
 * The publishing commands as a user runs them: the main job's results,
 * history and HTML report, `report`, `compare`, `run --shard` and `merge`,
 * with the bad inputs each must refuse.
 */
import assert from "node:assert/strict";
import { scenarioFiles } from "../scenario_files.ts";

const ROOT = new URL("../../", import.meta.url).pathname;

interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

async function harness(...args: string[]): Promise<Outcome> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "mod.ts", ...args],
    cwd: ROOT,
    env: { CI: "true" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code: out.code, stdout: text(out.stdout), stderr: text(out.stderr) };
}

async function exists(path: string): Promise<boolean> {
  return await Deno.stat(path).then(() => true, () => false);
}

/** Refused: exit 2, a one-paragraph error naming `names`, no stack trace. */
function assertRefused(r: Outcome, message: RegExp) {
  assert.equal(r.code, 2, `expected exit 2, got ${r.code}: ${r.stderr}`);
  assert.match(r.stderr, /^error: /);
  assert.match(r.stderr, message);
  assert.doesNotMatch(r.stderr, /internal error|^ {4}at /m, "no stack trace");
}

const tmp = () => Deno.makeTempDir({ prefix: "ftrace-bench-report-" });

Deno.test("main job: results, a history record per run and a report of the real scenarios", async () => {
  const out = await tmp();
  try {
    const first = await harness("main", "--out", out);
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /report in .*report\.html/);
    assert.doesNotMatch(first.stderr, /\r/, "no progress bar when stderr is not a terminal");
    const second = await harness("main", "--out", out);
    assert.equal(second.code, 0, second.stderr);
    const history = [...Deno.readDirSync(`${out}/history`)].map((e) => e.name).sort();
    assert.equal(history.length, 2);
    const scenarios = scenarioFiles();
    const single = JSON.parse(await Deno.readTextFile(`${out}/single-tracer.json`));
    assert.equal(single.schema, 1);
    assert.match(single.meta.date, /^\d{4}-\d\d-\d\dT/);
    assert.match(single.meta.project.commit, /^[0-9a-f]{40}$/);
    assert.equal(single.meta.scenarioFile.path, "scenarios/single-tracer.ts");
    assert.match(single.meta.scenarioFile.sha256, /^[0-9a-f]{64}$/);
    assert.deepEqual(single.defaults, { args: 2, tracer: "empty" });
    const listed = single.runs.filter((r: { listing?: unknown }) => r.listing);
    assert.deepEqual(listed.map((r: { variant: string }) => r.variant), [
      "nop",
      "regs",
      "args",
      "call-ops",
      "direct",
    ]);
    assert.ok(listed.every((r: { params: { args: number } }) => r.params.args === 2));
    const html = await Deno.readTextFile(`${out}/report.html`);
    assert.ok(html.length > 200_000, "chart.js inlined");
    // Small enough to mail or attach: chart.js is ~210 KB of it.
    const bytes = new TextEncoder().encode(html).length;
    assert.ok(bytes < 600_000, `the main job's report is ${bytes} bytes`);
    const main = html.slice(html.indexOf("<main>"));
    assert.ok(main.indexOf('<section id="summary">') < main.indexOf('<section id="scenario-'));
    for (const file of scenarios) {
      const json = file.slice(file.lastIndexOf("/") + 1).replace(/\.ts$/, ".json");
      const name = JSON.parse(await Deno.readTextFile(`${out}/${json}`)).scenario;
      assert.ok(html.includes(`<h2>${name}</h2>`), `section for ${name}`);
    }
    assert.match(html, /2 stored runs/);
    assert.match(html, /no regression/);
    // The verdict for a mailing list: every line at most 80 columns.
    for (const format of ["md", "text"]) {
      const files = [...Deno.readDirSync(out)].filter((e) => e.name.endsWith(".json"))
        .map((e) => `${out}/${e.name}`);
      const r = await harness("report", ...files, "--format", format);
      assert.equal(r.code, 0, r.stderr);
      const lines = r.stdout.split("\n");
      assert.ok(lines.length > 8 * 6, `${format}: every scenario`);
      for (const line of lines) assert.ok(line.length <= 80, `${format}: ${line}`);
    }
    // Two history records of identical code: compare says so, exit 0.
    const cmp = await harness(
      "compare",
      `${out}/history/${history[0]}`,
      `${out}/history/${history[1]}`,
    );
    assert.equal(cmp.code, 0, cmp.stderr);
    assert.match(cmp.stdout, /0 regressed, 0 improved, \d+ unchanged/);
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});

Deno.test("report: corrupt, truncated, newer-schema or missing inputs are refused, nothing written", async () => {
  const dir = await tmp();
  try {
    const good = `${dir}/good.json`;
    const r = await harness(
      "run",
      "scenarios/single-tracer.ts",
      "--param",
      "args=1",
      "--json",
      good,
    );
    assert.equal(r.code, 0, r.stderr);
    const text = await Deno.readTextFile(good);
    await Deno.writeTextFile(`${dir}/truncated.json`, text.slice(0, 1000));
    await Deno.writeTextFile(
      `${dir}/corrupt.json`,
      text.replace(/"instructions": \d+/, '"instructions": "x"'),
    );
    await Deno.writeTextFile(`${dir}/newer.json`, text.replace('"schema": 1', '"schema": 2'));
    const out = `${dir}/report.html`;
    await Deno.writeTextFile(out, "previous report");
    const cases: [string, RegExp][] = [
      ["truncated.json", /truncated\.json is not valid JSON \(truncated or corrupt\?\)/],
      ["corrupt.json", /corrupt\.json: runs\[0\]\.metrics\.instructions is not a number/],
      ["newer.json", /newer\.json: results file schema 2 .*is newer than this harness reads/],
      ["missing.json", /cannot read results file .*missing\.json: no such file/],
    ];
    for (const [file, message] of cases) {
      assertRefused(
        await harness("report", good, `${dir}/${file}`, "-o", out, "--no-history"),
        message,
      );
      assert.equal(await Deno.readTextFile(out), "previous report", "the old report is untouched");
    }
    // A bad record in the history is named too.
    await Deno.mkdir(`${dir}/history`);
    await Deno.writeTextFile(`${dir}/history/2025-01-01.json`, "{");
    assertRefused(
      await harness("report", good, "-o", out, "--history", `${dir}/history`),
      /history\/2025-01-01\.json is not valid JSON/,
    );
    assert.equal(await Deno.readTextFile(out), "previous report");
    const ok = await harness("report", good, "-o", `${dir}/new.html`, "--no-history");
    assert.equal(ok.code, 0, ok.stderr);
    assert.deepEqual(
      [...Deno.readDirSync(dir)].filter((e) => e.name.startsWith(".")),
      [],
      "no temp files",
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("compare: exit 1 on a regression, --json for machines, refusals exit 2", async () => {
  const dir = await tmp();
  try {
    const base = `${dir}/base.json`;
    const r = await harness(
      "run",
      "scenarios/single-tracer.ts",
      "--param",
      "args=1,2",
      "--json",
      base,
    );
    assert.equal(r.code, 0, r.stderr);
    const result = JSON.parse(await Deno.readTextFile(base));
    result.runs[2].metrics.instructions += 1;
    await Deno.writeTextFile(`${dir}/worse.json`, JSON.stringify(result));
    const text = await harness("compare", base, `${dir}/worse.json`);
    assert.equal(text.code, 1, text.stderr);
    assert.match(text.stdout, /REGRESSED/);
    assert.match(text.stdout, /1 regressed/);
    const json = await harness("compare", base, `${dir}/worse.json`, "--json");
    assert.equal(json.code, 1);
    const cmp = JSON.parse(json.stdout);
    assert.equal(cmp.kind, "ftrace-bench-compare");
    assert.equal(cmp.regressed, true);
    assert.equal(cmp.summary.regressed, 1);
    const loose = await harness(
      "compare",
      base,
      `${dir}/worse.json`,
      "--threshold",
      "instructions=10",
    );
    assert.equal(loose.code, 0, loose.stdout);

    result.runs[2].metrics.instructions -= 1;
    result.cpu = { name: "neoverse-n1", version: "2" };
    await Deno.writeTextFile(`${dir}/n1.json`, JSON.stringify(result));
    assertRefused(
      await harness("compare", base, `${dir}/n1.json`),
      /not compared: .*measured with no timing model and .*n1\.json with neoverse-n1 2/,
    );
    result.schema = 3;
    await Deno.writeTextFile(`${dir}/newer.json`, JSON.stringify(result));
    assertRefused(
      await harness("compare", base, `${dir}/newer.json`),
      /newer\.json: results file schema 3/,
    );
    assertRefused(await harness("compare", base), /expected a baseline and a current results file/);
    assertRefused(
      await harness("compare", base, base, "--threshold", "ipc=2"),
      /--threshold ipc=2/,
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("--shard i/n slices a sweep deterministically and merge joins the slices", async () => {
  const dir = await tmp();
  try {
    const whole = await harness("run", "scenarios/single-tracer.ts", "--json", "-", "--quiet");
    assert.equal(whole.code, 0, whole.stderr);
    const shards: string[] = [];
    for (const i of [1, 2, 3, 4]) {
      const file = `${dir}/shard-${i}.json`;
      const r = await harness(
        "run",
        "scenarios/single-tracer.ts",
        "--shard",
        `${i}/4`,
        "--json",
        file,
        "--quiet",
      );
      assert.equal(r.code, 0, r.stderr);
      shards.push(file);
    }
    const first = JSON.parse(await Deno.readTextFile(shards[0]));
    assert.deepEqual(first.shard, { index: 1, count: 4, parameterSets: 9 });
    const merged = `${dir}/merged.json`;
    const m = await harness(
      "merge",
      shards[3],
      shards[1],
      shards[0],
      shards[2],
      "-o",
      merged,
      "--quiet",
    );
    assert.equal(m.code, 0, m.stderr);
    const a = JSON.parse(whole.stdout), b = JSON.parse(await Deno.readTextFile(merged));
    assert.deepEqual(b.runs, a.runs, "merged shards = one unsharded run, listings included");
    assert.equal(b.shard, undefined);

    const out = `${dir}/partial.json`;
    assertRefused(
      await harness("merge", shards[0], shards[2], shards[3], "-o", out),
      /shard 2\/4 of single-tracer missing/,
    );
    assert.equal(await exists(out), false, "nothing written");
    assertRefused(await harness("merge", shards[0], shards[0], "-o", out), /both shard 1\/4/);
    assertRefused(await harness("merge", shards[0]), /expected shard files and -o FILE/);
    for (const bad of ["0/4", "5/4", "2", "a/b", "1/0"]) {
      assertRefused(
        await harness("run", "scenarios/single-tracer.ts", "--shard", bad),
        /--shard .*expected i\/n/,
      );
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("--listing picks which runs carry the hot-path listing", async () => {
  const runs = async (mode: string) => {
    const r = await harness(
      "run",
      "scenarios/single-tracer.ts",
      "--param",
      "args=1,2",
      "--listing",
      mode,
      "--json",
      "-",
    );
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout).runs as { listing?: unknown[]; params: { args: number } }[];
  };
  assert.equal((await runs("none")).filter((r) => r.listing).length, 0);
  assert.equal((await runs("all")).filter((r) => r.listing).length, 10);
  const focus = (await runs("default")).filter((r) => r.listing);
  assert.equal(focus.length, 5);
  assert.ok(focus.every((r) => r.params.args === 2));
  assertRefused(
    await harness("run", "scenarios/single-tracer.ts", "--listing", "some"),
    /--listing some: expected one of default, all, none/,
  );
});

Deno.test("report --format md|text|json, and a --cpu all base name", async () => {
  const dir = await tmp();
  try {
    const r = await harness(
      "run",
      "scenarios/single-tracer.ts",
      "--param",
      "args=1,2",
      "--cpu",
      "all",
      "--json",
      `${dir}/ops.json`,
      "--quiet",
    );
    assert.equal(r.code, 0, r.stderr);
    // The files are ops.<cpu>.json; the base name reads them all.
    const text = await harness("report", `${dir}/ops.json`, "--format", "text");
    assert.equal(text.code, 0, text.stderr);
    assert.match(text.stdout, /^variant +insns +delta +ratio +cortex-a55 +neoverse-n1 +apple-m1$/m);
    for (const line of text.stdout.split("\n")) assert.ok(line.length <= 80, line);
    const json = JSON.parse(
      (await harness("report", `${dir}/ops.json`, "--format", "json")).stdout,
    );
    assert.equal(json.kind, "ftrace-bench-summary");
    const [t] = json.tables;
    assert.deepEqual(t.cpus.map((c: string) => c.split(" ")[0]), [
      "cortex-a55",
      "neoverse-n1",
      "apple-m1",
    ]);
    const insns = t.rows.map((x: { instructions: number }) => x.instructions);
    assert.deepEqual(insns, [...insns].sort((a, b) => a - b), "cheapest first");
    const md = await harness("report", `${dir}/ops.json`, "--format", "md", "-o", `${dir}/s.md`);
    assert.equal(md.code, 0, md.stderr);
    assert.match(
      await Deno.readTextFile(`${dir}/s.md`),
      /^\| variant +\| insns \| delta \| ratio \|/m,
    );
    const html = await harness("report", `${dir}/ops.json`, "-o", `${dir}/r.html`);
    assert.equal(html.code, 0, html.stderr);
    assert.match(html.stdout, /\(1 scenarios, 0 stored runs\)/, "an ad-hoc report has no history");
    // A name that matches nothing says what is there.
    assertRefused(
      await harness("report", `${dir}/nothing.json`, "--format", "text"),
      /nothing\.json: no such file, and no nothing\.<cpu>\.json .* \(.* has ops\.apple-m1\.json, /,
    );
    assertRefused(await harness("report", `${dir}/ops.json`, "--format", "pdf"), /--format pdf/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("compare --changed-only --layout narrow: a mailing-list post", async () => {
  const dir = await tmp();
  try {
    const base = `${dir}/base.json`;
    const r = await harness("run", "scenarios/single-tracer.ts", "--json", base, "--quiet");
    assert.equal(r.code, 0, r.stderr);
    const result = JSON.parse(await Deno.readTextFile(base));
    for (const run of result.runs) {
      if (run.metrics && ["args", "call-ops", "direct"].includes(run.variant)) {
        run.metrics.instructions += 1;
        run.metrics.stores += 1;
      }
    }
    await Deno.writeTextFile(`${dir}/cur.json`, JSON.stringify(result));
    const c = await harness(
      "compare",
      base,
      `${dir}/cur.json`,
      "--changed-only",
      "--layout",
      "narrow",
    );
    assert.equal(c.code, 1, c.stderr);
    for (const line of c.stdout.split("\n")) assert.ok(line.length <= 100, line);
    assert.match(
      c.stdout,
      /^REGRESSED: \+1 insn, \+1 store: args, call-ops, direct in single-tracer \(27 cases\)$/m,
    );
    assert.doesNotMatch(c.stdout, /^nop /m, "unchanged cases left out");
    assert.match(c.stdout, /^45 cases: 27 regressed, 0 improved, 18 unchanged/m);
    assertRefused(await harness("compare", base, base, "--layout", "tall"), /--layout tall/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("report with no results names what to do", async () => {
  const dir = await tmp();
  try {
    const r = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", `${ROOT}mod.ts`, "report"],
      cwd: dir,
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(r.code, 2);
    assert.match(new TextDecoder().decode(r.stderr), /no results to report: .*deno task bench/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
