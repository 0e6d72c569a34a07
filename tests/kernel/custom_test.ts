/**
 * Code of one's own, as a user writes it: a scenario file outside the
 * repository that imports only mod.ts, with a variant and a tracer in
 * assembly. It runs and passes every check; each broken contract gives an
 * error naming what to fix.
 */
import assert from "node:assert/strict";

const ROOT = new URL("../../", import.meta.url).pathname;
const MOD = new URL("../../mod.ts", import.meta.url).href;

/** A scenario file importing only mod.ts: a lean trampoline and a tracer that reads the arguments. */
function scenarioText(opts: {
  /** Replaces the trampoline's save of the argument registers. */
  save?: string;
  /** Drop the phase marker at the trampoline's start. */
  noPhase?: boolean;
  /** Probes of the variant, as a TypeScript expression over (ctx, workload). */
  probes?: string;
  /** An extra line in the tracer. */
  tracerLine?: string;
} = {}): string {
  return `/** Question: does a trampoline that saves only the arguments in use pass every check? */
import { argsParam, defineScenario, defineTracer, defineVariant, singleTracerOps } from "${MOD}";

const sumArgs = defineTracer({
  name: "sum_args",
  asm: "\\tldp x4, x5, [x3, #FTRACE_REGS_X0]\\n\\tadd x4, x4, x5\\n${opts.tracerLine ?? ""}\\tret",
});

const lean = defineVariant({
  name: "lean",
  summary: "saves only the argument registers the traced function takes",
  target: "lean_caller",
  asm(ctx) {
    const save = (op: "st" | "ld") =>
      Array.from({ length: ctx.args }, (_, i) => \`\\t\${op}r x\${i}, [sp, #FTRACE_REGS_X\${i}]\`);
    return [
      "\\t.globl lean_caller",
      "lean_caller:",
      ${opts.noPhase ? "" : 'ctx.phase("save"),'}
      "\\tmov x10, sp",
      "\\tsub sp, sp, #(FTRACE_REGS_SIZE + 32)",
      ${opts.save ?? '...save("st"),'}
      "\\tstr x29, [sp, #FTRACE_REGS_FP]",
      "\\tstr x9, [sp, #FTRACE_REGS_LR]",
      "\\tstr x10, [sp, #FTRACE_REGS_SP]",
      "\\tstr x30, [sp, #FTRACE_REGS_PC]",
      "\\tstp x29, x9, [sp, #(FTRACE_REGS_SIZE + 16)]",
      "\\tadd x29, sp, #(FTRACE_REGS_SIZE + 16)",
      "\\tstp x29, x30, [sp, #FTRACE_REGS_SIZE]",
      "\\tadd x29, sp, #FTRACE_REGS_SIZE",
      ctx.phase("dispatch"),
      "\\tsub x0, x30, #4",
      "\\tmov x1, x9",
      "\\tmov x3, sp",
      "\\tadrp x2, function_trace_op",
      "\\tldr x2, [x2, :lo12:function_trace_op]",
      \`\\tbl \${ctx.call}\`,
      ctx.phase("restore"),
      ...save("ld"),
      "\\tldr x29, [sp, #FTRACE_REGS_FP]",
      "\\tldr x30, [sp, #FTRACE_REGS_LR]",
      "\\tldr x9, [sp, #FTRACE_REGS_PC]",
      "\\tadd sp, sp, #(FTRACE_REGS_SIZE + 32)",
      "\\tret x9",
    ].join("\\n");
  },
  ${opts.probes ? `probes: (ctx, workload) => ${opts.probes},` : ""}
});

export default defineScenario({
  name: "lean",
  question: "Does a trampoline that saves only the arguments in use pass every check?",
  params: { args: argsParam() },
  variants: ["nop", "args", lean],
  workload: (p) => ({ target: { args: p.args }, ops: [singleTracerOps(sumArgs)] }),
});
`;
}

async function runScenarioText(text: string, ...args: string[]) {
  const dir = await Deno.makeTempDir({ prefix: "ftrace-bench-own-" });
  try {
    await Deno.writeTextFile(`${dir}/lean.ts`, text);
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "mod.ts", "run", `${dir}/lean.ts`, "--json", `${dir}/out.json`, ...args],
      cwd: ROOT,
      stdout: "piped",
      stderr: "piped",
    }).output();
    const decode = (b: Uint8Array) => new TextDecoder().decode(b);
    let json: { runs: { variant: string; status: string; reason?: string }[] } | undefined;
    try {
      json = JSON.parse(await Deno.readTextFile(`${dir}/out.json`));
    } catch {
      json = undefined;
    }
    return { code: out.code, stdout: decode(out.stdout), stderr: decode(out.stderr), json };
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

