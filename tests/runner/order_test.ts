/**
 * The order a sweep is measured in: every parameter set once, each one step
 * in one parameter from the one before (what keeps an engine's data pages).
 */
import assert from "node:assert/strict";
import { defineScenario } from "../../mod.ts";
import { expandSweep, MAX_REVERSED, measureOrder } from "../../src/runner/scenario.ts";

const scenario = defineScenario({
  name: "order",
  question: "In what order is a sweep measured?",
  params: {
    a: { type: "int", default: 0, sweep: [0, 1, 2], doc: "outermost" },
    b: { type: "bool", default: false, doc: "one value" },
    c: { type: "int", default: 0, sweep: [10, 20, 30, 40], doc: "inner" },
    d: { type: "bool", default: false, sweep: [false, true], doc: "innermost" },
  },
  variants: ["nop"],
  workload: () => ({ target: { args: 0 }, ops: [] }),
});

Deno.test("a sweep is measured in snake order: each set one step from the last", () => {
  const sets = expandSweep(scenario);
  const order = measureOrder(scenario);
  assert.deepEqual([...order].sort((x, y) => x - y), sets.map((_, i) => i), "each set once");
  assert.equal(order[0], 0);
  const step = (p: Record<string, unknown>, q: Record<string, unknown>) =>
    Object.keys(scenario.params).map((name) => {
      const values = (scenario.params[name] as { sweep?: unknown[] }).sweep ?? [p[name]];
      return Math.abs(values.indexOf(p[name]) - values.indexOf(q[name]));
    });
  for (let k = 1; k < order.length; k++) {
    const moves = step(sets[order[k - 1]], sets[order[k]]);
    assert.deepEqual(moves.sort(), [0, 0, 0, 1], `${k}: ${JSON.stringify(sets[order[k]])}`);
  }
});

Deno.test("overrides give the order of the sweep they make", () => {
  const overrides = new Map([["a", [5]], ["c", [1, 2]]]);
  assert.deepEqual(measureOrder(scenario, overrides), [0, 1, 3, 2]);
});

Deno.test("the sets measured ahead of their turn stay few, however big the sweep", () => {
  const range = (n: number) => Array.from({ length: n }, (_, i) => i);
  const overrides = new Map<string, (number | boolean)[]>([
    ["a", range(25)],
    ["c", range(50)],
    ["b", [false, true]],
    ["d", [false, true]],
  ]);
  const order = measureOrder(scenario, overrides);
  assert.equal(order.length, 25 * 50 * 4);
  // Results go out in sweep order: those measured past the first missing one wait.
  const done = new Uint8Array(order.length);
  let next = 0, waiting = 0, most = 0;
  for (const i of order) {
    done[i] = 1;
    waiting++;
    while (done[next]) {
      next++;
      waiting--;
    }
    most = Math.max(most, waiting);
  }
  assert.ok(most <= MAX_REVERSED, `${most} sets waited at once`);
  assert.deepEqual([...order].sort((x, y) => x - y), range(order.length));
});
