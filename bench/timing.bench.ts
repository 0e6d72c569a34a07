/**
 * `deno bench -A bench/timing.bench.ts`: emulation throughput with and without
 * the cycle timing model, on the same code, in one run.
 *
 * Two workloads, each on one warm engine that runs the code again and again
 * (the first run of a fresh engine with hooks is slow: translation and page
 * set-up; it is excluded, so these are steady-state figures):
 * - list walk: scenarios/ftrace-ops.ts, variant call-ops, 100 relevant and 100
 *   irrelevant ops (about 7,200 instructions per traced call, 2.4 per block,
 *   one data access per 3 instructions);
 * - trampoline loop: a save/restore body of 20 instructions (one block) run
 *   20,000 times per call, 22 data accesses per iteration.
 *
 * Modes, measured in interleaved rounds:
 * - counting: the harness's counting core (an execution log of the blocks,
 *   replayed into a TraceRecorder, then totals);
 * - counting + timing: the same log also recording every data access, as the
 *   runner opens it when a CPU model is selected, and `simulate` with
 *   neoverse-n1 after every call.
 *
 * Printed: emulated instructions per second of both and their ratio. The
 * Deno.bench entries time one call of each.
 *
 * Then the timing model's own cost, before and after, side by side: `simulate`
 * on one captured trace of each workload (plus a typical small case,
 * single-tracer args=2), in nanoseconds per emulated instruction and
 * microseconds per case (including the per-pc causes a case's JSON reads),
 * with the block plans already built (a warm code image) and with fresh ones
 * (each case of a suite is a new world: its plans are built on its first
 * simulate). The two engines take turns in each round; the best round counts. "Before" is the engine of another
 * revision, extracted with `git archive` into a temporary directory
 * (FTRACE_BENCH_BEFORE=<rev>, default HEAD); "after" is the working tree.
 *
 * The log is kept by native hooks (src/engine/native/trace_log.c) when a C
 * compiler could build them, else by JavaScript hooks (also forced with
 * FTRACE_BENCH_NO_NATIVE=1): then every block and every access costs an FFI
 * callback of a few hundred nanoseconds, and the hooks, not the model, bound
 * the speed. With native hooks `simulate` does: on the list walk the two
 * modes differed by 218 to 236 ns per instruction in two runs of 56c7f4e
 * (19.3 to 19.9 against 3.5 to 3.7 M instructions/s), of which `simulate`
 * took 181 to 187 ns.
 */
import type { Engine, EngineFactory, ExecutionLog, Register } from "../src/engine/engine.ts";
import { unicornFactory } from "../src/engine/unicorn.ts";
import { PHASE_PREFIX } from "../src/kernel/asm_writer.ts";
import { defaultLayout } from "../src/kernel/layout.ts";
import { callOpsVariant } from "../src/kernel/variants/call_ops.ts";
import { buildWorld } from "../src/kernel/world.ts";
import { CodeImage } from "../src/measure/code_image.ts";
import { PhaseMap } from "../src/measure/phases.ts";
import { TraceRecorder } from "../src/measure/recorder.ts";
import { boot, loadUnit, loadWorld, mapImage } from "../src/runner/machine.ts";
import { toWorkload } from "../src/runner/run_scenario.ts";
import { type TimingTrace, timingTrace } from "../src/timing/trace.ts";
import { openExecutionLog } from "../src/engine/execution_log.ts";
import { builtinCpu } from "../src/timing/catalog.ts";
import { simulate } from "../src/timing/simulate.ts";
import ftraceOps from "../scenarios/ftrace-ops.ts";
import singleTracer from "../scenarios/single-tracer.ts";
import { argsVariant } from "../src/kernel/variants/args.ts";
import type { Variant } from "../src/kernel/variants/variant.ts";
import type { Workload as ModelWorkload } from "../src/kernel/workload.ts";
import type { CodeSource } from "../src/timing/plan.ts";

const model = builtinCpu("neoverse-n1");
const layout = defaultLayout();
/** Both workloads keep their stack where the default layout puts it. */
const STACK = {
  begin: layout.stackBase,
  end: layout.stackBase + BigInt(layout.stackSize) - 1n,
};

