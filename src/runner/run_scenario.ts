/**
 * Runs a scenario's sweep: every parameter set, every selected variant, plus
 * the `nop` baseline of each parameter set that overheads are measured against.
 */
import type { EngineFactory } from "../engine/engine.ts";
import { RecyclingUnicornFactory, unicornFactory } from "../engine/unicorn.ts";
import { defaultLayout } from "../kernel/layout.ts";
import { nopVariant } from "../kernel/variants/nop.ts";
import type { Variant } from "../kernel/variants/variant.ts";
import type { OpsSpec, Workload } from "../kernel/workload.ts";
import { buildWorld } from "../kernel/world.ts";
import { MODEL_KERNEL } from "../kernel/real/kernel_info.ts";
import type { RealKernel } from "../kernel/real/kernel.ts";
import { subtract, zeroMetrics } from "../measure/metrics.ts";
import { OopsError } from "./oops.ts";
import { loadWorld } from "./machine.ts";
import { measure, type Measurement } from "./run_case.ts";
import { threadMemo } from "./case_memo.ts";
import type { Params, ParamValue, RunResult, ScenarioResult } from "./result.ts";
import {
  expandSweep,
  measureOrder,
  type Scenario,
  ScenarioError,
  scenarioSource,
  scenarioVariants,
  type WorkloadSpec,
} from "./scenario.ts";
import { type CaseOutcome, CasePool, SetClaims, type SharedCasePool } from "./case_pool.ts";
import { TOOL } from "../version.ts";
import { type CaseTiming, timedFigures } from "../timing/figures.ts";
import type { CpuSelection } from "../timing/catalog.ts";
import { type HotPath, hotPathOf, keepHotPath } from "../report/hot_path.ts";
import { RunParts } from "./share.ts";
import { heapBound } from "./heap_bound.ts";
import { objectId } from "../lru.ts";
import { llvmMcVersion } from "../asm/assembler.ts";
import { nativeTraceHooks } from "../engine/native_trace_log.ts";

export interface RunOptions {
  /** Variant names to run (default: the scenario's). */
  variants?: readonly string[];
  /** Parameter values replacing the scenario's sweep for that parameter. */
  overrides?: ReadonlyMap<string, ParamValue[]>;
  /**
   * The engine of every case. With `unicornFactory`, the sweep's in-process
   * cases share engines kept warm (one per code place, reset between cases:
   * results are identical to a fresh engine's, tests/engine/reuse_test.ts),
   * closed when the sweep ends; a `RecyclingUnicornFactory` of the caller's
   * keeps them for its next sweep (the caller releases it).
   */
  factory: EngineFactory;
  /** Called after each case, for progress display. */
  onCase?: (done: number, total: number) => void;
  /**
   * Each parameter set's runs, once they and every earlier set's are
   * measured: in sweep order, one call at a time (a long sweep streams them
   * to its file instead of holding them). A rejection fails the sweep at its end.
   */
  onRuns?: (runs: readonly RunResult[]) => void | Promise<void>;
  /** Which runs the result keeps (default: all); the others only reach `onRuns`. */
  keepRun?: (run: RunResult) => boolean;
  /** Run only shard `index` (1-based) of `count`: a contiguous, deterministic slice of the sweep. */
  shard?: { index: number; count: number };
  /**
   * Measure cases in this many threads, this one and `workers - 1` worker
   * threads (with the Unicorn engine), when the scenario came from a file
   * and the rest of the sweep, at the fastest parameter set's cost measured
   * in this thread, outlasts three of the workers' start-ups (see
   * `workersPay`). Results are identical and in the same order.
   */
  workers?: number;
  /**
   * Workers shared with other sweeps (`workers - 1` threads), started by the
   * first sweep that needs them and closed by their owner, not here.
   */
  sharedPool?: SharedCasePool;
  /**
   * What starting the workers is taken to cost (default `WORKER_START_MS`;
   * 0 when a shared pool runs already). Tests set it to force or forbid them.
   */
  workerStartMs?: number;
  /** One timing model, parsed once from `--cpu` (selectCpus): adds cycles; absent: counts only. */
  cpu?: CpuSelection;
  /** The kernel to run: "model" (default, the harness's own code), "linux-6.12", or a tree. */
  kernel?: string;
  /** Runs whose hot path is kept for a listing (src/store/listing.ts); absent: none. */
  listRun?: (variant: string, params: Params) => boolean;
}

