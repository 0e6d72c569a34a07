/**
 * The annotated hot path of a run as plain data: every instruction the traced
 * call executed, in first-execution order, with its address, symbol+offset,
 * word, disassembly, execution count and phase.
 *
 * The case is run once more (emulation is deterministic, so it is the same
 * run) and the measurement core reports how often each pc executed; the
 * loaded image symbolizes, the phase map attributes and llvm-mc
 * disassembles. Rendering is src/report's.
 */
import { disassemble } from "../asm/disasm.ts";
import type { EngineFactory } from "../engine/engine.ts";
import type { Variant } from "../kernel/variants/variant.ts";
import type { Workload } from "../kernel/workload.ts";
import type { CodeImage } from "../measure/code_image.ts";
import { loadWorld } from "../runner/machine.ts";
import { measure } from "../runner/run_case.ts";
import { buildCaseWorld, paramsLabel, toWorkload } from "../runner/run_scenario.ts";
import type { RealKernel } from "../kernel/real/kernel.ts";
import type { ListingEntry, Params, ScenarioResult } from "../runner/result.ts";
import { type Scenario, scenarioVariants } from "../runner/scenario.ts";
import { sameParams } from "./params.ts";

/** Which runs get a listing: the default parameter set's, every ok run's, or none. */
export type ListingMode = "default" | "all" | "none";
export const LISTING_MODES: readonly ListingMode[] = ["default", "all", "none"];

/** "bl 0x8008000354" -> "bl 0x8008000354 <ftrace_regs_caller>": name pc-relative targets. */
function withTargetSymbol(text: string, code: CodeImage): string {
  const m = /\b0x([0-9a-f]+)$/.exec(text);
  if (!m) return text;
  const name = code.describe(BigInt(`0x${m[1]}`));
  return name.startsWith("0x") ? text : `${text} <${name}>`;
}

/** The executed instructions of one case; null when the variant cannot express it. */
export async function collectListing(
  variant: Variant,
  workload: Workload,
  unitName: string,
  factory: EngineFactory,
  budget?: number,
  kernel?: RealKernel,
): Promise<ListingEntry[] | null> {
  const world = buildCaseWorld(variant, workload, unitName, kernel);
  if ("notApplicable" in world) return null;
  // The world's own workload: a variant may adjust the layout (as measureCase does).
  const loaded = await loadWorld(world, world.workload.layout);
  // Map insertion order is first-execution order: the listing reads like the path.
  const counts = (await measure(loaded, factory, budget, { executionCounts: true }))
    .executionCounts!;
  const pcs = [...counts.keys()];
  const words = pcs.map((pc) => ({ address: BigInt(pc), word: loaded.code.word(pc) ?? 0 }));
  const texts = await disassemble(words);
  return pcs.map((pc, i) => ({
    address: `0x${pc.toString(16)}`,
    symbol: loaded.code.describe(pc),
    word: words[i].word.toString(16).padStart(8, "0"),
    disasm: withTargetSymbol(texts[i], loaded.code),
    count: counts.get(pc)!,
    phase: loaded.phases.at(pc),
  }));
}

/** The scenario's default parameter values. */
export function defaultParams(scenario: Scenario): Params {
  return Object.fromEntries(Object.entries(scenario.params).map(([k, s]) => [k, s.default]));
}

/**
 * Attach listings to a scenario result's ok runs (in place): `all` lists every
 * ok run, `default` only the runs of the `focus` parameter set.
 */
export async function attachListings(
  result: ScenarioResult,
  scenario: Scenario,
  factory: EngineFactory,
  mode: ListingMode,
  focus: Params | undefined,
  kernel?: RealKernel,
): Promise<void> {
  if (mode === "none") return;
  const variants = scenarioVariants(scenario);
  for (const run of result.runs) {
    if (run.status !== "ok") continue;
    if (mode === "default" && !(focus && sameParams(run.params, focus))) continue;
    const variant = variants.find((v) => v.name === run.variant)!;
    // Same unit name as the measured run, so the assembler's cache is hit.
    const unit = `${scenario.name}/${variant.name}/${paramsLabel(run.params)}`;
    const workload = toWorkload(scenario.workload(run.params));
    run.listing =
      (await collectListing(variant, workload, unit, factory, scenario.budget, kernel)) ??
        undefined;
    // A timing model's per-pc cycles (src/timing/case.ts) annotate the listing.
    const cycles = run.cyclesByPc;
    if (cycles) {
      for (const entry of run.listing ?? []) entry.cycles = cycles[entry.address] ?? 0;
    }
  }
}
