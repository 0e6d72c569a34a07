/**
 * What the timing model needs from a run, without any presentation: the
 * executed blocks in order and the address of every data access, as the
 * engine's execution log recorded them (src/engine/execution_log.ts). Each
 * block records where its accesses start in the access log, which is how the
 * simulator hands every memory instruction its real address.
 *
 * @module
 */
import type { ExecutionLog } from "../engine/engine.ts";

/** The dynamic trace of one run, as plain typed arrays (valid up to the counts). */
export interface TimingTrace {
  readonly blockCount: number;
  /** Start address of each executed block, in execution order. */
  readonly blockStart: Float64Array;
  /** Size in bytes of each executed block. */
  readonly blockSize: Int32Array;
  /** Index in the access log of each block's first data access. */
  readonly blockAccess: Int32Array;
  readonly accessCount: number;
  readonly accessAddress: Float64Array;
  readonly accessSize: Uint16Array;
  /** 1 for a write, 0 for a read. */
  readonly accessWrite: Uint8Array;
  /** Where execution went after the last block (the run's stop address), when known. */
  readonly stopAddress?: number;
}

/**
 * The trace in `log` (opened with `accesses: true`), ending at `stopAddress`.
 * It shares the log's arrays: take it after the last run the log records.
 */
export function timingTrace(log: ExecutionLog, stopAddress?: number): TimingTrace {
  return {
    blockCount: log.blockCount,
    blockStart: log.blockStart,
    blockSize: log.blockSize,
    blockAccess: log.blockAccess,
    accessCount: log.accessCount,
    accessAddress: log.accessAddress,
    accessSize: log.accessSize,
    accessWrite: log.accessWrite,
    ...(stopAddress === undefined ? {} : { stopAddress }),
  };
}
