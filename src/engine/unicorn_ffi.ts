/**
 * Deno FFI binding to the Unicorn 2 C library (`libunicorn.so.2`, Debian
 * package `libunicorn2`), limited to what the arm64 engine needs.
 *
 * Every numeric constant below was taken from `/usr/include/unicorn/*.h`
 * (package `libunicorn-dev`, Unicorn 2.0.1) and checked with a C program
 * that prints them.
 *
 * The library is opened on first use and cached for the life of the process.
 */

// ---------------------------------------------------------------------------
// Constants (unicorn.h / arm64.h)

/** uc_arch: ARM-64 (AArch64). */
export const UC_ARCH_ARM64 = 2;
/** uc_mode: little-endian, ARM (non-Thumb) mode; both are 0. */
export const UC_MODE_ARM = 0;

/** uc_control_type: select the CPU model (unicorn.h `UC_CTL_CPU_MODEL`). */
export const UC_CTL_CPU_MODEL = 7;
/** uc_ctl I/O direction bit for a write (`UC_CTL_IO_WRITE`). */
export const UC_CTL_IO_WRITE = 1;
/** Same arithmetic as the `UC_CTL(type, nr, rw)` macro: type | nr << 26 | rw << 30. */
export function ucCtl(type: number, nargs: number, rw: number): number {
  return (type | (nargs << 26) | (rw << 30)) >>> 0;
}
/** `UC_CTL_WRITE(UC_CTL_CPU_MODEL, 1)` = 0x44000007. */
export const UC_CTL_CPU_MODEL_WRITE = ucCtl(UC_CTL_CPU_MODEL, 1, UC_CTL_IO_WRITE);
/**
 * uc_control_type: drop cached translations overlapping [begin, end)
 * (`UC_CTL_TB_REMOVE_CACHE`). Costs microseconds, where UC_CTL_TB_FLUSH
 * measured about 11 ms plus about 100 ms extra on the next run. `begin` should
 * be mapped: with an unmapped `begin`, 2.0.1 returns OK at once and seems to
 * drop nothing.
 */
export const UC_CTL_TB_REMOVE_CACHE = 9;
/** `UC_CTL_WRITE(UC_CTL_TB_REMOVE_CACHE, 2)` = 0x48000009. */
export const UC_CTL_TB_REMOVE_CACHE_WRITE = ucCtl(UC_CTL_TB_REMOVE_CACHE, 2, UC_CTL_IO_WRITE);
/** uc_cpu_arm64: "max" CPU (all features QEMU implements, incl. LSE atomics). */
export const UC_CPU_ARM64_MAX = 3;

/** uc_prot bits for uc_mem_map / uc_mem_protect. */
export const UC_PROT_NONE = 0;
/** Readable. */
export const UC_PROT_READ = 1;
/** Writable. */
export const UC_PROT_WRITE = 2;
/** Executable. */
export const UC_PROT_EXEC = 4;

/** uc_err codes. */
export const UC_ERR = {
  OK: 0, // no error
  NOMEM: 1, // out of memory
  ARCH: 2, // unsupported architecture
  HANDLE: 3, // invalid handle
  MODE: 4, // invalid mode
  VERSION: 5, // core/binding version mismatch
  READ_UNMAPPED: 6, // run stopped: read of unmapped memory
  WRITE_UNMAPPED: 7, // run stopped: write to unmapped memory
  FETCH_UNMAPPED: 8, // run stopped: fetch from unmapped memory
  HOOK: 9, // invalid hook type
  INSN_INVALID: 10, // run stopped: invalid instruction
  MAP: 11, // invalid memory mapping
  WRITE_PROT: 12, // run stopped: write to non-writable memory
  READ_PROT: 13, // run stopped: read from non-readable memory
  FETCH_PROT: 14, // run stopped: fetch from non-executable memory
  ARG: 15, // invalid argument
  READ_UNALIGNED: 16, // unaligned read
  WRITE_UNALIGNED: 17, // unaligned write
  FETCH_UNALIGNED: 18, // unaligned fetch
  HOOK_EXIST: 19, // hook already exists
  RESOURCE: 20, // insufficient resource
  EXCEPTION: 21, // unhandled CPU exception (brk, svc, hvc, ...)
} as const;

