/**
 * Test helper: assemble a small program, run it in the emulator with the
 * execution log recording accesses, and hand back what `simulate` needs.
 */
import { unicornFactory } from "../../src/engine/unicorn.ts";
import { PHASE_PREFIX } from "../../src/kernel/asm_writer.ts";
import { defaultLayout } from "../../src/kernel/layout.ts";
import { CodeImage } from "../../src/measure/code_image.ts";
import { PhaseMap } from "../../src/measure/phases.ts";
import { type TimingTrace, timingTrace } from "../../src/timing/trace.ts";
import { openExecutionLog } from "../../src/engine/execution_log.ts";
import { loadUnit, mapImage } from "../../src/runner/machine.ts";

export interface ProgramRun {
  code: CodeImage;
  phases: PhaseMap;
  trace: TimingTrace;
  address(symbol: string): number;
}

/**
 * Assemble `text` (sections .text and .data), run from `start` until `stop`
 * with sp at the top of the layout's stack, and capture the trace.
 */
export async function runProgram(
  text: string,
  start = "start",
  stop = "stop",
): Promise<ProgramRun> {
  const layout = defaultLayout();
  const unit = { name: "timing-test", chunks: [{ origin: "tests/timing", text }] };
  const image = await loadUnit(unit, layout);
  const engine = unicornFactory.create();
  let trace: TimingTrace;
  try {
    const log = await openExecutionLog(engine, {
      accesses: true,
      stack: { begin: layout.stackBase, end: layout.stackBase + BigInt(layout.stackSize) - 1n },
    });
    mapImage(engine, image, layout);
    engine.writeRegister("sp", layout.stackBase + BigInt(layout.stackSize) - 64n);
    const reason = engine.run(image.address(start), image.address(stop), 100_000);
    if (reason !== "until") throw new Error(`program did not reach ${stop} (${reason})`);
    trace = timingTrace(log, Number(image.address(stop)));
  } finally {
    engine.close();
  }
  return {
    code: new CodeImage(image),
    phases: new PhaseMap(image.markers(PHASE_PREFIX)),
    trace,
    address: (symbol) => Number(image.address(symbol)),
  };
}
