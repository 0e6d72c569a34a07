/**
 * A bound on a sweep thread's heap, checked between parameter sets.
 *
 * V8 sets the size at which its next full collection starts from what its
 * last one left. When an incremental collection overlaps a burst of
 * allocation, everything allocated while it marks survives it, so the next
 * limit is set from several sets' garbage: in one run of three, a 5,000-case
 * sweep on one thread went from about 230 MB to 330 MB resident that way.
 * With `--expose-gc` (the `run` and `bench` tasks pass it), a sweep thread
 * collects its heap itself when heap and buffers reach twice what its last
 * such collection left, and never below {@link HEAP_FLOOR}: in a 5,000-case
 * sweep that is about once a run. Without the flag, nothing is checked.
 *
 * @module
 */

/** Heap plus buffers (bytes) under which no collection is forced. */
export const HEAP_FLOOR = 96 * 2 ** 20;

/** What the bound reads and does; the defaults are this thread's. */
export interface HeapProbe {
  /** Bytes in the heap and in ArrayBuffers (Deno.memoryUsage: heapUsed + external). */
  used(): number;
  /** A full collection, or undefined where the runtime does not expose one. */
  readonly collect?: () => void;
}

const thisThread: HeapProbe = {
  used() {
    const m = Deno.memoryUsage();
    return m.heapUsed + m.external;
  },
  collect: (globalThis as { gc?: () => void }).gc,
};

/** How often (ms) the heap is read at most: a read costs 10 to 40 µs (more in a bigger heap). */
const CHECK_INTERVAL_MS = 20;

/** Collects when the heap outgrows twice what the last forced collection left. */
export class HeapBound {
  #limit: number;
  #lastCheck = -Infinity;
  /** Collections forced so far. */
  forced = 0;

  constructor(
    readonly probe: HeapProbe = thisThread,
    readonly floor = HEAP_FLOOR,
    readonly interval = CHECK_INTERVAL_MS,
  ) {
    this.#limit = floor;
  }

  /** Between sets: collect if over the limit; true when it did. */
  check(): boolean {
    const collect = this.probe.collect;
    if (!collect) return false;
    const now = performance.now();
    if (now - this.#lastCheck < this.interval) return false;
    this.#lastCheck = now;
    if (this.probe.used() <= this.#limit) return false;
    return this.collect();
  }

  /** Collect now (a thread that has handed its work over); false without --expose-gc. */
  collect(): boolean {
    const collect = this.probe.collect;
    if (!collect) return false;
    collect();
    this.forced++;
    this.#limit = Math.max(this.floor, 2 * this.probe.used());
    return true;
  }
}

/** This thread's bound (one per isolate: the main thread and each worker). */
export const heapBound: HeapBound = new HeapBound();