/** uc_hook_type bits. */
export const UC_HOOK = {
  INTR: 1 << 0, // interrupts / CPU exceptions
  CODE: 1 << 2, // every instruction
  BLOCK: 1 << 3, // every translated block entry
  MEM_READ_UNMAPPED: 1 << 4,
  MEM_WRITE_UNMAPPED: 1 << 5,
  MEM_FETCH_UNMAPPED: 1 << 6,
  MEM_READ_PROT: 1 << 7,
  MEM_WRITE_PROT: 1 << 8,
  MEM_FETCH_PROT: 1 << 9,
  MEM_READ: 1 << 10, // successful data read (before the access)
  MEM_WRITE: 1 << 11, // successful data write (before the access)
  INSN_INVALID: 1 << 14, // undefined instruction (never fires for arm64 in 2.0.1, see EXCP)
  /** UC_HOOK_MEM_UNMAPPED | UC_HOOK_MEM_PROT = 0x3f0. */
  MEM_INVALID: 0x3f0,
} as const;

/** uc_mem_type values passed to memory callbacks. */
export const UC_MEM = {
  READ: 16,
  WRITE: 17,
  FETCH: 18,
  READ_UNMAPPED: 19,
  WRITE_UNMAPPED: 20,
  FETCH_UNMAPPED: 21,
  WRITE_PROT: 22,
  READ_PROT: 23,
  FETCH_PROT: 24,
  READ_AFTER: 25,
} as const;

/**
 * Exception numbers UC_HOOK_INTR reports on arm64. These are QEMU's `EXCP_*`
 * values (target/arm/cpu.h), not in unicorn.h; checked by running udf, svc,
 * hvc and brk. Note: arm64 never fires UC_HOOK_INSN_INVALID in 2.0.1; an
 * undefined instruction is EXCP_UDEF here or UC_ERR_EXCEPTION without a hook.
 */
export const EXCP = {
  UDEF: 1, // undefined instruction (also hvc/smc when EL2/EL3 are absent)
  SWI: 2, // svc; pc already points after the svc
  PREFETCH_ABORT: 3,
  DATA_ABORT: 4,
  BKPT: 7, // brk
  HVC: 11, // pc after the instruction
  SMC: 13, // pc after the instruction
} as const;

/** uc_arm64_reg ids (arm64.h). X0..X28 are consecutive; X29/X30 are not. */
export const UC_ARM64_REG = {
  X29: 1,
  X30: 2,
  NZCV: 3,
  SP: 4,
  X0: 199, // X1..X28 = X0 + n
  PC: 260,
  TPIDR_EL1: 264,
  SP_EL0: 270,
} as const;

// ---------------------------------------------------------------------------
// Symbols

