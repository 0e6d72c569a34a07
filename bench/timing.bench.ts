/**
 * `deno bench -A bench/timing.bench.ts`: emulation throughput with and without
 * the cycle timing model, on the same code, in one run.
 *
 * Workload: scenarios/ftrace-ops.ts, variant call-ops, 100 relevant and 100
 * irrelevant ops (the list walk: about 7,200 instructions per traced call).
 * One warm engine runs the traced call again and again (registers reset each
 * time): the first run of a fresh engine with hooks is slow (translation and
 * page set-up) and is excluded, so these are steady-state figures.
 *
 * - counting: the harness's counting core (block hook + TraceRecorder + totals);
 * - timing: the same, plus the timing capture (block and memory hooks over the
 *   whole address space) and `simulate` with neoverse-n1 on every run.
 *
 * Both are printed as emulated instructions per second, with their ratio; the
 * Deno.bench entries time one traced call of each.
 */
import { unicornFactory } from "../src/engine/unicorn.ts";
import type { Engine } from "../src/engine/engine.ts";
import { callOpsVariant } from "../src/kernel/variants/call_ops.ts";
import { buildWorld } from "../src/kernel/world.ts";
import { TraceRecorder } from "../src/measure/recorder.ts";
import { boot, type LoadedWorld, loadWorld } from "../src/runner/machine.ts";
import { toWorkload } from "../src/runner/run_scenario.ts";
import { TraceCapture } from "../src/timing/capture.ts";
import { builtinCpu } from "../src/timing/catalog.ts";
import { simulate } from "../src/timing/simulate.ts";
import ftraceOps from "../scenarios/ftrace-ops.ts";

const params = {
  relevant: 100,
  irrelevant: 100,
  save_regs: false,
  assist_recursion: false,
  assist_rcu: false,
  dynamic: true,
};
const workload = toWorkload(ftraceOps.workload(params));
const world = buildWorld(callOpsVariant, workload, "timing-bench/call-ops");
if ("notApplicable" in world) throw new Error(`call-ops is n/a: ${world.notApplicable}`);
const loaded: LoadedWorld = await loadWorld(world, workload.layout);
const model = builtinCpu("neoverse-n1");

/** One warm machine that runs the traced call on demand, counting (and maybe timing) it. */
class WarmMachine {
  readonly engine: Engine;
  readonly #registers: ReadonlyMap<Parameters<Engine["writeRegister"]>[0], bigint>;
  #recorder: TraceRecorder;
  readonly capture: TraceCapture | undefined;
  readonly #start = loaded.image.address("caller");
  readonly #exit = loaded.image.address("harness_exit");

  constructor(timed: boolean) {
    const { engine, initial } = boot(unicornFactory, loaded);
    this.engine = engine;
    this.#registers = initial.registers;
    this.#recorder = new TraceRecorder(loaded.code, loaded.phases);
    engine.onBlock((address, size) => this.#recorder.enter(Number(address), size));
    if (timed) {
      this.capture = new TraceCapture();
      this.capture.attach(engine);
    }
  }

  /** Run the traced call once; returns the instructions it executed. */
  run(): number {
    for (const [reg, value] of this.#registers) this.engine.writeRegister(reg, value);
    this.#recorder = new TraceRecorder(loaded.code, loaded.phases);
    this.capture?.reset();
    const stop = this.engine.run(this.#start, this.#exit, 1_000_000);
    if (stop !== "until") throw new Error(`traced call did not return (${stop})`);
    const { total } = this.#recorder.totals(Number(this.#exit));
    if (this.capture) {
      this.capture.stopAt(Number(this.#exit));
      const timing = simulate(model, this.capture.trace(), loaded.code, loaded.phases);
      if (timing.instructions !== total.instructions) throw new Error("trace mismatch");
    }
    return total.instructions;
  }
}

const counting = new WarmMachine(false);
const timing = new WarmMachine(true);
// Warm up: translation, page set-up, JIT.
for (let i = 0; i < 20; i++) {
  counting.run();
  timing.run();
}

/** Interleaved rounds so drift hits both modes alike; returns instructions per second. */
function throughput(rounds: number, runsPerRound: number): { count: number; timed: number } {
  let countNs = 0, timedNs = 0, countInsns = 0, timedInsns = 0;
  for (let r = 0; r < rounds; r++) {
    let t0 = performance.now();
    for (let i = 0; i < runsPerRound; i++) countInsns += counting.run();
    countNs += performance.now() - t0;
    t0 = performance.now();
    for (let i = 0; i < runsPerRound; i++) timedInsns += timing.run();
    timedNs += performance.now() - t0;
  }
  return { count: countInsns / (countNs / 1000), timed: timedInsns / (timedNs / 1000) };
}

const perCall = counting.run();
const { count, timed } = throughput(10, 40);
const m = (x: number) => `${(x / 1e6).toFixed(2)} M`;
console.log(
  `timing model throughput (ftrace-ops call-ops relevant=100 irrelevant=100, ` +
    `${perCall} instructions per traced call, warm engine, neoverse-n1):\n` +
    `  counting only:       ${m(count)} emulated instructions/s\n` +
    `  counting + timing:   ${m(timed)} emulated instructions/s\n` +
    `  ratio timing/count:  ${(timed / count).toFixed(3)}`,
);

Deno.bench({
  name: "counting",
  group: "timing model",
  baseline: true,
  fn() {
    counting.run();
  },
});

Deno.bench({
  name: "counting + timing (neoverse-n1)",
  group: "timing model",
  fn() {
    timing.run();
  },
});

globalThis.addEventListener("unload", () => {
  counting.engine.close();
  timing.engine.close();
});