/** Code to run repeatedly: how to make a ready engine, and where a call starts and stops. */
interface Workload {
  name: string;
  code: CodeImage;
  phases: PhaseMap;
  start: bigint;
  stop: bigint;
  /** A ready engine from `factory`, and the registers each call starts with. */
  machine(factory: EngineFactory): { engine: Engine; registers: ReadonlyMap<Register, bigint> };
}

/** A variant's world for `workload`, loaded, as a bench workload named `name`. */
async function worldWorkload(
  name: string,
  variant: Variant,
  workload: ModelWorkload,
  unit: string,
): Promise<Workload> {
  const world = buildWorld(variant, workload, unit);
  if ("notApplicable" in world) throw new Error(`${variant.name} is n/a: ${world.notApplicable}`);
  const loaded = await loadWorld(world, workload.layout);
  return {
    name,
    code: loaded.code,
    phases: loaded.phases,
    start: loaded.image.address("caller"),
    stop: loaded.image.address("harness_exit"),
    machine(factory) {
      const { engine, initial } = boot(factory, loaded);
      return { engine, registers: initial.registers };
    },
  };
}

function listWalk(): Promise<Workload> {
  const workload = toWorkload(ftraceOps.workload({
    relevant: 100,
    irrelevant: 100,
    save_regs: false,
    assist_recursion: false,
    assist_rcu: false,
    dynamic: true,
  }));
  return worldWorkload(
    "list walk (ftrace-ops call-ops, relevant=100 irrelevant=100)",
    callOpsVariant,
    workload,
    "timing-bench/call-ops",
  );
}

/** A typical case of the default suite: one tracer, args=2, variant args (about 140 instructions). */
function smallCase(): Promise<Workload> {
  const params = Object.fromEntries(
    Object.entries(singleTracer.params).map(([k, spec]) => [k, spec.default]),
  );
  const workload = toWorkload(singleTracer.workload({ ...params, args: 2 }));
  return worldWorkload(
    "small case (single-tracer, args=2, variant args)",
    argsVariant,
    workload,
    "timing-bench/args",
  );
}

const LOOP = `
	.section .text, "ax", %progbits
	.globl loop
loop:
	movz x20, #20000
1:	sub sp, sp, #112
	stp x0, x1, [sp]
	stp x2, x3, [sp, #16]
	stp x4, x5, [sp, #32]
	stp x6, x7, [sp, #48]
	str x8, [sp, #64]
	stp x29, x30, [sp, #80]
	add x29, sp, #80
	ldr x9, [x19]
	add x9, x9, #1
	str x9, [x19]
	ldp x0, x1, [sp]
	ldp x2, x3, [sp, #16]
	ldp x4, x5, [sp, #32]
	ldp x6, x7, [sp, #48]
	ldr x8, [sp, #64]
	ldp x29, x30, [sp, #80]
	add sp, sp, #112
	subs x20, x20, #1
	b.ne 1b
	.globl loop_end
loop_end:
	nop
	.section .data, "aw", %progbits
	.globl counter
counter:
	.quad 0
`;

async function trampolineLoop(): Promise<Workload> {
  const unit = {
    name: "timing-bench/loop",
    chunks: [{ origin: "bench/timing.bench.ts", text: LOOP }],
  };
  const image = await loadUnit(unit, layout);
  const stackTop = layout.stackBase + BigInt(layout.stackSize);
  return {
    name: "trampoline loop (save/restore body, 20 instructions per block)",
    code: new CodeImage(image),
    phases: new PhaseMap(image.markers(PHASE_PREFIX)),
    start: image.address("loop"),
    stop: image.address("loop_end"),
    machine(factory) {
      const engine = factory.create();
      mapImage(engine, image, layout);
      const registers = new Map<Register, bigint>([
        ["sp", stackTop - 16n],
        ["x19", image.address("counter")],
      ]);
      return { engine, registers };
    },
  };
}

/** One warm machine that runs a workload's call on demand, counting (and maybe timing) it. */
class WarmMachine {
  readonly engine: Engine;
  readonly #registers: ReadonlyMap<Register, bigint>;
  readonly #timed: boolean;
  #log!: ExecutionLog;

  constructor(readonly work: Workload, timed: boolean) {
    const m = work.machine(unicornFactory);
    this.engine = m.engine;
    this.#registers = m.registers;
    this.#timed = timed;
  }

