/**
 * Writing result files: atomically (temp file + rename), so an interrupted or
 * failed run never leaves a half-written file where a good one was. Temp
 * files are named `.<name>.<pid>.<random>.tmp`; those of a process that is
 * gone (killed mid-write) are removed by the next write into their directory.
 */
import type { StoredResult } from "../store/schema.ts";

/** Stable JSON: the same result always serialises to the same bytes. */
export function resultJson(result: StoredResult): string {
  return JSON.stringify(result, null, 2) + "\n";
}

/** A result file could not be written; the message names it and the OS error. */
export class WriteError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "WriteError";
  }
}

/** A temp file's writer: `<anything>.<pid>[.<random>].tmp`. */
const TEMP = /\.(\d+)(?:\.[0-9a-f-]+)?\.tmp$/;

/** Whether process `pid` exists (Linux /proc); undefined when that cannot be told. */
function processAlive(pid: number): boolean | undefined {
  if (pid === Deno.pid) return true;
  try {
    Deno.statSync(`/proc/${pid}`);
    return true;
  } catch (e) {
    if (e instanceof Deno.errors.NotFound) {
      // No /proc at all: cannot tell.
      try {
        Deno.statSync("/proc/self");
        return false;
      } catch {
        return undefined;
      }
    }
    return undefined;
  }
}

const swept = new Set<string>();

/**
 * Remove the temp files in `dir` left by processes that are gone (a write
 * killed before its rename). Returns the names removed. A live writer's temp
 * file is never touched; a directory is swept once per process.
 */
export function removeStaleTemps(dir: string, options: { again?: boolean } = {}): string[] {
  if (swept.has(dir) && !options.again) return [];
  swept.add(dir);
  const removed: string[] = [];
  let entries: Deno.DirEntry[];
  try {
    entries = [...Deno.readDirSync(dir)];
  } catch {
    return removed; // no directory yet: nothing left over
  }
  for (const e of entries) {
    const m = e.isFile ? TEMP.exec(e.name) : null;
    if (!m || processAlive(Number(m[1])) !== false) continue;
    try {
      Deno.removeSync(`${dir}/${e.name}`);
      removed.push(e.name);
    } catch {
      // Another process swept it first, or it is not ours to remove.
    }
  }
  return removed;
}

/** The directory of `path` and a fresh temp file name next to it. */
export function tempPathFor(path: string): { dir: string; temp: string } {
  const slash = path.lastIndexOf("/");
  const dir = slash >= 0 ? path.slice(0, slash) || "/" : ".";
  const random = crypto.randomUUID().slice(0, 8);
  return { dir, temp: `${dir}/.${path.slice(slash + 1)}.${Deno.pid}.${random}.tmp` };
}

/** Write `text` to `path` via a temporary file in the same directory. */
export async function writeFileAtomic(path: string, text: string): Promise<void> {
  if (path === "") throw new WriteError(`cannot write a file with an empty name`);
  const { dir, temp } = tempPathFor(path);
  removeStaleTemps(dir);
  try {
    await Deno.writeTextFile(temp, text);
    await Deno.rename(temp, path);
  } catch (e) {
    await Deno.remove(temp).catch(() => {});
    throw new WriteError(`cannot write ${path}: ${(e as Error).message}`);
  }
}
