/**
 * `-h` and `--help` on every command print complete usage on stdout and exit
 * 0; `run <scenario> --help` lists the scenario's parameters and variants.
 */
import assert from "node:assert/strict";
import { scenarioVariants } from "../../src/runner/scenario.ts";
import { loadScenario } from "../../src/cli/main.ts";
import { harness } from "./cli.ts";

/** Every option each command's parser accepts (kept in step with src/cli/). */
const OPTIONS: Record<string, string[]> = {
  run: [
    "--variant",
    "--param",
    "--json",
    "--cpu",
    "--kernel",
    "--listing",
    "--shard",
    "--workers",
    "--quiet",
    "--help",
    "-h",
  ],
  main: ["--cpu", "--workers", "--out", "--help", "-h"],
  report: ["--out", "-o", "--format", "--all-sets", "--history", "--no-history", "--help", "-h"],
  compare: [
    "--threshold",
    "--allow-missing",
    "--json",
    "--changed-only",
    "--layout",
    "--quiet",
    "--help",
    "-h",
  ],
  merge: ["--out", "-o", "--quiet", "--help", "-h"],
  kernel: ["build", "list", "--cache", "--quiet"],
  asm: ["--variant", "--param", "--kernel", "--help", "-h"],
};

Deno.test("-h and --help on every command: complete usage, exit 0", async () => {
  for (const [command, options] of Object.entries(OPTIONS)) {
    for (const flag of ["-h", "--help"]) {
      const r = await harness([command, flag]);
      assert.equal(r.code, 0, `${command} ${flag}: ${r.stderr}`);
      assert.match(r.stdout, /^usage:/, `${command} ${flag}`);
      for (const option of options) {
        assert.ok(
          new RegExp(`(^|[\\s,\\[])${option}\\b`).test(r.stdout),
          `${command} ${flag} mentions ${option}:\n${r.stdout}`,
        );
      }
    }
  }
  for (const flag of ["-h", "--help", "help"]) {
    const r = await harness([flag]);
    assert.equal(r.code, 0, r.stderr);
    for (const command of Object.keys(OPTIONS)) {
      assert.match(r.stdout, new RegExp(`\\b${command}\\b`));
    }
    assert.match(r.stdout, /exit status: 0 ok; 1 .*; 2 a usage or input error/s);
  }
});

Deno.test("run <scenario> --help lists its parameters (type, default, sweep, doc) and variants", async () => {
  const file = "scenarios/ftrace-ops.ts";
  const r = await harness(["run", file, "--help"]);
  assert.equal(r.code, 0, r.stderr);
  const scenario = await loadScenario(file);
  assert.ok(r.stdout.startsWith(`scenario ${scenario.name} (${file})\n  ${scenario.question}\n`));
  for (const [name, spec] of Object.entries(scenario.params)) {
    const line = r.stdout.split("\n").findIndex((l) => l.trimStart().startsWith(`${name} `));
    assert.ok(line >= 0, `parameter ${name} listed`);
    const [head, doc] = r.stdout.split("\n").slice(line, line + 2);
    assert.ok(head.includes(spec.type === "enum" ? "enum" : spec.type), `${name}: type`);
    assert.ok(head.includes(`default ${spec.default}`), `${name}: default`);
    if (spec.sweep) assert.ok(head.includes(`sweep ${spec.sweep.join(",")}`), `${name}: sweep`);
    if (spec.type === "int" && spec.max !== undefined) assert.ok(head.includes(`..${spec.max}`));
    assert.equal(doc.trim(), spec.doc, `${name}: doc`);
  }
  for (const v of scenarioVariants(scenario)) {
    assert.match(
      r.stdout,
      new RegExp(`^  ${v.name} +${v.summary.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`, "m"),
    );
  }
  assert.match(r.stdout, /instruction budget per traced call: 200000/);
  assert.match(r.stdout, /usage: deno task run <scenario file>/, "and the run usage");
  const short = await harness(["run", file, "-h"]);
  assert.equal(short.stdout, r.stdout);
});
