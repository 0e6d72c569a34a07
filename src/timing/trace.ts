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

/** The fields of a run's execution log the timing model reads. */
type TracedRun = Pick<
  ExecutionLog,
  | "blockCount"
  | "blockStart"
  | "blockSize"
  | "blockAccess"
  | "accessCount"
  | "accessAddress"
  | "accessSize"
  | "accessWrite"
>;

/** The dynamic trace of one run (arrays valid up to the counts). */
export interface TimingTrace extends TracedRun {
  /** Where execution went after the last block (the run's stop address), when known. */
  readonly stopAddress?: number;
}

/**
 * The trace in `log` (opened with `accesses: true`), ending at `stopAddress`.
 * It shares the log's arrays: take it after the last run the log records.
 */
export function timingTrace(log: ExecutionLog, stopAddress?: number): TimingTrace {
  const { blockCount, blockStart, blockSize, blockAccess } = log;
  const { accessCount, accessAddress, accessSize, accessWrite } = log;
  return {
    blockCount,
    blockStart,
    blockSize,
    blockAccess,
    accessCount,
    accessAddress,
    accessSize,
    accessWrite,
    ...(stopAddress === undefined ? {} : { stopAddress }),
  };
}
