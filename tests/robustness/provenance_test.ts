/**
 * Provenance that refuses the incomparable: results record the CPU file's
 * sha256 and the sweep's identity; merge refuses shards of different sweeps,
 * compare refuses different CPU files of one name and version, and cases on
 * one side only fail a comparison unless --allow-missing.
 */
import assert from "node:assert/strict";
import { sha256Hex } from "../../src/hash.ts";
import { assertInputError, harness, ROOT, withTempDir } from "./cli.ts";

const sha256Of = async (path: string) => sha256Hex(await Deno.readFile(path));

/** `run scenarios/single-tracer.ts <args> --quiet --listing none --json <out>`, which must pass. */
async function run(out: string, ...args: string[]): Promise<Record<string, unknown>> {
  const r = await harness([
    "run",
    "scenarios/single-tracer.ts",
    ...args,
    "--quiet",
    "--listing",
    "none",
    "--json",
    out,
  ]);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(await Deno.readTextFile(out));
}

Deno.test("results record the CPU file's sha256 and the sweep identity", async () => {
  await withTempDir(async (dir) => {
    const result = await run(
      `${dir}/a.json`,
      "--param",
      "args=1,2",
      "--variant",
      "args",
      "--variant",
      "nop",
      "--cpu",
      "neoverse-n1",
    );
    assert.deepEqual(result.cpu, {
      name: "neoverse-n1",
      version: (JSON.parse(await Deno.readTextFile(`${ROOT}src/timing/cpus/neoverse-n1.json`)))
        .version,
      sha256: await sha256Of(`${ROOT}src/timing/cpus/neoverse-n1.json`),
    });
    assert.deepEqual(result.sweep, {
      scenarioSha256: await sha256Of(`${ROOT}scenarios/single-tracer.ts`),
      overrides: { args: [1, 2] },
      variants: ["args", "nop"],
      parameterSets: 2,
      listing: "none",
      shards: 1,
    });
  });
});

Deno.test("compare refuses the same CPU name and version from different CPU files", async () => {
  await withTempDir(async (dir) => {
    const cpu = `${dir}/my-core.json`;
    const text = await Deno.readTextFile(`${ROOT}src/timing/cpus/cortex-a55.json`);
    await Deno.writeTextFile(cpu, text);
    const args = ["--param", "args=1", "--variant", "args", "--cpu", cpu];
    await run(`${dir}/base.json`, ...args);
    // An edit that keeps the name and version: the files differ, the label does not.
    await Deno.writeTextFile(cpu, text.trimEnd() + "\n\n");
    await run(`${dir}/cur.json`, ...args);
    assertInputError(
      await harness(["compare", `${dir}/base.json`, `${dir}/cur.json`]),
      /not compared: single-tracer: .*base\.json and .*cur\.json were both measured with cortex-a55 \d+, but from different CPU files/,
    );
    // An old baseline without the hash: compared, with a note saying what is unknown.
    const old = JSON.parse(await Deno.readTextFile(`${dir}/base.json`));
    delete old.cpu.sha256;
    delete old.sweep;
    await Deno.writeTextFile(`${dir}/old.json`, JSON.stringify(old));
    const r = await harness(["compare", `${dir}/old.json`, `${dir}/cur.json`]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(
      r.stderr,
      /^note: single-tracer: the CPU file of .*old\.json is unknown \(written before CPU file hashes were recorded\)/m,
    );
  });
});

Deno.test("merge refuses shards of different --param or --variant, naming the difference", async () => {
  await withTempDir(async (dir) => {
    const shard = (i: number, ...args: string[]) =>
      run(`${dir}/s${i}.json`, "--shard", `${i}/2`, ...args);
    await shard(1, "--param", "args=1,2", "--variant", "args");
    await shard(2, "--param", "args=3,4", "--variant", "args");
    assertInputError(
      await harness(["merge", `${dir}/s1.json`, `${dir}/s2.json`, "-o", `${dir}/m.json`]),
      /cannot merge .*s2\.json with .*s1\.json: different parameter overrides \(--param\) \(\{"args":\[3,4\]\} vs \{"args":\[1,2\]\}\)/,
    );
    await shard(2, "--param", "args=1,2", "--variant", "regs");
    assertInputError(
      await harness(["merge", `${dir}/s1.json`, `${dir}/s2.json`, "-o", `${dir}/m.json`]),
      /different variants \(--variant\) \(\["regs"\] vs \["args"\]\)/,
    );
    await assert.rejects(() => Deno.stat(`${dir}/m.json`), Deno.errors.NotFound, "nothing written");
    // The same sweep merges.
    await shard(2, "--param", "args=1,2", "--variant", "args");
    const ok = await harness(["merge", `${dir}/s1.json`, `${dir}/s2.json`, "-o", `${dir}/m.json`]);
    assert.equal(ok.code, 0, ok.stderr);
    const merged = JSON.parse(await Deno.readTextFile(`${dir}/m.json`));
    assert.equal(merged.sweep.shards, 1);
    assert.equal(merged.runs.length, 2);
  });
});

Deno.test("compare: removed or added cases exit 1 unless --allow-missing", async () => {
  await withTempDir(async (dir) => {
    await run(`${dir}/base.json`, "--param", "args=1,2", "--variant", "args");
    await run(`${dir}/cur.json`, "--param", "args=1", "--variant", "args");
    const r = await harness(["compare", `${dir}/base.json`, `${dir}/cur.json`]);
    assert.equal(r.code, 1, r.stderr);
    assert.match(r.stdout, /2 cases: 0 regressed, 0 improved, 1 unchanged, 0 added, 1 removed/);
    assert.match(
      r.stderr,
      /^incomplete: 1 case only in .*base\.json \(removed\) and 0 only in .*cur\.json \(added\): the two runs do not cover the same cases, so the comparison fails; pass --allow-missing/m,
    );
    const json = await harness(["compare", `${dir}/base.json`, `${dir}/cur.json`, "--json"]);
    assert.equal(json.code, 1);
    const cmp = JSON.parse(json.stdout);
    assert.equal(cmp.incomplete, true);
    assert.equal(cmp.ok, false);
    const allowed = await harness([
      "compare",
      `${dir}/base.json`,
      `${dir}/cur.json`,
      "--allow-missing",
    ]);
    assert.equal(allowed.code, 0, allowed.stderr);
    assert.match(allowed.stderr, /^note: 1 case only in .*compared the common cases only/m);
  });
});
