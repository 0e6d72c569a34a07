import assert from "node:assert/strict";
import {
  addInto,
  addTimes,
  METRIC_KEYS,
  type Metrics,
  zeroMetrics,
} from "../../src/measure/metrics.ts";

Deno.test("METRIC_KEYS names every metric, and addTimes adds every one of them", () => {
  // zeroMetrics() must build a whole Metrics (the compiler checks it): its keys are all of them.
  assert.deepEqual(Object.keys(zeroMetrics()).sort(), [...METRIC_KEYS].sort());
  const m = zeroMetrics();
  METRIC_KEYS.forEach((k, i) => m[k] = i + 1);
  const byTimes = zeroMetrics();
  addTimes(byTimes, m, 3);
  const byLoop: Metrics = zeroMetrics();
  for (let i = 0; i < 3; i++) addInto(byLoop, m);
  assert.deepEqual(byTimes, byLoop);
});
