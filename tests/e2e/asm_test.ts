/**
 * `deno task asm`: the printed assembly is what the harness assembles (it
 * re-assembles to the same sections and symbols as the case's own unit), it
 * names origins, symbols and phases, and mistakes give the documented exit codes.
 */
import assert from "node:assert/strict";
import { assemble } from "../../src/asm/assembler.ts";
import { type ElfObject, parseElf } from "../../src/asm/elf.ts";
import type { AsmUnit } from "../../src/asm/source.ts";
import { buildCaseWorld, kernelFor, toWorkload } from "../../src/runner/run_scenario.ts";
import { scenarioVariants } from "../../src/runner/scenario.ts";
import { loadScenario } from "../../src/cli/main.ts";

const ROOT = new URL("../../", import.meta.url).pathname;

/** `deno run -A src/cli/asm.ts ...` from the repository root. */
async function asm(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "src/cli/asm.ts", ...args],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder();
  return { code: out.code, stdout: text.decode(out.stdout), stderr: text.decode(out.stderr) };
}

/** The unit the harness builds for a case, as run_scenario does. */
async function caseUnit(
  file: string,
  variantName: string,
  params: Record<string, number | string | boolean>,
  kernelSpec?: string,
): Promise<AsmUnit> {
  const scenario = await loadScenario(`${ROOT}scenarios/${file}`);
  const variant = scenarioVariants(scenario).find((v) => v.name === variantName)!;
  const world = await buildCaseWorld(
    variant,
    toWorkload(scenario.workload(params)),
    `asm-test/${variantName}`,
    await kernelFor(kernelSpec),
  );
  if ("notApplicable" in world) throw new Error(world.notApplicable);
  return world.unit;
}

/** Sections with contents, by name. */
function contents(obj: ElfObject): Map<string, Uint8Array> {
  return new Map(obj.sections.flatMap((s) => (s.data ? [[s.name, s.data] as const] : [])));
}

/** Defined symbols as "name section+offset size type binding", sorted. */
function symbols(obj: ElfObject): string[] {
  return obj.symbols.filter((s) => s.name && s.type !== "section").map((s) =>
    `${s.name} ${obj.sections[s.sectionIndex]?.name ?? s.sectionIndex}+${s.value} ` +
    `${s.size} ${s.type} ${s.binding}`
  ).sort();
}

/** Relocations as "section+offset type symbol+addend", in order. */
function relocations(obj: ElfObject): string[] {
  return obj.relocations.map((r) =>
    `${obj.sections[r.section]?.name}+${r.offset} ${r.typeName} ` +
    `${obj.symbols[r.symbol]?.name ?? ""}+${r.addend}`
  );
}

/** The printed text re-assembles to the unit's sections (bytes) and symbols. */
async function assertSameObject(text: string, unit: AsmUnit): Promise<void> {
  const printed = parseElf(
    await assemble({ name: "asm output", chunks: [{ origin: "asm output", text }] }),
  );
  const own = parseElf(await assemble(unit));
  const a = contents(printed), b = contents(own);
  for (const name of [".text", ".data"]) {
    assert.ok(b.has(name), `the unit has a ${name} section`);
    assert.deepEqual(a.get(name), b.get(name), `${name} bytes`);
  }
  assert.deepEqual([...a.keys()], [...b.keys()], "the same sections, in order");
  for (const [name, bytes] of b) assert.deepEqual(a.get(name), bytes, `${name} bytes`);
  assert.deepEqual(symbols(printed), symbols(own), "the same symbols");
  assert.deepEqual(relocations(printed), relocations(own), "the same relocations");
}

