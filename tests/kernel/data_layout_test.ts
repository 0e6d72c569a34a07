/**
 * The model's data puts what no ops count moves first (the list's end, the
 * stub ops, the task, the harness's data), padded to DATA_HEAD_ALIGN, and
 * the ops list after it (src/kernel/data.ts): a sweep's code names the same
 * addresses from one parameter set to the next, so an engine keeps its
 * translations, and each ops keeps the place in a cache line it had when the
 * list started the section.
 */
import assert from "node:assert/strict";
import { DATA_HEAD_ALIGN } from "../../src/kernel/data.ts";
import { buildWorld } from "../../src/kernel/world.ts";
import { loadWorld } from "../../src/runner/machine.ts";
import { toWorkload } from "../../src/runner/run_scenario.ts";
import { scenarioVariants } from "../../src/runner/scenario.ts";
import { loadScenario } from "../../src/cli/main.ts";
import { ROOT } from "../scenario_files.ts";

const params = (relevant: number, irrelevant: number) => ({
  relevant,
  irrelevant,
  save_regs: false,
  assist_recursion: false,
  assist_rcu: false,
  dynamic: true,
});

Deno.test("a sweep's code is the same from one parameter set to the next", async () => {
  const scenario = await loadScenario(`${ROOT}scenarios/ftrace-ops.ts`);
  // Sets with ops tracing the function, and at least two of them: with none, the site is
  // not patched, and call-ops' site names its ops when one alone traces it (other code).
  const sets = [[2, 0], [3, 5], [3, 6], [4, 6], [24, 49]];
  for (const variant of scenarioVariants(scenario)) {
    const texts = [];
    for (const [relevant, irrelevant] of sets) {
      const workload = toWorkload(scenario.workload(params(relevant, irrelevant) as never));
      const world = buildWorld(variant, workload, `layout/${variant.name}`);
      assert.ok(!("notApplicable" in world), variant.name);
      const { image } = await loadWorld(world, world.workload.layout);
      texts.push(image.section(".text")!.bytes);
      const data = image.section(".data")!;
      // The list's head sits on the boundary: the ops after it, where they sat before.
      const head = image.address("function_trace_op") - data.address;
      assert.equal(head % BigInt(DATA_HEAD_ALIGN), 0n, `${variant.name}: list head at +${head}`);
      assert.ok(image.address("ftrace_list_end") < image.address("function_trace_op"));
    }
    for (const [i, text] of texts.entries()) {
      assert.deepEqual(text, texts[0], `${variant.name}: the code of ${sets[i]} differs`);
    }
  }
});