  /** As the runner does it: one execution log, with data accesses when timing. */
  async open(): Promise<this> {
    this.#log = await openExecutionLog(this.engine, {
      accesses: this.#timed,
      stack: { begin: STACK.begin, end: STACK.end },
    });
    return this;
  }

  /** A copy of the last run's timing trace (with `timed`). */
  lastTrace(): TimingTrace {
    const t = timingTrace(this.#log, Number(this.work.stop));
    return {
      ...t,
      blockStart: t.blockStart.slice(0, t.blockCount),
      blockSize: t.blockSize.slice(0, t.blockCount),
      blockAccess: t.blockAccess.slice(0, t.blockCount),
      accessAddress: t.accessAddress.slice(0, t.accessCount),
      accessSize: t.accessSize.slice(0, t.accessCount),
      accessWrite: t.accessWrite.slice(0, t.accessCount),
    };
  }

  /** Run the call once; returns the instructions it executed. */
  run(): number {
    for (const [reg, value] of this.#registers) this.engine.writeRegister(reg, value);
    this.#log.clear();
    const stop = this.engine.run(this.work.start, this.work.stop, 10_000_000);
    if (stop !== "until") throw new Error(`${this.work.name}: the call did not return (${stop})`);
    const recorder = new TraceRecorder(this.work.code, this.work.phases);
    recorder.record(this.#log);
    const { total } = recorder.totals(Number(this.work.stop));
    if (this.#timed) {
      const trace = timingTrace(this.#log, Number(this.work.stop));
      const t = simulate(model, trace, this.work.code, this.work.phases);
      if (t.instructions !== total.instructions) throw new Error("timing trace mismatch");
    }
    return total.instructions;
  }
}

/** Interleaved rounds so drift hits both modes alike; instructions per second of each. */
function throughput(count: WarmMachine, timed: WarmMachine, rounds: number, calls: number) {
  let countMs = 0, timedMs = 0, countInsns = 0, timedInsns = 0;
  for (let r = 0; r < rounds; r++) {
    let t0 = performance.now();
    for (let i = 0; i < calls; i++) countInsns += count.run();
    countMs += performance.now() - t0;
    t0 = performance.now();
    for (let i = 0; i < calls; i++) timedInsns += timed.run();
    timedMs += performance.now() - t0;
  }
  return { count: countInsns / (countMs / 1000), timed: timedInsns / (timedMs / 1000) };
}

const M = (x: number) => `${(x / 1e6).toFixed(2)} M`;
const machines: WarmMachine[] = [];
/** Each workload's trace, captured by its timing machine, for the cost section. */
const captured: { work: Workload; trace: TimingTrace; instructions: number }[] = [];
for (
  const [work, calls] of [[await listWalk(), 40], [await trampolineLoop(), 1], [
    await smallCase(),
    400,
  ]] as const
) {
  const counting = await new WarmMachine(work, false).open();
  const timing = await new WarmMachine(work, true).open();
  machines.push(counting, timing);
  const perCall = counting.run();
  for (let i = 0; i < Math.max(3, 400 / calls / 10); i++) {
    counting.run();
    timing.run();
  }
  captured.push({ work, trace: timing.lastTrace(), instructions: perCall });
  const { count, timed } = throughput(counting, timing, 10, calls);
  console.log(
    `${work.name}: ${perCall} instructions per call, warm engine, timing with neoverse-n1\n` +
      `  counting only:      ${M(count)} emulated instructions/s\n` +
      `  counting + timing:  ${M(timed)} emulated instructions/s\n` +
      `  ratio:              ${(timed / count).toFixed(3)}`,
  );
  Deno.bench({
    name: `counting: ${work.name}`,
    group: work.name,
    baseline: true,
    fn: () => void counting.run(),
  });
  Deno.bench({
    name: `counting + timing: ${work.name}`,
    group: work.name,
    fn: () => void timing.run(),
  });
}

/** A timing engine: `simulate` and the built-in model it times with. */
interface TimingEngine {
  label: string;
  // deno-lint-ignore no-explicit-any
  simulate: (model: any, trace: TimingTrace, code: CodeSource, phases: PhaseMap) => {
    cycles: number;
    instructions: number;
  };
  model: unknown;
}

/** The engine of `rev`, from `git archive` into a temporary directory; undefined without git. */
async function engineAt(rev: string): Promise<TimingEngine | undefined> {
  const root = new URL("../", import.meta.url).pathname;
  const dir = await Deno.makeTempDir({ prefix: "timing-before-" });
  try {
    const archive = await new Deno.Command("git", {
      args: ["archive", "--format=tar", rev, "src"],
      cwd: root,
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (archive.code !== 0) throw new Error(new TextDecoder().decode(archive.stderr));
    const tar = new Deno.Command("tar", { args: ["-x", "-C", dir], stdin: "piped" }).spawn();
    const writer = tar.stdin.getWriter();
    await writer.write(archive.stdout);
    await writer.close();
    if (!(await tar.status).success) throw new Error("tar failed");
    const commit = await new Deno.Command("git", {
      args: ["rev-parse", "--short", rev],
      cwd: root,
      stdout: "piped",
    }).output();
    const sim = await import(`file://${dir}/src/timing/simulate.ts`);
    const cat = await import(`file://${dir}/src/timing/catalog.ts`);
    return {
      label: `${rev} (${new TextDecoder().decode(commit.stdout).trim()})`,
      simulate: sim.simulate,
      model: cat.builtinCpu("neoverse-n1"),
    };
  } catch (e) {
    console.log(`(no "before" engine: ${rev}: ${(e as Error).message.split("\n")[0]})`);
    return undefined;
  }
}

/** A code source of its own: the engine's plan cache starts empty for it (a new world). */
const fresh = (code: CodeSource): CodeSource => ({
  instruction: (address) => code.instruction(address),
  describe: (address) => code.describe(address),
});

/** One timing of `engine` on a captured trace: ms per simulate, plans cached or fresh. */
function timeOnce(
  engine: TimingEngine,
  c: (typeof captured)[number],
  reps: number,
  freshPlans: boolean,
): number {
  const t0 = performance.now();
  for (let i = 0; i < reps; i++) {
    const code = freshPlans ? fresh(c.work.code) : c.work.code;
    const r = engine.simulate(engine.model, c.trace, code, c.work.phases);
    // A case's JSON reads the causes per pc (built on first access): part of its cost.
    void (r as { causesByPc?: Map<number, unknown> }).causesByPc?.size;
  }
  return (performance.now() - t0) / reps;
}

/**
 * Milliseconds per case of each engine on one trace, plans cached and fresh:
 * the engines take turns within each round (so both see the same machine
 * load) and the best round counts (this machine is shared).
 */
function costs(engines: TimingEngine[], c: (typeof captured)[number], reps: number, rounds = 9) {
  const best = engines.map(() => ({ warmMs: Infinity, freshMs: Infinity }));
  for (const e of engines) timeOnce(e, c, reps, false);
  for (let r = 0; r < rounds; r++) {
    engines.forEach((e, k) => {
      best[k].warmMs = Math.min(best[k].warmMs, timeOnce(e, c, reps, false));
      best[k].freshMs = Math.min(best[k].freshMs, timeOnce(e, c, reps, true));
    });
  }
  return best;
}

const after: TimingEngine = { label: "working tree", simulate, model };
const beforeRev = Deno.env.get("FTRACE_BENCH_BEFORE") ?? "HEAD";
const before = await engineAt(beforeRev);
const rows: string[][] = [[
  "workload (neoverse-n1)",
  "insns",
  "ns/insn before",
  "ns/insn after",
  "µs/case before",
  "µs/case after",
  "µs/case fresh plans before",
  "after",
]];
for (const c of captured) {
  const reps = Math.max(1, Math.round(200_000 / c.instructions));
  const [a, b] = costs(before ? [after, before] : [after], c, reps);
  const ns = (ms: number) => ((ms * 1e6) / c.instructions).toFixed(1);
  const us = (ms: number) => (ms * 1e3).toFixed(1);
  rows.push([
    c.work.name,
    String(c.instructions),
    b ? ns(b.warmMs) : "-",
    ns(a.warmMs),
    b ? us(b.warmMs) : "-",
    us(a.warmMs),
    b ? us(b.freshMs) : "-",
    us(a.freshMs),
  ]);
}
const widths = rows[0].map((_, k) => Math.max(...rows.map((r) => r[k].length)));
console.log(
  `\ntiming model cost, before = ${before?.label ?? "(none)"}, after = ${after.label}:\n` +
    rows.map((r) =>
      r.map((x, k) => k === 0 ? x.padEnd(widths[k]) : x.padStart(widths[k])).join("  ")
    )
      .join("\n"),
);

globalThis.addEventListener("unload", () => machines.forEach((m) => m.engine.close()));
