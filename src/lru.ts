/**
 * The harness's in-memory caches are all bounded, so a long sweep runs in
 * flat memory: each keeps its most recently used entries and drops the
 * least recently used one past its capacity.
 *
 * @module
 */

/**
 * A map of at most `capacity` entries; a lookup or a write makes an entry the
 * most recent. Recency is a stamp per entry, so a lookup changes no map (hot
 * caches are read several times per case); the least recent entry is looked
 * for only when one must go.
 */
export class LruMap<K, V> {
  readonly #entries = new Map<K, { value: V; used: number }>();
  #clock = 0;

  constructor(readonly capacity: number) {
    if (!(capacity >= 1)) {
      throw new RangeError(`an LRU map holds at least one entry, not ${capacity}`);
    }
  }

  get size(): number {
    return this.#entries.size;
  }

  get(key: K): V | undefined {
    const entry = this.#entries.get(key);
    if (entry === undefined) return undefined;
    entry.used = ++this.#clock;
    return entry.value;
  }

  set(key: K, value: V): this {
    const entry = this.#entries.get(key);
    if (entry !== undefined) {
      entry.value = value;
      entry.used = ++this.#clock;
      return this;
    }
    this.#entries.set(key, { value, used: ++this.#clock });
    if (this.#entries.size > this.capacity) {
      let oldest: K | undefined, at = Infinity;
      for (const [k, e] of this.#entries) {
        if (e.used < at) [oldest, at] = [k, e.used];
      }
      this.#entries.delete(oldest!);
    }
    return this;
  }

  delete(key: K): boolean {
    return this.#entries.delete(key);
  }

  clear(): void {
    this.#entries.clear();
  }

  /** The entries, least recently used first. */
  entries(): IterableIterator<[K, V]> {
    return [...this.#entries].sort(([, a], [, b]) => a.used - b.used)
      .map(([k, e]): [K, V] => [k, e.value])[Symbol.iterator]();
  }
}
