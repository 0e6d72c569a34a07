/**
 * The results store's data as read back from disk. Result files are the
 * runner's `ScenarioResult`; a history record is one main-job run over every
 * scenario. Both carry `schema`, and readers refuse a schema newer than theirs.
 *
 * The types are a little wider than the runner's today: `cpu` may name a
 * timing model and metrics may carry `cycles`, so files from a harness with
 * the timing model read and display without a change here.
 */
import type { Metrics } from "../measure/metrics.ts";
import type {
  ListingEntry,
  ParamValue,
  RunMeta,
  RunResult,
  ScenarioResult,
} from "../runner/result.ts";

/** The newest results-file schema this harness reads and writes. */
export const RESULT_SCHEMA = 1;
/** The newest history-record schema this harness reads and writes. */
export const HISTORY_SCHEMA = 1;
/** `kind` of a history record, telling it apart from a results file. */
export const HISTORY_KIND = "ftrace-bench-history";

/** A timing model: CPU name, model version and the sha256 of the CPU file used. */
export interface CpuInfo {
  name: string;
  version: string;
  /** Absent in files written before CPU file hashes were recorded: unknown. */
  sha256?: string;
}

/**
 * What makes one sweep, beside the result's `scenario`, `tool`, `cpu` and
 * `kernel`: shards of one sweep agree on all of it, and `merge` refuses any
 * difference. Absent in files written before it was recorded: unknown.
 */
export interface SweepIdentity {
  /** sha256 of the scenario file; null for a scenario object without a file. */
  scenarioSha256: string | null;
  /** The `--param` overrides, in the scenario's parameter order, values as parsed. */
  overrides: Record<string, ParamValue[]>;
  /** The variants run, in order (the scenario's list when none were chosen). */
  variants: string[];
  /** Parameter sets of the whole sweep (every shard together). */
  parameterSets: number;
  /** Which runs carry listings (`--listing`). */
  listing: string;
  /** Slices the sweep was run in (`--shard i/n`: n); 1 for an unsharded or merged run. */
  shards: number;
}

/** Metrics, possibly with cycles from a timing model. */
export type StoredMetrics = Metrics & { cycles?: number };

/** A run as stored: the runner's run, metrics possibly with cycles. */
export interface StoredRun extends Omit<RunResult, "metrics" | "overhead" | "phases" | "listing"> {
  metrics: StoredMetrics | null;
  overhead: StoredMetrics | null;
  phases: Record<string, StoredMetrics> | null;
  listing?: ListingEntry[];
}

/** A results file as stored: one scenario's runs. */
export interface StoredResult extends Omit<ScenarioResult, "cpu" | "runs" | "kernel"> {
  cpu: CpuInfo | null;
  kernel?: StoredKernel;
  sweep?: SweepIdentity;
  runs: StoredRun[];
}

/** A result as the command line records it: with its sweep identity. */
export type RecordedResult = ScenarioResult & { sweep: SweepIdentity };

/** One main-job run: every scenario's results, without listings (they stay in results/). */
export interface HistoryRecord {
  kind: typeof HISTORY_KIND;
  schema: typeof HISTORY_SCHEMA;
  tool: { name: string; version: string };
  /** Run metadata of the job (project commit, date); each result keeps its own too. */
  meta: Omit<RunMeta, "scenarioFile">;
  results: StoredResult[];
}

/** The kernel a result ran on; absent in files written before real kernels (the model). */
export interface StoredKernel {
  name: string;
  version: string;
  config: Record<string, string>;
  hash: string | null;
}

/**
 * What must be equal for two results to be compared: "model", or a real
 * kernel's name and version. A rebuilt tree (same name and version, other
 * objects) stays comparable: that is how a kernel patch is measured.
 */
export function kernelLabel(kernel: StoredKernel | null | undefined): string {
  return !kernel || kernel.name === "model" ? "model" : `${kernel.name} ${kernel.version}`;
}

/** "name version" of a timing model, or "no timing model". */
export function cpuLabel(cpu: CpuInfo | null | undefined): string {
  return cpu ? `${cpu.name} ${cpu.version}` : "no timing model";
}
