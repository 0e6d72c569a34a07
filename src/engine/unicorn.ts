/**
 * `Engine` implemented with Unicorn 2 (arm64, little endian, "max" CPU)
 * through Deno FFI. See `unicorn_ffi.ts` for the raw binding.
 *
 * Unicorn 2.0.1 behaviour this file relies on (measured, see tests/engine/):
 * - pc is only written back at block starts unless a code hook covers the
 *   instruction. uc_emu_start's `count` argument installs such a hook, so a
 *   run of "instruction" precision passes a count: that makes the pc exact
 *   after a data fault and inside memory hooks. It is a helper call per
 *   instruction: in a C test, 1,000 nops ran in 254 µs with a count and in
 *   15 µs without. A run of "block" precision leaves it out when a native
 *   log keeps the budget (see `RunPrecision`). Blocks translated before the
 *   hook is added counted once it was in a C test (exact budget and fault
 *   pc), but not always: a loop translated in a reset engine's earlier case
 *   ran on past the budget (tests/runner/checks_test.ts), so an engine's
 *   code is translated again when it starts counting. Dropping the hook makes
 *   Unicorn zero pages of its code buffer (0.1 to 3 s in a C test), so an
 *   engine that has counted keeps counting.
 * - An undefined instruction, brk, svc... all end a run with UC_ERR_EXCEPTION
 *   and no detail. An internal UC_HOOK_INTR records the exception number and
 *   stops, so `run` can tell "invalid-instruction" (EXCP_UDEF) from the rest.
 * - Exceptions thrown inside an FFI callback are swallowed by Deno, so every
 *   hook is wrapped: the first error stops the run and `run` rethrows it.
 * - uc_emu_start with begin == until poisons the next call (see `run`).
 * - `until` is only honoured by blocks translated while it was the `until`,
 *   and block/code hooks added or removed after translation do not apply to
 *   cached blocks. Before a run, cached blocks are dropped where it matters:
 *   around a new `until`, and over the mapped part of a changed hook's range.
 *   Runs that repeat the same `until` keep their translations, but for
 *   what Unicorn itself translates again at every run (about a block a run
 *   in a scratch script, whether or not a block holding the byte before
 *   `until` ran; bench/README.md).
 * - uc_mem_unmap flushes the TLB of the unmapped pages but not their
 *   translations, and a later mapping may reuse the same RAM offsets: an
 *   executable mapping's translations are dropped before it is unmapped
 *   (UC_CTL_TB_FLUSH would too, but costs about 11 ms plus 100 ms on the
 *   next run). A reset engine keeps what the next case maps and hooks again
 *   (see `reset`); tests/engine/reuse_test.ts checks a reset engine against a
 *   fresh one over every scenario, tests/engine/warm_test.ts what it keeps.
 * - Translating some unallocated FP16 AdvSIMD encodings makes Unicorn 2.0.1
 *   abort the process (QEMU's g_assert_not_reached): 20 of 100,000 random
 *   words did, all in three classes, and none of 600,000 outside them (see
 *   `abortsTranslation`). `run` refuses, before it starts, to run mapped
 *   code that holds one: an error, not the end of the sweep.
 * - uc_mem_write to a read-only mapping lifts its protection and restores it,
 *   rebuilding the address space twice (tens of microseconds with a case's
 *   page mappings), and uc_mem_map allocates RAM with an mmap per page:
 *   pages are mapped on host memory of the harness's own (uc_mem_map_ptr,
 *   pooled), written in place, and the translations of code that changed are
 *   dropped before the next run.
 */

import {
  type BlockHook,
  type CodeHook,
  type DataAccessHook,
  type Engine,
  EngineError,
  type EngineErrorKind,
  type EngineFactory,
  type ExecutionLog,
  type ExecutionLogOptions,
  type HookHandle,
  type InvalidMemoryHook,
  type MemoryHook,
  type NativeTraceHooks,
  type Permissions,
  type Register,
  type RunPrecision,
  type StopReason,
} from "./engine.ts";
import {
  EXCP,
  HOOK_CODE_DEF,
  HOOK_EVENTMEM_DEF,
  HOOK_INTR_DEF,
  HOOK_MEM_DEF,
  HOOK_MEM_LEAN_DEF,
  strerror,
  trimNativeHeap,
  UC_ARCH_ARM64,
  UC_ARM64_REG,
  UC_CPU_ARM64_MAX,
  UC_CTL_CPU_MODEL_WRITE,
  UC_CTL_TB_REMOVE_CACHE_WRITE,
  UC_ERR,
  UC_HOOK,
  UC_MEM,
  UC_MODE_ARM,
  UC_PROT_EXEC,
  UC_PROT_READ,
  UC_PROT_WRITE,
  unicorn,
  type UnicornSymbols,
} from "./unicorn_ffi.ts";
import { NativeExecutionLog } from "./native_trace_log.ts";
import { LruMap } from "../lru.ts";

/** Unicorn register id of every `Register` name. */
const REGISTER_IDS: ReadonlyMap<string, number> = new Map<string, number>([
  ...Array.from({ length: 29 }, (_, i) => [`x${i}`, UC_ARM64_REG.X0 + i] as [string, number]),
  ["x29", UC_ARM64_REG.X29],
  ["x30", UC_ARM64_REG.X30],
  ["sp", UC_ARM64_REG.SP],
  ["pc", UC_ARM64_REG.PC],
  ["nzcv", UC_ARM64_REG.NZCV],
  ["sp_el0", UC_ARM64_REG.SP_EL0],
  ["tpidr_el1", UC_ARM64_REG.TPIDR_EL1],
]);

/** Registers read per uc_reg_read_batch call (more than all `Register` names). */
const BATCH = 40;
/** The page size mappings are made in. */
const PAGE = 0x1000n;
/** Highest 64-bit address. */
const MAX_ADDRESS = 0xffff_ffff_ffff_ffffn;
/** Count passed for an unlimited budget: still non-zero so the pc stays exact. */
const UNLIMITED_COUNT = Number.MAX_SAFE_INTEGER;

const EXCEPTION_NAMES: Readonly<Record<number, string>> = {
  [EXCP.UDEF]: "undefined instruction (EXCP_UDEF)",
  [EXCP.SWI]: "svc (EXCP_SWI)",
  [EXCP.PREFETCH_ABORT]: "prefetch abort (EXCP_PREFETCH_ABORT)",
  [EXCP.DATA_ABORT]: "data abort (EXCP_DATA_ABORT)",
  [EXCP.BKPT]: "brk (EXCP_BKPT)",
  [EXCP.HVC]: "hvc (EXCP_HVC)",
  [EXCP.SMC]: "smc (EXCP_SMC)",
};

