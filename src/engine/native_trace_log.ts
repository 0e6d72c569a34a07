/**
 * The native execution log: `native/trace_log.c`, compiled on first use with
 * the system C compiler into `.cache/native/`, then loaded with dlopen, and
 * the JavaScript side of its struct. When no compiler is available
 * `nativeTraceHooks` gives null and logs are kept by JavaScript hooks
 * (slower, same results).
 *
 * @module
 */
import {
  type ExecutionLogOptions,
  type NativeTraceHooks,
  SP_EVENT_LIMIT,
  type SpEvent,
} from "./engine.ts";
import { LogBuffers } from "./log_buffers.ts";
import { sha256Hex } from "../hash.ts";
import { projectPath } from "../paths.ts";

const SOURCE = projectPath("src/engine/native/trace_log.c");
const CACHE = projectPath(".cache/native/");

/** Byte offsets in `struct trace_log` (8-byte fields, then two `struct sp_events`). */
const FIELD = {
  blockStart: 0,
  blockSize: 8,
  blockAccess: 16,
  blockCapacity: 24,
  blockCount: 32,
  accessAddress: 40,
  accessSize: 48,
  accessWrite: 56,
  accessCapacity: 64,
  accessCount: 72,
  recordAccesses: 80,
  stackBegin: 88,
  stackEnd: 96,
  regRead: 104,
  spId: 112,
  pcId: 120,
  entries: 128,
} as const;
/** `struct sp_events`: a count, then block, pc and sp arrays. */
const EVENTS_BYTES = 8 + 3 * 8 * SP_EVENT_LIMIT;
const ACCESS_EVENTS = FIELD.entries + EVENTS_BYTES;
/** After the two `struct sp_events`: the budget the block hook keeps, and uc_emu_stop. */
const BUDGET = ACCESS_EVENTS + EVENTS_BYTES;
const EXECUTED = BUDGET + 8;
const EMU_STOP = EXECUTED + 8;
const STRUCT_BYTES = EMU_STOP + 8;

/** Blocks and accesses one run may log at most (about 16 and 22 MiB of buffers). */
const BLOCK_LIMIT = 1 << 20;
const ACCESS_LIMIT = 1 << 21;
/** Data accesses one instruction makes at most (an ldp/stp pair, a CASP: 4). */
const ACCESSES_PER_INSTRUCTION = 4;

let hooks: Promise<NativeTraceHooks | null> | undefined;

/** Where and how the library is built; tests point it elsewhere. */
export interface NativeBuildOptions {
  /** Directory of the built library (default `.cache/native/`). */
  cacheDir?: string;
  /** C compilers to try, in order (default cc, gcc, clang). */
  compilers?: readonly string[];
  /** Where the one-line note of a fallback goes (default stderr). */
  note?: (text: string) => void;
}

/** What building and loading did: tests check the library was really rebuilt or used. */
export const nativeLogStats = { builds: 0, loadFailures: 0 };

/** `<library>.sha256`: the library's own hash, written after it, checked before dlopen. */
const recordOf = (library: string) => `${library}.sha256`;

/** The library if it exists and matches its recorded hash (a truncated one does not). */
async function verified(library: string): Promise<boolean> {
  try {
    const [bytes, recorded] = await Promise.all([
      Deno.readFile(library),
      Deno.readTextFile(recordOf(library)),
    ]);
    return (await sha256Hex(bytes)) === recorded.trim();
  } catch {
    return false;
  }
}

/** Compile trace_log.c into `library` (atomically, with its hash record); false: no compiler. */
async function compile(library: string, compilers: readonly string[]): Promise<boolean> {
  const dir = library.slice(0, library.lastIndexOf("/"));
  await Deno.mkdir(dir, { recursive: true });
  const temp = `${library}.${Deno.pid}.${crypto.randomUUID()}.tmp`;
  for (const cc of compilers) {
    try {
      const out = await new Deno.Command(cc, {
        args: ["-O2", "-shared", "-fPIC", "-o", temp, SOURCE],
        stdout: "null",
        stderr: "piped",
      }).output();
      if (out.success) {
        nativeLogStats.builds++;
        const digest = await sha256Hex(await Deno.readFile(temp));
        await Deno.rename(temp, library);
        const record = `${recordOf(library)}.${Deno.pid}.${crypto.randomUUID()}.tmp`;
        await Deno.writeTextFile(record, digest + "\n");
        await Deno.rename(record, recordOf(library));
        return true;
      }
      await Deno.remove(temp).catch(() => {});
    } catch {
      // this compiler is not installed
      await Deno.remove(temp).catch(() => {});
    }
  }
  return false;
}

