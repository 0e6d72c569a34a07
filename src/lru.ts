/**
 * The harness's in-memory caches keyed by values a sweep keeps producing are
 * bounded, so a long sweep runs in flat memory: each keeps its most recently
 * used entries and drops the least recently used one past its capacity
 * (bench/README.md, Caches, lists the few that are not: those keyed by instruction
 * words, which hold the code that ran, and by small fixed sets such as
 * mnemonics).
 *
 * @module
 */

/** A map of at most `capacity` entries; a lookup or a write makes an entry the most recent. */
export class LruMap<K, V> {
  readonly #entries = new Map<K, V>();

  constructor(readonly capacity: number) {
    if (!(capacity >= 1)) {
      throw new RangeError(`an LRU map holds at least one entry, not ${capacity}`);
    }
  }

  get size(): number {
    return this.#entries.size;
  }

  get(key: K): V | undefined {
    const value = this.#entries.get(key);
    if (value !== undefined) {
      this.#entries.delete(key);
      this.#entries.set(key, value);
    }
    return value;
  }

  set(key: K, value: V): this {
    this.#entries.delete(key);
    this.#entries.set(key, value);
    if (this.#entries.size > this.capacity) {
      this.#entries.delete(this.#entries.keys().next().value!);
    }
    return this;
  }

  /**
   * When the map is full, removes its least recently used entry and gives its
   * value (whose storage a caller may reuse for the entry it adds next).
   */
  evictWhenFull(): V | undefined {
    if (this.#entries.size < this.capacity) return undefined;
    const [key, value] = this.#entries.entries().next().value!;
    this.#entries.delete(key);
    return value;
  }

  delete(key: K): boolean {
    return this.#entries.delete(key);
  }

  clear(): void {
    this.#entries.clear();
  }

  /** The entries, least recently used first. */
  entries(): MapIterator<[K, V]> {
    return this.#entries.entries();
  }
}

/** What {@link cached} reads and fills: an LruMap, or a WeakMap whose entries go with their keys. */
export interface Memo<K, V> {
  get(key: K): V | undefined;
  set(key: K, value: V): unknown;
}

/**
 * What `compute` gives, kept in `cache` under `key`; computed every time
 * when there is no key.
 */
export function cached<K, V>(cache: Memo<K, V>, key: K | undefined, compute: () => V): V {
  if (key === undefined) return compute();
  let value = cache.get(key);
  if (value === undefined) cache.set(key, value = compute());
  return value;
}

const objectIds = new WeakMap<object, number>();
let nextObjectId = 0;

/** A number per object, for keys that name objects: equal numbers, the same object. */
export function objectId(o: object): number {
  let id = objectIds.get(o);
  if (id === undefined) objectIds.set(o, id = nextObjectId++);
  return id;
}