const SYMBOLS = {
  /** unsigned int uc_version(unsigned int *major, unsigned int *minor) */
  uc_version: { parameters: ["buffer", "buffer"], result: "u32" },
  /** uc_err uc_open(uc_arch, uc_mode, uc_engine **uc) */
  uc_open: { parameters: ["i32", "i32", "buffer"], result: "i32" },
  /** uc_err uc_close(uc_engine *) */
  uc_close: { parameters: ["pointer"], result: "i32" },
  /**
   * uc_err uc_ctl(uc_engine *, uc_control_type, ...): variadic; declared with
   * the one int argument CPU-model writes take. Integer varargs are passed
   * like fixed ones on x86-64 and aarch64 SysV; on x86-64 a stray %al (vector
   * register count) only decides whether the callee saves xmm registers.
   */
  uc_ctl: { parameters: ["pointer", "u32", "i32"], result: "i32" },
  /** The same uc_ctl, for controls taking two uint64_t (TB_REMOVE_CACHE). */
  uc_ctl_u64_u64: { name: "uc_ctl", parameters: ["pointer", "u32", "u64", "u64"], result: "i32" },
  /** const char *uc_strerror(uc_err) */
  uc_strerror: { parameters: ["i32"], result: "pointer" },
  /** uc_err uc_mem_map(uc_engine *, uint64_t address, size_t size, uint32_t perms) */
  uc_mem_map: { parameters: ["pointer", "u64", "usize", "u32"], result: "i32" },
  /**
   * uc_err uc_mem_map_ptr(uc_engine *, uint64_t address, size_t size, uint32_t perms,
   * void *ptr): memory backed by the caller's buffer, which must outlive the mapping.
   */
  uc_mem_map_ptr: { parameters: ["pointer", "u64", "usize", "u32", "buffer"], result: "i32" },
  // A reused engine's reset (src/engine/unicorn.ts): unmap, and save/restore the CPU state.
  uc_mem_unmap: { parameters: ["pointer", "u64", "usize"], result: "i32" },
  uc_context_alloc: { parameters: ["pointer", "buffer"], result: "i32" },
  uc_context_save: { parameters: ["pointer", "pointer"], result: "i32" },
  uc_context_restore: { parameters: ["pointer", "pointer"], result: "i32" },
  uc_context_free: { parameters: ["pointer"], result: "i32" },
  /** uc_err uc_mem_protect(uc_engine *, uint64_t address, size_t size, uint32_t perms) */
  uc_mem_protect: { parameters: ["pointer", "u64", "usize", "u32"], result: "i32" },
  /** uc_err uc_mem_write(uc_engine *, uint64_t address, const void *bytes, size_t size) */
  uc_mem_write: { parameters: ["pointer", "u64", "buffer", "usize"], result: "i32" },
  /** uc_err uc_mem_read(uc_engine *, uint64_t address, void *bytes, size_t size) */
  uc_mem_read: { parameters: ["pointer", "u64", "buffer", "usize"], result: "i32" },
  /** uc_err uc_reg_read(uc_engine *, int regid, void *value) */
  uc_reg_read: { parameters: ["pointer", "i32", "buffer"], result: "i32" },
  /** The address of uc_reg_read itself, for native hooks that read registers. */
  uc_reg_read_address: { name: "uc_reg_read", type: "pointer" },
  /** The address of uc_emu_stop, for a native block hook that keeps a run's budget. */
  uc_emu_stop_address: { name: "uc_emu_stop", type: "pointer" },
  /** uc_err uc_reg_write(uc_engine *, int regid, const void *value) */
  uc_reg_write: { parameters: ["pointer", "i32", "buffer"], result: "i32" },
  /** uc_err uc_reg_read_batch(uc_engine *, int *regs, void **vals, int count) */
  uc_reg_read_batch: { parameters: ["pointer", "buffer", "buffer", "i32"], result: "i32" },
  /** uc_err uc_reg_write_batch(uc_engine *, int *regs, void *const *vals, int count) */
  uc_reg_write_batch: { parameters: ["pointer", "buffer", "buffer", "i32"], result: "i32" },
  /** uc_err uc_emu_start(uc_engine *, uint64_t begin, uint64_t until, uint64_t timeout, size_t count) */
  uc_emu_start: { parameters: ["pointer", "u64", "u64", "u64", "usize"], result: "i32" },
  /** uc_err uc_emu_stop(uc_engine *) */
  uc_emu_stop: { parameters: ["pointer"], result: "i32" },
  /**
   * uc_err uc_hook_add(uc_engine *, uc_hook *hh, int type, void *callback,
   *                    void *user_data, uint64_t begin, uint64_t end, ...):
   * the varargs are only read for UC_HOOK_INSN / TCG_OPCODE, which we do not use.
   */
  uc_hook_add: {
    parameters: ["pointer", "buffer", "i32", "function", "pointer", "u64", "u64"],
    result: "i32",
  },
  /** uc_err uc_hook_del(uc_engine *, uc_hook hh); uc_hook is a size_t. */
  uc_hook_del: { parameters: ["pointer", "usize"], result: "i32" },
} as const satisfies Deno.ForeignLibraryInterface;

/** The loaded library's symbols. */
export type UnicornSymbols = Deno.DynamicLibrary<typeof SYMBOLS>["symbols"];

/** Name passed to dlopen. */
export const LIBRARY_NAME = "libunicorn.so.2";

/** Environment variable naming another library file to load (e.g. a local Unicorn build). */
export const LIBRARY_ENV = "FTRACE_BENCH_LIBUNICORN";

/** The symbols, once the library is open. */
let library: UnicornSymbols | undefined;

