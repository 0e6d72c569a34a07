/**
 * Joining the files of a sharded sweep (`--shard i/n`) into one result, as if
 * the sweep had run in one go. Shards are contiguous slices, so merging is a
 * concatenation in shard order, after checking they belong together.
 */
import { StoreError } from "./read.ts";
import { cpuLabel, kernelLabel, type StoredResult } from "./schema.ts";

/** A shard's results and the file they came from. */
export interface ShardFile {
  path: string;
  result: StoredResult;
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

function mustAgree(files: readonly ShardFile[], what: string, pick: (r: StoredResult) => unknown) {
  const first = files[0];
  for (const f of files.slice(1)) {
    if (!same(pick(f.result), pick(first.result))) {
      throw new StoreError(
        `cannot merge ${f.path} with ${first.path}: different ${what} ` +
          `(${JSON.stringify(pick(f.result))} vs ${JSON.stringify(pick(first.result))})`,
      );
    }
  }
}

/** Merge every shard of one sweep; refuses missing, repeated or mismatched shards. */
export function mergeShards(files: readonly ShardFile[]): StoredResult {
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
  mustAgree(files, "kernel", (r) => `${kernelLabel(r.kernel)} ${r.kernel?.hash ?? ""}`);
  mustAgree(files, "shard count", (r) => r.shard!.count);
  mustAgree(files, "sweep size", (r) => r.shard!.parameterSets);
  mustAgree(files, "project commit", (r) => r.meta?.project.commit ?? null);
  mustAgree(files, "scenario file content", (r) => r.meta?.scenarioFile?.sha256 ?? null);
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
  return { ...first, runs: ordered.flatMap((r) => r.runs) };
}
