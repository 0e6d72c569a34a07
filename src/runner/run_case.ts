/**
 * Runs one built world in a fresh emulated machine: counts the traced call
 * and checks it. Engines and callbacks are always released.
 */
import { EngineError, type EngineFactory, GPRS, type Register } from "../engine/engine.ts";
import { TraceRecorder } from "../measure/recorder.ts";
import type { Metrics } from "../measure/metrics.ts";
import { CheckObserver } from "./checks.ts";
import { boot, type LoadedWorld } from "./machine.ts";
import { faultHeadline, oops } from "./oops.ts";
import type { CheckResult } from "./result.ts";

/** Instructions one traced call may execute before it is declared runaway. */
export const DEFAULT_BUDGET = 200_000;

export interface Measurement {
  checks: CheckResult[];
  metrics: Metrics;
  phases: Record<string, Metrics>;
}

export async function measure(
  loaded: LoadedWorld,
  factory: EngineFactory,
  budget = DEFAULT_BUDGET,
  options: { executionCounts?: boolean } = {},
): Promise<Measurement & { executionCounts?: Map<number, number> }> {
  const { image, code, layout } = loaded;
  const { engine, initial } = boot(factory, loaded);
  const recorder = new TraceRecorder(code, loaded.phases);
  const observer = new CheckObserver(loaded, engine, initial);
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
    let previous: ReturnType<TraceRecorder["enter"]> | undefined;
    engine.onBlock(guarded((address: bigint, size: number) => {
      const summary = recorder.enter(Number(address), size);
      const from = previous?.terminator;
      if (from?.kind === "call" || from?.kind === "indirect-call") {
        observer.onCallEntered(Number(address));
      }
      if (from?.kind === "indirect-call" || from?.kind === "indirect-jump") {
        observer.onIndirectBranch(from.pc, from.kind, from.register ?? -1, Number(address));
      }
      previous = summary;
    }));
    engine.onMemory(
      guarded(() => observer.onStackAccess()),
      layout.stackBase,
      layout.stackBase + BigInt(layout.stackSize) - 1n,
    );
    for (const [symbol, address] of observer.tracerEntries) {
      engine.onCode(guarded(() => observer.onTracerEntry(symbol)), address, address);
    }
    const start = image.address("caller");
    const exit = image.address("harness_exit");
    let stop;
    try {
      stop = engine.run(start, exit, budget);
    } catch (e) {
      if (!(e instanceof EngineError) || e.pc === undefined) throw e;
      throw await oops(
        faultHeadline(e),
        e.pc,
        engine,
        code,
        recorder.lastBlocks(64),
        loaded.world.unit.name,
      );
    }
    if (hookError) throw hookError;
    if (stop !== "until") {
      const pc = engine.readRegister("pc");
      throw await oops(
        `instruction budget of ${budget} exhausted before the traced call returned`,
        pc,
        engine,
        code,
        recorder.lastBlocks(64),
        loaded.world.unit.name,
      );
    }
    const regs: Register[] = [...GPRS, "sp"];
    const values = engine.readRegisters(regs);
    const final = new Map(regs.map((r, i) => [r, values[i]]));
    const checks = observer.evaluate(final);
    const { total, phases } = recorder.totals(Number(exit));
    return {
      checks,
      metrics: total,
      phases,
      ...(options.executionCounts ? { executionCounts: recorder.executionCounts() } : {}),
    };
  } finally {
    engine.close();
  }
}