Deno.test("a scenario outside the repository, using only mod.ts, runs its own variant and tracer and passes every check", async () => {
  const r = await runScenarioText(scenarioText());
  assert.equal(r.code, 0, r.stderr);
  const lean = r.json!.runs.filter((x) => x.variant === "lean");
  assert.equal(lean.length, 9, "args 0..8");
  for (const run of lean) assert.equal(run.status, "ok", run.reason);
  // The tracer is probed at its own symbol: the unwind check names it.
  assert.match(r.stdout, /^lean +args=8 .* ok$/m);
});

Deno.test("the same variant and tracer of one's own run in front of linux 6.12's own code and pass every check", async () => {
  const r = await runScenarioText(
    scenarioText(),
    "--kernel",
    "linux-6.12",
    "--param",
    "args=0,3,8",
  );
  assert.equal(r.code, 0, r.stderr);
  const lean = r.json!.runs.filter((x) => x.variant === "lean");
  assert.equal(lean.length, 3);
  for (const run of lean) assert.equal(run.status, "ok", run.reason);
});

Deno.test("a variant that saves too few registers fails with the check's reason on screen", async () => {
  // Saves x0..x3 only: the tracer sees garbage for arg4.. and the traced function's args are lost.
  const r = await runScenarioText(
    scenarioText({ save: '...save("st").slice(0, 4),' }),
    "--param",
    "args=6",
    "--variant",
    "lean",
  );
  assert.equal(r.code, 1, r.stderr);
  assert.match(
    r.stdout,
    /^lean .*FAILED: .*tracer-saw: sum_args: arg4 = 0x[0-9a-f]+, expected 0xa000000500005555/m,
  );
  assert.match(r.stderr, /failed return-value: x0 = 0x[0-9a-f]+, expected 0x[0-9a-f]+/);
});

Deno.test("contract: a tracer called that no probe expects fails tracer-calls, naming it", async () => {
  const r = await runScenarioText(scenarioText({ probes: "[]" }), "--param", "args=2");
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /failed tracer-calls: sum_args called 1 times, expected 0/);
});

Deno.test("contract: an instruction outside any declared phase is an error naming symbol and offset", async () => {
  const r = await runScenarioText(scenarioText({ noPhase: true }), "--param", "args=2");
  assert.equal(r.code, 2, r.stderr);
  assert.match(
    r.stderr,
    /the instruction at lean_caller \(0x[0-9a-f]+\) ran outside any declared phase/,
  );
  assert.doesNotMatch(r.stderr, /internal error|^ {4}at /m);
});

Deno.test("contract: a probe on a symbol that does not exist is an error naming it", async () => {
  const r = await runScenarioText(
    scenarioText({
      probes: '[{ symbol: "no_such_fn", view: "ftrace_regs", calls: 1, chain: ["no_such_fn"] }]',
    }),
    "--param",
    "args=2",
  );
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /a probe is set on no_such_fn, which the world .* does not define/);
});

Deno.test("contract: an asm-offsets name that does not exist is an assembly error with its line", async () => {
  const r = await runScenarioText(
    scenarioText({ tracerLine: "\\tldr x6, [x3, #FTRACE_REGS_X9]\\n" }),
    "--param",
    "args=2",
  );
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /assembly error in the code from tracer sum_args, line \d+ of its text/);
  assert.match(r.stderr, /FTRACE_REGS_X9/);
});

Deno.test("the README's asm-offsets listing is the one the code generates", async () => {
  const { asmConstantsListing } = await import("../../src/kernel/custom.ts");
  const readme = await Deno.readTextFile(`${ROOT}README.md`);
  const m = /<!-- asm-constants:begin -->\n([\s\S]*?)\n<!-- asm-constants:end -->/.exec(readme);
  assert.ok(m, "README has the asm-constants block");
  // deno fmt wraps the README's lines: compare the words.
  const words = (text: string) => text.trim().replace(/\s+/g, " ");
  assert.equal(words(m[1]), words(asmConstantsListing()));
});
