import assert from "node:assert/strict";
import { renderTable } from "../../src/report/table.ts";
import { clone, sampleResult } from "./fixtures/results.ts";

Deno.test("table: no cycles column without a timing model", () => {
  const text = renderTable(sampleResult());
  assert.doesNotMatch(text, /cycles/);
  assert.match(text, /^args +args=1 +41 +2 +2 +3 +\+31 insns +ok$/m);
});

Deno.test("table: cycles and the CPU model are shown when a timing model provided them", () => {
  const r = clone(sampleResult({ cpu: { name: "cortex-a55", version: "2" } }));
  for (const run of r.runs) {
    run.metrics!.cycles = 50;
    run.overhead!.cycles = 7;
  }
  const text = renderTable(r);
  assert.match(text, /^sample: .* \[cortex-a55 2\]$/m);
  assert.match(
    text,
    /^variant +params +insns +loads +stores +branches +cycles +overhead +checks$/m,
  );
  assert.match(text, /^args +args=1 +41 +2 +2 +3 +50 +\+31 insns, \+7 cycles +ok$/m);
});
