/**
 * Git's answers for a run's metadata, kept between runs in `.cache/git/`.
 * Asking git costs a one-case run about 7 ms on a 2-core machine: two git
 * processes, and Deno's process code loaded to start them. An answer is
 * given again only while everything git read to give it is as it was:
 *
 * - a file's last commit: the repository's HEAD, the ref it names (a loose
 *   ref's content, the packed-refs file) and the shallow file;
 * - the project's state (commit, dirty): that, plus the index, git's
 *   configuration files and the status of every tracked file (size, times,
 *   inode, mode: what git itself compares to tell a changed file).
 *
 * An answer is kept only when HEAD did not move while git was asked and no
 * file it depends on changed in the two seconds before (a change within the
 * file system's clock tick could leave the same times behind). Where that
 * cannot be told (`GIT_*` variables that move git, no `.git` on the way up,
 * HEAD not on a branch or a commit, a reftable, replaced refs, submodules),
 * git is asked every time. A record holds the whole key it was made under,
 * compared in full before its answer is used.
 *
 * @module
 */
import { dirname, join, resolve } from "pathe";
import { tryRemove, writeFileAtomic } from "../report/results_file.ts";
import { projectPath } from "../paths.ts";
import { fileStatus, RACY_MS } from "./file_status.ts";

/** Where the records go: `.cache/git/` unless this variable names a directory. */
export const GIT_CACHE_ENV = "FTRACE_BENCH_GIT_CACHE";

const DEFAULT_DIR = projectPath(".cache/git");

/** A repository's work tree, its git directory and the common one (refs, config). */
export interface Repo {
  readonly root: string;
  readonly gitDir: string;
  readonly commonDir: string;
}

function readText(path: string): string | null {
  try {
    return Deno.readTextFileSync(path);
  } catch {
    return null;
  }
}

const S_IFMT = 0o170000, S_IFDIR = 0o040000;

/**
 * `GIT_*` variables that change neither where git looks nor what `status` or
 * `log` read: network, credentials, editors, identities, tracing. Any other
 * (GIT_DIR, GIT_INDEX_FILE, GIT_CONFIG_*, pathspec modes...) turns the cache off.
 */
const HARMLESS_GIT_ENV =
  /^GIT_(SSL_|SSH|HTTP_|CURL_|PROXY_|ASKPASS$|TERMINAL_PROMPT$|PAGER$|EDITOR$|SEQUENCE_EDITOR$|AUTHOR_|COMMITTER_|TRACE|PROTOCOL_FROM_USER$|ALLOW_PROTOCOL$)/;

/**
 * The repository git finds from `dir` (the first `.git` on the way up), or
 * null where git's search or reading may differ: a `GIT_*` variable that
 * moves it, no `.git`.
 */
export function findRepo(dir: string): Repo | null {
  let env: string[];
  try {
    env = Object.keys(Deno.env.toObject());
  } catch {
    return null; // no leave to read the environment: git is asked
  }
  if (env.some((name) => name.startsWith("GIT_") && !HARMLESS_GIT_ENV.test(name))) return null;
  for (let d = resolve(dir);; d = dirname(d)) {
    const dotGit = join(d, ".git");
    const found = fileStatus(dotGit);
    if (found && (found[4] & S_IFMT) === S_IFDIR) {
      return { root: d, gitDir: dotGit, commonDir: dotGit };
    }
    if (found) {
      // A linked worktree's or a submodule's `.git` file: `gitdir: <path>`.
      const to = /^gitdir: (.+)$/m.exec(readText(dotGit) ?? "")?.[1];
      if (!to) return null;
      const gitDir = resolve(d, to.trim());
      const common = readText(join(gitDir, "commondir"));
      return { root: d, gitDir, commonDir: common ? resolve(gitDir, common.trim()) : gitDir };
    }
    if (d === dirname(d)) return null;
  }
}

/**
 * What HEAD's commit is read from: HEAD, and the branch it names (a loose
 * ref, or packed-refs); null where refs are not plain files or HEAD names
 * another kind of ref.
 */
