/**
 * What the timing model needs from a run, recorded without any presentation:
 * the executed blocks in order and the address of every data access.
 *
 * Only attached when a CPU model is selected, so the counting core stays
 * hook-light. Block entries and accesses go into growable typed arrays; each
 * block records where its accesses start in the access log, which is how the
 * simulator hands every memory instruction its real address.
 *
 * @module
 */
import type { Engine, EngineFactory, HookHandle } from "../engine/engine.ts";
import { ACCESS_LOG_LAYOUT, type NativeAccessLog } from "../engine/native_access_log.ts";

/** Data accesses one instruction can make at most (an ldp/stp pair, a CASP: 4). */
const ACCESSES_PER_INSTRUCTION = 4;
/** The native log holds at most this many accesses per run (about 22 MiB of arrays). */
const NATIVE_LOG_LIMIT = 1 << 21;

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

function grow<T extends Float64Array | Int32Array | Uint16Array | Uint8Array>(
  a: T,
  need: number,
): T {
  if (need <= a.length) return a;
  const bigger = new (a.constructor as new (n: number) => T)(Math.max(need, a.length * 2));
  bigger.set(a);
  return bigger;
}

/** Records blocks and accesses from engine hooks; `trace()` hands them to `simulate`. */
export class TraceCapture {
  #blocks = 0;
  #blockStart = new Float64Array(1024);
  #blockSize = new Int32Array(1024);
  #blockAccess = new Int32Array(1024);
  #accesses = 0;
  #accessAddress = new Float64Array(4096);
  #accessSize = new Uint16Array(4096);
  #accessWrite = new Uint8Array(4096);
  #stop: number | undefined;
  /** With a native access log, C code fills the access arrays; this is its struct. */
  #native: NativeAccessLog | null = null;
  readonly #logStruct = new BigUint64Array(ACCESS_LOG_LAYOUT.bytes / 8);

  /** Record accesses with the native hook when one is available (same results, faster). */
  useNative(log: NativeAccessLog | null): void {
    this.#native = log;
  }

  /** Accesses recorded so far (the native log counts them itself). */
  #accessCursor(): number {
    return this.#native ? Number(this.#logStruct[ACCESS_LOG_LAYOUT.count / 8]) : this.#accesses;
  }

  /** Size the access arrays for `budget` instructions and point the native log at them. */
  #armNativeLog(budget: number): void {
    const capacity = Math.min(budget * ACCESSES_PER_INSTRUCTION + 64, NATIVE_LOG_LIMIT);
    this.#accessAddress = grow(this.#accessAddress, capacity);
    this.#accessSize = grow(this.#accessSize, capacity);
    this.#accessWrite = grow(this.#accessWrite, capacity);
    const s = this.#logStruct;
    const at = (offset: number) => offset / 8;
    const pointer = (a: ArrayBufferView) =>
      BigInt(Deno.UnsafePointer.value(Deno.UnsafePointer.of(a)));
    s[at(ACCESS_LOG_LAYOUT.address)] = pointer(this.#accessAddress);
    s[at(ACCESS_LOG_LAYOUT.size)] = pointer(this.#accessSize);
    s[at(ACCESS_LOG_LAYOUT.write)] = pointer(this.#accessWrite);
    s[at(ACCESS_LOG_LAYOUT.capacity)] = BigInt(this.#accessAddress.length);
    s[at(ACCESS_LOG_LAYOUT.count)] = BigInt(this.#accesses);
  }

  /** Take the native log's count; an overflow is an error, never a silently short trace. */
  #collectNativeLog(): void {
    const count = Number(this.#logStruct[ACCESS_LOG_LAYOUT.count / 8]);
    if (count > this.#accessAddress.length) {
      throw new Error(
        `the run made ${count} data accesses, more than the access log's ` +
          `${this.#accessAddress.length}; give the run a smaller instruction budget`,
      );
    }
    this.#accesses = count;
  }

  /** Record entry into a block. */
  block(address: number, size: number): void {
    const i = this.#blocks++;
    if (i >= this.#blockStart.length) {
      this.#blockStart = grow(this.#blockStart, i + 1);
      this.#blockSize = grow(this.#blockSize, i + 1);
      this.#blockAccess = grow(this.#blockAccess, i + 1);
    }
    this.#blockStart[i] = address;
    this.#blockSize[i] = size;
    this.#blockAccess[i] = this.#accessCursor();
  }

  /** Record one data access (in program order). */
  access(write: boolean, address: number, size: number): void {
    const i = this.#accesses++;
    if (i >= this.#accessAddress.length) {
      this.#accessAddress = grow(this.#accessAddress, i + 1);
      this.#accessSize = grow(this.#accessSize, i + 1);
      this.#accessWrite = grow(this.#accessWrite, i + 1);
    }
    this.#accessAddress[i] = address;
    this.#accessSize[i] = size;
    this.#accessWrite[i] = write ? 1 : 0;
  }

  /** Set where execution continued after the last recorded block. */
  stopAt(address: number): void {
    this.#stop = address;
  }

  /** Forget everything recorded (the buffers are kept for reuse). */
  reset(): void {
    this.#blocks = 0;
    this.#accesses = 0;
    this.#stop = undefined;
  }

  /** Hook `engine`: every block, and every data access over the whole address space. */
  attach(engine: Engine): HookHandle[] {
    return [
      engine.onBlock((address, size) => this.block(Number(address), size)),
      engine.onDataAccess((write, address, size) => this.access(write, address, size)),
    ];
  }

  /**
   * A factory whose engines are attached to this capture and report their
   * run's stop address (`until`): the runner's own code is left untouched.
   *
   * A block hook costs a native callback per executed block, so the first
   * whole-range block hook the runner registers is shared: one callback
   * records the block here, then calls the runner's hook. Without one, the
   * capture registers its own before the run.
   */
  wrap(inner: EngineFactory): EngineFactory {
    return {
      name: inner.name,
      create: (): Engine => {
        const engine = inner.create();
        let blocksHooked = false;
        const onBlock = engine.onBlock.bind(engine);
        engine.onBlock = (hook, begin, end) => {
          if (blocksHooked || begin !== undefined || end !== undefined) {
            return onBlock(hook, begin, end);
          }
          blocksHooked = true;
          return onBlock((address, size) => {
            this.block(Number(address), size);
            hook(address, size);
          });
        };
        const native = this.#native && engine.onNativeMemory
          ? engine.onNativeMemory(this.#native.hook, Deno.UnsafePointer.of(this.#logStruct)!)
          : undefined;
        if (!native) {
          engine.onDataAccess((write, address, size) => this.access(write, address, size));
        }
        const run = engine.run.bind(engine);
        engine.run = (begin, until, budget) => {
          if (!blocksHooked) {
            blocksHooked = true;
            onBlock((address, size) => this.block(Number(address), size));
          }
          this.stopAt(Number(until));
          if (!native) return run(begin, until, budget);
          this.#armNativeLog(budget);
          try {
            return run(begin, until, budget);
          } finally {
            this.#collectNativeLog();
          }
        };
        return engine;
      },
    };
  }

  /** The recorded trace (views share the capture's buffers until the next record). */
  trace(): TimingTrace {
    return {
      blockCount: this.#blocks,
      blockStart: this.#blockStart,
      blockSize: this.#blockSize,
      blockAccess: this.#blockAccess,
      accessCount: this.#accesses,
      accessAddress: this.#accessAddress,
      accessSize: this.#accessSize,
      accessWrite: this.#accessWrite,
      ...(this.#stop === undefined ? {} : { stopAddress: this.#stop }),
    };
  }
}