/** dlopen the library and check its struct matches; throws when it cannot be used. */
function open(path: string): NativeTraceHooks {
  const lib = Deno.dlopen(path, {
    // Statics (no call stub to compile): a function's address, the size's value.
    trace_log_block: { type: "pointer" },
    trace_log_access: { type: "pointer" },
    trace_log_size: { type: "u64" },
  });
  try {
    const size = Number(lib.symbols.trace_log_size);
    if (size !== STRUCT_BYTES) {
      throw new Error(`struct trace_log is ${size} bytes, expected ${STRUCT_BYTES}`);
    }
    const block = lib.symbols.trace_log_block;
    const access = lib.symbols.trace_log_access;
    if (!block || !access) throw new Error("the hook functions have no address");
    return { block, access };
  } catch (e) {
    lib.close();
    throw e;
  }
}

/**
 * Build (when missing or damaged) and load the native hooks. A library that
 * does not load is rebuilt once; if it still does not, the JavaScript log is
 * used, with a one-line note. Null without a C compiler (the README's slower
 * path, no note).
 */
export async function loadNativeHooks(
  options: NativeBuildOptions = {},
): Promise<NativeTraceHooks | null> {
  const dir = options.cacheDir ?? CACHE;
  const compilers = options.compilers ?? ["cc", "gcc", "clang"];
  const note = options.note ?? ((text: string) => console.error(text));
  const source = await Deno.readFile(SOURCE);
  const library = `${dir.replace(/\/$/, "")}/trace_log-${
    (await sha256Hex(source)).slice(0, 16)
  }.so`;
  if (!(await verified(library)) && !(await compile(library, compilers))) return null;
  let problem: string;
  try {
    return open(library);
  } catch (e) {
    nativeLogStats.loadFailures++;
    problem = (e as Error).message;
  }
  // Rebuilt once: a damaged or stale library is replaced, never used.
  if (await compile(library, compilers)) {
    try {
      return open(library);
    } catch (e) {
      nativeLogStats.loadFailures++;
      problem = (e as Error).message;
    }
  }
  note(
    `note: the native execution log ${library} does not load even after a rebuild ` +
      `(${problem.split("\n")[0]}); using the JavaScript log (same results, slower)`,
  );
  return null;
}

/** The compiled hooks, or null when they cannot be built or loaded here. */
export function nativeTraceHooks(): Promise<NativeTraceHooks | null> {
  return hooks ??= loadNativeHooks();
}

/**
 * Where the C hooks write during a run: one set per thread, shared by every
 * log (runs are synchronous, so only one is ever in flight), sized for the
 * largest budget seen. Each log copies its run out afterwards.
 */
const scratch = {
  blockStart: new Float64Array(0),
  blockSize: new Int32Array(0),
  blockAccess: new Int32Array(0),
  accessAddress: new Float64Array(0),
  accessSize: new Uint16Array(0),
  accessWrite: new Uint8Array(0),
};

/** A log's slice of the shared buffers, grown to at least `need` entries (contents dropped). */
function scratchFor<K extends keyof typeof scratch>(key: K, need: number): (typeof scratch)[K] {
  const current = scratch[key];
  if (current.length < need || current.length === 0) {
    const Ctor = current.constructor as new (n: number) => (typeof scratch)[K];
    // At least 1 KiB: V8 keeps smaller typed arrays on its heap, where they can move.
    scratch[key] = new Ctor(Math.max(need, current.length * 2, 1024));
  }
  return scratch[key];
}

const address = (a: ArrayBufferView) => BigInt(Deno.UnsafePointer.value(Deno.UnsafePointer.of(a)));

/** Unicorn specifics the C hooks need: uc_reg_read's and uc_emu_stop's addresses, the sp and pc ids. */
export interface RegisterReader {
  readonly regRead: Deno.PointerValue;
  readonly emuStop: Deno.PointerValue;
  readonly spId: number;
  readonly pcId: number;
}

/**
 * The JavaScript side of one `struct trace_log`. The engine registers the
 * hooks with `userData` and brackets every run with `arm` and `collect`.
 */
export class NativeExecutionLog extends LogBuffers {
  // One ArrayBuffer above V8's on-heap limit: its address never moves.
  readonly #struct = new ArrayBuffer(STRUCT_BYTES);
  readonly #fields = new BigUint64Array(this.#struct);
  readonly #recordAccesses: boolean;
  readonly #emuStop: bigint;

  constructor(options: ExecutionLogOptions, reader: RegisterReader) {
    super();
    if (reader.regRead === null) throw new Error("uc_reg_read has no address");
    if (reader.emuStop === null) throw new Error("uc_emu_stop has no address");
    this.#emuStop = BigInt(Deno.UnsafePointer.value(reader.emuStop));
    this.#recordAccesses = options.accesses;
    const f = this.#fields;
    f[FIELD.recordAccesses / 8] = options.accesses ? 1n : 0n;
    // No stack: an empty range, so no access reads sp.
    f[FIELD.stackBegin / 8] = options.stack?.begin ?? 1n;
    f[FIELD.stackEnd / 8] = options.stack?.end ?? 0n;
    f[FIELD.regRead / 8] = BigInt(Deno.UnsafePointer.value(reader.regRead));
    f[FIELD.spId / 8] = BigInt(reader.spId);
    f[FIELD.pcId / 8] = BigInt(reader.pcId);
  }