function headKey(repo: Repo): unknown[] | null {
  const common = (path: string) => join(repo.commonDir, path);
  if (fileStatus(common("reftable")) || fileStatus(common("refs/replace"))) return null;
  const head = readText(join(repo.gitDir, "HEAD"));
  if (head === null) return null;
  const ref = /^ref: (\S+)\s*$/.exec(head)?.[1];
  if (ref === undefined ? !/^[0-9a-f]{40,}\s*$/.test(head) : !ref.startsWith("refs/heads/")) {
    return null;
  }
  return [
    repo.root,
    repo.gitDir,
    fileStatus(join(repo.root, ".git")),
    head,
    ref ? readText(common(ref)) : null,
    fileStatus(common("packed-refs")),
    fileStatus(common("shallow")),
  ];
}

/** Git's configuration and attributes files outside the work tree. */
function configFiles(repo: Repo): string[] {
  const home = Deno.env.get("HOME");
  const xdg = Deno.env.get("XDG_CONFIG_HOME") || (home ? join(home, ".config") : undefined);
  return [
    "/etc/gitconfig",
    ...(home ? [join(home, ".gitconfig")] : []),
    ...(xdg ? [join(xdg, "git/config"), join(xdg, "git/attributes")] : []),
    join(repo.commonDir, "config"),
    join(repo.gitDir, "config.worktree"),
    join(repo.commonDir, "info/attributes"),
  ];
}

/** The key of a project state: HEAD (`head`), the index, configuration, every tracked file. */
function stateKey(
  repo: Repo,
  tracked: readonly string[],
  head = headKey(repo),
): unknown[] | null {
  if (head === null) return null;
  return [
    head,
    fileStatus(join(repo.gitDir, "index")),
    configFiles(repo).map(fileStatus),
    // Joined by hand: node:path's join took 1.6 ms for 251 paths, their stats 0.6 to 1.9.
    tracked.map((path) => [path, fileStatus(`${repo.root}/${path}`)]),
  ];
}

/** A record on disk: the key it was made under, the answer, and what the next key needs. */
interface GitRecord<T> {
  key: string;
  answer: T;
  /** The tracked files (a project state's record). */
  tracked?: string[];
}

/** Where records are kept and how recent a change makes an answer not kept. */
export interface GitCacheOptions {
  /** The records' directory (default: GIT_CACHE_ENV's, or `.cache/git/`). */
  dir?: string;
  /** Default {@link RACY_MS}. */
  racyMs?: number;
}

/** The record of `kind` for `of` (one per repository or file: a new one replaces the old). */
function recordPath(kind: string, of: string, options: GitCacheOptions): string {
  const dir = options.dir ?? (Deno.env.get(GIT_CACHE_ENV) || DEFAULT_DIR);
  let h = 0x811c9dc5; // FNV-1a: a name, not a check (the key inside is compared)
  for (let i = 0; i < of.length; i++) h = Math.imul(h ^ of.charCodeAt(i), 0x01000193) >>> 0;
  return join(dir, `${kind}-${h.toString(16).padStart(8, "0")}.json`);
}

function readRecord<T>(path: string): GitRecord<T> | null {
  try {
    const r = JSON.parse(Deno.readTextFileSync(path));
    return typeof r?.key === "string" && "answer" in r ? r : null;
  } catch {
    return null;
  }
}

/**
 * Tracked files up to which a project's state is kept (this project has
 * about 250): its key holds a status per file, each a stat of 2 to 7 µs
 * here, and past a few thousand one git process costs no more.
 */
export const MAX_TRACKED = 4096;

/** Records kept at most: the oldest go first (checkouts and files come and go). */
export const MAX_RECORDS = 256;

