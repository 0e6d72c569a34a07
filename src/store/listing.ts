/**
 * The annotated hot path of a run as plain data: every instruction the traced
 * call executed, in first-execution order, with its address, symbol+offset,
 * word, disassembly, execution count and phase.
 *
 * A listing is a view of the measured run, never a second emulation:
 * `measureCase` hands over the run's hot path (src/report/hot_path.ts) for
 * the runs to be listed, and this module adds the disassembly (cached per
 * word for the process, new words batched into one llvm-mc spawn) and the
 * timing model's cycles. Rendering is src/report's.
 */
import type { EngineFactory } from "../engine/engine.ts";
import type { Variant } from "../kernel/variants/variant.ts";
import type { Workload } from "../kernel/workload.ts";
import type { RealKernel } from "../kernel/real/kernel.ts";
import { measureCase } from "../runner/run_scenario.ts";
import type { ListingEntry, Params, RunResult } from "../runner/result.ts";
import type { Scenario } from "../runner/scenario.ts";
import { disassembleWords, textAt } from "../report/disasm_cache.ts";
import { type HotPath, takeHotPath } from "../report/hot_path.ts";
import { sameParams } from "./params.ts";

/** Which runs get a listing: the default parameter set's, every ok run's, or none. */
export type ListingMode = "default" | "all" | "none";
export const LISTING_MODES: readonly ListingMode[] = ["default", "all", "none"];

/** Which runs of a sweep keep their hot path for a listing (`focus`: the default set). */
export function listingPredicate(
  mode: ListingMode,
  focus: Params | undefined,
): ((variant: string, params: Params) => boolean) | undefined {
  if (mode === "none") return undefined;
  if (mode === "all") return () => true;
  return (_variant, params) => focus !== undefined && sameParams(params, focus);
}

/** The listing of a hot path whose words are disassembled already. */
function entries(hp: HotPath, cyclesByPc: Record<string, number> | undefined): ListingEntry[] {
  return hp.pcs.map((pc, i) => {
    const address = `0x${pc.toString(16)}`;
    const text = textAt(hp.words[i], BigInt(pc));
    const target = hp.targets[i];
    return {
      address,
      symbol: hp.symbols[i],
      word: (hp.words[i] >>> 0).toString(16).padStart(8, "0"),
      disasm: target && /\b0x[0-9a-f]+$/.test(text) ? `${text} <${target}>` : text,
      count: hp.counts[i],
      phase: hp.phases[i],
      ...(cyclesByPc ? { cycles: cyclesByPc[address] ?? 0 } : {}),
    };
  });
}

/** Listings of several hot paths: every word not seen before disassembled in one batch. */
export async function listingsOf(
  hotPaths: readonly { hotPath: HotPath; cyclesByPc?: Record<string, number> }[],
): Promise<ListingEntry[][]> {
  await disassembleWords(hotPaths.flatMap((h) => h.hotPath.words));
  return hotPaths.map((h) => entries(h.hotPath, h.cyclesByPc));
}

/**
 * The executed instructions of one case, measured once; null when the variant
 * cannot express it or the run failed. (Sweeps list their runs from the run
 * itself: see {@link attachListings}.)
 */
export async function collectListing(
  variant: Variant,
  workload: Workload,
  unitName: string,
  factory: EngineFactory,
  budget?: number,
  kernel?: RealKernel,
): Promise<ListingEntry[] | null> {
  const m = await measureCase(variant, workload, unitName, factory, budget, undefined, kernel);
  if ("notApplicable" in m || !m.hotPath || m.checks.some((c) => !c.ok)) return null;
  return (await listingsOf([{ hotPath: m.hotPath }]))[0];
}

/** The scenario's default parameter values. */
export function defaultParams(scenario: Scenario): Params {
  return Object.fromEntries(Object.entries(scenario.params).map(([k, s]) => [k, s.default]));
}

/**
 * Give each ok run whose hot path the sweep kept (`listRun` of runScenario)
 * its listing, in place: one llvm-mc spawn at most for the words the process
 * has not disassembled yet. A timing model's per-pc cycles annotate it.
 */
export async function attachListings(runs: readonly RunResult[]): Promise<void> {
  const listed: { run: RunResult; hotPath: HotPath; cyclesByPc?: Record<string, number> }[] = [];
  for (const run of runs) {
    const hotPath = takeHotPath(run);
    if (!hotPath || run.status !== "ok") continue;
    listed.push({ run, hotPath, cyclesByPc: run.cyclesByPc });
  }
  const listings = await listingsOf(listed);
  listed.forEach(({ run }, i) => run.listing = listings[i]);
}
