/**
 * The small interface the rest of the harness uses to execute arm64 code.
 *
 * Only this folder knows about Unicorn or FFI; a wasm build of Unicorn can
 * replace `unicorn.ts` by implementing `Engine` again.
 */

/** Registers the harness reads and writes. */
export type Register =
  | `x${
    | 0
    | 1
    | 2
    | 3
    | 4
    | 5
    | 6
    | 7
    | 8
    | 9
    | 10
    | 11
    | 12
    | 13
    | 14
    | 15
    | 16
    | 17
    | 18
    | 19
    | 20
    | 21
    | 22
    | 23
    | 24
    | 25
    | 26
    | 27
    | 28
    | 29
    | 30}`
  | "sp"
  | "pc"
  | "nzcv"
  | "sp_el0"
  | "tpidr_el1";

/** All general-purpose registers in order, x0..x30. */
export const GPRS: readonly Register[] = Array.from(
  { length: 31 },
  (_, i) => `x${i}` as Register,
);

/** Memory permissions of a mapping. */
export interface Permissions {
  read: boolean;
  write: boolean;
  exec: boolean;
}

/** Why `Engine.run` stopped without an exception. */
export type StopReason =
  | "until" // pc reached the `until` address
  | "budget" // the instruction budget ran out first
  | "stopped"; // a hook asked the engine to stop

/**
 * How exactly a run keeps its budget and knows its pc:
 * - "instruction": the run stops after exactly `budget` instructions, and pc
 *   is exact wherever it stops (a fault, a memory hook). Unicorn pays a helper
 *   call per instruction for it.
 * - "block": the budget is kept at block entries by a native execution log
 *   (the run stops at the first block that would take it past `budget`), and
 *   pc is exact only at block starts, in code hooks and at `until`. A run
 *   that does not reach `until` is to be run again with "instruction" to say
 *   where it stopped. Without a native log and with a finite budget, the run
 *   is exact anyway, and so is every run of an engine that has run exactly
 *   (Unicorn is slow to stop counting): exact runs are best given engines of
 *   their own.
 */
export type RunPrecision = "instruction" | "block";

/** Called once when the engine enters a translated block. */
export type BlockHook = (address: bigint, size: number) => void;
/** Called for each instruction in [begin, end]. */
export type CodeHook = (address: bigint, size: number) => void;
/** Called for each data access in [begin, end] (after address translation). */
export type MemoryHook = (
  access: "read" | "write",
  address: bigint,
  size: number,
  value: bigint,
) => void;
/** Called for each data access, with the address as a number (see `Engine.onDataAccess`). */
export type DataAccessHook = (write: boolean, address: number, size: number) => void;
/** Called when an access hits unmapped or protected memory. The run then stops with a fault. */
export type InvalidMemoryHook = (
  access: "read" | "write" | "fetch",
  address: bigint,
  size: number,
) => void;

/** Handle returned by the hook registration functions. */
export interface HookHandle {
  readonly id: number;
}

/** The kinds of failure the engine reports. */
export type EngineErrorKind =
  | "unmapped" // read/write/fetch of unmapped memory
  | "protection" // access against the mapping's permissions
  | "invalid-instruction" // undefined / unallocated encoding
  | "exception" // any other unhandled CPU exception (e.g. brk, svc, LSE on a CPU without it)
  | "api"; // misuse: bad mapping, bad register, library failure

/** A Unicorn error, with the library's own `uc_strerror` text and the pc at fault when known. */
export class EngineError extends Error {
  constructor(
    readonly kind: EngineErrorKind,
    /** Unicorn's uc_err code (0 when not from the library). */
    readonly code: number,
    /** uc_strerror(code). */
    readonly libraryMessage: string,
    /** pc of the faulting instruction, when the error comes from a run. */
    readonly pc?: bigint,
    /** Data address of a memory fault. */
    readonly address?: bigint,
    message?: string,
    /** What the library's message does not say (an oops's headline adds it). */
    readonly detail?: string,
  ) {
    super(
      message ??
        `${libraryMessage}${pc !== undefined ? ` at pc 0x${pc.toString(16)}` : ""}${
          address !== undefined ? ` (address 0x${address.toString(16)})` : ""
        }`,
    );
    this.name = "EngineError";
  }
}

