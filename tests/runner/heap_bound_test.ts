import assert from "node:assert/strict";
import { HEAP_FLOOR, HeapBound } from "../../src/runner/heap_bound.ts";

/** A heap that grows by what the test says, and a collection that leaves `live`. */
function fakeHeap(live: number) {
  const heap = { used: 0, live, collections: 0 };
  return {
    heap,
    probe: {
      used: () => heap.used,
      collect: () => {
        heap.collections++;
        heap.used = heap.live;
      },
    },
  };
}

Deno.test("a heap bound collects only above its floor, then at twice what was left", () => {
  const MB = 2 ** 20;
  const { heap, probe } = fakeHeap(80 * MB);
  const bound = new HeapBound(probe, 96 * MB, 0);
  heap.used = 96 * MB;
  assert.equal(bound.check(), false, "at the floor: no collection");
  heap.used = 97 * MB;
  assert.equal(bound.check(), true);
  assert.equal(heap.collections, 1);
  // 80 MB were left: the next collection waits for 160 MB.
  heap.used = 150 * MB;
  assert.equal(bound.check(), false);
  heap.used = 161 * MB;
  heap.live = 10 * MB;
  assert.equal(bound.check(), true);
  // 10 MB left: back to the floor, not 20 MB.
  heap.used = 90 * MB;
  assert.equal(bound.check(), false);
  heap.used = 97 * MB;
  assert.equal(bound.check(), true);
  assert.deepEqual([heap.collections, bound.forced], [3, 3]);
  // Collected on demand (a thread handing its work over), whatever the heap.
  heap.used = 20 * MB;
  assert.equal(bound.collect(), true);
  assert.equal(heap.collections, 4);
});

Deno.test("a heap bound reads the heap at most once per interval", () => {
  let reads = 0;
  const bound = new HeapBound({ used: () => (reads++, 0), collect: () => {} }, HEAP_FLOOR, 60_000);
  bound.check();
  bound.check();
  assert.equal(reads, 1);
});

Deno.test("without a collection to call (no --expose-gc), a heap bound does nothing", () => {
  let read = 0;
  const bound = new HeapBound({ used: () => (read++, 10 * HEAP_FLOOR) });
  assert.equal(bound.check(), false);
  assert.equal(read, 0, "the heap is not even read");
});