function writeRecord<T>(path: string, record: GitRecord<T>): void {
  // Written as the result files are: readers see the old record or the whole new one,
  // and a killed writer's temp is swept like theirs.
  const dir = dirname(path);
  try {
    Deno.mkdirSync(dir, { recursive: true });
    writeFileAtomic(path, JSON.stringify(record));
  } catch {
    return; // not kept: the next run asks git again
  }
  let records;
  try {
    records = [...Deno.readDirSync(dir)].filter((e) => e.name.endsWith(".json"));
  } catch {
    return;
  }
  if (records.length <= MAX_RECORDS) return;
  const byAge = records.map((e) => ({
    path: join(dir, e.name),
    status: fileStatus(join(dir, e.name)),
  }))
    .sort((a, b) => (a.status?.[1] ?? 0) - (b.status?.[1] ?? 0));
  for (const old of byAge.slice(0, records.length - MAX_RECORDS)) tryRemove(old.path);
}

/** Whether a file status in `parts` (a key's only arrays of five numbers) changed after `since`. */
function changedSince(parts: unknown, since: number): boolean {
  if (!Array.isArray(parts)) return false;
  if (parts.length === 5 && parts.every((p) => typeof p === "number")) {
    return parts[1] > since || parts[2] > since;
  }
  return parts.some((p) => changedSince(p, since));
}

/**
 * Keep the record under `key` (made after git answered, its HEAD `head`) when
 * HEAD is where it was before git was asked (`headBefore`) and nothing in the
 * key changed after `since` ({@link RACY_MS} before git was asked).
 */
function remember<T>(
  path: string,
  headBefore: unknown[] | null,
  head: unknown[] | null,
  key: unknown[] | null,
  since: number,
  record: Omit<GitRecord<T>, "key">,
): void {
  if (headBefore === null || key === null) return;
  if (JSON.stringify(head) !== JSON.stringify(headBefore)) return;
  if (changedSince(key, since)) return;
  writeRecord(path, { key: JSON.stringify(key), ...record });
}

/** Git's answer about a project, and the tracked files (null: not to be kept). */
export interface AskedState<T> {
  answer: T;
  tracked: string[] | null;
}

/**
 * The state of the project at `root`: from its record while its key holds,
 * else `ask()`'s (which runs git), kept for the next run when it can be.
 */
export async function cachedProjectState<T>(
  root: string,
  ask: () => Promise<AskedState<T>>,
  options: GitCacheOptions = {},
): Promise<T> {
  const repo = findRepo(root);
  if (repo === null || repo.root !== resolve(root)) return (await ask()).answer;
  const path = recordPath("state", repo.root, options);
  const record = readRecord<T>(path);
  if (record?.tracked) {
    const key = stateKey(repo, record.tracked);
    if (key !== null && JSON.stringify(key) === record.key) return record.answer;
  }
  const since = Date.now() - (options.racyMs ?? RACY_MS), before = headKey(repo);
  const { answer, tracked } = await ask();
  if (tracked && tracked.length <= MAX_TRACKED) {
    const head = headKey(repo);
    remember(path, before, head, stateKey(repo, tracked, head), since, { answer, tracked });
  }
  return answer;
}

/**
 * The last commit touching `file` (absolute): from its record while the
 * repository's HEAD is where it was, else `ask()`'s, kept when it can be.
 * `ask` gives null where git could not answer (no git, no checkout): the
 * commit is then null, and not kept.
 */
export async function cachedFileCommit(
  file: string,
  ask: () => Promise<{ commit: string | null } | null>,
  options: GitCacheOptions = {},
): Promise<string | null> {
  const repo = findRepo(dirname(file));
  if (repo === null) return (await ask())?.commit ?? null;
  const path = recordPath("commit", file, options);
  const record = readRecord<string | null>(path);
  const before = headKey(repo);
  const keyOf = (head: unknown[] | null) => head && [head, file];
  if (before !== null && JSON.stringify(keyOf(before)) === record?.key) return record.answer;
  const since = Date.now() - (options.racyMs ?? RACY_MS);
  const asked = await ask();
  if (asked !== null) {
    const head = headKey(repo);
    remember(path, before, head, keyOf(head), since, { answer: asked.commit });
  }
  return asked?.commit ?? null;
}