/** An arm64 CPU that can run code. One instance = one emulated machine. */
export interface Engine {
  /** Map [address, address+size) (both 4 KiB aligned). */
  map(address: bigint, size: number, perms: Permissions): void;
  /** Change the permissions of an already mapped range. */
  protect(address: bigint, size: number, perms: Permissions): void;
  write(address: bigint, bytes: Uint8Array): void;
  read(address: bigint, size: number): Uint8Array;
  /** Read `into.length` bytes at `address` into `into` (no buffer made per read). */
  readInto(address: bigint, into: Uint8Array): void;
  readRegister(reg: Register): bigint;
  writeRegister(reg: Register, value: bigint): void;
  /** Read several registers in one call (cheaper than one call each). */
  readRegisters(regs: readonly Register[]): bigint[];
  /** Write several registers in one call, in order. */
  writeRegisters(values: Iterable<readonly [Register, bigint]>): void;
  /**
   * Execute from `begin` until pc == `until`, or `budget` instructions have run,
   * or a hook called `stop()`. Throws `EngineError` on a fault, with the pc
   * (exact with the default `precision`, see {@link RunPrecision}).
   */
  run(begin: bigint, until: bigint, budget: number, precision?: RunPrecision): StopReason;
  /** Ask a running `run` to stop (callable from hooks). */
  stop(): void;
  onBlock(hook: BlockHook, begin?: bigint, end?: bigint): HookHandle;
  onCode(hook: CodeHook, begin?: bigint, end?: bigint): HookHandle;
  onMemory(hook: MemoryHook, begin?: bigint, end?: bigint): HookHandle;
  /**
   * A cheaper memory hook for access logs: write flag, address as a number
   * (exact below 2^53, which every mapped address here is), size.
   */
  onDataAccess(hook: DataAccessHook, begin?: bigint, end?: bigint): HookHandle;
  /**
   * Optional: an execution log kept by native code, so logging a block or an
   * access costs no JavaScript call (`hooks` come from native_trace_log.ts).
   * Engines without native code (a wasm build) leave it out and
   * `openExecutionLog` logs through JavaScript hooks instead.
   */
  openNativeLog?(hooks: NativeTraceHooks, options: ExecutionLogOptions): ExecutionLog;
  onInvalidMemory(hook: InvalidMemoryHook): HookHandle;
  removeHook(handle: HookHandle): void;
  /** Release the emulator and every callback. Idempotent. */
  close(): void;
}

/** Where a run found sp not 16-byte aligned. */
export interface SpEvent {
  /** Index in the log of the block the event happened in. */
  readonly block: number;
  /** The accessing instruction (stack accesses) or the block's address (block entries). */
  readonly pc: number;
  readonly sp: bigint;
}

/** Misaligned-sp events an execution log keeps per kind between clears (more are only flagged). */
export const SP_EVENT_LIMIT = 1024;

/** What an execution log records besides the executed blocks. */
export interface ExecutionLogOptions {
  /** Every data access too (address, size, direction), for the timing model. */
  readonly accesses: boolean;
  /**
   * The stack [begin, end]: accesses there are checked for sp alignment.
   * Absent when the run cannot misalign sp (see CodeImage.keepsSpAligned):
   * then, without `accesses`, no memory hook is added at all, which spares
   * every load and store of the run Unicorn's hook path.
   */
  readonly stack?: { readonly begin: bigint; readonly end: bigint };
}

/**
 * Runs as the engine logged them: the executed blocks in order, optionally
 * every data access, and where sp was misaligned. It accumulates over runs
 * until `clear()`; the arrays are valid up to the counts and may be replaced
 * by larger ones on the next run.
 */
export interface ExecutionLog {
  readonly blockCount: number;
  /** Start address of each executed block. */
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
  /** Blocks entered with sp misaligned (the first `SP_EVENT_LIMIT`). */
  readonly misalignedEntries: readonly SpEvent[];
  /** Stack accesses made with sp misaligned (the first `SP_EVENT_LIMIT`). */
  readonly misalignedStackAccesses: readonly SpEvent[];
  /** More misaligned-sp events happened than were kept. */
  readonly spEventsTruncated: boolean;
  /** Forget everything logged (buffers are kept). */
  clear(): void;
}

/** Addresses of the compiled hooks of native/trace_log.c. */
export interface NativeTraceHooks {
  /** A uc_cb_hookcode_t for UC_HOOK_BLOCK. */
  readonly block: Deno.PointerObject;
  /** A uc_cb_hookmem_t for UC_HOOK_MEM_READ | UC_HOOK_MEM_WRITE. */
  readonly access: Deno.PointerObject;
}

/** Creates engines; the CPU model is chosen at creation. */
export interface EngineFactory {
  readonly name: string;
  /**
   * A new engine, or one a previous case handed back. `affinity` names the
   * code the caller will load (the same string for the same code): a
   * factory that keeps engines warm hands back the one that last ran it.
   */
  create(affinity?: string): Engine;
}