/**
 * A sweep timed on several CPU models at once (`--cpu all`): every case is
 * emulated once and its trace timed on each model, one result per model.
 */
export interface SweepOptions extends Omit<RunOptions, "cpu" | "onRuns"> {
  /** The timing models, one result each, in this order; empty: one result, counts only. */
  cpus: readonly CpuSelection[];
  /** `RunOptions.onRuns`, for the result of `cpus[result]` (0 without models). */
  onRuns?: (runs: readonly RunResult[], result: number) => void | Promise<void>;
}

/**
 * The timing models a `--cpu` value selects (a model's name, `all`, or a CPU
 * file, with `:cold`, `:first-call` or `:bimodal`), for `cpu` or `cpus`.
 * The timing modules load on first use.
 */
export async function selectCpus(spec: string): Promise<CpuSelection[]> {
  return await (await import("../timing/catalog.ts")).selectCpus(spec);
}

/**
 * What starting workers costs before they measure anything: spawning the
 * threads, importing the harness and the scenario, the first engine and the
 * first code. Measured on 2 cores: about 200 ms (for two workers); a real
 * kernel's opening comes on top (`kernelOpenMs`).
 */
export const WORKER_START_MS = 200;

/**
 * Whether `workers` threads (this one among them) finish the rest of a
 * sweep sooner than this thread alone. This thread goes on measuring while
 * the workers start (`startMs`, 0 once they run and have the kernel open),
 * but slower: the new isolates' compiles take its cores, and a worker's
 * first sets run on cold code. So workers are started only when `restMs`,
 * the rest at the cost measured here, outlasts three start-ups (with a rest
 * of about 500 ms against 200 ms, two threads were slower than one).
 */
export function workersPay(restMs: number, workers: number, startMs: number): boolean {
  return workers > 1 && restMs > 3 * startMs;
}

/**
 * Parameter sets' runs, measured in any order, handed on in sweep order:
 * kept (those `keep` keeps) and passed to `on` one call at a time.
 */
class InOrder {
  readonly #waiting = new Map<number, RunResult[]>();
  readonly #kept: RunResult[][] = [];
  #next = 0;
  #handed: Promise<void> = Promise.resolve();
  /** Batches handed to `on` whose call has not finished. */
  #backlog = 0;

  constructor(
    private readonly on?: RunOptions["onRuns"],
    private readonly keep?: RunOptions["keepRun"],
  ) {}

