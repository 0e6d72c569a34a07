import assert from "node:assert/strict";
import { cached, LruMap } from "../src/lru.ts";

Deno.test("an LRU map keeps its capacity, dropping the least recently used entry", () => {
  const lru = new LruMap<string, number>(3);
  lru.set("a", 1).set("b", 2).set("c", 3);
  assert.equal(lru.get("a"), 1); // a is now the most recent: b goes first
  lru.set("d", 4);
  assert.equal(lru.size, 3);
  assert.equal(lru.get("b"), undefined);
  assert.deepEqual([...lru.entries()].map(([k]) => k), ["c", "a", "d"]);
  lru.set("c", 30); // a write makes it the most recent too
  lru.set("e", 5);
  assert.deepEqual([...lru.entries()], [["d", 4], ["c", 30], ["e", 5]]);
  assert.ok(lru.delete("c"));
  assert.equal(lru.size, 2);
  assert.throws(() => new LruMap(0), RangeError);
});

Deno.test("a full LRU map gives up its least recently used value, and only when full", () => {
  const lru = new LruMap<string, number>(2);
  lru.set("a", 1);
  assert.equal(lru.evictWhenFull(), undefined);
  lru.set("b", 2);
  lru.get("a"); // b is now the least recently used
  assert.equal(lru.evictWhenFull(), 2);
  assert.deepEqual([...lru.entries()], [["a", 1]]);
  assert.equal(lru.evictWhenFull(), undefined);
});

Deno.test("cached computes once per key, and every time without one", () => {
  const cache = new LruMap<string, number>(2);
  let calls = 0;
  const compute = () => ++calls;
  assert.equal(cached(cache, "a", compute), 1);
  assert.equal(cached(cache, "a", compute), 1);
  assert.equal(cached(cache, undefined, compute), 2);
  assert.equal(cached(cache, undefined, compute), 3);
  assert.equal(cached(cache, "b", compute), 4);
  assert.equal(cache.size, 2);
});