/**
 * Symbols a run may never call (an error's text, the version, mappings not
 * made a page at a time, single register writes, stops from a hook, hooks
 * removed, unmapping, closing: the command line leaves its engines to the
 * process's exit): each is bound when first read. Deno compiles a call stub
 * for every symbol it binds (10 in 1.0 to 1.7 ms here), and a one-case run
 * calls 13 of the 24 functions.
 */
const BOUND_WHEN_USED: ReadonlySet<string> = new Set<keyof typeof SYMBOLS>([
  "uc_close",
  "uc_context_free",
  "uc_version",
  "uc_strerror",
  "uc_mem_map",
  "uc_mem_unmap",
  "uc_mem_protect",
  "uc_mem_write",
  "uc_reg_write",
  "uc_emu_stop",
  "uc_hook_del",
]);

/** The library's handles, one per binding: never closed, the library stays for the process. */
const handles: Deno.DynamicLibrary<Deno.ForeignLibraryInterface>[] = [];

/** `definitions` bound in a handle of their own. */
function openSymbols<S extends Deno.ForeignLibraryInterface>(path: string, definitions: S) {
  const handle = Deno.dlopen(path, definitions);
  handles.push(handle);
  return handle.symbols;
}

/** dlopen the library with every symbol but those bound when used, which are getters. */
function bind(path: string): UnicornSymbols {
  const now = Object.fromEntries(
    Object.entries(SYMBOLS).filter(([name]) => !BOUND_WHEN_USED.has(name)),
  );
  const symbols: Record<string, unknown> = { ...openSymbols(path, now) };
  for (const name of BOUND_WHEN_USED) {
    Object.defineProperty(symbols, name, {
      configurable: true,
      enumerable: true,
      get() {
        const value = openSymbols(path, { [name]: SYMBOLS[name as keyof typeof SYMBOLS] })[name];
        Object.defineProperty(symbols, name, { value, enumerable: true });
        return value;
      },
    });
  }
  return symbols as UnicornSymbols;
}

/** The library's own path: the one `unicorn()` opens. */
function libraryPath(): string {
  return Deno.env.get(LIBRARY_ENV) || LIBRARY_NAME;
}

/** dlopen's RTLD_LAZY (dlfcn.h), the mode Deno.dlopen opens with. */
const RTLD_LAZY = 1;

let preloading: Promise<void> | undefined;
let preloadedPath: Uint8Array | undefined;

/**
 * Start loading the library on a thread of Deno's blocking pool (libc's
 * dlopen as a nonblocking call), and resolve once it is loaded or failed.
 * Loading the 19 MB library takes about 15 ms, almost all of it relocating
 * it; a process that does other work meanwhile then finds it loaded, and its
 * `unicorn()` only binds the symbols. Errors are left to `unicorn()`, which
 * reports them with the package to install.
 */
export function preloadUnicorn(): Promise<void> {
  if (library !== undefined) return Promise.resolve();
  return preloading ??= (async () => {
    const open = libc()?.dlopen;
    if (!open) return;
    // The other thread reads the path's bytes: they are kept for good (a few bytes).
    preloadedPath = new TextEncoder().encode(libraryPath() + "\0");
    await open(preloadedPath, RTLD_LAZY).catch(() => {});
  })();
}

/**
 * The Unicorn symbols, opening the library on first call.
 * @throws Error naming the Debian package when the library cannot be loaded.
 */
export function unicorn(): UnicornSymbols {
  if (library === undefined) {
    try {
      library = bind(libraryPath());
    } catch (e) {
      const detail = e instanceof Error ? e.message : String(e);
      throw new Error(
        `${LIBRARY_NAME} could not be loaded; install it with \`apt-get install libunicorn2\` ` +
          `(dlopen: ${detail})`,
      );
    }
    noHugePages();
  }
  return library;
}

/** The C library's calls the engine uses, or null where they are not to be had. */
function libc() {
  if (libcSymbols === undefined) {
    try {
      libcSymbols = Deno.dlopen("libc.so.6", {
        malloc_trim: { parameters: ["usize"], result: "i32" },
        // Variadic in C; every argument here is an integer, as the call needs.
        prctl: { parameters: ["i32", "u64", "u64", "u64", "u64"], result: "i32" },
        // The handle is never closed: the library stays for the process, as `unicorn()`'s does.
        dlopen: { parameters: ["buffer", "i32"], result: "pointer", nonblocking: true },
      }).symbols;
    } catch {
      libcSymbols = null;
    }
  }
  return libcSymbols;
}

