/**
 * The history store: one JSON file per main-job run under results/history/,
 * named `<UTC date>-<commit>.json` so a directory listing is chronological.
 * One file per run (not an appended log) keeps every write atomic and a
 * damaged run confined to its own, named, file.
 */
import { removeStaleTemps, tempPathFor, writeAll, WriteError } from "../report/results_file.ts";
import type { RunMeta } from "../runner/result.ts";
import { readStoreFile, StoreError } from "./read.ts";
import { HISTORY_KIND, HISTORY_SCHEMA, type HistoryRecord, type StoredResult } from "./schema.ts";
import { TOOL } from "../version.ts";

/** A history record as read, with the file it came from. */
export interface HistoryEntry {
  path: string;
  record: HistoryRecord;
}

/** The record of one main-job run; listings are left out (they stay in results/<scenario>.json). */
export function historyRecord(
  results: readonly StoredResult[],
  meta: Omit<RunMeta, "scenarioFile">,
): HistoryRecord {
  return {
    kind: HISTORY_KIND,
    schema: HISTORY_SCHEMA,
    tool: { ...TOOL },
    meta: { date: meta.date, project: meta.project },
    results: results.map((r) => ({ ...r, runs: r.runs.map(({ listing: _, ...run }) => run) })),
  };
}

/** The file name of a record: date (colon-free) and the commit's first 12 digits. */
export function historyFileName(record: HistoryRecord): string {
  const stamp = record.meta.date.replaceAll(":", "-");
  return `${stamp}-${record.meta.project.commit?.slice(0, 12) ?? "nocommit"}.json`;
}

/**
 * Write a record into `dir` (created if needed) without replacing an existing
 * one. The record is written to a temp file, then given its name with a hard
 * link, which fails if the name exists: creation is exclusive (no
 * check-then-write race: two jobs of the same millisecond both land, one as
 * `-2`) and atomic (a reader never sees a partial record).
 */
export async function writeHistory(dir: string, record: HistoryRecord): Promise<string> {
  try {
    await Deno.mkdir(dir, { recursive: true });
  } catch (e) {
    throw new WriteError(`cannot create history directory ${dir}: ${(e as Error).message}`);
  }
  const base = historyFileName(record).replace(/\.json$/, "");
  // Compact: a record per run adds up; `deno task compare` reads it like any results file.
  const text = JSON.stringify(record) + "\n";
  const { temp } = tempPathFor(`${dir}/${base}.json`);
  removeStaleTemps(dir);
  try {
    await Deno.writeTextFile(temp, text);
    for (let n = 1;; n++) {
      const path = `${dir}/${base}${n > 1 ? `-${n}` : ""}.json`;
      if (await createExclusive(temp, path, text)) return path;
    }
  } catch (e) {
    throw e instanceof WriteError
      ? e
      : new WriteError(`cannot write a history record in ${dir}: ${(e as Error).message}`);
  } finally {
    await Deno.remove(temp).catch(() => {});
  }
}

/** Give `temp`'s content the name `path` unless it exists; false when it does. */
async function createExclusive(temp: string, path: string, text: string): Promise<boolean> {
  try {
    await Deno.link(temp, path);
    return true;
  } catch (e) {
    if (e instanceof Deno.errors.AlreadyExists) return false;
    // A file system without hard links: create the name exclusively and write it.
    if (!(e instanceof Deno.errors.NotSupported || e instanceof Deno.errors.PermissionDenied)) {
      throw e;
    }
  }
  let file: Deno.FsFile;
  try {
    file = await Deno.open(path, { createNew: true, write: true });
  } catch (e) {
    if (e instanceof Deno.errors.AlreadyExists) return false;
    throw e;
  }
  try {
    await writeAll(file, new TextEncoder().encode(text));
  } finally {
    file.close();
  }
  return true;
}

/** Every record in `dir`, oldest first; a missing directory is an empty history. */
export async function readHistory(dir: string): Promise<HistoryEntry[]> {
  let names: string[];
  try {
    names = [...Deno.readDirSync(dir)]
      // Dot files are in-progress atomic writes of another process.
      .filter((e) => e.isFile && e.name.endsWith(".json") && !e.name.startsWith("."))
      .map((e) => e.name)
      .sort();
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) return [];
    throw new StoreError(`cannot read history directory ${dir}: ${(e as Error).message}`);
  }
  const entries: HistoryEntry[] = [];
  for (const name of names) {
    const path = `${dir}/${name}`;
    const file = await readStoreFile(path);
    if (file.kind !== "history") {
      throw new StoreError(
        `${path} is a results file, not a history record; history/ holds only main-job records ` +
          `(move it out of ${dir})`,
      );
    }
    entries.push({ path, record: file.record });
  }
  // By date: a "-2" suffix for a same-millisecond run sorts before ".json" by name.
  return entries.sort((a, b) => a.record.meta.date.localeCompare(b.record.meta.date));
}