/** Error kind of a uc_err code. */
function kindOf(code: number): EngineErrorKind {
  switch (code) {
    case UC_ERR.READ_UNMAPPED:
    case UC_ERR.WRITE_UNMAPPED:
    case UC_ERR.FETCH_UNMAPPED:
      return "unmapped";
    case UC_ERR.READ_PROT:
    case UC_ERR.WRITE_PROT:
    case UC_ERR.FETCH_PROT:
      return "protection";
    case UC_ERR.INSN_INVALID:
      return "invalid-instruction";
    case UC_ERR.EXCEPTION:
    case UC_ERR.READ_UNALIGNED:
    case UC_ERR.WRITE_UNALIGNED:
    case UC_ERR.FETCH_UNALIGNED:
      return "exception";
    default:
      return "api";
  }
}

/** Access kind of an invalid-memory uc_mem_type. */
function invalidAccess(type: number): "read" | "write" | "fetch" {
  switch (type) {
    case UC_MEM.WRITE_UNMAPPED:
    case UC_MEM.WRITE_PROT:
      return "write";
    case UC_MEM.FETCH_UNMAPPED:
    case UC_MEM.FETCH_PROT:
      return "fetch";
    default:
      return "read";
  }
}

function protBits(perms: Permissions): number {
  return (perms.read ? UC_PROT_READ : 0) | (perms.write ? UC_PROT_WRITE : 0) |
    (perms.exec ? UC_PROT_EXEC : 0);
}

function hex(value: bigint): string {
  return `0x${value.toString(16)}`;
}

function apiError(message: string, code = 0): EngineError {
  return new EngineError(
    "api",
    code,
    code === 0 ? message : strerror(code),
    undefined,
    undefined,
    message,
  );
}

/** Anything holding native resources that must be released. */
interface Closable {
  close(): void;
}

/** A Deno.UnsafeCallback of any signature. */
interface NativeCallback extends Closable {
  readonly pointer: Deno.PointerObject;
}

/** A hook registered with uc_hook_add. */
interface NativeHook {
  readonly handle: bigint; // uc_hook
  readonly callback: Closable;
  readonly type: number; // UC_HOOK_* bits
  readonly begin: bigint;
  readonly end: bigint;
  /** What a reset engine matches a new hook against to keep this one: kind and range. */
  readonly key: string;
  /** The JavaScript function the callback calls: a kept hook is pointed at the new one. */
  readonly slot?: { fn: (...args: never[]) => void };
  /** The native log whose struct the hook writes (its user data). */
  readonly log?: NativeExecutionLog;
}

/**
 * A mapping. A reset engine keeps its mappings "parked": the next case's
 * identical page mapping takes one back with its translations.
 */
interface Region {
  readonly address: bigint;
  readonly size: number;
  perms: Permissions;
  /**
   * For a page mapped a page at a time, the memory itself (uc_mem_map_ptr, a
   * host page of the harness's own): content is changed by writing it and
   * dropping the translations of code that changed. Other mappings are
   * Unicorn's RAM.
   */
  readonly memory?: Uint8Array;
  /**
   * A kept page between a reset and the next run: its new content. A
   * writable page's is its memory (what the run wrote there is rewritten);
   * a read-only page's is `spare`, compared with its memory at the run.
   */
  pending: Uint8Array | null;
  /** The buffer a read-only page's next content is written into. */
  spare?: Uint8Array;
  parked: boolean;
}

const samePerms = (a: Permissions, b: Permissions) =>
  a.read === b.read && a.write === b.write && a.exec === b.exec;

let liveEngines = 0;
let liveCallbacks = 0;

/**
 * What reset engines took back rather than rebuilt, for tests: mappings and
 * hooks kept, bytes of code whose translations were dropped because the
 * next case changed them, and pages mapped anew (each rebuilds Unicorn's
 * address space).
 */
export const reuseStats = { regionsKept: 0, hooksKept: 0, codeBytesFlushed: 0, pagesMapped: 0 };

/** Host pages no engine maps any more, for the next host-backed mapping. */
const freePages: Uint8Array[] = [];
/** Host pages kept for reuse at most (2 MiB). */
const FREE_PAGES = 512;

/**
 * A zeroed, page-aligned page of host memory for uc_mem_map_ptr (alignment is
 * what QEMU's own RAM has). Its region keeps it while it is mapped, and hands
 * it back ({@link freePage}) once Unicorn has let go of it: an engine opened
 * and closed per case would otherwise leave its pages to the garbage collector.
 */
function pageBuffer(): Uint8Array {
  const reused = freePages.pop();
  if (reused) return reused.fill(0);
  const size = Number(PAGE);
  const backing = new Uint8Array(2 * size);
  const at = Number(Deno.UnsafePointer.value(Deno.UnsafePointer.of(backing)) % BigInt(size));
  return backing.subarray((size - at) % size, (size - at) % size + size);
}

function freePage(page: Uint8Array): void {
  if (freePages.length < FREE_PAGES) freePages.push(page);
}

/** Unicorn instances and FFI callbacks currently open in this process (for leak checks). */
export function openNativeResources(): { engines: number; callbacks: number } {
  return { engines: liveEngines, callbacks: liveCallbacks };
}

/** A Deno.UnsafeCallback that keeps `liveCallbacks` right; close() is idempotent. */
function nativeCallback<const D extends Deno.UnsafeCallbackDefinition>(
  definition: D,
  fn: Deno.UnsafeCallbackFunction<D["parameters"], D["result"]>,
): NativeCallback {
  const callback = new Deno.UnsafeCallback(definition, fn);
  liveCallbacks++;
  let open = true;
  return {
    pointer: callback.pointer,
    close() {
      if (!open) return;
      open = false;
      liveCallbacks--;
      callback.close();
    },
  };
}

/**
 * One emulated arm64 machine backed by a Unicorn 2 instance.
 *
 * Hooks run synchronously inside `run`. A hook may call `stop()`,
 * `removeHook()`, and read/write registers and memory; it must not call `run`
 * or `close`.
 */
export class UnicornEngine implements Engine, Disposable {
  readonly #lib: UnicornSymbols;
  #uc: Deno.PointerObject | null;

  // Scratch memory shared by all FFI calls of this engine, in one ArrayBuffer
  // larger than V8's on-heap typed array limit so its address never moves
  // (uc_reg_read_batch receives raw pointers into it).
  readonly #scratch = new ArrayBuffer(1024);
  readonly #reg = new BigUint64Array(this.#scratch, 0, 1);
  readonly #hookOut = new BigUint64Array(this.#scratch, 8, 1);
  readonly #batchValues = new BigUint64Array(this.#scratch, 64, BATCH);
  readonly #batchPointers = new BigUint64Array(this.#scratch, 64 + 8 * BATCH, BATCH);
  readonly #batchIds = new Int32Array(this.#scratch, 64 + 16 * BATCH, BATCH);