  add(index: number, runs: RunResult[]): void {
    this.#waiting.set(index, runs);
    for (let batch; (batch = this.#waiting.get(this.#next)); this.#next++) {
      this.#waiting.delete(this.#next);
      const kept = this.keep ? batch.filter(this.keep) : batch;
      if (kept.length > 0) this.#kept.push(kept);
      const on = this.on;
      if (on) {
        this.#backlog++;
        this.#handed = this.#handed.then(() => on(batch)).finally(() => this.#backlog--);
        this.#handed.catch(() => {}); // reported by `done`, after the sweep
      }
    }
  }

  /**
   * Waits for the hand-overs when more than a few are behind: a sweep in
   * this thread must not outrun its file (the runs waiting would pile up).
   */
  async catchUp(): Promise<void> {
    if (this.#backlog > 4) await this.#handed.catch(() => {});
  }

  /** The kept runs, once every hand-over has finished. */
  async done(): Promise<RunResult[]> {
    await this.#handed;
    return this.#kept.flat();
  }
}

/** The parameter sets shard `index` of `count` runs; the shards in order concatenate to `sets`. */
export function shardSlice<T>(sets: readonly T[], shard: { index: number; count: number }): T[] {
  return sets.slice(...shardRange(sets.length, shard));
}

/** Where shard `index` of `count` starts and ends among `n` parameter sets. */
function shardRange(n: number, shard: { index: number; count: number }): [number, number] {
  return [
    Math.floor(((shard.index - 1) * n) / shard.count),
    Math.floor((shard.index * n) / shard.count),
  ];
}

/** The kernel model's workload for a scenario's spec. */
export function toWorkload(spec: WorkloadSpec): Workload {
  return {
    target: { name: spec.target.name ?? "traced_fn", args: spec.target.args },
    // The harness's own array: data is kept by it (src/kernel/data.ts), and a scenario
    // may hand the same array, changed, to its next parameter set.
    ops: [...spec.ops],
    codegen: { bti: spec.codegen?.bti ?? false, pac: spec.codegen?.pac ?? false },
    tracersWithoutBti: spec.tracersWithoutBti,
    bpfAttach: spec.bpfAttach,
    kernelSample: spec.kernelSample,
    layout: defaultLayout({
      textSize: spec.textSize,
      placement: spec.placement,
      targetAtTextEnd: spec.targetAtTextEnd,
    }),
  };
}

function selectVariants(scenario: Scenario, names?: readonly string[]): Variant[] {
  const available = scenarioVariants(scenario);
  if (!names?.length) return available;
  return names.map((name) => {
    const found = available.find((v) => v.name === name);
    if (!found) {
      throw new ScenarioError(
        `scenario ${scenario.name} has no variant ${name} (variants: ${
          available.map((v) => v.name).join(", ")
        })`,
      );
    }
    return found;
  });
}

/**
 * Start the lookups a process's first case makes once: the assembler's
 * version and the native log's library, file reads and hashes each (or, the
 * first time, a build). Started before the emulator library opens, their I/O
 * runs beside that instead of before the first world. A failure is the first
 * case's to report.
 */
export function startFirstCaseLookups(): void {
  llvmMcVersion().catch(() => {});
  nativeTraceHooks().catch(() => {});
}

/**
 * The world of one case: on the model, or on a real kernel's own code. The
 * real-kernel and timing modules are imported when a case first needs them:
 * a run on the model without `--cpu` loads neither (`tests/e2e/startup_test.ts`).
 */
export async function buildCaseWorld(
  variant: Variant,
  workload: Workload,
  unitName: string,
  kernel?: RealKernel,
) {
  return kernel
    ? (await import("../kernel/real/world.ts")).buildRealWorld(kernel, variant, workload, unitName)
    : buildWorld(variant, workload, unitName);
}

/**
 * What opening each real kernel took this thread (ms): a worker opening it
 * too pays about as much before its first case.
 */
const kernelOpenMs = new Map<string, number>();

/** `kernelFor`, with the time of the first opening of each kernel kept. */
async function kernelOpenedFor(spec: string): Promise<RealKernel | undefined> {
  const started = performance.now();
  const kernel = await kernelFor(spec);
  if (kernel && !kernelOpenMs.has(spec)) kernelOpenMs.set(spec, performance.now() - started);
  return kernel;
}

/** The kernel a `--kernel` value names: undefined for the model. */
export async function kernelFor(spec: string | undefined): Promise<RealKernel | undefined> {
  if (spec === undefined || spec === "model") return undefined;
  return await (await import("../kernel/real/kernel.ts")).openKernel(spec);
}

/** One case's counts and checks, its trace's timing on each model, and its hot path. */
export type CaseMeasurement = Measurement & {
  path: string;
  /** One per CPU model the case was timed on, in their order. */
  timings?: CaseTiming[];
  hotPath?: HotPath;
};

/**
 * Build, load and measure one variant on one workload, timed on each of
 * `cpus` (one emulation for all of them); `{ notApplicable }` when the
 * variant cannot express it. With `hotPath` (the default) the result
 * carries the run's hot path, what a listing is made of.
 */
export async function measureCase(
  variant: Variant,
  workload: Workload,
  unitName: string,
  factory: EngineFactory,
  budget?: number,
  cpus: readonly CpuSelection[] = [],
  kernel?: RealKernel,
  hotPath = true,
): Promise<CaseMeasurement | { notApplicable: string }> {
  const world = await buildCaseWorld(variant, workload, unitName, kernel);
  if ("notApplicable" in world) return world;
  const loaded = await loadWorld(world, world.workload.layout);
  // With timing models, the run's trace is timed on each after it was counted.
  const CaseTimer = cpus.length ? (await import("../timing/case.ts")).CaseTimer : undefined;
  let measured;
  try {
    measured = await measure(loaded, factory, budget, {
      trace: CaseTimer !== undefined,
      executionCounts: hotPath,
    }, threadMemo.memo);
  } catch (e) {
    // A fault, trap or runaway run is this case's failure, with its oops; the sweep goes on.
    if (!(e instanceof OopsError)) throw e;
    return faulted(e, world.path);
  }
  const { trace, executionCounts, ...m } = measured;
  const timings = CaseTimer && trace
    ? cpus.map((cpu) => new CaseTimer(cpu).time(trace, loaded.code, loaded.phases))
    : undefined;
  // The run's own hot path: a listing is built from it, never from a second emulation.
  const hot = executionCounts && hotPathOf(loaded.code, loaded.phases, executionCounts);
  return {
    ...m,
    path: world.path,
    ...(timings ? { timings } : {}),
    ...(hot ? { hotPath: hot } : {}),
  };
}

/** A case whose run stopped with an oops: failed, with the oops as the reason. */
function faulted(e: OopsError, path: string): Measurement & { path: string } {
  return {
    checks: [{ name: "fault", ok: false, detail: e.message }],
    metrics: zeroMetrics(),
    phases: {},
    path,
  };
}

/** Run a scenario's sweep: one result, timed on `options.cpu` or counts only. */
export async function runScenario(
  scenario: Scenario,
  options: RunOptions,
): Promise<ScenarioResult> {
  const [result] = await runSweep(scenario, oneResultSweep(options));
  return result;
}

/** Options of one model (`cpu`, or none) as the sweep of one result they ask for. */
function oneResultSweep(options: RunOptions): SweepOptions {
  const { cpu, onRuns, ...rest } = options;
  return {
    ...rest,
    cpus: cpu ? [cpu] : [],
    ...(onRuns ? { onRuns: (runs: readonly RunResult[]) => onRuns(runs) } : {}),
  };
}

/**
 * What each result of a sweep on `cpus` is timed on, in result order: one
 * result per model, or one result with counts only (undefined) without models.
 */
export function sweepResults(
  cpus: readonly CpuSelection[],
): readonly (CpuSelection | undefined)[] {
  return cpus.length ? cpus : [undefined];
}

/**
 * Run a scenario's sweep once, timed on every model of `options.cpus`: one
 * result per model (one, counts only, without models). Each case is
 * emulated once; its trace is timed on each model.
 */
export async function runSweep(
  scenario: Scenario,
  options: SweepOptions,
): Promise<ScenarioResult[]> {
  const variants = selectVariants(scenario, options.variants);
  const kernelSpec = options.kernel ?? "model";
  const kernel = await kernelOpenedFor(kernelSpec);
  const sweep = expandSweep(scenario, options.overrides);
  const [first, end] = options.shard ? shardRange(sweep.length, options.shard) : [0, sweep.length];
  const sets = sweep.slice(first, end);
  // Measured in snake order (a shard's sets in the sweep's), handed on in sweep order.
  const order = measureOrder(scenario, options.overrides)
    .filter((i) => i >= first && i < end).map((i) => i - first);
  const total = sets.length * variants.length;
  const source = scenarioSource(scenario);
  const workers = options.workers ?? 1;
  const canParallel = workers > 1 && source !== undefined && sets.length > 1;
  let ownPool: CasePool | undefined;
  const recycled = options.factory === unicornFactory ? new RecyclingUnicornFactory() : undefined;
  const factory = recycled ?? options.factory;
  let done = 0;
  const hotPath = (variant: Variant, params: Params) =>
    options.listRun?.(variant.name, params) ?? false;
  // The set's baseline first, then its variants.
  const cases = [nopVariant, ...variants.filter((v) => v !== nopVariant)];
  const models = sweepResults(options.cpus);
  /** A set's runs, for each result. */
  const toRuns = (params: Params, outcomes: CaseOutcome[]): RunResult[][] => {
    const baseline = outcomes[0];
    const perModel = models.map(() => [] as RunResult[]);
    for (const variant of variants) {
      const m = outcomes[cases.indexOf(variant)];
      models.forEach((_, model) => {
        const result = toResult(variant.name, params, m, baseline, model, options.listRun);
        // Runs that are streamed and dropped (`keepRun`) share nothing with the ones to come.
        perModel[model].push(options.keepRun ? result : parts.run(result));
      });
      options.onCase?.(++done, total);
    }
    return perModel;
  };
  // One set's cases in this thread.
  const perSet = async (params: Params): Promise<RunResult[][]> =>
    toRuns(
      params,
      await measureSet(scenario, params, cases, {
        factory,
        cpus: options.cpus,
        kernel,
        hotPath: (variant) => hotPath(variant, params),
      }),
    );
  const runs = models.map((_, model) =>
    new InOrder(options.onRuns && ((r) => options.onRuns!(r, model)), options.keepRun)
  );
  const add = (index: number, setRuns: RunResult[][]) =>
    runs.forEach((inOrder, model) => inOrder.add(index, setRuns[model]));
  const catchUp = () => Promise.all(runs.map((inOrder) => inOrder.catchUp()));
  // Equal checks and counts are kept once: a long sweep's memory is its distinct figures.
  const parts = new RunParts();
  try {
    // Sets run in this thread until their cost says workers would finish
    // the rest sooner; then this thread and the workers share the rest. The
    // first set pays for compiling the harness, so the estimate waits for a
    // second one.
    let pool: CasePool | undefined;
    // A worker opens the kernel too, unless the shared pool's workers have opened it already.
    const shared = options.sharedPool;
    const startMs = (shared?.started ? 0 : options.workerStartMs ?? WORKER_START_MS) +
      (shared?.kernels.has(kernelSpec) ? 0 : kernelOpenMs.get(kernelSpec) ?? 0);
    let measured = 0, fastest = Infinity;
    while (measured < sets.length) {
      const started = performance.now();
      add(order[measured], await perSet(sets[order[measured]]));
      measured++;
      await catchUp();
      // A turn between sets; a run of one set takes none.
      if (measured < sets.length) await nextTurn();
      // The fastest set so far: the first ones pay for compiling the harness.
      fastest = Math.min(fastest, performance.now() - started);
      const restMs = fastest * (sets.length - measured);
      const warm = measured >= 2 || startMs === 0;
      // With one set left, this thread would claim it before a worker started.
      const left = sets.length - measured;
      if (canParallel && warm && left > 1 && workersPay(restMs, workers, startMs)) {
        shared?.kernels.add(kernelSpec);
        pool = shared?.get() ??
          (ownPool = new CasePool(Math.min(workers, left) - 1));
        break;
      }
    }
    if (pool) {
      // This thread and the workers claim the rest from one counter, a few sets at a time.
      const rest = order.slice(measured);
      const claims = new SetClaims(rest.length);
      // The sweep is over once every set is in: a worker that started too late to claim
      // one is not waited for.
      let outstanding = rest.length, failed = false;
      let allIn!: () => void;
      const complete = new Promise<void>((resolve) => allIn = resolve);
      const arrived = (index: number, setRuns: RunResult[][]) => {
        add(index, setRuns);
        if (--outstanding === 0) allIn();
      };
      const remote = pool.sweep(
        {
          scenarioUrl: source!,
          // Workers are sent each selection's `--cpu` value and parse it once each.
          cpus: options.cpus.map((cpu) => cpu.spec),
          kernel: kernelSpec,
          variants: cases.map((v) => v.name),
          sets: rest.map((index) => sets[index]),
          hotPaths: rest.flatMap((index, position) =>
            cases.flatMap((v, k) => hotPath(v, sets[index]) ? [[position, k] as const] : [])
          ),
        },
        claims,
        (position, outcomes) => {
          // After a failure here, what a worker was still measuring goes nowhere.
          if (failed) return;
          const index = rest[position];
          arrived(index, toRuns(sets[index], outcomes));
        },
      );
      // A failure here stops the workers' claims; theirs stops this thread's.
      remote.catch(() => {});
      try {
        for (const position of claims) {
          arrived(rest[position], await perSet(sets[rest[position]]));
          await catchUp();
          await nextTurn();
        }
      } catch (e) {
        failed = true;
        claims.stop();
        throw e;
      }
      await Promise.race([complete, remote]);
    }
  } finally {
    ownPool?.close();
    recycled?.release();
  }
  const kept = await Promise.all(runs.map((inOrder) => inOrder.done()));
  return models.map((cpu, model) => ({
    schema: 1,
    tool: TOOL,
    scenario: scenario.name,
    question: scenario.question,
    cpu: cpu?.info ?? null,
    kernel: kernel?.info ?? MODEL_KERNEL,
    ...(options.shard ? { shard: { ...options.shard, parameterSets: sweep.length } } : {}),
    runs: kept[model],
  }));
}

/**
 * One turn of the event loop, after the thread's heap bound is checked. A
 * set's cases make no I/O, so a sweep in one thread would otherwise be one
 * long task: V8 then never gets to finish its collector's work on that
 * thread (its heap grew to 180 MB of garbage), and the file the runs stream
 * to is never written.
 */
export async function nextTurn(): Promise<void> {
  heapBound.check();
  setImmediate ??= (await import("node:timers")).setImmediate;
  return new Promise((resolve) => setImmediate!(resolve));
}

/**
 * node:timers' setImmediate, loaded at a thread's first turn, not with this
 * module: the first `node:` module starts Deno's Node layer (6 to 9 ms, see
 * src/cli/parse_args.ts), which a run of one parameter set does without.
 */
let setImmediate: ((callback: () => void) => unknown) | undefined;

/** A case's run record on the `model`-th timing model (its `timings`' index). */
function toResult(
  variant: string,
  params: Params,
  m: CaseMeasurement | { notApplicable: string },
  baseline: CaseMeasurement | { notApplicable: string },
  model: number,
  listRun?: (variant: string, params: Params) => boolean,
): RunResult {
  if ("notApplicable" in m) {
    return {
      variant,
      params,
      status: "n/a",
      ok: true,
      reason: m.notApplicable,
      checks: [],
      metrics: null,
      overhead: null,
      phases: null,
    };
  }
  const failed = m.checks.filter((c) => !c.ok);
  if (failed.length) {
    return {
      variant,
      params,
      status: "failed",
      ok: false,
      path: m.path,
      reason: failed.map((c) => `${c.name}: ${c.detail}`).join("; "),
      checks: m.checks,
      metrics: null,
      overhead: null,
      phases: null,
    };
  }
  // A baseline that failed (a fault, a check) measures nothing to subtract.
  const base = "notApplicable" in baseline || baseline.checks.some((c) => !c.ok) ? null : baseline;
  const run: RunResult = {
    variant,
    params,
    status: "ok",
    ok: true,
    path: m.path,
    checks: m.checks,
    ...timedFigures(
      m.metrics,
      base ? subtract(m.metrics, base.metrics) : null,
      m.phases,
      m.timings?.[model],
      base?.timings?.[model],
    ),
  };
  if (m.hotPath && listRun?.(variant, params)) keepHotPath(run, m.hotPath);
  return run;
}

/**
 * One parameter set's cases (the nop baseline first, then the variants),
 * measured one after the other in this thread, as the main thread and a
 * worker both do.
 */
export async function measureSet(
  scenario: Scenario,
  params: Params,
  cases: readonly Variant[],
  on: {
    factory: EngineFactory;
    /** The timing models each case's trace is timed on (none: counts only). */
    cpus: readonly CpuSelection[];
    kernel?: RealKernel;
    /** Whether the k-th case's hot path comes back (for a listing). */
    hotPath: (variant: Variant, k: number) => boolean;
  },
): Promise<Awaited<ReturnType<typeof measureCase>>[]> {
  const workload = setWorkload(scenario, params);
  const label = paramsLabel(params);
  const outcomes = [];
  for (const [k, variant] of cases.entries()) {
    const unitName = caseUnitName(scenario, variant, label);
    if (variant === nopVariant && !on.kernel) {
      outcomes.push(
        await measureBaseline(workload, unitName, on.factory, scenario.budget, on.cpus, {
          hotPath: on.hotPath(variant, k),
        }),
      );
      continue;
    }
    outcomes.push(
      await measureCase(
        variant,
        workload,
        unitName,
        on.factory,
        scenario.budget,
        on.cpus,
        on.kernel,
        on.hotPath(variant, k),
      ),
    );
  }
  return outcomes;
}

/** No ops: what a baseline's world registers (one array, so its data is written once). */
const NO_OPS: readonly OpsSpec[] = Object.freeze([]);

/**
 * A parameter set's baseline on the model: tracing off, so no ops registered
 * and the patch site a nop. Its run never reaches ftrace, so the set's ops
 * (data only: the caller, the traced function and the stack are placed
 * alike, whatever the data holds) cannot change it. Built without them, the
 * baselines of a sweep's sets are one world: the thread's case memo gives a
 * passing one again to the next set built from the same inputs (one whose
 * hot path is wanted is measured every time).
 */
async function measureBaseline(
  workload: Workload,
  unitName: string,
  factory: EngineFactory,
  budget: number | undefined,
  cpus: readonly CpuSelection[],
  { hotPath }: { hotPath: boolean },
): Promise<CaseMeasurement | { notApplicable: string }> {
  const tracingOff: Workload = { ...workload, ops: NO_OPS };
  const memo = hotPath ? undefined : threadMemo.memo;
  const key = memo && baselineKey(tracingOff, budget, cpus);
  const earlier = key === undefined ? undefined : memo!.baseline<CaseMeasurement>(key);
  if (earlier) return earlier;
  const outcome = await measureCase(
    nopVariant,
    tracingOff,
    unitName,
    factory,
    budget,
    cpus,
    undefined,
    hotPath,
  );
  if (key !== undefined && !("notApplicable" in outcome) && outcome.checks.every((c) => c.ok)) {
    memo!.keepBaseline(key, outcome);
  }
  return outcome;
}

/** Everything a baseline's world and run are made from, as text. */
function baselineKey(
  workload: Workload,
  budget: number | undefined,
  cpus: readonly CpuSelection[],
): string {
  const text = JSON.stringify(workload, (_, v) => typeof v === "bigint" ? `${v}n` : v);
  return `${text}|${budget}|${cpus.map(objectId).join(",")}`;
}

/** The name of one case's unit: scenario, variant and parameter set (its `paramsLabel`). */
export function caseUnitName(scenario: Scenario, variant: Variant, label: string): string {
  return `${scenario.name}/${variant.name}/${label}`;
}

/** A parameter set's workload; a scenario whose `workload()` throws is an input error. */
export function setWorkload(scenario: Scenario, params: Params): Workload {
  let spec: WorkloadSpec;
  try {
    spec = scenario.workload(params);
  } catch (e) {
    throw new ScenarioError(
      `scenario ${scenario.name}, parameter set ${paramsLabel(params)}: workload() threw: ${
        (e as Error).message
      }`,
    );
  }
  return toWorkload(spec);
}

export function paramsLabel(params: Params): string {
  return Object.entries(params).map(([k, v]) => `${k}=${v}`).join(",");
}
