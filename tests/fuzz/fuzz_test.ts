/**
 * A few thousand fuzz cases per target, from fixed seeds (the long run is
 * `deno task fuzz`).
 */
import assert from "node:assert/strict";
import { openNativeResources } from "../../src/engine/unicorn.ts";
import { loadScenario } from "../../src/cli/main.ts";
import {
  fuzzDecoder,
  fuzzExecution,
  fuzzLoader,
  fuzzScenario,
  sampleObject,
} from "./fuzz_cases.ts";

const ROOT = new URL("../../", import.meta.url).pathname;

Deno.test("fuzz: 20,000 random words through the decoder", () => fuzzDecoder(20_000, 1));

Deno.test("fuzz: 2,000 mutated objects through the ELF reader and loader", async () => {
  fuzzLoader(await sampleObject(), 2000, 2);
});

Deno.test("fuzz: 500 pages of random words executed, every engine closed", () => {
  const before = openNativeResources();
  fuzzExecution(500, 3);
  assert.deepEqual(openNativeResources(), before);
});

for (const file of ["single-tracer.ts", "ftrace-ops.ts", "bpf-fentry.ts", "branch-range.ts"]) {
  Deno.test(`fuzz: random parameter values for ${file}`, async () => {
    const ran = await fuzzScenario(await loadScenario(`${ROOT}scenarios/${file}`), 1000, 4);
    assert.ok(ran > 0, "some random parameter sets were valid and ran");
  });
}
