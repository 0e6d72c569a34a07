/** `--cpu` end to end: results carry the model, cycles everywhere, per-pc cycles; bad CPU files. */
import assert from "node:assert/strict";

import { causeTotal } from "../../src/timing/causes.ts";

const ROOT = new URL("../../", import.meta.url).pathname;

async function cli(...args: string[]) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "mod.ts", "run", ...args],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code: out.code, stdout: text(out.stdout), stderr: text(out.stderr) };
}

// deno-lint-ignore no-explicit-any
type Json = Record<string, any>;

Deno.test("--cpu NAME: cpu, cycles in metrics, overhead and phases, per-pc cycles; deterministic", async () => {
  const args = [
    "scenarios/single-tracer.ts",
    "--param",
    "args=2",
    "--cpu",
    "neoverse-n1",
    "--json",
    "-",
  ];
  const [first, second] = [await cli(...args), await cli(...args)];
  assert.equal(first.code, 0, first.stderr);
  const a: Json = JSON.parse(first.stdout), b: Json = JSON.parse(second.stdout);
  assert.deepEqual({ name: a.cpu.name, version: a.cpu.version }, {
    name: "neoverse-n1",
    version: "3",
  });
  assert.deepEqual(a.runs, b.runs, "bit-identical cycles across runs");
  for (const run of a.runs) {
    assert.equal(run.status, "ok", run.reason);
    assert.ok(Number.isInteger(run.metrics.cycles) && run.metrics.cycles > 0);
    const phases = Object.values(run.phases as Record<string, Json>);
    assert.equal(phases.reduce((n, p) => n + p.cycles, 0), run.metrics.cycles);
    const byPc = Object.values(run.cyclesByPc as Record<string, number>);
    assert.equal(byPc.reduce((n, c) => n + c, 0), run.metrics.cycles);
    // Why: causes per pc add up to that pc's cycles, per phase to the phase's.
    for (const [pc, cycles] of Object.entries(run.cyclesByPc as Record<string, number>)) {
      // A pc charged nothing is left out.
      assert.equal(causeTotal(run.cycleCausesByPc[pc] ?? {}), cycles, `${run.variant} ${pc}`);
    }
    for (const [phase, m] of Object.entries(run.phases as Record<string, Json>)) {
      if (m.instructions === 0) continue;
      assert.equal(causeTotal(run.cycleCauses[phase]), m.cycles, `${run.variant} ${phase}`);
    }
    // How: training passes and the steady state's mispredicts by kind.
    assert.ok(run.timing.passes >= 2 && run.timing.passes <= 16, `${run.timing.passes}`);
    assert.deepEqual(Object.keys(run.timing.mispredicts).sort(), [
      "conditional",
      "indirect",
      "return",
    ]);
  }
  const nop = a.runs.find((r: Json) => r.variant === "nop");
  const args2 = a.runs.find((r: Json) => r.variant === "args");
  assert.equal(args2.overhead.cycles, args2.metrics.cycles - nop.metrics.cycles);
  // The default listing carries the cycles charged to each instruction.
  assert.ok(args2.listing.every((e: Json) => e.cycles === args2.cyclesByPc[e.address]));
  assert.match(first.stderr, /cycles/);
});

Deno.test("--cpu NAME:first-call: one untrained pass, recorded as such", async () => {
  const r = await cli(
    "scenarios/single-tracer.ts",
    "--param",
    "args=1",
    "--variant",
    "args",
    "--cpu",
    "apple-m1:first-call",
    "--json",
    "-",
  );
  assert.equal(r.code, 0, r.stderr);
  const result: Json = JSON.parse(r.stdout);
  assert.equal(result.cpu.name, "apple-m1:first-call");
  assert.equal(result.runs[0].timing.passes, 0);
  const m = result.runs[0].timing.mispredicts;
  assert.ok(m.conditional + m.indirect + m.return > 0, JSON.stringify(m));
});

Deno.test("--cpu all: one result file per model, named after it", async () => {
  const dir = await Deno.makeTempDir();
  try {
    const r = await cli(
      "scenarios/single-tracer.ts",
      "--param",
      "args=1",
      "--variant",
      "args",
      "--cpu",
      "all",
      "--quiet",
      "--json",
      `${dir}/out.json`,
    );
    assert.equal(r.code, 0, r.stderr);
    for (const cpu of ["cortex-a55", "neoverse-n1", "apple-m1"]) {
      const result: Json = JSON.parse(await Deno.readTextFile(`${dir}/out.${cpu}.json`));
      assert.equal(result.cpu.name, cpu);
      assert.ok(result.runs[0].metrics.cycles > 0);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("--cpu FILE.json with a malformed field names the field and the file", async () => {
  const json = JSON.parse(await Deno.readTextFile(`${ROOT}src/timing/cpus/cortex-a55.json`));
  json.memory.lineBytes = 48;
  const path = await Deno.makeTempFile({ suffix: ".json" });
  try {
    await Deno.writeTextFile(path, JSON.stringify(json));
    const r = await cli("scenarios/single-tracer.ts", "--cpu", path);
    assert.equal(r.code, 2);
    assert.ok(r.stderr.includes(path), r.stderr);
    assert.match(r.stderr, /field memory\.lineBytes is not a power of two/);
    assert.doesNotMatch(r.stderr, /internal error/);
  } finally {
    await Deno.remove(path);
  }
});
