/**
 * The allocator the tasks run the harness on. The `run` and `bench` tasks
 * start Deno with `LD_PRELOAD=libmimalloc.so.2`, so that Unicorn's, V8's and
 * the harness's own C heap allocations go to mimalloc rather than glibc's
 * malloc. On the 2-core machine (bench/README.md), sweeps ran faster with it,
 * and in a long sweep the C heap held its level, higher, where glibc's arenas
 * crept up (they fragment as engines, V8's compiler zones and our buffers come
 * and go).
 *
 * The preload is taken out of the environment once the process has started,
 * so that the tools the harness runs (llvm-mc, git, cc, a kernel build) start
 * as they would anywhere else, and a missing library does not make each of
 * them print the loader's complaint. Where the library is missing, the run
 * goes on with glibc's malloc (same results) after a one-line note.
 *
 * @module
 */

/** The library the tasks preload (Debian package {@link ALLOCATOR_PACKAGE}). */
export const ALLOCATOR_LIBRARY = "libmimalloc.so.2";
/** The Debian package providing {@link ALLOCATOR_LIBRARY}. */
export const ALLOCATOR_PACKAGE = "libmimalloc2.0";

/** What {@link takePreload} found. */
export type PreloadState =
  /** LD_PRELOAD did not name the allocator: nothing was done. */
  | "not asked"
  /** The allocator is mapped in this process. */
  | "loaded"
  /** LD_PRELOAD named it, but the loader could not load it. */
  | "missing"
  /** LD_PRELOAD named it, and this process's mappings cannot be read to tell. */
  | "unknown";

/**
 * Takes the allocator's preload out of this process's environment (what it
 * spawns does not inherit it) and says whether it took effect; `note`
 * gets a line when it did not.
 *
 * @param maps this process's mappings (`/proc/self/maps`), read only when asked
 */
export function takePreload(
  note: (line: string) => void = (line) => console.error(line),
  maps: () => string = () => Deno.readTextFileSync("/proc/self/maps"),
): PreloadState {
  const preload = Deno.env.get("LD_PRELOAD");
  if (preload === undefined || !preload.includes(ALLOCATOR_LIBRARY)) return "not asked";
  const rest = preload.split(/[\s:]+/).filter((p) => p && !p.includes(ALLOCATOR_LIBRARY));
  if (rest.length > 0) Deno.env.set("LD_PRELOAD", rest.join(":"));
  else Deno.env.delete("LD_PRELOAD");
  let mapped: boolean;
  try {
    mapped = maps().includes(`/${ALLOCATOR_LIBRARY}`);
  } catch {
    return "unknown"; // the run is the same either way
  }
  if (mapped) return "loaded";
  note(
    `note: ${ALLOCATOR_LIBRARY} (Debian package ${ALLOCATOR_PACKAGE}) could not be preloaded; ` +
      `running on glibc's malloc (same results; sweeps slower, in less flat memory)`,
  );
  return "missing";
}
