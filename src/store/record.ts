/**
 * Running a scenario for the record: the measured result plus what the store
 * keeps beside the metrics (run metadata, the scenario's defaults, the sweep's
 * identity, hot-path listings), in a stable key order.
 */
import { runSweep, type SweepOptions } from "../runner/run_scenario.ts";
import type { ParamValue } from "../runner/result.ts";
import { expandSweep, type Scenario, scenarioVariants } from "../runner/scenario.ts";
import { attachListings, defaultParams, type ListingMode, listingPredicate } from "./listing.ts";
import { type RunMetaLookup, startRunMeta } from "./meta.ts";
import { focusParams } from "./params.ts";
import type { RecordedResult, SweepIdentity } from "./schema.ts";

export interface RecordOptions extends SweepOptions {
  /** The scenario file (for its commit and hash); null for a scenario object. */
  file: string | null;
  /** The project root (for its commit). */
  root: string;
  listing: ListingMode;
  /**
   * The run's metadata, its git lookups started by the caller (`startRunMeta`):
   * before anything else, or once for a job of several scenarios. Without it
   * they start here.
   */
  meta?: RunMetaLookup;
}

/** The identity of the sweep `options` run (see {@link SweepIdentity}). */
export function sweepIdentity(
  scenario: Scenario,
  options: Pick<RecordOptions, "variants" | "overrides" | "shard" | "listing">,
  scenarioSha256: string | null,
): SweepIdentity {
  const overrides: Record<string, ParamValue[]> = {};
  // The scenario's parameter order: `--param b=1 --param a=2` is the same sweep as the reverse.
  for (const name of Object.keys(scenario.params)) {
    const values = options.overrides?.get(name);
    if (values) overrides[name] = [...values];
  }
  return {
    scenarioSha256,
    overrides,
    variants: options.variants?.length
      ? [...options.variants]
      : scenarioVariants(scenario).map((v) => v.name),
    parameterSets: expandSweep(scenario, options.overrides).length,
    listing: options.listing,
    shards: options.shard?.count ?? 1,
  };
}

/**
 * Run `scenario` once, timed on every model of `options.cpus` (each case
 * emulated once, see `runSweep`), and return one result per model (one,
 * counts only, without models) with metadata, defaults, sweep identity and
 * listings.
 */
export async function recordRuns(
  scenario: Scenario,
  options: RecordOptions,
): Promise<RecordedResult[]> {
  const defaults = defaultParams(scenario);
  // The focus set comes from the whole sweep, so a shard lists it only if it holds it
  // and merged shards carry exactly the listings of an unsharded run.
  const sweep = expandSweep(scenario, options.overrides).map((params) => ({ params }));
  const listRun = listingPredicate(options.listing, focusParams(sweep, defaults));
  const runMeta = options.meta ?? startRunMeta(options.file, options.root);
  // Listed runs keep the hot path of the run that measured them: nothing is emulated twice.
  // Runs handed on while the sweep goes have their listings first.
  const onRuns = options.onRuns;
  const results = await runSweep(scenario, {
    ...options,
    listRun,
    ...(onRuns
      ? {
        onRuns: async (runs, result) => {
          await attachListings(runs);
          await onRuns(runs, result);
        },
      }
      : {}),
  });
  const meta = await runMeta();
  const identity = sweepIdentity(scenario, options, meta.scenarioFile?.sha256 ?? null);
  const recorded: RecordedResult[] = [];
  for (const result of results) {
    await attachListings(result.runs);
    const { runs, shard, ...head } = result;
    recorded.push({
      ...head,
      meta,
      defaults,
      sweep: identity,
      ...(shard ? { shard } : {}),
      runs,
    });
  }
  return recorded;
}