  /** The `user_data` to register the hooks with. */
  get userData(): Deno.PointerObject {
    return Deno.UnsafePointer.of(this.#struct)!;
  }

  /**
   * Point the hooks at buffers big enough for a run of `budget` instructions.
   * With `keepBudget`, the block hook stops the run at the first block that
   * would take it past `budget` (Unicorn is not counting).
   */
  arm(budget: number, keepBudget = false): void {
    const f = this.#fields;
    f[BUDGET / 8] = budget === Infinity ? 0xffff_ffff_ffff_ffffn : BigInt(budget);
    f[EXECUTED / 8] = 0n;
    f[EMU_STOP / 8] = keepBudget ? this.#emuStop : 0n;
    const blocks = Math.min(budget + 1, BLOCK_LIMIT);
    f[FIELD.blockStart / 8] = address(scratchFor("blockStart", blocks));
    f[FIELD.blockSize / 8] = address(scratchFor("blockSize", blocks));
    f[FIELD.blockAccess / 8] = address(scratchFor("blockAccess", blocks));
    f[FIELD.blockCapacity / 8] = BigInt(blocks);
    const accesses = this.#recordAccesses
      ? Math.min(budget * ACCESSES_PER_INSTRUCTION + 64, ACCESS_LIMIT)
      : 0;
    f[FIELD.accessAddress / 8] = address(scratchFor("accessAddress", accesses));
    f[FIELD.accessSize / 8] = address(scratchFor("accessSize", accesses));
    f[FIELD.accessWrite / 8] = address(scratchFor("accessWrite", accesses));
    f[FIELD.accessCapacity / 8] = BigInt(accesses);
    f[FIELD.blockCount / 8] = 0n;
    f[FIELD.accessCount / 8] = 0n;
    f[FIELD.entries / 8] = 0n;
    f[ACCESS_EVENTS / 8] = 0n;
  }

  /**
   * Append the run the hooks just logged. A run that logged more than the
   * buffers hold is an error, never a silently short trace.
   */
  collect(): void {
    const f = this.#fields;
    const blocks = Number(f[FIELD.blockCount / 8]);
    const accesses = Number(f[FIELD.accessCount / 8]);
    const blockCapacity = Number(f[FIELD.blockCapacity / 8]);
    const accessCapacity = Number(f[FIELD.accessCapacity / 8]);
    const over = blocks > blockCapacity
      ? `executed ${blocks} blocks, more than the ${blockCapacity}`
      : accesses > accessCapacity
      ? `made ${accesses} data accesses, more than the ${accessCapacity}`
      : undefined;
    if (over) {
      throw new Error(
        `the run ${over} the execution log holds; give the run a smaller instruction budget`,
      );
    }
    const b0 = this.blockCount, a0 = this.accessCount;
    this.reserveBlocks(b0 + blocks);
    this.blockStart.set(scratch.blockStart.subarray(0, blocks), b0);
    this.blockSize.set(scratch.blockSize.subarray(0, blocks), b0);
    const blockAccess = scratch.blockAccess.subarray(0, blocks);
    for (let i = 0; i < blocks; i++) this.blockAccess[b0 + i] = blockAccess[i] + a0;
    if (accesses > 0) {
      this.reserveAccesses(a0 + accesses);
      this.accessAddress.set(scratch.accessAddress.subarray(0, accesses), a0);
      this.accessSize.set(scratch.accessSize.subarray(0, accesses), a0);
      this.accessWrite.set(scratch.accessWrite.subarray(0, accesses), a0);
    }
    this.blockCount = b0 + blocks;
    this.accessCount = a0 + accesses;
    this.#events(FIELD.entries, b0, this.misalignedEntries, true);
    this.#events(ACCESS_EVENTS, b0, this.misalignedStackAccesses, false);
  }

  #events(at: number, blockBase: number, out: SpEvent[], isEntry: boolean): void {
    const f = this.#fields;
    const count = Number(f[at / 8]);
    // The C side keeps the first SP_EVENT_LIMIT of a run and counts the rest.
    if (count > SP_EVENT_LIMIT) this.spEventsTruncated = true;
    const block = at / 8 + 1, pc = block + SP_EVENT_LIMIT, sp = pc + SP_EVENT_LIMIT;
    for (let i = 0; i < Math.min(count, SP_EVENT_LIMIT); i++) {
      const index = blockBase + Number(f[block + i]);
      const where = isEntry ? this.blockStart[index] : Number(f[pc + i]);
      this.note(out, { block: index, pc: where, sp: f[sp + i] });
    }
  }
}
