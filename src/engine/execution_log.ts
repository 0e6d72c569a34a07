/**
 * Opens an execution log on an engine: the native one when the engine has
 * native hooks and they could be built, otherwise one kept by JavaScript
 * hooks. Both record the same trace and the same sp events; the JavaScript
 * one pays a callback per block and per access.
 *
 * @module
 */
import type { Engine, ExecutionLog, ExecutionLogOptions } from "./engine.ts";
import { LogBuffers } from "./log_buffers.ts";
import { nativeTraceHooks } from "./native_trace_log.ts";

/** Set (to anything) to log through JavaScript hooks even where native ones work. */
export const NO_NATIVE_ENV = "FTRACE_BENCH_NO_NATIVE";

/** Logs opened in this thread, by kind: tests check which one a run really used. */
export const executionLogStats = { native: 0, script: 0 };

/**
 * Whether logs are native where they can be: unless {@link NO_NATIVE_ENV}
 * is set, read once (reading the environment cost 4 µs of every case).
 * Tests switch it.
 */
export const executionLogChoice = { native: !Deno.env.get(NO_NATIVE_ENV) };

/** Start logging every run of `engine` (hooks stay until the engine closes). */
export async function openExecutionLog(
  engine: Engine,
  options: ExecutionLogOptions,
): Promise<ExecutionLog> {
  if (engine.openNativeLog && executionLogChoice.native) {
    const hooks = await nativeTraceHooks();
    if (hooks) {
      const log = engine.openNativeLog(hooks, options);
      executionLogStats.native++;
      return log;
    }
  }
  const log = new ScriptExecutionLog(engine, options);
  executionLogStats.script++;
  return log;
}

/** The fallback: the same log, kept by JavaScript hooks. */
class ScriptExecutionLog extends LogBuffers {
  constructor(engine: Engine, options: ExecutionLogOptions) {
    super();
    engine.onBlock((address, size) => {
      const i = this.blockCount++;
      if (i >= this.blockStart.length) this.reserveBlocks(i + 1);
      this.blockStart[i] = Number(address);
      this.blockSize[i] = size;
      this.blockAccess[i] = this.accessCount;
      const sp = engine.readRegister("sp");
      if (sp % 16n !== 0n) this.note(this.misalignedEntries, { block: i, pc: Number(address), sp });
    });
    if (options.accesses) {
      engine.onDataAccess((write, address, size) => {
        const i = this.accessCount++;
        if (i >= this.accessAddress.length) this.reserveAccesses(i + 1);
        this.accessAddress[i] = address;
        this.accessSize[i] = size;
        this.accessWrite[i] = write ? 1 : 0;
      });
    }
    if (options.stack) {
      engine.onMemory(
        () => {
          const [pc, sp] = engine.readRegisters(["pc", "sp"]);
          if (sp % 16n === 0n) return;
          const event = { block: this.blockCount - 1, pc: Number(pc), sp };
          this.note(this.misalignedStackAccesses, event);
        },
        options.stack.begin,
        options.stack.end,
      );
    }
  }
}
