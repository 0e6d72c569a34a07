/**
 * Plain result data: what the runner produces and the reporters consume.
 */
import type { Metrics } from "../measure/metrics.ts";
import type { KernelInfo } from "../kernel/real/kernel.ts";
import type { CycleCauses } from "../timing/causes.ts";
import type { TimingSummary } from "../timing/figures.ts";

export type ParamValue = number | string | boolean;
export type Params = Record<string, ParamValue>;

export interface CheckResult {
  name: string;
  ok: boolean;
  detail: string;
}

export interface RunResult {
  variant: string;
  params: Params;
  /** "ok": checks passed and measured; "failed": a check failed (not measured); "n/a": not applicable. */
  status: "ok" | "failed" | "n/a";
  ok: boolean;
  /** Why the case is not applicable, or which checks failed. */
  reason?: string;
  checks: CheckResult[];
  metrics: Metrics | null;
  /** metrics minus the `nop` run of the same parameters. */
  overhead: Metrics | null;
  phases: Record<string, Metrics> | null;
  /** How the patch site reached the tracer, e.g. "bl ftrace_caller via a veneer (br x16)". */
  path?: string;
  /** The executed hot path, one entry per instruction (see src/store/listing.ts). */
  listing?: ListingEntry[];
  /**
   * With a timing model (`cpu` set): cycles charged to each executed pc, keyed
   * "0x..." like listing addresses; they add up to `metrics.cycles`.
   */
  cyclesByPc?: Record<string, number>;
  /**
   * With a timing model: the same cycles by cause, per pc (non-zero causes; pcs
   * charged no cycle left out) and per phase; each adds up to the pc's or phase's cycles.
   */
  cycleCausesByPc?: Record<string, CycleCauses>;
  cycleCauses?: Record<string, CycleCauses>;
  /** With a timing model: training passes before the measured one, and its mispredicts by kind. */
  timing?: TimingSummary;
}

/** One instruction the traced call executed: plain data for the annotated listing. */
export interface ListingEntry {
  /** Hex address, "0x...". */
  address: string;
  /** "symbol+0xoff" or the hex address. */
  symbol: string;
  /** The instruction word, 8 hex digits. */
  word: string;
  disasm: string;
  /** Times executed in the traced call. */
  count: number;
  phase: string;
  /** Cycles charged, when a timing model provides them. */
  cycles?: number;
}

/** Where and when a result was produced: run metadata, never part of the metrics. */
export interface RunMeta {
  /** ISO 8601, UTC. */
  date: string;
  /** The project's `git rev-parse HEAD`, and whether the tree had changes; null outside a checkout. */
  project: { commit: string | null; dirty: boolean | null };
  /** The scenario file: path, last commit touching it, sha256 of its content. */
  scenarioFile: { path: string; commit: string | null; sha256: string } | null;
}

/** Which slice of a sweep a sharded run measured (`--shard index/count`). */
export interface ShardInfo {
  index: number;
  count: number;
  /** Parameter sets in the whole sweep. */
  parameterSets: number;
}

export interface ScenarioResult {
  schema: 1;
  tool: { name: string; version: string };
  scenario: string;
  question: string;
  /** The timing model that added `cycles` (`--cpu`), or null: name (":cold" for a cold L1) and version. */
  cpu: { name: string; version: string } | null;
  /** The kernel whose code ran: the model, or a real kernel's name, version, config and hash. */
  kernel: KernelInfo;
  /** Run metadata (added by the command line). */
  meta?: RunMeta;
  /** The scenario's default parameter values. */
  defaults?: Params;
  /** Present on a shard's file only. */
  shard?: ShardInfo;
  runs: RunResult[];
}
