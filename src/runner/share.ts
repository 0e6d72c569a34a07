/**
 * One copy of each equal part of a sweep's run records. A long sweep repeats
 * the same checks and the same per-phase counts in most of its runs; kept
 * once each (frozen: nothing downstream may change a shared part), a
 * 100,000-case sweep holds little more than its distinct figures.
 *
 * @module
 */
import type { RunResult } from "./result.ts";
import { LruMap } from "../lru.ts";

/**
 * Parts remembered at most. What repeats (checks, the counts of phases that
 * do not change along a sweep) is seen again soon; figures that change from
 * case to case never are, and remembering each of them (by its text) would
 * cost more than the runs themselves: past the bound, the least recently
 * seen part is forgotten.
 */
const SHARED_PARTS = 4096;

function freeze<T>(value: T): T {
  if (value !== null && typeof value === "object" && !Object.isFrozen(value)) {
    for (const v of Object.values(value)) freeze(v);
    Object.freeze(value);
  }
  return value;
}

/** Shares the parts of the runs of one sweep. */
export class RunParts {
  readonly #seen = new LruMap<string, unknown>(SHARED_PARTS);

  /** `value`, or the equal one seen before. */
  share<T>(value: T): T {
    if (value === null || typeof value !== "object") return value;
    const key = JSON.stringify(value);
    const known = this.#seen.get(key);
    if (known !== undefined) return known as T;
    this.#seen.set(key, freeze(value));
    return value;
  }

  /**
   * The run, its checks, counts, phases and cycle maps replaced by shared
   * ones (in place: the run keeps its identity, which listings key on).
   */
  run(run: RunResult): RunResult {
    run.checks = this.share(run.checks);
    run.metrics = this.share(run.metrics);
    run.overhead = this.share(run.overhead);
    if (run.phases) {
      const phases: RunResult["phases"] = {};
      for (const [k, m] of Object.entries(run.phases)) phases[k] = this.share(m);
      run.phases = this.share(phases);
    }
    if (run.cyclesByPc) run.cyclesByPc = this.share(run.cyclesByPc);
    if (run.cycleCausesByPc) run.cycleCausesByPc = this.share(run.cycleCausesByPc);
    if (run.cycleCauses) run.cycleCauses = this.share(run.cycleCauses);
    if (run.timing) run.timing = this.share(run.timing);
    return run;
  }
}