  readonly #native = new Map<number, NativeHook>();
  /** Native execution logs, armed before and collected after every run. */
  readonly #logs: NativeExecutionLog[] = [];
  readonly #invalidHooks = new Map<number, InvalidMemoryHook>();
  readonly #internal: Closable[] = [];
  #deferredClose: Closable[] = [];
  /** Mapped memory, parked ones included. */
  readonly #regions: Region[] = [];
  /**
   * The regions mapped a page at a time, by address (page-aligned addresses
   * are exact as numbers): a case finds each parked page it maps again at once.
   */
  readonly #pages = new Map<number, Region>();
  /** Hooks of the previous case, kept (with their translations) for a new identical one. */
  readonly #parkedHooks: NativeHook[] = [];
  /** Reset and not yet run: parked state is taken back or dropped before the next run. */
  #warm = false;
  /** The CPU state right after opening, that `reset` restores (null: not saved). */
  #context: Deno.PointerObject | null = null;
  /** Set by a recycling factory: `close` resets the engine and hands it back. */
  #recycle: ((engine: UnicornEngine) => void) | undefined;
  /** Ranges [begin, end) whose cached translations must go before the next run. */
  #staleRanges: [bigint, bigint][] = [];
  /** `until` of the previous run (-1n: none yet). */
  #lastUntil = -1n;
  /** Whether Unicorn counts instructions (its count hook): from the first exact run on. */
  #counting = false;
  /** Whether a run has started: Unicorn may hold translations from then on. */
  #ran = false;
  /** Host-memory code pages read whole for words Unicorn aborts on (see #refuseUntranslatable). */
  readonly #scanned = new WeakSet<Region>();
  #nextHookId = 1;

  // State of the current run.
  #running = false;
  #stopRequested = false;
  #hookFailed = false;
  #hookError: unknown = undefined;
  #exception = -1; // EXCP_* seen by the interrupt hook, or -1
  #faultAddress: bigint | undefined = undefined;

  constructor() {
    this.#lib = unicorn();
    const err = this.#lib.uc_open(UC_ARCH_ARM64, UC_MODE_ARM, this.#hookOut);
    if (err !== UC_ERR.OK) throw apiError(`uc_open: ${strerror(err)}`, err);
    this.#uc = Deno.UnsafePointer.create(this.#hookOut[0]);
    liveEngines++;
    try {
      // The default Cortex-A72 model lacks LSE atomics; "max" has them.
      this.#check(
        this.#lib.uc_ctl(this.#uc, UC_CTL_CPU_MODEL_WRITE, UC_CPU_ARM64_MAX),
        "uc_ctl(CPU_MODEL)",
      );
      const base = Deno.UnsafePointer.value(Deno.UnsafePointer.of(this.#batchValues));
      for (let i = 0; i < BATCH; i++) this.#batchPointers[i] = base + BigInt(8 * i);
      this.#addInternalHooks();
    } catch (e) {
      this.close();
      throw e;
    }
  }

  /** False once `close` has run. */
  get isOpen(): boolean {
    return this.#uc !== null;
  }

  map(address: bigint, size: number, perms: Permissions): void {
    this.#handle();
    const end = address + BigInt(size);
    const paged = size > 0 && address % PAGE === 0n && size % Number(PAGE) === 0;
    let overlapsLive = false;
    for (const r of this.#regions) {
      if (r.parked || r.address >= end || address >= r.address + BigInt(r.size)) continue;
      overlapsLive = true;
      break;
    }
    if (!paged || overlapsLive) {
      // Not whole pages, or over a live mapping: Unicorn's own answer (and error).
      this.#check(
        this.#lib.uc_mem_map(this.#handle(), address, BigInt(size), protBits(perms)),
        `map ${hex(address)}+${size.toString(16)}`,
      );
      this.#addRegion(address, size, perms);
      return;
    }
    // A page at a time: the next case takes back every page it maps again (its data
    // grows and shrinks by pages from case to case), with the translations of its code.
    for (let at = address; at < end; at += PAGE) this.#mapPage(at, perms);
  }

