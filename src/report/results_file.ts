/**
 * Writing result files: atomically (temp file + rename), so an interrupted or
 * failed run never leaves a half-written file where a good one was.
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

/** Write `text` to `path` via a temporary file in the same directory. */
export async function writeFileAtomic(path: string, text: string): Promise<void> {
  const slash = path.lastIndexOf("/");
  const dir = slash >= 0 ? path.slice(0, slash) || "/" : ".";
  const temp = `${dir}/.${path.slice(slash + 1)}.${Deno.pid}.tmp`;
  try {
    await Deno.writeTextFile(temp, text);
    await Deno.rename(temp, path);
  } catch (e) {
    await Deno.remove(temp).catch(() => {});
    throw new WriteError(`cannot write ${path}: ${(e as Error).message}`);
  }
}
