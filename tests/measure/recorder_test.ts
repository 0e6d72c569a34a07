/**
 * The trace recorder counts each executed block by its own summary: blocks
 * that share a slot of its address cache (4096 bytes apart) and a block
 * entered at the same address with another size (Unicorn splits blocks) are
 * told apart, run after run and recorder after recorder.
 */
import assert from "node:assert/strict";
import { defaultLayout } from "../../src/kernel/layout.ts";
import { CodeImage } from "../../src/measure/code_image.ts";
import { zeroMetrics } from "../../src/measure/metrics.ts";
import { PhaseMap } from "../../src/measure/phases.ts";
import { TraceRecorder } from "../../src/measure/recorder.ts";
import { loadUnit } from "../../src/runner/machine.ts";

// `b` is 4096 bytes after `a`, and as long: the two blocks fall in one slot of the recorder's
// cache.
const TEXT = `
	.section .text, "ax", %progbits
	.globl a
a:
	ldr x0, [sp]
	str x1, [sp, #8]
	ret
	.space 4084
	.globl b
b:
	ldr x2, [sp, #16]
	add x3, x3, #1
	ret
	.globl stop
stop:
	nop
`;

Deno.test("the recorder tells apart blocks that share a cache slot, and one block's sizes", async () => {
  const image = await loadUnit(
    { name: "slots", chunks: [{ origin: "test", text: TEXT }] },
    defaultLayout(),
  );
  const a = Number(image.address("a")), b = Number(image.address("b"));
  assert.equal(b - a, 4096);
  // a whole, b twice, a's first instruction alone, a whole.
  const blocks: [number, number][] = [[a, 12], [b, 12], [b, 12], [a, 4], [a, 12]];
  const trace = {
    blockCount: blocks.length,
    blockStart: new Float64Array(blocks.map(([at]) => at)),
    blockSize: new Int32Array(blocks.map(([, size]) => size)),
  };
  const expected = {
    ...zeroMetrics(),
    instructions: 13,
    loads: 5,
    loadBytes: 40,
    stores: 2,
    storeBytes: 16,
    // Every `ret` is taken: two of a's whole blocks and two of b's.
    branches: 4,
    indirectBranches: 4,
  };
  for (let round = 0; round < 3; round++) {
    const recorder = new TraceRecorder(new CodeImage(image), new PhaseMap([]));
    recorder.record(trace);
    assert.deepEqual(recorder.totals(Number(image.address("stop"))).total, expected);
    // The same recorder again, as a run measured a second time does.
    recorder.record(trace);
    assert.deepEqual(recorder.totals(Number(image.address("stop"))).total, expected);
  }
});
