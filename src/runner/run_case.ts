/**
 * Runs one built world in a fresh emulated machine: counts the traced call
 * and checks it. Engines and callbacks are always released.
 */
import {
  type Engine,
  EngineError,
  type EngineFactory,
  type ExecutionLog,
  GPRS,
  type Register,
  type RunPrecision,
  type StopReason,
} from "../engine/engine.ts";
import { openExecutionLog } from "../engine/execution_log.ts";
import { TraceRecorder } from "../measure/recorder.ts";
import { type TimingTrace, timingTrace } from "../timing/trace.ts";
import type { Metrics } from "../measure/metrics.ts";
import { CheckObserver } from "./checks.ts";
import {
  boot,
  type InitialState,
  initialState,
  type LoadedWorld,
  TRAP_SECTION,
} from "./machine.ts";
import type { CaseMemo } from "./case_memo.ts";
import { faultHeadline, oops } from "./oops.ts";
import type { CheckResult } from "./result.ts";

/** The registers a run's checks read once it has ended. */
const FINAL_REGISTERS: readonly Register[] = [...GPRS, "sp"];

/** Instructions one traced call may execute before it is declared runaway. */
export const DEFAULT_BUDGET = 200_000;

export interface Measurement {
  checks: CheckResult[];
  metrics: Metrics;
  phases: Record<string, Metrics>;
}

/** What `measure` returns beyond the counts, when asked for. */
export interface MeasureOptions {
  /** Times each pc ran, in first-execution order (for annotated listings). */
  executionCounts?: boolean;
  /** The run's block and data-access trace, for the timing model. */
  trace?: boolean;
}

type CaseMeasurement = Measurement & {
  executionCounts?: Map<number, number>;
  trace?: TimingTrace;
};

/**
 * Measure a case. It is run first with block precision (no per-instruction
 * count in Unicorn); a run that does not end cleanly at the exit (a fault,
 * the budget, a hook's error, sp misaligned at a stack access) is measured
 * again from a fresh boot with instruction precision, so its oops and its
 * events name exact pcs. Both runs are the same deterministic path. With
 * `memo`, a case that would repeat a kept run is given its measurement
 * instead (see case_memo.ts).
 */
export async function measure(
  loaded: LoadedWorld,
  factory: EngineFactory,
  budget = DEFAULT_BUDGET,
  options: MeasureOptions = {},
  memo?: CaseMemo,
): Promise<CaseMeasurement> {
  const initial = initialState(loaded);
  // Stack accesses are watched for sp alignment unless the code is known not to misalign sp.
  const watchStack = initial.finalFrame % 16n !== 0n || !loaded.code.keepsSpAlignedWhenRepeated();
  const path = loaded.world.path;
  // A hot path names addresses by the image's symbols, and no trace is kept: not memoized.
  const key = memo && !options.trace && !options.executionCounts && memo.tries(path)
    ? memo.key(loaded, initial, budget, watchStack)
    : undefined;
  let memoRun: MemoRun | undefined;
  if (key !== undefined) {
    const earlier = memo!.lookup(key, loaded);
    if (earlier) return { ...earlier };
    memoRun = { memo: memo!, key, path, record: memo!.worthRecording(key, path) };
  }
  const entry = { initial, watchStack };
  return await measureRun(loaded, factory, budget, options, "block", entry, memoRun) ??
    (await measureRun(loaded, factory, budget, options, "instruction", entry))!;
}

/** A run the memo was asked about: it learns whether the run entered a tracer, and may keep it. */
interface MemoRun {
  memo: CaseMemo;
  key: string;
  path: string;
  /** Log the run's data accesses, and keep it if it is clean and enters no tracer. */
  record: boolean;
}

/**
 * One run of the case; undefined when a block-precision run must be run again
 * exactly. A clean run is reported to `memoRun`'s memo (see MemoRun).
 */
