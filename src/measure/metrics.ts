/**
 * The exact counts the harness reports for a run, a phase or an overhead.
 */

export interface Metrics {
  instructions: number;
  loads: number;
  stores: number;
  loadBytes: number;
  storeBytes: number;
  /** Taken branches of every kind: direct, conditional (when taken), calls, returns. */
  branches: number;
  /** br, blr and ret (and their authenticated forms). */
  indirectBranches: number;
}

export const METRIC_KEYS: readonly (keyof Metrics)[] = [
  "instructions",
  "loads",
  "stores",
  "loadBytes",
  "storeBytes",
  "branches",
  "indirectBranches",
];

export function zeroMetrics(): Metrics {
  return {
    instructions: 0,
    loads: 0,
    stores: 0,
    loadBytes: 0,
    storeBytes: 0,
    branches: 0,
    indirectBranches: 0,
  };
}

/** into += add (in place). */
export function addInto(into: Metrics, add: Metrics): void {
  for (const k of METRIC_KEYS) into[k] += add[k];
}

/**
 * into += m × times, for every key of Metrics. Written out field by field (the
 * recorder runs it for every distinct block of every case);
 * tests/measure/metrics_test.ts checks it covers METRIC_KEYS.
 */
export function addTimes(into: Metrics, m: Metrics, times: number): void {
  into.instructions += m.instructions * times;
  into.loads += m.loads * times;
  into.stores += m.stores * times;
  into.loadBytes += m.loadBytes * times;
  into.storeBytes += m.storeBytes * times;
  into.branches += m.branches * times;
  into.indirectBranches += m.indirectBranches * times;
}

/** a - b, key by key. */
export function subtract(a: Metrics, b: Metrics): Metrics {
  const out = zeroMetrics();
  for (const k of METRIC_KEYS) out[k] = a[k] - b[k];
  return out;
}
