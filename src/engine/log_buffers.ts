/**
 * The storage both execution logs share: growable block and access arrays,
 * the sp events with their limit, and `clear()`. The native log fills it by
 * copying a run out of the C hooks' buffers; the JavaScript log entry by entry.
 *
 * @module
 */
import { type ExecutionLog, SP_EVENT_LIMIT, type SpEvent } from "./engine.ts";

type LogArray = Float64Array | Int32Array | Uint16Array | Uint8Array;

/** `a`, or a copy at least twice as long when it holds fewer than `need` entries. */
function grow<T extends LogArray>(a: T, need: number): T {
  if (need <= a.length) return a;
  const bigger = new (a.constructor as new (n: number) => T)(Math.max(need, a.length * 2));
  bigger.set(a);
  return bigger;
}

export abstract class LogBuffers implements ExecutionLog {
  blockCount = 0;
  blockStart!: Float64Array;
  blockSize!: Int32Array;
  blockAccess!: Int32Array;
  accessCount = 0;
  accessAddress!: Float64Array;
  accessSize!: Uint16Array;
  accessWrite!: Uint8Array;
  misalignedEntries: SpEvent[] = [];
  misalignedStackAccesses: SpEvent[] = [];
  spEventsTruncated = false;

  constructor() {
    this.renew();
  }

  /**
   * Empty, with buffers of its own: a log reused by the next case leaves the
   * arrays it handed out before as they were.
   */
  renew(): void {
    this.clear();
    this.blockStart = new Float64Array(256);
    this.blockSize = new Int32Array(256);
    this.blockAccess = new Int32Array(256);
    this.accessAddress = new Float64Array(1024);
    this.accessSize = new Uint16Array(1024);
    this.accessWrite = new Uint8Array(1024);
  }

  clear(): void {
    this.blockCount = 0;
    this.accessCount = 0;
    this.misalignedEntries = [];
    this.misalignedStackAccesses = [];
    this.spEventsTruncated = false;
  }

  /** Make room for `blocks` block entries in all, keeping those logged. */
  protected reserveBlocks(blocks: number): void {
    this.blockStart = grow(this.blockStart, blocks);
    this.blockSize = grow(this.blockSize, blocks);
    this.blockAccess = grow(this.blockAccess, blocks);
  }

  /** Make room for `accesses` data accesses in all, keeping those logged. */
  protected reserveAccesses(accesses: number): void {
    this.accessAddress = grow(this.accessAddress, accesses);
    this.accessSize = grow(this.accessSize, accesses);
    this.accessWrite = grow(this.accessWrite, accesses);
  }

  /** Keep an sp event, unless `SP_EVENT_LIMIT` are kept already (then say so). */
  protected note(list: SpEvent[], event: SpEvent): void {
    if (list.length < SP_EVENT_LIMIT) list.push(event);
    else this.spEventsTruncated = true;
  }
}