async function measureRun(
  loaded: LoadedWorld,
  factory: EngineFactory,
  budget: number,
  options: MeasureOptions,
  precision: RunPrecision,
  entry: { initial: InitialState; watchStack: boolean },
  memoRun?: MemoRun,
): Promise<CaseMeasurement | undefined> {
  const { image, code, layout } = loaded;
  const { engine, initial } = boot(factory, loaded, precision === "instruction", entry.initial);
  let hookError: unknown;
  // An exception must not unwind through the emulator: keep it and stop the run.
  const guarded = <A extends unknown[]>(f: (...a: A) => void) => (...a: A) => {
    try {
      f(...a);
    } catch (e) {
      hookError ??= e;
      engine.stop();
    }
  };
  try {
    const recorder = new TraceRecorder(code, loaded.phases);
    const observer = new CheckObserver(loaded, engine, initial);
    // Blocks, accesses and sp events are logged natively where possible and
    // examined after the run: no JavaScript call per block on the hot path.
    const watchStack = entry.watchStack;
    const log = await openExecutionLog(engine, {
      accesses: (options.trace ?? false) || memoRun?.record === true,
      ...(watchStack
        ? {
          stack: { begin: layout.stackBase, end: layout.stackBase + BigInt(layout.stackSize) - 1n },
        }
        : {}),
    });
    for (const [symbol, address] of observer.tracerEntries) {
      engine.onCode(guarded(() => observer.onTracerEntry(symbol)), address, address);
    }
    const start = image.address("caller");
    const exit = image.address("harness_exit");
    let stop: StopReason | undefined;
    let runError: unknown;
    try {
      stop = engine.run(start, exit, budget, precision);
    } catch (e) {
      runError = e;
    }
    if (
      precision === "block" &&
      (runError !== undefined || hookError !== undefined || stop !== "until" ||
        log.misalignedStackAccesses.length > 0)
    ) return undefined;
    // Blocks are decoded before a fault is reported: an instruction the counter
    // cannot classify is the error to show, even when it went on to fault.
    replay(log, recorder, observer);
    if (hookError) throw hookError;
    if (runError !== undefined) {
      if (!(runError instanceof EngineError) || runError.pc === undefined) throw runError;
      throw await oops(
        trapHeadline(loaded, engine, runError) ?? faultHeadline(runError),
        runError.pc,
        engine,
        code,
        recorder.lastBlocks(64),
        loaded.world.unit.name,
      );
    }
    if (stop !== "until") {
      const pc = engine.readRegister("pc");
      throw await oops(
        `instruction budget of ${budget} exhausted before the traced call returned; the ` +
          `scenario's \`budget\` field sets it (default ${DEFAULT_BUDGET}): raise it there if ` +
          `this path is meant to run longer`,
        pc,
        engine,
        code,
        recorder.lastBlocks(64),
        loaded.world.unit.name,
      );
    }
    const values = engine.readRegisters(FINAL_REGISTERS);
    const final = new Map<Register, bigint>();
    for (let i = 0; i < FINAL_REGISTERS.length; i++) final.set(FINAL_REGISTERS[i], values[i]);
    const checks = observer.evaluate(final);
    const { total, phases } = recorder.totals(Number(exit));
    if (memoRun) {
      const keepable = observer.tracersEntered === 0;
      memoRun.memo.measured(memoRun.path, keepable);
      if (keepable && memoRun.record) {
        memoRun.memo.keep(memoRun.key, loaded, log, { checks, metrics: total, phases });
      }
    }
    return {
      checks,
      metrics: total,
      phases,
      ...(options.executionCounts ? { executionCounts: recorder.executionCounts() } : {}),
      ...(options.trace ? { trace: timingTrace(log, Number(exit)) } : {}),
    };
  } finally {
    engine.close();
  }
}

/**
 * A fault in the trap-stub section means the kernel's code reached a function
 * (or data) the world does not provide: name it, and who called it.
 */
function trapHeadline(loaded: LoadedWorld, engine: Engine, e: EngineError): string | undefined {
  const trap = loaded.image.sections.find((s) => s.name === TRAP_SECTION);
  if (!trap) return undefined;
  const inTrap = (a: bigint | undefined) =>
    a !== undefined && a >= trap.address && a < trap.address + BigInt(trap.size);
  if (inTrap(e.pc)) {
    const lr = engine.readRegister("x30");
    return `trap stub reached: ${loaded.code.describe(e.pc!)} is a kernel function the ` +
      `harness's world does not provide (called from ${loaded.code.describe(lr - 4n)})`;
  }
  if (inTrap(e.address)) {
    return `data access to ${loaded.code.describe(e.address!)}, kernel data the harness's world ` +
      `does not provide, from ${loaded.code.describe(e.pc!)}`;
  }
  return undefined;
}

/**
 * Feed the logged blocks to the counter, and the events the checks need per
 * block to the observer: calls (sp alignment) and indirect branches (BTI).
 */
function replay(log: ExecutionLog, recorder: TraceRecorder, observer: CheckObserver): void {
  recorder.record(log);
  const called = new Set<number>();
  // Only a block entered with sp misaligned asks how it was entered (rare).
  const entries = log.misalignedEntries.length > 0;
  for (let i = 1; i < log.blockCount; i++) {
    const from = recorder.summaryAt(i - 1).terminator;
    if (entries && (from?.kind === "call" || from?.kind === "indirect-call")) called.add(i);
    if (from?.kind === "indirect-call" || from?.kind === "indirect-jump") {
      observer.onIndirectBranch(from.pc, from.kind, from.register ?? -1, log.blockStart[i]);
    }
  }
  observer.observeSp(log, called);
}
