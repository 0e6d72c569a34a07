/**
 * Run metadata: when a result was produced, from which commit of the project
 * and of the scenario file, and a content hash of the scenario so uncommitted
 * edits show. Outside a git checkout (or without git) commits are null: the
 * metadata never makes a run fail.
 */
import { dirname, relative, resolve } from "pathe";
import type { RunMeta } from "../runner/result.ts";
import { sha256Hex } from "../hash.ts";
import { cachedFileCommit, cachedProjectState, type GitCacheOptions } from "./git_cache.ts";

/** Git processes started by this thread (tests read it). */
export const gitQueries = { count: 0 };

/** Output of a read-only git command, or null when git or the checkout is missing. */
export async function gitOutput(args: string[], cwd: string): Promise<string | null> {
  gitQueries.count++;
  try {
    // --no-optional-locks: `status` must not refresh the index of a tree others work in.
    const out = await new Deno.Command("git", {
      args: ["--no-optional-locks", ...args],
      cwd,
      stdout: "piped",
      stderr: "null",
      stdin: "null",
    }).output();
    return out.success ? new TextDecoder().decode(out.stdout).trim() : null;
  } catch {
    return null;
  }
}

/**
 * The project's HEAD commit and whether tracked files differ from it: git's
 * answer of an earlier run while nothing it read has changed (`git_cache.ts`).
 */
export function projectState(
  root: string,
  cache?: GitCacheOptions,
): Promise<RunMeta["project"]> {
  return cachedProjectState<RunMeta["project"]>(root, async () => {
    const [status, files] = await Promise.all([
      // The header line `# branch.oid <commit>` ("(initial)" before the first commit),
      // then a line per changed tracked file.
      gitOutput(["status", "--porcelain=v2", "--branch", "--untracked-files=no"], root),
      // `<mode> <object> <stage>\t<path>\0` per tracked file: the next run's key.
      gitOutput(["ls-files", "--stage", "-z"], root),
    ]);
    const commit = status === null
      ? undefined
      : /^# branch\.oid ([0-9a-f]{40,})$/m.exec(status)?.[1];
    const entries = files?.split("\0").filter((e) => e !== "") ?? [];
    // A submodule's state is its own repository's, and a name that is not UTF-8 cannot be
    // looked at again: such a project is asked every time.
    const tracked = files === null || entries.some((e) => e.startsWith("160000 ")) ||
        files.includes("\uFFFD")
      ? null
      : entries.map((e) => e.slice(e.indexOf("\t") + 1));
    if (status === null || commit === undefined) {
      return { answer: { commit: null, dirty: null }, tracked: null };
    }
    const dirty = status.split("\n").some((line) => line !== "" && !line.startsWith("# "));
    return { answer: { commit, dirty }, tracked };
  }, cache);
}

/**
 * A path made absolute against the working directory. Given that directory,
 * node:path never asks `process.cwd()`, whose first call loads Node's whole
 * process object (13 to 33 ms of a one-case run).
 */
export function fromCwd(path: string): string {
  return resolve(Deno.cwd(), path);
}

/** Path (relative to the project when inside it), last commit touching it, content hash. */
export async function scenarioFileState(
  file: string,
  root: string,
  cache?: GitCacheOptions,
): Promise<NonNullable<RunMeta["scenarioFile"]>> {
  const absolute = fromCwd(file);
  const rel = relative(root, absolute);
  const path = rel.startsWith("..") ? absolute : rel;
  const commit = await cachedFileCommit(absolute, async () => {
    const out = await gitOutput(["log", "-1", "--format=%H", "--", absolute], dirname(absolute));
    // No output: no commit has the file. No answer (null): git could not say.
    return out === null ? null : { commit: out || null };
  }, cache);
  return { path, commit, sha256: await sha256Hex(await Deno.readFile(absolute)) };
}

/** Metadata for a run of `scenarioFile` (null: no file, e.g. a scenario object). */
export function runMeta(
  scenarioFile: string | null,
  root: string,
  now: Date = new Date(),
): Promise<RunMeta> {
  return startRunMeta(scenarioFile, root)(now);
}

/** A run's metadata, dated when called, from lookups already under way. */
export type RunMetaLookup = (now?: Date) => Promise<RunMeta>;

/**
 * Starts a run's git lookups now: a record of an earlier run checked, or
 * git processes that run while its cases are measured. The function returned
 * gives the metadata, dated when it is called. A job of several scenarios
 * looks the project up once and passes it as `project`.
 */
export function startRunMeta(
  scenarioFile: string | null,
  root: string,
  project: Promise<RunMeta["project"]> = projectState(root),
): RunMetaLookup {
  const file = scenarioFile ? scenarioFileState(scenarioFile, root) : Promise.resolve(null);
  // Awaited below; until then a failure must not count as unhandled.
  project.catch(() => {});
  file.catch(() => {});
  return async (now = new Date()) => ({
    date: now.toISOString(),
    project: await project,
    scenarioFile: await file,
  });
}