Deno.test("asm: a model case re-assembles to the harness's own object, origins and phases marked", async () => {
  const { code, stdout, stderr } = await asm(
    "scenarios/single-tracer.ts",
    "--variant",
    "call-ops",
    "--param",
    "args=2",
  );
  assert.equal(code, 0, stderr);
  const unit = await caseUnit("single-tracer.ts", "call-ops", { args: 2, tracer: "empty" });
  await assertSameObject(stdout, unit);

  assert.match(stdout, /^ftrace_caller: +\/\/ ==== function ftrace_caller ====$/m);
  assert.match(stdout, /^__phase\.save\.ftrace_caller\.\d+: +\/\/ ---- phase: save ----$/m);
  assert.match(stdout, /^__phase\.patch_site\.traced\.\d+: +\/\/ ---- phase: patch-site ----$/m);
  assert.match(stdout, /\/\/ anchor: caller_ret/);
  assert.match(stdout, /^\/\/ ---- src\/kernel\/variants\/ftrace_caller\.ts/m);
  for (const chunk of unit.chunks) assert.ok(stdout.includes(`// ---- ${chunk.origin}\n`));
  // The header says how to print it again, with every parameter, and what the case takes.
  assert.match(
    stdout,
    /^\/\/ deno task asm scenarios\/single-tracer\.ts --variant call-ops --param args=2 --param tracer=empty$/m,
  );
  assert.match(stdout, /^\/\/ path: bl ftrace_caller$/m);
});

Deno.test("asm: a real kernel's case prints the harness's unit and the kernel objects it links", async () => {
  const { code, stdout, stderr } = await asm(
    "scenarios/single-tracer.ts",
    "--variant",
    "call-ops",
    "--kernel",
    "linux-6.12",
  );
  assert.equal(code, 0, stderr);
  await assertSameObject(
    stdout,
    await caseUnit("single-tracer.ts", "call-ops", { args: 2, tracer: "empty" }, "linux-6.12"),
  );
  assert.match(
    stdout,
    /^\/\/ ---- linked with linux-6.12 arch\/arm64\/kernel\/entry-ftrace\.o, kernel\/trace\/ftrace\.o$/m,
  );
  const objdump = [...stdout.matchAll(/^\/\/ {3}llvm-objdump-19 -d (\S+)$/gm)].map((m) => m[1]);
  assert.equal(objdump.length, 2, stdout);
  for (const path of objdump) assert.ok((await Deno.stat(path)).isFile, path);
  // The harness's code carries the kernel's offsets, not the model's.
  assert.match(stdout, /^\/\/ ---- src\/kernel\/real\/world\.ts: linux-6.12 offsets$/m);
});

Deno.test("asm: usage, unknown names and cases that are not applicable", async () => {
  const help = await asm("--help");
  assert.equal(help.code, 0);
  assert.match(help.stdout, /^usage: deno task asm <scenario file> --variant V/);

  const variant = await asm("scenarios/single-tracer.ts", "--variant", "bogus");
  assert.equal(variant.code, 2);
  assert.match(
    variant.stderr,
    /scenario single-tracer has no variant bogus \(variants: nop, regs,/,
  );
  assert.equal(variant.stdout, "");

  const param = await asm("scenarios/single-tracer.ts", "--variant", "args", "--param", "bogus=1");
  assert.equal(param.code, 2);
  assert.match(
    param.stderr,
    /scenario single-tracer has no parameter bogus \(parameters: args, tracer\)/,
  );

  const value = await asm("scenarios/single-tracer.ts", "--variant", "args", "--param", "args=9");
  assert.equal(value.code, 2);
  assert.match(value.stderr, /parameter args expects an integer <= 8, got 9/);

  const sweep = await asm("scenarios/single-tracer.ts", "--variant", "args", "--param", "args=1,2");
  assert.equal(sweep.code, 2);
  assert.match(sweep.stderr, /asm prints one case; give args one value/);

  const none = await asm("scenarios/single-tracer.ts");
  assert.equal(none.code, 2);
  assert.match(none.stderr, /give one --variant/);

  const na = await asm("scenarios/bpf-fentry.ts", "--variant", "args", "--param", "attach=fexit");
  assert.equal(na.code, 1);
  assert.equal(na.stdout, "");
  assert.match(
    na.stderr,
    /^bpf-fentry args args=2,attach=fexit,other_tracers=0: not applicable: fexit/,
  );
});
