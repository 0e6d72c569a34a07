import assert from "node:assert/strict";
import { unicornFactory } from "../../src/engine/unicorn.ts";
import { loadScenario } from "../../src/cli/main.ts";
import { measureCase, toWorkload } from "../../src/runner/run_scenario.ts";
import { scenarioVariants } from "../../src/runner/scenario.ts";
import { collectListing, defaultParams } from "../../src/store/listing.ts";

const ROOT = new URL("../../", import.meta.url).pathname;

Deno.test("listing: the executed hot path of each variant sums to its measured instructions", async () => {
  const scenario = await loadScenario(`${ROOT}scenarios/single-tracer.ts`);
  const workload = toWorkload(scenario.workload(defaultParams(scenario)));
  for (const variant of scenarioVariants(scenario)) {
    const unit = `listing-test/${variant.name}`;
    const listing = await collectListing(variant, workload, unit, unicornFactory);
    const measured = await measureCase(variant, workload, unit, unicornFactory);
    assert.ok(listing && !("notApplicable" in measured), variant.name);
    const executed: number = listing.reduce((n, e) => n + e.count, 0);
    assert.equal(executed, measured.metrics.instructions, `${variant.name}: counts`);
    for (const [phase, m] of Object.entries(measured.phases)) {
      const inPhase: number = listing.filter((e) => e.phase === phase).reduce(
        (n, e) => n + e.count,
        0,
      );
      assert.equal(inPhase, m.instructions, `${variant.name}: phase ${phase}`);
    }
    assert.equal(listing[0].symbol, "caller", "first-execution order starts in the caller");
    assert.equal(new Set(listing.map((e) => e.address)).size, listing.length, "one entry per pc");
    for (const e of listing) {
      assert.match(e.address, /^0x[0-9a-f]+$/);
      assert.match(e.word, /^[0-9a-f]{8}$/);
      assert.notEqual(e.disasm, "<undefined>");
    }
  }
});

Deno.test("listing: branch targets are named and the trampoline is on the path", async () => {
  const scenario = await loadScenario(`${ROOT}scenarios/single-tracer.ts`);
  const workload = toWorkload(scenario.workload(defaultParams(scenario)));
  const args = scenarioVariants(scenario).find((v) => v.name === "args")!;
  const listing = (await collectListing(args, workload, "listing-test/args", unicornFactory))!;
  assert.ok(listing.some((e) => e.symbol.startsWith("ftrace_caller") && e.phase === "save"));
  assert.ok(
    listing.some((e) => /^bl 0x[0-9a-f]+ <ftrace_caller>$/.test(e.disasm)),
    "bl names its target",
  );
});