  #mapPage(address: bigint, perms: Permissions): void {
    const size = Number(PAGE);
    if (this.#warm) {
      const kept = this.#pages.get(Number(address));
      if (kept?.parked && samePerms(kept.perms, perms)) {
        reuseStats.regionsKept++;
        kept.parked = false;
        // Fresh memory is zero: the new content starts from zero too.
        kept.pending = (perms.write ? kept.memory! : kept.spare ??= new Uint8Array(size)).fill(0);
        return;
      }
      const end = address + PAGE;
      for (const r of this.#regions.filter((r) => r.parked)) {
        if (r.address < end && address < r.address + BigInt(r.size)) this.#unmapRegion(r);
      }
    }
    // On a host page of the harness's own (see pageBuffer): Unicorn allocates no RAM
    // for it (an mmap per page, and a fault on its first touch).
    const memory = pageBuffer();
    reuseStats.pagesMapped++;
    this.#check(
      this.#lib.uc_mem_map_ptr(this.#handle(), address, PAGE, protBits(perms), memory),
      `map ${hex(address)}+${size.toString(16)}`,
    );
    this.#addRegion(address, size, perms, memory);
  }

  #addRegion(address: bigint, size: number, perms: Permissions, memory?: Uint8Array): void {
    const region: Region = {
      address,
      size,
      perms: { ...perms },
      memory,
      pending: null,
      parked: false,
    };
    this.#regions.push(region);
    if (memory) this.#pages.set(Number(address), region);
  }

  protect(address: bigint, size: number, perms: Permissions): void {
    this.#settle();
    this.#check(
      this.#lib.uc_mem_protect(this.#handle(), address, BigInt(size), protBits(perms)),
      `protect ${hex(address)}+${size.toString(16)}`,
    );
    const end = address + BigInt(size);
    // A region partly re-protected has mixed permissions: count it as the union (a page
    // once executable may still have translations).
    for (const r of this.#regions) {
      if (r.address < end && address < r.address + BigInt(r.size)) {
        r.perms = {
          read: r.perms.read || perms.read,
          write: r.perms.write || perms.write,
          exec: r.perms.exec || perms.exec,
        };
      }
    }
  }

  write(address: bigint, bytes: Uint8Array): void {
    this.#handle();
    const end = address + BigInt(bytes.length);
    if (this.#warm) {
      // Into the kept pages' new content, and pages mapped anew this case (host memory,
      // zero until now), when they hold all of it. Settling here would drop the parked
      // hooks this case has not taken back yet, the log's block hook among them: every
      // translation of the code would go with it.
      let held = 0;
      for (let page = address - address % PAGE; page < end; page += PAGE) {
        const r = this.#pages.get(Number(page));
        const into = r && !r.parked ? r.pending ?? r.memory : undefined;
        if (!r || !into) continue;
        const rEnd = r.address + BigInt(r.size);
        const from = address > r.address ? address : r.address;
        const to = end < rEnd ? end : rEnd;
        into.set(
          bytes.subarray(Number(from - address), Number(to - address)),
          Number(from - r.address),
        );
        if (into === r.memory && r.perms.exec) this.#staleRanges.push([from, to]);
        held += Number(to - from);
      }
      if (held === bytes.length) return;
    }
    this.#settle();
    const overlapping = this.#regions.filter((r) =>
      r.address < end && address < r.address + BigInt(r.size)
    );
    const parts = overlapping.map((r) => {
      const rEnd = r.address + BigInt(r.size);
      const from = address > r.address ? address : r.address;
      return { r, from, to: end < rEnd ? end : rEnd };
    });
    if (parts.reduce((n, p) => n + Number(p.to - p.from), 0) < bytes.length) {
      // Not all mapped: Unicorn's own answer, which writes nothing and says where.
      this.#writeRaw(address, bytes);
    }
    for (const { r, from, to } of parts) {
      const part = bytes.subarray(Number(from - address), Number(to - address));
      if (!r.memory) this.#writeRaw(from, part);
      else {
        r.memory.set(part, Number(from - r.address));
        // Written behind Unicorn's back: translations of it may be stale now.
        if (r.perms.exec) this.#staleRanges.push([from, to]);
      }
    }
  }

  read(address: bigint, size: number): Uint8Array {
    const bytes = new Uint8Array(size);
    this.readInto(address, bytes);
    return bytes;
  }

  readInto(address: bigint, into: Uint8Array): void {
    this.#settle();
    const err = this.#lib.uc_mem_read(this.#handle(), address, into, BigInt(into.length));
    this.#check(err, `read ${hex(address)}+${into.length}`, address);
  }

  readRegister(reg: Register): bigint {
    const uc = this.#handle();
    this.#reg[0] = 0n; // nzcv is written as 32 bits only
    this.#check(this.#lib.uc_reg_read(uc, registerId(reg), this.#reg), `read ${reg}`);
    return this.#reg[0];
  }

  writeRegister(reg: Register, value: bigint): void {
    const uc = this.#handle();
    this.#reg[0] = value; // wraps negative values to their 64-bit pattern
    this.#check(this.#lib.uc_reg_write(uc, registerId(reg), this.#reg), `write ${reg}`);
  }

  writeRegisters(values: Iterable<readonly [Register, bigint]>): void {
    const uc = this.#handle();
    let n = 0;
    const flush = () => {
      this.#check(
        this.#lib.uc_reg_write_batch(uc, this.#batchIds, this.#batchPointers, n),
        "write registers",
      );
      n = 0;
    };
    for (const [reg, value] of values) {
      this.#batchIds[n] = registerId(reg);
      this.#batchValues[n] = value; // wraps negative values to their 64-bit pattern
      if (++n === BATCH) flush();
    }
    if (n > 0) flush();
  }

  readRegisters(regs: readonly Register[]): bigint[] {
    const uc = this.#handle();
    const out = new Array<bigint>(regs.length);
    for (let start = 0; start < regs.length; start += BATCH) {
      const n = Math.min(BATCH, regs.length - start);
      for (let i = 0; i < n; i++) this.#batchIds[i] = registerId(regs[start + i]);
      this.#batchValues.fill(0n, 0, n);
      this.#check(
        this.#lib.uc_reg_read_batch(uc, this.#batchIds, this.#batchPointers, n),
        "read registers",
      );
      for (let i = 0; i < n; i++) out[start + i] = this.#batchValues[i];
    }
    return out;
  }

  /**
   * `budget` is a positive integer number of instructions (exact: Unicorn
   * stops after precisely that many) or `Infinity` for no limit. Returns
   * "until" whenever pc == until at the end, even if a hook also called stop().
   * begin == until runs nothing and returns "until".
   */
  run(
    begin: bigint,
    until: bigint,
    budget: number,
    precision: RunPrecision = "instruction",
  ): StopReason {
    const uc = this.#handle();
    if (this.#running) throw apiError("run() called from inside a hook");
    if (!(budget === Infinity || (Number.isSafeInteger(budget) && budget > 0))) {
      throw apiError(`budget must be a positive integer or Infinity, got ${budget}`);
    }
    if (begin === until) {
      // Unicorn 2.0.1 returns at once here but leaves a stop request behind
      // that makes the *next* uc_emu_start return before executing anything.
      this.writeRegister("pc", begin);
      return "until";
    }
    if (until !== this.#lastUntil) {
      // 2.0.1 checks `until` when it translates a block, and runs straight
      // through a cached block that contains (or is chained to) a new one.
      this.#lastUntil = until;
      if (until < MAX_ADDRESS) this.#staleRanges.push([until, until + 1n]);
    }
    this.#settle();
    // Unicorn's count hook costs a helper call per instruction: it is left out when the
    // native logs keep the budget, or when there is none to keep. Once added it stays:
    // dropping it made Unicorn zero pages of its code buffer for 0.1 to 3 s in a C test.
    const counting = this.#counting || precision === "instruction" ||
      (budget !== Infinity && this.#logs.length === 0);
    if (counting && !this.#counting && this.#ran) {
      // Blocks translated before Unicorn counts are not counted: a block chained to itself
      // ran on past the budget. Every block is translated again, as for a code hook on all.
      this.#markHookRangeStale(UC_HOOK.CODE, 1n, 0n);
    }
    this.#counting = counting;
    this.#ran = true;
    this.#refuseUntranslatable();
    if (this.#staleRanges.length > 0) this.#dropStaleTranslations();
    this.#running = true;
    this.#stopRequested = false;
    this.#hookFailed = false;
    this.#hookError = undefined;
    this.#exception = -1;
    this.#faultAddress = undefined;
    let err: number;
    for (const log of this.#logs) log.arm(budget, !counting);
    try {
      const count = counting ? BigInt(budget === Infinity ? UNLIMITED_COUNT : budget) : 0n;
      err = this.#lib.uc_emu_start(uc, begin, until, 0n, count);
    } finally {
      this.#running = false;
      this.#closeDeferred();
    }
    // Even when the run faulted: an oops shows the blocks that led to the fault.
    let logError: unknown;
    for (const log of this.#logs) {
      try {
        log.collect();
      } catch (e) {
        logError ??= e;
      }
    }
    if (this.#hookFailed) throw this.#hookError;
    if (err !== UC_ERR.OK) throw this.#runError(err);
    if (this.#exception >= 0) throw this.#exceptionError(this.#exception);
    if (logError) throw logError;
    if (this.readRegister("pc") === until) return "until";
    return this.#stopRequested ? "stopped" : "budget";
  }

  /**
   * From a block hook: the block does not run (pc = its address). From a code
   * hook: that instruction does not run. No effect outside a run.
   */
  stop(): void {
    if (this.#uc === null || !this.#running) return;
    this.#stopRequested = true;
    this.#lib.uc_emu_stop(this.#uc);
  }

  onBlock(hook: BlockHook, begin = 1n, end = 0n): HookHandle {
    return this.#codeHook(UC_HOOK.BLOCK, hook, begin, end);
  }

  onCode(hook: CodeHook, begin = 1n, end = 0n): HookHandle {
    return this.#codeHook(UC_HOOK.CODE, hook, begin, end);
  }

  #codeHook(type: number, hook: CodeHook, begin: bigint, end: bigint): HookHandle {
    this.#handle();
    const key = `${type}:${begin}:${end}`;
    const kept = this.#keptHook(key, hook);
    if (kept) return kept;
    const slot = { fn: hook };
    const callback = nativeCallback(HOOK_CODE_DEF, (_uc, address, size) => {
      try {
        slot.fn(address, size);
      } catch (e) {
        this.#fail(e);
      }
    });
    return this.#addNative(type, callback, begin, end, null, { key, slot });
  }

  /** From a reset engine: the parked hook of this kind and range, now calling `fn`. */
  #keptHook(key: string, fn: (...args: never[]) => void): HookHandle | undefined {
    if (!this.#warm) return undefined;
    const i = this.#parkedHooks.findIndex((h) => h.key === key && h.slot !== undefined);
    if (i < 0) return undefined;
    const [hook] = this.#parkedHooks.splice(i, 1);
    reuseStats.hooksKept++;
    hook.slot!.fn = fn;
    const id = this.#nextHookId++;
    this.#native.set(id, hook);
    return { id };
  }

  /**
   * The hook runs before the access. `value` is the value being written
   * (zero-extended to 64 bits), or 0 for reads. `begin`/`end` bound the data
   * address. Note: in Unicorn 2.0.1 a memory hook whose range does not
   * contain the accessing instruction's own pc leaves pc stale unless a code
   * hook or budget is active; `run` always sets a budget, so pc is exact.
   */
  onMemory(hook: MemoryHook, begin = 1n, end = 0n): HookHandle {
    this.#handle();
    const key = `memory:${begin}:${end}`;
    const kept = this.#keptHook(key, hook);
    if (kept) return kept;
    const slot = { fn: hook };
    const callback = nativeCallback(
      HOOK_MEM_DEF,
      (_uc, type, address, size, value) => {
        try {
          slot.fn(type === UC_MEM.WRITE ? "write" : "read", address, size, value);
        } catch (e) {
          this.#fail(e);
        }
      },
    );
    const type = UC_HOOK.MEM_READ | UC_HOOK.MEM_WRITE;
    return this.#addNative(type, callback, begin, end, null, { key, slot });
  }

  onDataAccess(hook: DataAccessHook, begin = 1n, end = 0n): HookHandle {
    this.#handle();
    const key = `access:${begin}:${end}`;
    const kept = this.#keptHook(key, hook);
    if (kept) return kept;
    const slot = { fn: hook };
    const callback = nativeCallback(HOOK_MEM_LEAN_DEF, (_uc, type, address, size) => {
      try {
        slot.fn(type === UC_MEM.WRITE, Number(address), size);
      } catch (e) {
        this.#fail(e);
      }
    });
    const type = UC_HOOK.MEM_READ | UC_HOOK.MEM_WRITE;
    return this.#addNative(type, callback, begin, end, null, { key, slot });
  }

  openNativeLog(hooks: NativeTraceHooks, options: ExecutionLogOptions): ExecutionLog {
    this.#handle();
    const { stack } = options;
    const key = `log:${options.accesses}:${stack ? `${stack.begin}:${stack.end}` : "-"}:` +
      `${Deno.UnsafePointer.value(hooks.block)}:${Deno.UnsafePointer.value(hooks.access)}`;
    // The access hook only when there are accesses to log (all of them) or stack accesses
    // to check (that range).
    const accessRange = options.accesses ? { begin: 1n, end: 0n } : stack;
    const hookCount = accessRange ? 2 : 1;
    if (this.#warm) {
      // The previous case's log, with its hooks and its struct. A log of accesses is
      // a timing trace, which its case may keep: it gets fresh buffers. A log of blocks
      // only is read before its case ends, and its buffers are emptied for the next.
      const kept = this.#parkedHooks.filter((h) => h.key === key);
      const log = kept[0]?.log;
      if (kept.length === hookCount && log && kept.every((h) => h.log === log)) {
        for (const hook of kept) {
          reuseStats.hooksKept++;
          this.#parkedHooks.splice(this.#parkedHooks.indexOf(hook), 1);
          this.#native.set(this.#nextHookId++, hook);
        }
        if (options.accesses) log.renew();
        else log.clear();
        this.#logs.push(log);
        return log;
      }
    }
    const log = new NativeExecutionLog(options, {
      regRead: this.#lib.uc_reg_read_address,
      emuStop: this.#lib.uc_emu_stop_address,
      spId: UC_ARM64_REG.SP,
      pcId: UC_ARM64_REG.PC,
    });
    // Native functions have no JavaScript callback to release.
    const native = (pointer: Deno.PointerObject): NativeCallback => ({ pointer, close() {} });
    this.#addNative(UC_HOOK.BLOCK, native(hooks.block), 1n, 0n, log.userData, { key, log });
    if (accessRange) {
      this.#addNative(
        UC_HOOK.MEM_READ | UC_HOOK.MEM_WRITE,
        native(hooks.access),
        accessRange.begin,
        accessRange.end,
        log.userData,
        { key, log },
      );
    }
    this.#logs.push(log);
    return log;
  }

  /** Observers only: the run always stops with the fault (no demand paging). */
  onInvalidMemory(hook: InvalidMemoryHook): HookHandle {
    this.#handle();
    const id = this.#nextHookId++;
    this.#invalidHooks.set(id, hook);
    return { id };
  }

  removeHook(handle: HookHandle): void {
    const uc = this.#handle();
    if (this.#invalidHooks.delete(handle.id)) return;
    const hook = this.#native.get(handle.id);
    if (hook === undefined) throw apiError(`unknown hook id ${handle.id}`);
    this.#native.delete(handle.id);
    const err = this.#lib.uc_hook_del(uc, hook.handle);
    // The callback may be on the stack right now: release it after the run.
    if (this.#running) this.#deferredClose.push(hook.callback);
    else hook.callback.close();
    this.#markHookRangeStale(hook.type, hook.begin, hook.end);
    this.#check(err, "uc_hook_del");
  }

  close(): void {
    if (this.#uc === null) return;
    if (this.#running) throw apiError("close() called from inside a hook");
    const recycle = this.#recycle;
    if (recycle !== undefined) {
      this.#recycle = undefined;
      let reset = false;
      try {
        this.reset();
        reset = true;
      } finally {
        // An engine that cannot be reset is closed for good.
        if (reset) recycle(this);
        else this.close();
      }
      return;
    }
    if (this.#context !== null) {
      this.#lib.uc_context_free(this.#context);
      this.#context = null;
    }
    const err = this.#lib.uc_close(this.#uc);
    this.#uc = null;
    liveEngines--;
    if (err === UC_ERR.OK) {
      for (const region of this.#regions) if (region.memory) freePage(region.memory);
    }
    for (const hook of this.#native.values()) hook.callback.close();
    for (const hook of this.#parkedHooks) hook.callback.close();
    for (const callback of this.#internal) callback.close();
    this.#native.clear();
    this.#parkedHooks.length = 0;
    this.#regions.length = 0;
    this.#pages.clear();
    this.#invalidHooks.clear();
    this.#internal.length = 0;
    if (err !== UC_ERR.OK) throw apiError(`uc_close: ${strerror(err)}`, err);
  }

  /** Whether Unicorn counts this engine's instructions: from its first exact run on. */
  get counting(): boolean {
    return this.#counting;
  }

  /**
   * Back to the state of a freshly opened engine, as the next case sees it,
   * without reopening it or losing its translations: the CPU state
   * (registers, system registers, flags) is restored to what it was right
   * after opening; hooks and mappings are parked. The next case takes back
   * a parked hook of the same kind and range, and a parked page mapping of
   * the same place and permissions; whatever it does not take back is removed
   * (translations first, the only way 2.0.1 finds them) before its run. A
   * kept page is zero plus what the new case writes: writable ones are
   * rewritten whole, read-only ones where they differ, and translations are
   * dropped exactly over the code that changed. Unicorn's own
   * instruction-count hook, once the engine has one, stays first in its list,
   * as in a fresh engine that counts from its first run on.
   */
  reset(): void {
    const uc = this.#handle();
    if (this.#running) throw apiError("reset() called from inside a hook");
    if (this.#context === null) throw apiError("engine has no saved context to reset to");
    this.#settle(); // what the last case left parked and did not take back goes
    for (const [id, hook] of this.#native) {
      this.#native.delete(id);
      // A parked JavaScript hook does nothing until it is taken back.
      if (hook.slot) hook.slot.fn = () => {};
      this.#parkedHooks.push(hook);
    }
    this.#invalidHooks.clear();
    this.#logs.length = 0;
    for (const region of this.#regions) region.parked = true;
    this.#check(this.#lib.uc_context_restore(uc, this.#context), "uc_context_restore");
    this.#warm = true;
  }

  /**
   * Before anything reads the engine or runs it: the parked state a new case
   * did not take back is removed, and the new content of kept mappings is
   * written.
   */
  #settle(): void {
    if (!this.#warm) return;
    this.#warm = false;
    const uc = this.#handle();
    for (const hook of this.#parkedHooks.splice(0)) {
      const err = this.#lib.uc_hook_del(uc, hook.handle);
      hook.callback.close();
      this.#markHookRangeStale(hook.type, hook.begin, hook.end);
      this.#check(err, "uc_hook_del");
    }
    for (const region of this.#regions.filter((r) => r.parked)) this.#unmapRegion(region);
    for (const region of this.#regions) {
      const { pending, memory } = region;
      if (pending === null || !memory) continue;
      region.pending = null;
      if (region.perms.write) {
        // Its memory was rewritten whole (the run may have written anywhere in it).
        if (region.perms.exec) {
          this.#staleRanges.push([region.address, region.address + BigInt(region.size)]);
        }
        continue;
      }
      // Read-only: only what differs from its memory changes, and only that code is stale.
      for (const [from, to] of changedRanges(memory, pending)) {
        memory.set(pending.subarray(from, to), from);
        if (!region.perms.exec) continue;
        const at = region.address + BigInt(from);
        reuseStats.codeBytesFlushed += to - from;
        this.#staleRanges.push([at, at + BigInt(to - from)]);
      }
    }
  }

  #writeRaw(address: bigint, bytes: Uint8Array): void {
    const err = this.#lib.uc_mem_write(this.#handle(), address, bytes, BigInt(bytes.length));
    this.#check(err, `write ${hex(address)}+${bytes.length}`, address);
  }

  /** Unmap a region, dropping its translations first while it is still mapped. */
  #unmapRegion(region: Region): void {
    const uc = this.#handle();
    const end = region.address + BigInt(region.size);
    if (region.perms.exec) {
      this.#check(
        this.#lib.uc_ctl_u64_u64(uc, UC_CTL_TB_REMOVE_CACHE_WRITE, region.address, end),
        `uc_ctl(TB_REMOVE_CACHE ${hex(region.address)}..${hex(end)})`,
      );
    }
    this.#check(
      this.#lib.uc_mem_unmap(uc, region.address, BigInt(region.size)),
      `unmap ${hex(region.address)}+${region.size.toString(16)}`,
    );
    this.#regions.splice(this.#regions.indexOf(region), 1);
    if (region.memory) {
      this.#pages.delete(Number(region.address));
      freePage(region.memory);
    }
  }

  /** Save the state `reset` returns to, and have `close` hand the engine to `recycle`. */
  recycleWith(recycle: (engine: UnicornEngine) => void): void {
    const uc = this.#handle();
    if (this.#context === null) {
      const symbols = this.#lib;
      this.#check(symbols.uc_context_alloc(uc, this.#hookOut), "uc_context_alloc");
      this.#context = Deno.UnsafePointer.create(this.#hookOut[0]);
      this.#check(symbols.uc_context_save(uc, this.#context), "uc_context_save");
    }
    this.#recycle = recycle;
  }

  /** `using engine = unicornFactory.create()` closes it at scope end. */
  [Symbol.dispose](): void {
    this.close();
  }

  // -------------------------------------------------------------------------

  #handle(): Deno.PointerObject {
    if (this.#uc === null) {
      throw new EngineError(
        "api",
        UC_ERR.HANDLE,
        strerror(UC_ERR.HANDLE),
        undefined,
        undefined,
        "engine is closed",
      );
    }
    return this.#uc;
  }

  #check(err: number, what: string, address?: bigint): void {
    if (err === UC_ERR.OK) return;
    const kind = kindOf(err);
    const text = strerror(err);
    const at = kind === "api" ? undefined : address;
    throw new EngineError(kind, err, text, undefined, at, `${what}: ${text}`);
  }

  #addNative(
    type: number,
    callback: NativeCallback,
    begin: bigint,
    end: bigint,
    userData: Deno.PointerValue,
    keep: Pick<NativeHook, "key" | "slot" | "log">,
  ): HookHandle {
    const err = this.#lib.uc_hook_add(
      this.#handle(),
      this.#hookOut,
      type,
      callback.pointer,
      userData,
      begin,
      end,
    );
    if (err !== UC_ERR.OK) {
      callback.close();
      this.#check(err, "uc_hook_add");
    }
    const id = this.#nextHookId++;
    this.#native.set(id, { handle: this.#hookOut[0], callback, type, begin, end, ...keep });
    this.#markHookRangeStale(type, begin, end);
    return { id };
  }

  /** Hooks every engine has: fault address capture and exception capture. */
  #addInternalHooks(): void {
    const invalid = nativeCallback(HOOK_EVENTMEM_DEF, (_uc, type, address, size) => {
      this.#faultAddress = address;
      if (this.#invalidHooks.size > 0) {
        const access = invalidAccess(type);
        for (const hook of this.#invalidHooks.values()) {
          try {
            hook(access, address, size);
          } catch (e) {
            this.#fail(e);
          }
        }
      }
      return false; // never handled: the run stops with the fault
    });
    this.#internal.push(invalid);
    const interrupt = nativeCallback(HOOK_INTR_DEF, (_uc, intno) => {
      // With an INTR hook Unicorn treats the exception as handled and would
      // resume (at the same pc for udf/brk: forever), so stop here.
      this.#exception = intno;
      if (this.#uc !== null) this.#lib.uc_emu_stop(this.#uc);
    });
    this.#internal.push(interrupt);
    for (
      const [type, callback] of [[UC_HOOK.MEM_INVALID, invalid], [UC_HOOK.INTR, interrupt]] as const
    ) {
      this.#check(
        this.#lib.uc_hook_add(this.#uc, this.#hookOut, type, callback.pointer, null, 1n, 0n),
        "uc_hook_add(internal)",
      );
    }
  }

  /** Records the first error thrown by a hook and stops the run. */
  #fail(error: unknown): void {
    if (!this.#hookFailed) {
      this.#hookFailed = true;
      this.#hookError = error;
    }
    if (this.#uc !== null) this.#lib.uc_emu_stop(this.#uc);
  }

  /**
   * Block and code hooks are compiled into translated blocks: queue the
   * executable part of the hook's range for invalidation (begin > end = all).
   */
  #markHookRangeStale(type: number, begin: bigint, end: bigint): void {
    if (type !== UC_HOOK.BLOCK && type !== UC_HOOK.CODE) return;
    const all = begin > end;
    // Translations exist only in executable mappings (parked ones included).
    for (const region of this.#regions) {
      if (!region.perms.exec) continue;
      const regionEnd = region.address + BigInt(region.size);
      const from = all || begin < region.address ? region.address : begin;
      const to = all || end >= regionEnd ? regionEnd : end + 1n;
      if (from < to) this.#staleRanges.push([from, to]);
    }
  }

  /** Applies the queued invalidations (only between runs: blocks may be executing). */
  #dropStaleTranslations(): void {
    const uc = this.#handle();
    for (const [from, to] of this.#staleRanges) {
      const err = this.#lib.uc_ctl_u64_u64(uc, UC_CTL_TB_REMOVE_CACHE_WRITE, from, to);
      this.#check(err, `uc_ctl(TB_REMOVE_CACHE ${hex(from)}..${hex(to)})`);
    }
    this.#staleRanges = [];
  }

  #closeDeferred(): void {
    if (this.#deferredClose.length === 0) return;
    for (const callback of this.#deferredClose) callback.close();
    this.#deferredClose = [];
  }

  /**
   * Mapped code holding a word Unicorn would abort on when it translates it is
   * an invalid instruction at that word, before anything runs (whether or not
   * the run would have reached it). An executable page is read whole once
   * (2.6 µs); after that, only its code that changed, which the stale ranges
   * name. Pages the run may write, and Unicorn's own RAM, are read whole.
   */
  #refuseUntranslatable(): void {
    for (const region of this.#regions) {
      if (region.parked || !region.perms.exec) continue;
      const tracked = region.memory !== undefined && !region.perms.write;
      if (tracked && this.#scanned.has(region)) continue;
      this.#refuseIn(region, region.address, region.address + BigInt(region.size));
      if (tracked) this.#scanned.add(region);
    }
    for (const [from, to] of this.#staleRanges) {
      for (const region of this.#regions) {
        if (!this.#scanned.has(region)) continue;
        const end = region.address + BigInt(region.size);
        if (from < end && region.address < to) {
          this.#refuseIn(
            region,
            from > region.address ? from : region.address,
            to < end ? to : end,
          );
        }
      }
    }
  }

  /** The words of [from, to) (within `region`) that Unicorn would abort on: an error. */
  #refuseIn(region: Region, from: bigint, to: bigint): void {
    const bytes = region.memory ?? this.read(region.address, region.size);
    const first = Number(from - region.address) >> 2, last = (Number(to - region.address) + 3) >> 2;
    const words = new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.length >> 2);
    for (let i = first; i < last; i++) {
      if (!abortsTranslation(words[i])) continue;
      const pc = region.address + BigInt(4 * i);
      const text = strerror(UC_ERR.INSN_INVALID);
      const detail = `0x${words[i].toString(16).padStart(8, "0")} is an unallocated FP16 ` +
        `AdvSIMD encoding that Unicorn 2.0.1 cannot translate (it aborts the process), so ` +
        `nothing was run`;
      throw new EngineError(
        "invalid-instruction",
        UC_ERR.INSN_INVALID,
        text,
        pc,
        undefined,
        `${text} at pc ${hex(pc)}: ${detail}`,
        detail,
      );
    }
  }

  #runError(err: number): EngineError {
    const kind = kindOf(err);
    const pc = this.readRegister("pc");
    const memory = kind === "unmapped" || kind === "protection";
    return new EngineError(kind, err, strerror(err), pc, memory ? this.#faultAddress : undefined);
  }

  #exceptionError(intno: number): EngineError {
    let pc = this.readRegister("pc");
    // These exceptions report the preferred return address, after the insn.
    if (intno === EXCP.SWI || intno === EXCP.HVC || intno === EXCP.SMC) pc -= 4n;
    const udef = intno === EXCP.UDEF;
    const code = udef ? UC_ERR.INSN_INVALID : UC_ERR.EXCEPTION;
    const text = strerror(code);
    const what = EXCEPTION_NAMES[intno] ?? `CPU exception ${intno}`;
    return new EngineError(
      udef ? "invalid-instruction" : "exception",
      code,
      text,
      pc,
      undefined,
      `${text}: ${what} at pc ${hex(pc)}`,
    );
  }
}

/** fpop (U:a:opcode) values of the vector three-same FP16 class that abort. */
const THREE_SAME_FP16_ABORTS = new Set([0x5, 0xb, 0xc, 0xd, 0x11, 0x19, 0x1b, 0x1f]);
/** Integers from `first` to `last`. */
const span = (first: number, last: number) =>
  Array.from({ length: last - first + 1 }, (_, i) => first + i);

/**
 * fpop (U:a:opcode) values that both two-register misc FP16 classes translate:
 * roundings, conversions, compares with zero, estimates, fneg. The vector
 * class also has fabs (0x2f) and fsqrt (0x7f), the scalar one frecpx (0x3f).
 */
const TWO_REG_MISC_FP16_BOTH = [
  ...span(0x18, 0x1d),
  ...span(0x2c, 0x2e),
  ...span(0x38, 0x3b),
  0x3d,
  ...span(0x58, 0x5d),
  0x6c,
  0x6d,
  0x6f,
  ...span(0x79, 0x7b),
  0x7d,
];
const TWO_REG_MISC_FP16_VECTOR_OK = new Set([...TWO_REG_MISC_FP16_BOTH, 0x2f, 0x7f]);
const TWO_REG_MISC_FP16_SCALAR_OK = new Set([...TWO_REG_MISC_FP16_BOTH, 0x3f]);

/**
 * Whether translating `word` makes Unicorn 2.0.1 abort the process: the
 * unallocated fpop values of three FP16 AdvSIMD classes, found by running
 * every (U, a, opcode) of each in a C test, one word per child process
 * (Q and the register fields do not matter).
 */
export function abortsTranslation(word: number): boolean {
  // 0 Q U 01110 a 10 Rm 00 opcode 1 Rn Rd: three same (FP16), vector.
  if ((word & 0x9f60c400) === 0x0e400400) {
    return THREE_SAME_FP16_ABORTS.has(
      ((word >>> 11) & 7) | ((word >>> 20) & 8) | ((word >>> 25) & 16),
    );
  }
  // 0 Q U 01110 a 111100 opcode 10 Rn Rd: two-register misc (FP16), vector; and scalar,
  // 01 U 11110 a 111100 opcode 10 Rn Rd.
  const vector = (word & 0x9f7e0c00) === 0x0e780800;
  if (!vector && (word & 0xdf7e0c00) !== 0x5e780800) return false;
  const fpop = ((word >>> 12) & 31) | ((word >>> 18) & 32) | ((word >>> 23) & 64);
  return !(vector ? TWO_REG_MISC_FP16_VECTOR_OK : TWO_REG_MISC_FP16_SCALAR_OK).has(fpop);
}

/**
 * The byte ranges [from, to) where `after` differs from `before` (same
 * length), compared a word at a time; ranges closer than 64 bytes are joined
 * so a scattered change costs few translation drops.
 */
function changedRanges(before: Uint8Array, after: Uint8Array): [number, number][] {
  const ranges: [number, number][] = [];
  const words = before.length >> 2;
  const a = new Int32Array(before.buffer, before.byteOffset, words);
  const b = new Int32Array(after.buffer, after.byteOffset, words);
  const add = (from: number, to: number) => {
    const last = ranges[ranges.length - 1];
    if (last && from - last[1] < 64) last[1] = to;
    else ranges.push([from, to]);
  };
  for (let i = 0; i < words; i++) {
    if (a[i] === b[i]) continue;
    let j = i + 1;
    while (j < words && a[j] !== b[j]) j++;
    add(i * 4, j * 4);
    i = j;
  }
  for (let k = words * 4; k < before.length; k++) {
    if (before[k] !== after[k]) add(k, k + 1);
  }
  return ranges;
}

function registerId(reg: Register): number {
  const id = REGISTER_IDS.get(reg);
  if (id === undefined) throw apiError(`unknown register ${String(reg)}`);
  return id;
}

/**
 * A factory that reuses engines: `create` hands out an engine a previous
 * case closed (which reset it), preferably the one that last ran the same
 * code (`affinity`), which keeps its mappings, hooks and translations.
 * Opening and closing a Unicorn instance, its lazy start-up, and translating
 * the code again cost more than a small case's whole emulation. Code this
 * factory has not run before gets an idle engine that has never counted
 * instructions, if there is one: a one-case run's case and its nop baseline
 * share one engine, 2 ms sooner than opening a second (bench/README.md, one case);
 * a sweep's first set runs its variants on one engine, and the code that
 * comes back gets an engine of its own. Up to `maxEngines` are kept, the
 * least recently used one is taken for new code past that. Dropped
 * translations do not give back their space in Unicorn's code buffer, so an
 * engine is really closed after `maxCases` cases, which bounds the memory it
 * holds. `release` closes the idle engines.
 */
export class RecyclingUnicornFactory implements EngineFactory {
  readonly name = "unicorn-2";
  /** Idle engines by the affinity of their last case, least recently used first. */
  readonly #idle = new Map<string, UnicornEngine>();
  /** Cases each open engine has run. */
  readonly #cases = new Map<UnicornEngine, number>();
  /** The code (affinities) this factory has handed engines to, the most recent. */
  readonly #seen = new LruMap<string, true>(SEEN_AFFINITIES);

  constructor(
    readonly maxCases = DEFAULT_MAX_CASES_PER_ENGINE,
    readonly maxEngines = DEFAULT_MAX_ENGINES,
  ) {}

  create(affinity = ""): Engine {
    let engine = this.#idle.get(affinity);
    if (engine) this.#idle.delete(affinity);
    // An engine that has counted stays slower (see RunPrecision): it is lent to no new code.
    else if (!this.#seen.get(affinity)) engine = this.#takeIdle((e) => !e.counting);
    if (!engine && this.#cases.size >= this.maxEngines) engine = this.#takeIdle(() => true);
    this.#seen.set(affinity, true);
    if (engine && (this.#cases.get(engine) ?? 0) >= this.maxCases) {
      this.#cases.delete(engine);
      engine.close(); // what it frees goes back to the system at the next trim
      engine = undefined;
    }
    engine ??= this.#open();
    this.#trim();
    this.#cases.set(engine, (this.#cases.get(engine) ?? 0) + 1);
    const ready = engine;
    try {
      ready.recycleWith((e) => {
        const previous = this.#idle.get(affinity);
        if (previous) this.#discard(previous);
        this.#idle.set(affinity, e);
      });
    } catch (e) {
      this.#discard(ready);
      throw e;
    }
    return ready;
  }

  /** Close the idle engines (a later `create` opens new ones). */
  release(): void {
    for (const engine of this.#idle.values()) this.#discard(engine);
    this.#idle.clear();
    this.#trim(true);
  }

  #lastTrim = performance.now();

  /**
   * Every so often, the C heap's free memory goes back to the system: case
   * after case, Unicorn rebuilds its address space and our buffers come and
   * go in this thread's malloc arena, which keeps what they freed resident
   * (with two workers, 115 MB of a 5,000-case sweep). A trim costs a few ms;
   * `whatever` trims whatever the time (the factory's engines are all closed).
   * This is glibc's malloc: under the tasks' preloaded mimalloc
   * (src/cli/preload.ts), which hands freed pages back by itself, a trim
   * finds next to nothing in glibc's arenas.
   */
  #trim(whatever = false): void {
    const now = performance.now();
    if (!whatever && now - this.#lastTrim < TRIM_INTERVAL_MS) return;
    this.#lastTrim = now;
    trimNativeHeap();
  }

  /** The least recently used idle engine that `fits`, no longer idle. */
  #takeIdle(fits: (engine: UnicornEngine) => boolean): UnicornEngine | undefined {
    for (const [affinity, engine] of this.#idle) {
      if (!fits(engine)) continue;
      this.#idle.delete(affinity);
      return engine;
    }
    return undefined;
  }

  #open(): UnicornEngine {
    const engine = new UnicornEngine();
    this.#cases.set(engine, 0);
    return engine;
  }

  #discard(engine: UnicornEngine): void {
    this.#cases.delete(engine);
    engine.close();
  }
}

/** Affinities a recycling factory remembers having run (a sweep's code placements are few). */
const SEEN_AFFINITIES = 256;

/** How often (ms) a recycling factory hands free C heap back to the system. */
const TRIM_INTERVAL_MS = 500;

/**
 * Cases one recycled engine runs before it is closed and a new one opened.
 * Since a sweep's code no longer changes from set to set (the model's static
 * data first), an engine no longer translates blocks again case after case,
 * and a new one costs little more: with 48 instead of 96, the two-thread
 * 5,000-case sweep peaked 20 to 40 MB lower in the same time or less
 * (bench/README.md).
 */
export const DEFAULT_MAX_CASES_PER_ENGINE = 48;
/**
 * Engines a recycling factory keeps: one per variant of a sweep, so each
 * keeps its code's translations (a sweep interleaves its variants).
 */
export const DEFAULT_MAX_ENGINES = 6;

/** Factory for the Unicorn 2 engine ("max" arm64 CPU). */
export const unicornFactory: EngineFactory = {
  name: "unicorn-2",
  create(): Engine {
    return new UnicornEngine();
  },
};
