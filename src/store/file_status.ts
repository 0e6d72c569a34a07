/**
 * A file's status as git compares it, which the caches kept on disk compare
 * too (git's answers, src/store/git_cache.ts; the CLI bundle, src/cli/bundle.ts):
 * a file whose status is as recorded is taken as unchanged.
 */

/** Size, mtime, ctime, inode and mode (ms for the times); null: missing. */
export type FileStatus =
  | [size: number, mtime: number, ctime: number, ino: number, mode: number]
  | null;

/** `path`'s status (of a link itself, as git tracks it), or null when it is not there. */
export function fileStatus(path: string): FileStatus {
  try {
    const s = Deno.lstatSync(path);
    return [s.size, s.mtime?.getTime() ?? -1, s.ctime?.getTime() ?? -1, s.ino ?? -1, s.mode ?? -1];
  } catch {
    return null;
  }
}

/** Whether two statuses are the same (both missing included). */
export function sameStatus(a: FileStatus, b: FileStatus): boolean {
  if (a === null || b === null) return a === b;
  return a.length === b.length && a.every((v, i) => v === b[i]);
}

/**
 * A file changed this recently (ms) before its status was recorded makes the
 * record untrustworthy: a later change within the same tick of the file
 * system's clock would leave the same times (a jiffy on Linux's own file
 * systems, 2 s on FAT).
 */
export const RACY_MS = 2000;
