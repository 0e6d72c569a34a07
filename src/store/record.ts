/**
 * Running a scenario for the record: the measured result plus what the store
 * keeps beside the metrics (run metadata, the scenario's defaults, hot-path
 * listings), in a stable key order.
 */
import { kernelFor, type RunOptions, runScenario } from "../runner/run_scenario.ts";
import type { ScenarioResult } from "../runner/result.ts";
import { expandSweep, type Scenario } from "../runner/scenario.ts";
import { attachListings, defaultParams, type ListingMode } from "./listing.ts";
import { runMeta } from "./meta.ts";
import { focusParams } from "./params.ts";

export interface RecordOptions extends RunOptions {
  /** The scenario file (for its commit and hash); null for a scenario object. */
  file: string | null;
  /** The project root (for its commit). */
  root: string;
  listing: ListingMode;
}

/** Run `scenario` and return the result with metadata, defaults and listings. */
export async function recordRun(
  scenario: Scenario,
  options: RecordOptions,
): Promise<ScenarioResult> {
  const result = await runScenario(scenario, options);
  const defaults = defaultParams(scenario);
  // The focus set comes from the whole sweep, so a shard lists it only if it holds it
  // and merged shards carry exactly the listings of an unsharded run.
  const sweep = expandSweep(scenario, options.overrides).map((params) => ({ params }));
  await attachListings(
    result,
    scenario,
    options.factory,
    options.listing,
    focusParams(sweep, defaults),
    await kernelFor(options.kernel),
  );
  const meta = await runMeta(options.file, options.root);
  const { runs, shard, ...head } = result;
  return { ...head, meta, defaults, ...(shard ? { shard } : {}), runs };
}