let libcSymbols:
  | {
    malloc_trim(pad: bigint): number;
    prctl(...args: [number, ...bigint[]]): number;
    dlopen(path: Uint8Array, mode: number): Promise<Deno.PointerValue>;
  }
  | null
  | undefined;

/** prctl option: no transparent huge pages for this process (linux/prctl.h). */
const PR_SET_THP_DISABLE = 41;

/**
 * No transparent huge pages for this process. Unicorn has the kernel back
 * each engine's 1 GB code buffer with 2 MB pages, of which an engine's
 * translations use a few hundred KB: in a C test, an engine took 3.3 MB
 * resident, and 1.3 MB with huge pages off. Nothing else here asks for them.
 */
function noHugePages(): void {
  libc()?.prctl(PR_SET_THP_DISABLE, 1n, 0n, 0n, 0n);
}

/**
 * Hand the C heap's free memory back to the system (glibc's malloc_trim): a
 * closed engine's translation structures are freed into malloc's arenas,
 * which keep them resident otherwise. Does nothing where there is no such call.
 */
export function trimNativeHeap(): void {
  libc()?.malloc_trim(0n);
}

// ---------------------------------------------------------------------------
// Callback signatures (for Deno.UnsafeCallback)

/** void (*uc_cb_hookcode_t)(uc_engine *, uint64_t address, uint32_t size, void *user_data) */
export const HOOK_CODE_DEF = {
  parameters: ["pointer", "u64", "u32", "pointer"],
  result: "void",
} as const satisfies Deno.UnsafeCallbackDefinition;

/**
 * void (*uc_cb_hookmem_t)(uc_engine *, uc_mem_type, uint64_t address, int size, int64_t value, void *)
 *
 * `value` is declared u64: same bits, and Unicorn already zero-extends
 * narrow writes (a `str w0` of -16 arrives as 0xfffffff0), so no masking is needed.
 */
export const HOOK_MEM_DEF = {
  parameters: ["pointer", "i32", "u64", "i32", "u64", "pointer"],
  result: "void",
} as const satisfies Deno.UnsafeCallbackDefinition;

/**
 * The same callback, declared with only the arguments a data-access log
 * needs: no `value`, and the address as a usize (a plain number below
 * 2^53), which saves about a tenth of the callback's cost.
 */
export const HOOK_MEM_LEAN_DEF = {
  parameters: ["pointer", "i32", "usize", "i32"],
  result: "void",
} as const satisfies Deno.UnsafeCallbackDefinition;

/** bool (*uc_cb_eventmem_t)(uc_engine *, uc_mem_type, uint64_t address, int size, int64_t value, void *) */
export const HOOK_EVENTMEM_DEF = {
  parameters: ["pointer", "i32", "u64", "i32", "u64", "pointer"],
  result: "bool",
} as const satisfies Deno.UnsafeCallbackDefinition;

/** void (*uc_cb_hookintr_t)(uc_engine *, uint32_t intno, void *user_data) */
export const HOOK_INTR_DEF = {
  parameters: ["pointer", "u32", "pointer"],
  result: "void",
} as const satisfies Deno.UnsafeCallbackDefinition;

// ---------------------------------------------------------------------------
// Helpers

const strerrorCache = new Map<number, string>();

/** uc_strerror(code) as a JS string (cached: the C strings are static). */
export function strerror(code: number): string {
  let text = strerrorCache.get(code);
  if (text === undefined) {
    const ptr = unicorn().uc_strerror(code);
    text = ptr === null ? `uc_err ${code}` : new Deno.UnsafePointerView(ptr).getCString();
    strerrorCache.set(code, text);
  }
  return text;
}

/** The library's version as "major.minor". */
export function version(): string {
  const major = new Uint32Array(1);
  const minor = new Uint32Array(1);
  unicorn().uc_version(major, minor);
  return `${major[0]}.${minor[0]}`;
}
