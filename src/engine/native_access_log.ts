/**
 * The native access log: `native/access_log.c`, compiled on first use with
 * the system C compiler into `.cache/native/`, then loaded with dlopen. When
 * no compiler is available the caller falls back to a JavaScript hook
 * (slower, same results).
 */

const SOURCE = new URL("./native/access_log.c", import.meta.url);
const CACHE = new URL("../../.cache/native/", import.meta.url);

/** Byte offsets of `struct access_log` (five 8-byte fields). */
export const ACCESS_LOG_LAYOUT = {
  address: 0,
  size: 8,
  write: 16,
  capacity: 24,
  count: 32,
  bytes: 40,
} as const;

export interface NativeAccessLog {
  /** Address of `access_log_hook`, a uc_cb_hookmem_t. */
  readonly hook: Deno.PointerObject;
}

let loaded: NativeAccessLog | null | undefined;

async function sha256(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", new Uint8Array(bytes));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

async function build(): Promise<string | undefined> {
  const source = await Deno.readFile(SOURCE);
  const library = new URL(`access_log-${(await sha256(source)).slice(0, 16)}.so`, CACHE);
  try {
    await Deno.stat(library);
    return library.pathname;
  } catch {
    // not built yet
  }
  await Deno.mkdir(CACHE, { recursive: true });
  const temp = `${library.pathname}.${Deno.pid}.${crypto.randomUUID()}.tmp`;
  for (const cc of ["cc", "gcc", "clang"]) {
    try {
      const out = await new Deno.Command(cc, {
        args: ["-O2", "-shared", "-fPIC", "-o", temp, SOURCE.pathname],
        stdout: "null",
        stderr: "piped",
      }).output();
      if (out.success) {
        await Deno.rename(temp, library.pathname);
        return library.pathname;
      }
      await Deno.remove(temp).catch(() => {});
    } catch {
      // this compiler is not installed
    }
  }
  return undefined;
}

/** The compiled hook, or null when it cannot be built here (no C compiler). */
export async function nativeAccessLog(): Promise<NativeAccessLog | null> {
  if (loaded !== undefined) return loaded;
  const path = await build();
  if (!path) return loaded = null;
  const lib = Deno.dlopen(path, {
    access_log_hook_address: { parameters: [], result: "pointer" },
  });
  const hook = lib.symbols.access_log_hook_address();
  return loaded = hook ? { hook } : null;
}
