/**
 * Joining the files of a sharded sweep (`--shard i/n`) into one result, as if
 * the sweep had run in one go. Shards are contiguous slices, so merging is a
 * concatenation in shard order, after checking they belong together: same
 * scenario and content, harness, project commit, CPU model and file, kernel
 * objects, and the same sweep (parameter overrides, variants, listings, plan).
 */
import { StoreError } from "./read.ts";
import { cpuLabel, kernelLabel, type StoredResult, type SweepIdentity } from "./schema.ts";

/** A shard's results and the file they came from. */
export interface ShardFile {
  path: string;
  result: StoredResult;
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
const shown = (v: unknown) => v === undefined ? "unknown" : JSON.stringify(v);

function mustAgree(
  files: readonly ShardFile[],
  what: string,
  pick: (r: StoredResult) => unknown,
): void {
  const first = files[0];
  for (const f of files.slice(1)) {
    if (!same(pick(f.result), pick(first.result))) {
      throw new StoreError(
        `cannot merge ${f.path} with ${first.path}: different ${what} ` +
          `(${shown(pick(f.result))} vs ${shown(pick(first.result))})`,
      );
    }
  }
}

/** Sweep identity fields merge compares, with what to call them in a refusal. */
const SWEEP_FIELDS: readonly [keyof SweepIdentity, string][] = [
  ["scenarioSha256", "scenario file content (sweep.scenarioSha256)"],
  ["overrides", "parameter overrides (--param)"],
  ["variants", "variants (--variant)"],
  ["parameterSets", "sweep size (parameter sets)"],
  ["listing", "listing mode (--listing)"],
  ["shards", "shard plan (--shard i/n)"],
];

/** The variants a shard's runs show, in their order (what an old file still tells). */
function variantsRun(result: StoredResult): string[] {
  return [...new Set(result.runs.map((r) => r.variant))];
}

/**
 * Merge every shard of one sweep; refuses missing, repeated or mismatched
 * shards, naming the difference. `note` hears what cannot be checked: shards
 * written before sweep identities were recorded.
 */
export function mergeShards(
  files: readonly ShardFile[],
  note: (text: string) => void = () => {},
): StoredResult {
  if (files.length === 0) throw new StoreError("merge needs the shard files of one sweep");
  for (const f of files) {
    if (!f.result.shard) {
      throw new StoreError(`${f.path} is not a shard (it was not run with --shard i/n)`);
    }
  }
  mustAgree(files, "scenario", (r) => r.scenario);
  mustAgree(files, "schema", (r) => r.schema);
  mustAgree(files, "harness version", (r) => r.tool);
  mustAgree(files, "CPU model", (r) => cpuLabel(r.cpu));
  mustAgree(files, "CPU file (sha256)", (r) => r.cpu?.sha256 ?? null);
  mustAgree(files, "kernel", (r) => `${kernelLabel(r.kernel)} ${r.kernel?.hash ?? ""}`);
  mustAgree(files, "shard count", (r) => r.shard!.count);
  mustAgree(files, "sweep size", (r) => r.shard!.parameterSets);
  mustAgree(files, "project commit", (r) => r.meta?.project.commit ?? null);
  mustAgree(files, "scenario file content", (r) => r.meta?.scenarioFile?.sha256 ?? null);
  const identified = files.filter((f) => f.result.sweep);
  const unknown = files.filter((f) => !f.result.sweep);
  if (identified.length && unknown.length) {
    throw new StoreError(
      `cannot merge ${unknown[0].path} with ${identified[0].path}: ${unknown[0].path} has no ` +
        `sweep identity (written by an older harness), so its --param, --variant and --listing ` +
        `cannot be checked against the others; re-run that shard with this harness`,
    );
  }
  for (const [field, what] of SWEEP_FIELDS) mustAgree(files, what, (r) => r.sweep?.[field]);
  if (unknown.length) {
    note(
      `${unknown.map((f) => f.path).join(", ")} ${unknown.length > 1 ? "have" : "has"} no sweep ` +
        `identity (written by an older harness): the shards' --param overrides cannot be ` +
        `checked; only their variants are`,
    );
  }
  // Old and new files alike: the variants their runs show must agree.
  const nonEmpty = files.filter((f) => f.result.runs.length > 0);
  mustAgree(nonEmpty, "variants run", variantsRun);
  const count = files[0].result.shard!.count;
  const byIndex = new Map<number, ShardFile>();
  for (const f of files) {
    const index = f.result.shard!.index;
    const other = byIndex.get(index);
    if (other) throw new StoreError(`${f.path} and ${other.path} are both shard ${index}/${count}`);
    byIndex.set(index, f);
  }
  const missing = Array.from({ length: count }, (_, i) => i + 1).filter((i) => !byIndex.has(i));
  if (missing.length) {
    throw new StoreError(
      `shard${missing.length > 1 ? "s" : ""} ${missing.map((i) => `${i}/${count}`).join(", ")} ` +
        `of ${files[0].result.scenario} missing (given: ${files.map((f) => f.path).join(", ")})`,
    );
  }
  const ordered = [...byIndex.keys()].sort((a, b) => a - b).map((i) => byIndex.get(i)!.result);
  const { shard: _, ...first } = ordered[0];
  // What the unsharded run would have written: its sweep is one slice.
  const sweep = first.sweep ? { sweep: { ...first.sweep, shards: 1 } } : {};
  return { ...first, ...sweep, runs: ordered.flatMap((r) => r.runs) };
}
