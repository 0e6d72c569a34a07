/**
 * Real kernels' ftrace hot-path objects, built once and cached.
 *
 * For a reference kernel (`linux-6.1`, `linux-6.12`) this extracts Debian's
 * `linux-source-*` tarball into a temporary directory under `.cache/kernels/`,
 * configures it for arm64 (defconfig plus the ftrace options of
 * {@link RECIPE_CONFIG}), runs `make prepare`, compiles
 * `arch/arm64/kernel/entry-ftrace.o`, `kernel/trace/ftrace.o` and, from v6.3,
 * `samples/ftrace/ftrace-ops.o`, copies them out with the `.config` and
 * `asm-offsets.h`, and deletes the 1.5 GB tree. The entry
 * `.cache/kernels/<name>-<key>/` ends with a `manifest.json` (written last,
 * atomically) that records every file's sha256; a later call checks the
 * hashes and never uses an entry that does not match.
 *
 * The key covers the tarball's sha256, the config recipe and
 * {@link RECIPE_VERSION}. Hashing the tarball (about 150 MB) is skipped while
 * its size and mtime match the stamp in `.cache/kernels/stamps/`.
 *
 * A user's own kernel tree (a directory) must be configured and prepared; its
 * objects are built there with `make` when missing or older than their
 * sources, and the cache holds only a manifest pointing at them.
 *
 * Needs (installed with apt-get when running as root): `linux-source-6.1` /
 * `linux-source-6.12`, `gcc-aarch64-linux-gnu`, `gcc` (the host programs), `make`, `flex`, `bison`, `bc`,
 * `libssl-dev`, `libelf-dev`, `xz-utils`.
 *
 * @module
 */
import { basename, dirname, join, relative, resolve } from "pathe";
import { KernelBuildError } from "./build_error.ts";
import { sha256Hex } from "../../hash.ts";
import { parseElf } from "../../asm/elf.ts";
import { projectPath } from "../../paths.ts";
import {
  fileExists,
  installMissing,
  KERNEL_BUILD_REQUIREMENTS,
  kernelSourceRequirement,
  type Requirement,
} from "../../setup/packages.ts";

/** A kernel the harness knows how to fetch and build: a Debian source package. */
export interface ReferenceKernel {
  /** The spec naming it, e.g. "linux-6.12". */
  name: string;
  /** Debian package holding the source tarball. */
  debianPackage: string;
  /** Absolute path of the tarball the package installs. */
  tarball: string;
  /** The tarball's top-level directory. */
  topDir: string;
}

/** The reference kernels: 6.1 (regs-saving ftrace) and 6.12 (minimal regs, call ops, direct calls). */
export const REFERENCE_KERNELS: readonly ReferenceKernel[] = [
  {
    name: "linux-6.1",
    debianPackage: "linux-source-6.1",
    tarball: "/usr/src/linux-source-6.1.tar.xz",
    topDir: "linux-source-6.1",
  },
  {
    name: "linux-6.12",
    debianPackage: "linux-source-6.12",
    tarball: "/usr/src/linux-source-6.12.tar.xz",
    topDir: "linux-source-6.12",
  },
];

/**
 * Bumped whenever the build recipe changes (commands, flags, copied files),
 * so that entries built by an older recipe are not reused.
 */
export const RECIPE_VERSION = 1;

/**
 * `scripts/config` arguments applied after `make defconfig`. arm64's
 * defconfig turns FTRACE (the "Tracers" menu) off, so it is enabled first.
 * Full (not reduced) DWARF keeps the structure types in every object.
 */
export const RECIPE_CONFIG: readonly string[] = [
  "--enable",
  "FTRACE",
  "--enable",
  "FUNCTION_TRACER",
  "--enable",
  "DYNAMIC_FTRACE",
  "--enable",
  "FUNCTION_GRAPH_TRACER",
  "--enable",
  "DEBUG_INFO_DWARF5",
  "--disable",
  "DEBUG_INFO_NONE",
  "--disable",
  "DEBUG_INFO_REDUCED",
  "--enable",
  "SAMPLES",
  "--module",
  "SAMPLE_FTRACE_OPS",
];

/** The CONFIG_ options (without the prefix) that shape the ftrace hot path, recorded per build. */
export const HOT_PATH_OPTIONS: readonly string[] = [
  "FUNCTION_TRACER",
  "DYNAMIC_FTRACE",
  "DYNAMIC_FTRACE_WITH_REGS",
  "DYNAMIC_FTRACE_WITH_ARGS",
  "DYNAMIC_FTRACE_WITH_CALL_OPS",
  "DYNAMIC_FTRACE_WITH_DIRECT_CALLS",
  "FUNCTION_GRAPH_TRACER",
  "ARM64_BTI_KERNEL",
  "ARM64_PTR_AUTH_KERNEL",
  "STACKPROTECTOR",
  "STACKPROTECTOR_PER_TASK",
  "PREEMPTION",
  "CC_OPTIMIZE_FOR_SIZE",
  "DEBUG_INFO_DWARF5",
  "SHADOW_CALL_STACK",
];

/** The hot-path objects of one build, as absolute paths. */
export interface KernelObjects {
  /** arch/arm64/kernel/entry-ftrace.o: the trampolines. */
  entryFtrace: string;
  /** kernel/trace/ftrace.o: the list function, ops and hash code. */
  ftrace: string;
  /** samples/ftrace/ftrace-ops.o, on kernels that have the sample (v6.3+). */
  ftraceOps?: string;
}

/** One kernel's verified hot-path objects. */
export interface KernelBuild {
  /** "linux-6.12", or a user tree's directory name. */
  name: string;
  /** The kernel version, e.g. "6.12.117" (a user tree: its kernel.release). */
  version: string;
  /** "debian:linux-source-6.12 <dpkg version>", or a user tree's absolute path. */
  source: string;
  /** The directory holding the objects (the cache entry, or the user's tree). */
  dir: string;
  objects: KernelObjects;
  /** {@link HOT_PATH_OPTIONS} from the build's .config: "y", "m", "n" (unset) or the string value. */
  config: Record<string, string>;
  /** A copy of include/generated/asm-offsets.h (a user tree: the tree's own file). */
  asmOffsets?: string;
  /** sha256 (hex) of the objects; see {@link objectsHash}. */
  hash: string;
  /** The manifest.json recording this build. */
  manifest: string;
}

/** Options of {@link ensureKernel}. */
export interface EnsureKernelOptions {
  /** Receives progress and warning lines (default: printed on stderr). */
  progress?: (line: string) => void;
  /** The cache directory (default: `.cache/kernels` under the project root). */
  cacheRoot?: string;
}

export { KernelBuildError };

const PROJECT_ROOT = projectPath("").replace(/\/$/, "");

/** The default cache directory: `.cache/kernels` under the project root. */
export const DEFAULT_CACHE_ROOT = `${PROJECT_ROOT}/.cache/kernels`;

const MANIFEST_KIND = "ftrace-bench-kernel";
const MANIFEST_SCHEMA = 1;
const OBJECT_ROLES = ["entryFtrace", "ftrace", "ftraceOps"] as const;
type ObjectRole = typeof OBJECT_ROLES[number];

/** Where each object comes from in a kernel tree, and its file name in a cache entry. */
const OBJECT_SOURCES: Record<ObjectRole, { object: string; source: string; file: string }> = {
  entryFtrace: {
    object: "arch/arm64/kernel/entry-ftrace.o",
    source: "arch/arm64/kernel/entry-ftrace.S",
    file: "entry-ftrace.o",
  },
  ftrace: { object: "kernel/trace/ftrace.o", source: "kernel/trace/ftrace.c", file: "ftrace.o" },
  ftraceOps: {
    object: "samples/ftrace/ftrace-ops.o",
    source: "samples/ftrace/ftrace-ops.c",
    file: "ftrace-ops.o",
  },
};

const DEFAULT_CROSS_COMPILE = "aarch64-linux-gnu-";

// ---------------------------------------------------------------------------
// Small helpers

/**
 * A file's sha256, read as a stream (a kernel tarball is too big to read at
 * once): node:crypto, imported on first use, as importing it loads Node's
 * process object, which made `mod.ts --help` (80 to 88 ms) and `kernel
 * --help` (73 ms) take 11 to 15 ms longer though they hash nothing.
 */
async function sha256File(path: string): Promise<string> {
  const hash = (await import("node:crypto")).createHash("sha256");
  const file = await Deno.open(path, { read: true });
  // Reading the stream to its end closes the file.
  for await (const chunk of file.readable) hash.update(chunk);
  return hash.digest("hex");
}

/**
 * The build's hash: sha256 of the text "<role> <sha256 of the object>\n" for
 * entryFtrace, ftrace and (when built) ftraceOps, in that order.
 */
export function objectsHash(hashes: Partial<Record<ObjectRole, string>>): Promise<string> {
  const lines = OBJECT_ROLES.filter((r) => hashes[r] !== undefined)
    .map((r) => `${r} ${hashes[r]}\n`);
  return sha256Hex(lines.join(""));
}

async function statOrNull(path: string): Promise<Deno.FileInfo | null> {
  try {
    return await Deno.stat(path);
  } catch (e) {
    if (e instanceof Deno.errors.NotFound || e instanceof Deno.errors.NotADirectory) return null;
    throw e;
  }
}

async function isFile(path: string): Promise<boolean> {
  return (await statOrNull(path))?.isFile ?? false;
}

/** A path for messages: relative to the project root when inside it. */
function display(path: string): string {
  const rel = relative(PROJECT_ROOT, path);
  return rel.startsWith("..") || rel.startsWith("/") ? path : rel;
}

/** Write a file via a uniquely named temporary file and a rename. */
async function writeAtomic(path: string, text: string): Promise<void> {
  const temp = `${dirname(path)}/.${basename(path)}.${Deno.pid}.${crypto.randomUUID()}.tmp`;
  try {
    await Deno.writeTextFile(temp, text);
    await Deno.rename(temp, path);
  } catch (e) {
    await Deno.remove(temp).catch(() => {});
    throw e;
  }
}

/** Whether a process id is alive (Linux: /proc/<pid>; elsewhere assumed alive). */
function processAlive(pid: number): boolean {
  if (pid === Deno.pid) return true;
  if (Deno.build.os !== "linux") return true;
  try {
    Deno.statSync(`/proc/${pid}`);
    return true;
  } catch {
    return false;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------------------
// .config

/** Parse a kernel .config: `CONFIG_X=value` (quotes removed) and `# CONFIG_X is not set` ("n"). */
export function parseKernelConfig(text: string): Map<string, string> {
  const options = new Map<string, string>();
  for (const line of text.split("\n")) {
    const set = /^CONFIG_([A-Za-z0-9_]+)=(.*)$/.exec(line);
    if (set) {
      const raw = set[2].trim();
      options.set(set[1], /^".*"$/.test(raw) ? raw.slice(1, -1) : raw);
      continue;
    }
    const unset = /^# CONFIG_([A-Za-z0-9_]+) is not set$/.exec(line);
    if (unset) options.set(unset[1], "n");
  }
  return options;
}

function hotPathConfig(options: Map<string, string>): Record<string, string> {
  const config: Record<string, string> = {};
  for (const name of HOT_PATH_OPTIONS) config[name] = options.get(name) ?? "n";
  return config;
}

/**
 * The hot-path options of a build in a few words, for tables:
 * e.g. "WITH_ARGS CALL_OPS DIRECT_CALLS GRAPH BTI PAC".
 */
export function hotPathConfigSummary(build: Pick<KernelBuild, "config">): string {
  const on = (name: string) => {
    const v = build.config[name];
    return v !== undefined && v !== "n" && v !== "";
  };
  if (!on("FUNCTION_TRACER")) return "NO_FTRACE";
  const words: string[] = [];
  if (!on("DYNAMIC_FTRACE")) words.push("STATIC");
  const labels: [string, string][] = [
    ["DYNAMIC_FTRACE_WITH_REGS", "WITH_REGS"],
    ["DYNAMIC_FTRACE_WITH_ARGS", "WITH_ARGS"],
    ["DYNAMIC_FTRACE_WITH_CALL_OPS", "CALL_OPS"],
    ["DYNAMIC_FTRACE_WITH_DIRECT_CALLS", "DIRECT_CALLS"],
    ["FUNCTION_GRAPH_TRACER", "GRAPH"],
    ["ARM64_BTI_KERNEL", "BTI"],
    ["ARM64_PTR_AUTH_KERNEL", "PAC"],
    ["SHADOW_CALL_STACK", "SCS"],
    ["STACKPROTECTOR_PER_TASK", "SSP_TASK"],
    ["PREEMPTION", "PREEMPT"],
    ["CC_OPTIMIZE_FOR_SIZE", "Os"],
  ];
  for (const [name, label] of labels) if (on(name)) words.push(label);
  if (on("STACKPROTECTOR") && !on("STACKPROTECTOR_PER_TASK")) words.push("SSP");
  return words.join(" ");
}

// ---------------------------------------------------------------------------
// Manifest

/** A file of the manifest: its name (cache entry) or absolute path (user tree), and sha256. */
interface ManifestFile {
  file: string;
  sha256: string;
}

/** The `manifest.json` of a cache entry. */
export interface KernelManifest {
  kind: typeof MANIFEST_KIND;
  schema: typeof MANIFEST_SCHEMA;
  name: string;
  version: string;
  source: string;
  config: Record<string, string>;
  objects: Partial<Record<ObjectRole, ManifestFile>> & {
    entryFtrace: ManifestFile;
    ftrace: ManifestFile;
  };
  asmOffsets?: ManifestFile;
  /** The copied .config (reference kernels only). */
  configFile?: ManifestFile;
  hash: string;
  /** What the entry was built from: the key and its parts. */
  inputs: Record<string, unknown> & { key: string };
  /** First line of the compiler's --version (reference kernels). */
  compiler?: string;
  builtAt: string;
  buildSeconds?: number;
}

function isManifestFile(x: unknown): x is ManifestFile {
  const f = x as ManifestFile;
  return typeof f === "object" && f !== null && typeof f.file === "string" && f.file !== "" &&
    typeof f.sha256 === "string" && /^[0-9a-f]{64}$/.test(f.sha256);
}

/** The shape problem of a parsed manifest, or undefined when it is well formed. */
function manifestProblem(m: unknown): string | undefined {
  const x = m as Partial<KernelManifest>;
  if (typeof x !== "object" || x === null) return "manifest.json is not a JSON object";
  if (x.kind !== MANIFEST_KIND) return `manifest.json kind is ${JSON.stringify(x.kind)}`;
  if (x.schema !== MANIFEST_SCHEMA) {
    return `manifest.json schema is ${JSON.stringify(x.schema)}, expected ${MANIFEST_SCHEMA}`;
  }
  for (const field of ["name", "version", "source", "hash", "builtAt"] as const) {
    if (typeof x[field] !== "string") return `manifest.json has no ${field}`;
  }
  if (typeof x.config !== "object" || x.config === null) return "manifest.json has no config";
  if (typeof x.objects !== "object" || x.objects === null) return "manifest.json has no objects";
  for (const role of OBJECT_ROLES) {
    const f = x.objects[role];
    if ((f !== undefined || role !== "ftraceOps") && !isManifestFile(f)) {
      return `manifest.json objects.${role} is missing or malformed`;
    }
  }
  for (const field of ["asmOffsets", "configFile"] as const) {
    if (x[field] !== undefined && !isManifestFile(x[field])) {
      return `manifest.json ${field} is malformed`;
    }
  }
  if (typeof x.inputs !== "object" || x.inputs === null || typeof x.inputs.key !== "string") {
    return "manifest.json has no inputs.key";
  }
  return undefined;
}

/** The result of checking a cache entry. */
export type CacheCheck =
  | { ok: true; build: KernelBuild; manifest: KernelManifest }
  | { ok: false; exists: boolean; problem: string };

/** Reads a cache entry's manifest.json and checks its shape (not the files' hashes). */
async function readManifest(
  dir: string,
): Promise<
  { ok: true; manifest: KernelManifest } | { ok: false; exists: boolean; problem: string }
> {
  let text: string;
  try {
    text = await Deno.readTextFile(join(dir, "manifest.json"));
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
    const exists = (await statOrNull(dir)) !== null;
    return { ok: false, exists, problem: exists ? "manifest.json is missing" : "not built" };
  }
  let manifest: KernelManifest;
  try {
    manifest = JSON.parse(text);
  } catch (e) {
    return { ok: false, exists: true, problem: `manifest.json is not JSON (${e})` };
  }
  const shape = manifestProblem(manifest);
  if (shape) return { ok: false, exists: true, problem: shape };
  return { ok: true, manifest };
}

/**
 * Reads and verifies a cache entry: the manifest's shape, its key (when
 * `expectedKey` is given) and every recorded file's sha256. Never throws for
 * a damaged entry; the problem is described instead.
 */
export async function verifyCachedKernel(dir: string, expectedKey?: string): Promise<CacheCheck> {
  const read = await readManifest(dir);
  if (!read.ok) return read;
  const { manifest } = read;
  if (expectedKey !== undefined && manifest.inputs.key !== expectedKey) {
    return { ok: false, exists: true, problem: `manifest.json is for other inputs` };
  }
  const files: [string, ManifestFile][] = [
    ...OBJECT_ROLES.flatMap((r) => manifest.objects[r] ? [[r, manifest.objects[r]!]] : []) as [
      string,
      ManifestFile,
    ][],
  ];
  if (manifest.asmOffsets) files.push(["asmOffsets", manifest.asmOffsets]);
  if (manifest.configFile) files.push(["configFile", manifest.configFile]);
  const hashes: Partial<Record<ObjectRole, string>> = {};
  for (const [role, f] of files) {
    const path = resolve(dir, f.file);
    let actual: string;
    try {
      actual = await sha256File(path);
    } catch (e) {
      if (e instanceof Deno.errors.NotFound) {
        return { ok: false, exists: true, problem: `${f.file} is missing` };
      }
      throw e;
    }
    if (actual !== f.sha256) {
      return {
        ok: false,
        exists: true,
        problem: `${f.file} has sha256 ${actual.slice(0, 12)}…, the manifest says ${
          f.sha256.slice(0, 12)
        }…`,
      };
    }
    if ((OBJECT_ROLES as readonly string[]).includes(role)) hashes[role as ObjectRole] = actual;
  }
  if ((await objectsHash(hashes)) !== manifest.hash) {
    return { ok: false, exists: true, problem: "the manifest's hash does not match its objects" };
  }
  const objects: KernelObjects = {
    entryFtrace: resolve(dir, manifest.objects.entryFtrace.file),
    ftrace: resolve(dir, manifest.objects.ftrace.file),
  };
  if (manifest.objects.ftraceOps) objects.ftraceOps = resolve(dir, manifest.objects.ftraceOps.file);
  const build: KernelBuild = {
    name: manifest.name,
    version: manifest.version,
    source: manifest.source,
    dir: typeof manifest.inputs.tree === "string" ? manifest.inputs.tree : resolve(dir),
    objects,
    config: { ...manifest.config },
    hash: manifest.hash,
    manifest: resolve(join(dir, "manifest.json")),
  };
  if (manifest.asmOffsets) build.asmOffsets = resolve(dir, manifest.asmOffsets.file);
  return { ok: true, build, manifest };
}

// ---------------------------------------------------------------------------
// Packages

/** Install missing requirements with apt-get when root; otherwise throw naming the packages. */
async function ensurePackages(
  label: string,
  wanted: readonly Requirement[],
  progress: (line: string) => void,
): Promise<void> {
  try {
    await installMissing(wanted, { label, progress });
  } catch (e) {
    throw new KernelBuildError((e as Error).message, "install packages");
  }
}

async function dpkgVersion(pkg: string): Promise<string> {
  try {
    const out = await new Deno.Command("dpkg-query", {
      args: ["-W", "-f=${Version}", pkg],
      stdout: "piped",
      stderr: "null",
    }).output();
    const version = new TextDecoder().decode(out.stdout).trim();
    return out.success && version ? version : "unknown";
  } catch {
    return "unknown";
  }
}

async function compilerVersion(cc: string): Promise<string | undefined> {
  try {
    const out = await new Deno.Command(cc, {
      args: ["--version"],
      stdout: "piped",
      stderr: "null",
    }).output();
    return new TextDecoder().decode(out.stdout).split("\n")[0].trim() || undefined;
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------
// Tarball stamp and cache key

interface TarballStamp {
  path: string;
  size: number;
  mtimeMs: number;
  sha256: string;
}

/** The tarball's sha256, rehashed only when its size or mtime differ from the stamp. */
async function tarballSha256(
  tarball: string,
  cacheRoot: string,
  progress: (line: string) => void,
  label: string,
): Promise<string> {
  const info = await Deno.stat(tarball);
  const mtimeMs = info.mtime?.getTime() ?? 0;
  const stampDir = join(cacheRoot, "stamps");
  const stampPath = join(
    stampDir,
    `${basename(tarball)}-${(await sha256Hex(tarball)).slice(0, 8)}.json`,
  );
  try {
    const stamp = JSON.parse(await Deno.readTextFile(stampPath)) as TarballStamp;
    if (
      stamp.path === tarball && stamp.size === info.size && stamp.mtimeMs === mtimeMs &&
      /^[0-9a-f]{64}$/.test(stamp.sha256)
    ) {
      return stamp.sha256;
    }
  } catch {
    // no stamp yet, or unreadable: hash the tarball
  }
  progress(`${label}: hashing ${tarball}`);
  const sha256 = await sha256File(tarball);
  await Deno.mkdir(stampDir, { recursive: true });
  const stamp: TarballStamp = { path: tarball, size: info.size, mtimeMs, sha256 };
  await writeAtomic(stampPath, JSON.stringify(stamp, null, 2) + "\n");
  return sha256;
}

/** The cache key of a reference kernel: its tarball's bytes and the recipe. */
export function referenceKey(tarballSha: string): Promise<string> {
  return sha256Hex(JSON.stringify({
    tarball: tarballSha,
    config: RECIPE_CONFIG,
    recipeVersion: RECIPE_VERSION,
  }));
}

// ---------------------------------------------------------------------------
// Lock

interface LockHolder {
  pid: number;
  host: string;
  token: string;
  since: string;
}

/** How long to wait for another process building the same kernel before giving up. */
const LOCK_WAIT_LIMIT_MS = 2 * 60 * 60 * 1000;
/** A lock file without readable content this old is treated as abandoned. */
const LOCK_UNREADABLE_STALE_MS = 30_000;

/**
 * Runs `fn` holding an exclusive lock file (created with createNew). A lock
 * whose process (same host) is gone is removed; otherwise this waits.
 */
async function withLock<T>(
  lockPath: string,
  onWait: (holder: LockHolder | undefined) => void,
  fn: () => Promise<T>,
): Promise<T> {
  const token = crypto.randomUUID();
  const host = Deno.hostname();
  const started = Date.now();
  let told = false;
  for (;;) {
    try {
      const file = await Deno.open(lockPath, { createNew: true, write: true });
      try {
        const holder: LockHolder = { pid: Deno.pid, host, token, since: new Date().toISOString() };
        await file.write(new TextEncoder().encode(JSON.stringify(holder)));
      } finally {
        file.close();
      }
      break;
    } catch (e) {
      if (!(e instanceof Deno.errors.AlreadyExists)) throw e;
    }
    const [holder, text] = await readLock(lockPath);
    const info = await statOrNull(lockPath);
    const age = info?.mtime ? Date.now() - info.mtime.getTime() : 0;
    const stale = holder
      ? holder.host === host && !processAlive(holder.pid)
      : info !== null && age > LOCK_UNREADABLE_STALE_MS;
    if (stale) {
      // Remove it only if it is still the same lock (another waiter may have replaced it).
      const [, again] = await readLock(lockPath);
      if (again === text) await Deno.remove(lockPath).catch(() => {});
      continue;
    }
    if (!told) {
      onWait(holder);
      told = true;
    }
    if (Date.now() - started > LOCK_WAIT_LIMIT_MS) {
      throw new KernelBuildError(
        `gave up waiting for the lock ${lockPath}, held by ${
          holder ? `pid ${holder.pid} on ${holder.host}` : "an unknown process"
        }; remove it if no build is running`,
        "lock",
      );
    }
    await sleep(1000);
  }
  try {
    return await fn();
  } finally {
    const [holder] = await readLock(lockPath);
    if (holder?.token === token) await Deno.remove(lockPath).catch(() => {});
  }
}

async function readLock(path: string): Promise<[LockHolder | undefined, string | undefined]> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch {
    return [undefined, undefined];
  }
  try {
    const holder = JSON.parse(text) as LockHolder;
    if (typeof holder.pid === "number" && typeof holder.token === "string") return [holder, text];
  } catch {
    // being written, or damaged
  }
  return [undefined, text];
}

/** Removes work directories (`tmp-<pid>-…`) left by processes that are gone. */
async function removeAbandonedWorkDirs(cacheRoot: string): Promise<void> {
  try {
    for await (const entry of Deno.readDir(cacheRoot)) {
      const m = /^tmp-(\d+)-/.exec(entry.name);
      if (m && !processAlive(Number(m[1]))) {
        await Deno.remove(join(cacheRoot, entry.name), { recursive: true }).catch(() => {});
      }
    }
  } catch {
    // no cache yet
  }
}

// ---------------------------------------------------------------------------
// Running the build

/** Runs a command with stdout and stderr appended to `log`; throws KernelBuildError on failure. */
async function runLogged(
  step: string,
  label: string,
  command: string[],
  options: { cwd: string; env: Record<string, string>; log: string; input?: boolean },
): Promise<void> {
  const shown = command.join(" ");
  await Deno.writeTextFile(options.log, `\n$ ${shown}   (in ${options.cwd})\n`, { append: true });
  let status: Deno.CommandStatus;
  try {
    status = await new Deno.Command("sh", {
      args: ["-c", 'exec "$@" >>"$FTRACE_BENCH_LOG" 2>&1', "sh", ...command],
      cwd: options.cwd,
      env: { ...options.env, FTRACE_BENCH_LOG: options.log },
      stdin: "null",
      stdout: "null",
      stderr: "null",
    }).spawn().status;
  } catch (e) {
    throw new KernelBuildError(
      `${label}: ${step} failed: could not run \`${shown}\` in ${options.cwd}: ` +
        `${(e as Error).message}`,
      step,
      options.input,
    );
  }
  if (!status.success) {
    const tail = await logTail(options.log, 20);
    throw new KernelBuildError(
      `${label}: ${step} failed: \`${shown}\` in ${options.cwd} exited with status ${status.code}; ` +
        `the last lines of ${options.log}:\n${tail}`,
      step,
      options.input,
    );
  }
}

async function logTail(path: string, lines: number): Promise<string> {
  try {
    const text = await Deno.readTextFile(path);
    return text.trimEnd().split("\n").slice(-lines).map((l) => `  ${l}`).join("\n");
  } catch {
    return "  (no log)";
  }
}

/** The version from a tree's top Makefile, as `make kernelversion` prints it. */
async function makefileVersion(tree: string): Promise<string | undefined> {
  let text: string;
  try {
    text = await Deno.readTextFile(join(tree, "Makefile"));
  } catch {
    return undefined;
  }
  const get = (name: string) => new RegExp(`^${name}\\s*=[ \\t]*(\\S*)`, "m").exec(text)?.[1] ?? "";
  const [v, p, s, e] = ["VERSION", "PATCHLEVEL", "SUBLEVEL", "EXTRAVERSION"].map(get);
  if (!v) return undefined;
  return `${v}${p ? `.${p}` : ""}${s ? `.${s}` : ""}${e}`;
}

/** Sections an object must have to count as built with debug info. */
function hasDwarf(bytes: Uint8Array): boolean {
  return parseElf(bytes).section(".debug_info") !== undefined;
}

async function checkDwarf(
  label: string,
  objects: KernelObjects,
  hint: string,
  input: boolean,
): Promise<void> {
  for (const path of Object.values(objects)) {
    let ok: boolean;
    try {
      ok = hasDwarf(await Deno.readFile(path));
    } catch (e) {
      throw new KernelBuildError(
        `${label}: ${path} is not a readable arm64 ELF object: ${(e as Error).message}`,
        "check objects",
        input,
      );
    }
    if (!ok) {
      throw new KernelBuildError(
        `${label}: ${path} was built without debug info (it has no .debug_info section); ${hint}`,
        "check objects",
        input,
      );
    }
  }
}

function kbuildEnv(extra: Record<string, string>): Record<string, string> {
  const env = Deno.env.toObject();
  for (
    const name of [
      "ARCH",
      "CROSS_COMPILE",
      "LLVM",
      "LLVM_IAS",
      "CC",
      "LD",
      "AS",
      "KCFLAGS",
      "KAFLAGS",
      "KCPPFLAGS",
      "KBUILD_OUTPUT",
      "O",
      "W",
      "C",
      "V",
      "MAKEFLAGS",
      "MFLAGS",
      "MAKELEVEL",
    ]
  ) delete env[name];
  return { ...env, ...extra };
}

function jobs(): number {
  return Math.max(1, Math.min(navigator.hardwareConcurrency ?? 1, 64));
}

/** Builds a reference kernel in a work dir and installs the cache entry; returns the build. */
async function buildReference(
  ref: ReferenceKernel,
  key: string,
  tarballSha: string,
  entryDir: string,
  cacheRoot: string,
  progress: (line: string) => void,
): Promise<KernelBuild> {
  const label = ref.name;
  const started = performance.now();
  await ensurePackages(label, KERNEL_BUILD_REQUIREMENTS, progress);
  await removeAbandonedWorkDirs(cacheRoot);
  const work = join(cacheRoot, `tmp-${Deno.pid}-${crypto.randomUUID().slice(0, 8)}`);
  const staging = `${work}-out`;
  const log = join(work, "build.log");
  const tree = join(work, ref.topDir);
  await Deno.mkdir(work, { recursive: true });
  try {
    progress(`${label}: extracting ${ref.tarball}`);
    await runLogged("extract", label, ["tar", "-xf", ref.tarball, "-C", work], {
      cwd: work,
      env: Deno.env.toObject(),
      log,
    });
    if (!(await statOrNull(join(tree, "Makefile")))?.isFile) {
      throw new KernelBuildError(
        `${label}: ${ref.tarball} has no ${ref.topDir}/Makefile; is it a kernel source tarball?`,
        "extract",
      );
    }
    const prefixMap = `-fdebug-prefix-map=${tree}=/usr/src/${ref.topDir}`;
    const env = kbuildEnv({
      ARCH: "arm64",
      CROSS_COMPILE: DEFAULT_CROSS_COMPILE,
      KCFLAGS: prefixMap,
      KAFLAGS: prefixMap,
      KBUILD_BUILD_TIMESTAMP: "1970-01-01",
      KBUILD_BUILD_USER: "ftrace-bench",
      KBUILD_BUILD_HOST: "ftrace-bench",
    });
    const opts = { cwd: tree, env, log };
    progress(`${label}: configuring (defconfig + ftrace options)`);
    await runLogged("configure", label, ["make", "defconfig"], opts);
    await runLogged("configure", label, ["scripts/config", ...RECIPE_CONFIG], opts);
    await runLogged("configure", label, ["make", "olddefconfig"], opts);
    const options = parseKernelConfig(await Deno.readTextFile(join(tree, ".config")));
    for (const name of ["FUNCTION_TRACER", "DYNAMIC_FTRACE", "DEBUG_INFO_DWARF5"]) {
      if (options.get(name) !== "y") {
        throw new KernelBuildError(
          `${label}: configure failed: CONFIG_${name} is not y after make olddefconfig in ` +
            `${tree} (the recipe's scripts/config ${RECIPE_CONFIG.join(" ")} did not take)`,
          "configure",
        );
      }
    }
    progress(`${label}: make prepare`);
    await runLogged("make prepare", label, ["make", `-j${jobs()}`, "prepare"], opts);
    const roles: ObjectRole[] = ["entryFtrace", "ftrace"];
    if (await isFile(join(tree, OBJECT_SOURCES.ftraceOps.source))) roles.push("ftraceOps");
    progress(`${label}: building ${roles.map((r) => OBJECT_SOURCES[r].file).join(" ")}`);
    await runLogged(
      "build objects",
      label,
      ["make", `-j${jobs()}`, ...roles.map((r) => OBJECT_SOURCES[r].object)],
      opts,
    );

    // Stage the entry, manifest last, then rename it into place.
    await Deno.mkdir(staging);
    const objects: Partial<Record<ObjectRole, ManifestFile>> = {};
    for (const role of roles) {
      const { object, file } = OBJECT_SOURCES[role];
      await Deno.copyFile(join(tree, object), join(staging, file));
      objects[role] = { file, sha256: await sha256File(join(staging, file)) };
    }
    const copy = async (from: string, to: string): Promise<ManifestFile> => {
      await Deno.copyFile(join(tree, from), join(staging, to));
      return { file: to, sha256: await sha256File(join(staging, to)) };
    };
    const configFile = await copy(".config", "config");
    const asmOffsets = await copy("include/generated/asm-offsets.h", "asm-offsets.h");
    await Deno.copyFile(log, join(staging, "build.log"));
    const stagedObjects: KernelObjects = {
      entryFtrace: join(staging, OBJECT_SOURCES.entryFtrace.file),
      ftrace: join(staging, OBJECT_SOURCES.ftrace.file),
    };
    if (objects.ftraceOps) stagedObjects.ftraceOps = join(staging, OBJECT_SOURCES.ftraceOps.file);
    await checkDwarf(label, stagedObjects, "the recipe should have enabled DEBUG_INFO", false);
    const seconds = Math.round((performance.now() - started) / 1000);
    const manifest: KernelManifest = {
      kind: MANIFEST_KIND,
      schema: MANIFEST_SCHEMA,
      name: ref.name,
      version: await makefileVersion(tree) ?? "unknown",
      source: `debian:${ref.debianPackage} ${await dpkgVersion(ref.debianPackage)}`,
      config: hotPathConfig(options),
      objects: objects as KernelManifest["objects"],
      asmOffsets,
      configFile,
      hash: await objectsHash(Object.fromEntries(roles.map((r) => [r, objects[r]!.sha256]))),
      inputs: {
        key,
        tarball: ref.tarball,
        tarballSha256: tarballSha,
        recipeVersion: RECIPE_VERSION,
        recipeConfig: [...RECIPE_CONFIG],
        commands: [
          "make defconfig",
          `scripts/config ${RECIPE_CONFIG.join(" ")}`,
          "make olddefconfig",
          "make prepare",
          `make ${roles.map((r) => OBJECT_SOURCES[r].object).join(" ")}`,
        ],
        env: { ARCH: "arm64", CROSS_COMPILE: DEFAULT_CROSS_COMPILE },
      },
      compiler: await compilerVersion(`${DEFAULT_CROSS_COMPILE}gcc`),
      builtAt: new Date().toISOString(),
      buildSeconds: seconds,
    };
    await writeAtomic(join(staging, "manifest.json"), JSON.stringify(manifest, null, 2) + "\n");
    await installEntry(staging, entryDir, key);
    const check = await verifyCachedKernel(entryDir, key);
    if (!check.ok) {
      throw new KernelBuildError(
        `${label}: the entry just written to ${entryDir} does not verify: ${check.problem}`,
        "install",
      );
    }
    progress(`${label}: done in ${seconds} s (cached in ${display(entryDir)})`);
    return check.build;
  } catch (e) {
    if (e instanceof KernelBuildError && (await statOrNull(log))) {
      // Keep the log of a failed build next to the entry; the tree itself goes.
      const kept = `${entryDir}.failed.log`;
      await Deno.copyFile(log, kept).catch(() => {});
      throw new KernelBuildError(
        `${e.message.replaceAll(log, kept)}`,
        e.step,
        e.input,
      );
    }
    throw e;
  } finally {
    await Deno.remove(work, { recursive: true }).catch(() => {});
    await Deno.remove(staging, { recursive: true }).catch(() => {});
  }
}

/**
 * Renames the staged entry into place. A valid entry already there (another
 * process won) is kept; a damaged one is replaced.
 */
async function installEntry(staging: string, entryDir: string, key: string): Promise<void> {
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      await Deno.rename(staging, entryDir);
      return;
    } catch (e) {
      const exists = e instanceof Deno.errors.AlreadyExists ||
        /not empty|exists/i.test((e as Error).message);
      if (!exists) throw e;
    }
    if ((await verifyCachedKernel(entryDir, key)).ok) return;
    const aside = `${entryDir}.old-${Deno.pid}-${crypto.randomUUID().slice(0, 8)}`;
    await Deno.rename(entryDir, aside).catch(() => {});
    await Deno.remove(aside, { recursive: true }).catch(() => {});
  }
  throw new KernelBuildError(`could not install the cache entry ${entryDir}`, "install");
}

// ---------------------------------------------------------------------------
// Reference kernels

const inProcess = new Map<string, Promise<KernelBuild>>();

async function ensureReference(
  ref: ReferenceKernel,
  cacheRoot: string,
  progress: (line: string) => void,
): Promise<KernelBuild> {
  const label = ref.name;
  await ensurePackages(label, [kernelSourceRequirement(ref)], progress);
  await Deno.mkdir(cacheRoot, { recursive: true });
  const tarballSha = await tarballSha256(ref.tarball, cacheRoot, progress, label);
  const key = await referenceKey(tarballSha);
  const entryDir = join(cacheRoot, `${ref.name}-${key.slice(0, 16)}`);
  const pending = inProcess.get(entryDir);
  if (pending) return await pending;
  const promise = (async () => {
    const first = await verifyCachedKernel(entryDir, key);
    if (first.ok) return first.build;
    return await withLock(
      `${entryDir}.lock`,
      (holder) =>
        progress(
          `${label}: waiting for ${
            holder ? `pid ${holder.pid}` : "another process"
          }, which is building it (lock ${display(entryDir)}.lock)`,
        ),
      async () => {
        // Built by the lock's previous holder?
        const check = await verifyCachedKernel(entryDir, key);
        if (check.ok) return check.build;
        if (check.exists) {
          progress(
            `warning: ${label}: the cached build in ${
              display(entryDir)
            } is damaged (${check.problem}); not using it, rebuilding`,
          );
        }
        return await buildReference(ref, key, tarballSha, entryDir, cacheRoot, progress);
      },
    );
  })();
  inProcess.set(entryDir, promise);
  try {
    return await promise;
  } finally {
    inProcess.delete(entryDir);
  }
}

// ---------------------------------------------------------------------------
// A user's tree

const PREPARE_HINT = "make ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu- defconfig && " +
  "scripts/config --enable FTRACE --enable FUNCTION_TRACER --enable DYNAMIC_FTRACE " +
  "--enable DEBUG_INFO_DWARF5 --disable DEBUG_INFO_NONE && " +
  "make ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu- olddefconfig prepare";

async function ensureUserTree(
  spec: string,
  cacheRoot: string,
  progress: (line: string) => void,
): Promise<KernelBuild> {
  const dir = await Deno.realPath(spec);
  const label = basename(dir);
  // Out-of-tree (O=) build directories have a `source` link to the source tree.
  const sourceLink = await statOrNull(join(dir, "source"));
  const srcTree = sourceLink?.isDirectory ? await Deno.realPath(join(dir, "source")) : dir;
  const configPath = join(dir, ".config");
  const autoconf = join(dir, "include/generated/autoconf.h");
  const missing = [
    ...(await isFile(configPath) ? [] : [".config"]),
    ...(await isFile(autoconf) ? [] : ["include/generated/autoconf.h"]),
  ];
  if (missing.length > 0) {
    throw new KernelBuildError(
      `${dir} is not a configured and prepared kernel tree (it has no ${
        missing.join(" and no ")
      }): run ${PREPARE_HINT} in it (or give linux-6.1 or linux-6.12)`,
      "check tree",
      true,
    );
  }
  const options = parseKernelConfig(await Deno.readTextFile(configPath));
  for (const name of ["FUNCTION_TRACER", "DYNAMIC_FTRACE"]) {
    if (options.get(name) !== "y") {
      throw new KernelBuildError(
        `${configPath} does not have CONFIG_${name}=y: enable it in ${dir} with ` +
          `scripts/config --enable FTRACE --enable ${name} && make ARCH=arm64 olddefconfig prepare`,
        "check tree",
        true,
      );
    }
  }
  const debugInfo = ["DEBUG_INFO_DWARF5", "DEBUG_INFO_DWARF4", "DEBUG_INFO"]
    .some((name) => options.get(name) === "y");
  if (!debugInfo || options.get("DEBUG_INFO_NONE") === "y") {
    throw new KernelBuildError(
      `${configPath} has no debug info (none of CONFIG_DEBUG_INFO_DWARF5, CONFIG_DEBUG_INFO_DWARF4, ` +
        `CONFIG_DEBUG_INFO is y): enable it in ${dir} with scripts/config --disable ` +
        `DEBUG_INFO_NONE --enable DEBUG_INFO_DWARF5 && make ARCH=arm64 olddefconfig prepare`,
      "check tree",
      true,
    );
  }
  if (options.get("ARM64") !== "y") {
    throw new KernelBuildError(
      `${configPath} is not an arm64 configuration (no CONFIG_ARM64=y): configure ${dir} with ` +
        `make ARCH=arm64 defconfig`,
      "check tree",
      true,
    );
  }
  if (!(await isFile(join(srcTree, "Makefile"))) || !(await isFile(join(srcTree, "Kconfig")))) {
    throw new KernelBuildError(
      `${dir} is not a kernel tree (no Makefile and Kconfig in ${srcTree})`,
      "check tree",
      true,
    );
  }

  const entryDir = join(cacheRoot, `user-${(await sha256Hex(dir)).slice(0, 16)}`);
  await Deno.mkdir(entryDir, { recursive: true });
  return await withLock(
    `${entryDir}.lock`,
    (holder) =>
      progress(
        `${label}: waiting for ${holder ? `pid ${holder.pid}` : "another process"} (${dir})`,
      ),
    () => userTreeBuild(label, dir, srcTree, configPath, options, entryDir, progress),
  );
}

/** Makes a checked user tree's objects when stale, hashes them and records the manifest. */
async function userTreeBuild(
  label: string,
  dir: string,
  srcTree: string,
  configPath: string,
  options: Map<string, string>,
  entryDir: string,
  progress: (line: string) => void,
): Promise<KernelBuild> {
  const roles: ObjectRole[] = ["entryFtrace", "ftrace"];
  const sample = options.get("SAMPLES") === "y" && ["y", "m"].includes(
    options.get("SAMPLE_FTRACE_OPS") ?? "n",
  );
  if (sample && await isFile(join(srcTree, OBJECT_SOURCES.ftraceOps.source))) {
    roles.push("ftraceOps");
  }
  const configTime = (await Deno.stat(configPath)).mtime?.getTime() ?? 0;
  const stale: ObjectRole[] = [];
  for (const role of roles) {
    const object = await statOrNull(join(dir, OBJECT_SOURCES[role].object));
    const source = await statOrNull(join(srcTree, OBJECT_SOURCES[role].source));
    const objectTime = object?.mtime?.getTime() ?? -1;
    if (
      !object?.isFile || objectTime < (source?.mtime?.getTime() ?? 0) || objectTime < configTime
    ) {
      stale.push(role);
    }
  }
  if (stale.length > 0) {
    const extra: Record<string, string> = {};
    const env = Deno.env.toObject();
    if (env.CROSS_COMPILE === undefined && env.LLVM === undefined) {
      if (options.get("CC_IS_CLANG") === "y") extra.LLVM = "1";
      else extra.CROSS_COMPILE = DEFAULT_CROSS_COMPILE;
    }
    const targets = roles.map((r) => OBJECT_SOURCES[r].object);
    const log = join(entryDir, "build.log");
    await Deno.writeTextFile(log, `# ${new Date().toISOString()} ${dir}\n`);
    progress(`${label}: building ${roles.map((r) => OBJECT_SOURCES[r].file).join(" ")} in ${dir}`);
    const started = performance.now();
    await runLogged(
      "build objects",
      label,
      [
        "make",
        "ARCH=arm64",
        ...Object.entries(extra).map(([k, v]) => `${k}=${v}`),
        `-j${jobs()}`,
        ...targets,
      ],
      { cwd: dir, env: { ...env, ...extra }, log, input: true },
    );
    progress(`${label}: built in ${Math.round((performance.now() - started) / 1000)} s`);
  }
  const objects: KernelObjects = {
    entryFtrace: join(dir, OBJECT_SOURCES.entryFtrace.object),
    ftrace: join(dir, OBJECT_SOURCES.ftrace.object),
  };
  if (roles.includes("ftraceOps")) objects.ftraceOps = join(dir, OBJECT_SOURCES.ftraceOps.object);
  for (const path of Object.values(objects)) {
    if (!(await isFile(path))) {
      throw new KernelBuildError(`${label}: make did not produce ${path}`, "build objects", true);
    }
  }
  await checkDwarf(
    label,
    objects,
    `rebuild ${dir} with CONFIG_DEBUG_INFO_DWARF5=y (make ARCH=arm64 olddefconfig, then rebuild)`,
    true,
  );
  const files: Partial<Record<ObjectRole, ManifestFile>> = {};
  for (const role of roles) {
    files[role] = { file: objects[role]!, sha256: await sha256File(objects[role]!) };
  }
  const hash = await objectsHash(Object.fromEntries(roles.map((r) => [r, files[r]!.sha256])));
  const asmOffsetsPath = join(dir, "include/generated/asm-offsets.h");
  const asmOffsets = await isFile(asmOffsetsPath)
    ? { file: asmOffsetsPath, sha256: await sha256File(asmOffsetsPath) }
    : undefined;
  let version = "";
  try {
    version = (await Deno.readTextFile(join(dir, "include/config/kernel.release"))).trim();
  } catch {
    // older trees, or not prepared by this kernel's make
  }
  version ||= await makefileVersion(srcTree) ?? "unknown";
  const previous = await readManifest(entryDir);
  const manifest: KernelManifest = {
    kind: MANIFEST_KIND,
    schema: MANIFEST_SCHEMA,
    name: label,
    version,
    source: dir,
    config: hotPathConfig(options),
    objects: files as KernelManifest["objects"],
    ...(asmOffsets ? { asmOffsets } : {}),
    hash,
    inputs: { key: hash, tree: dir, ...(srcTree !== dir ? { sourceTree: srcTree } : {}) },
    builtAt: new Date().toISOString(),
  };
  if (previous.ok && previous.manifest.hash !== hash) {
    progress(`${label}: the objects in ${dir} changed since the last check: a new build`);
  } else if (!previous.ok && previous.problem !== "manifest.json is missing") {
    progress(`${label}: the record in ${display(entryDir)} was unusable (${previous.problem})`);
  }
  const same = previous.ok && previous.manifest.hash === hash &&
    previous.manifest.version === version &&
    JSON.stringify(previous.manifest.config) === JSON.stringify(manifest.config) &&
    JSON.stringify(previous.manifest.objects) === JSON.stringify(manifest.objects);
  if (!same) {
    await writeAtomic(join(entryDir, "manifest.json"), JSON.stringify(manifest, null, 2) + "\n");
  }
  const build: KernelBuild = {
    name: label,
    version,
    source: dir,
    dir,
    objects,
    config: manifest.config,
    hash,
    manifest: join(entryDir, "manifest.json"),
  };
  if (asmOffsets) build.asmOffsets = asmOffsets.file;
  return build;
}

// ---------------------------------------------------------------------------
// Entry point

/** The reference kernel a spec names, if any. */
export function referenceKernel(spec: string): ReferenceKernel | undefined {
  return REFERENCE_KERNELS.find((k) => k.name === spec);
}

/**
 * Returns a kernel's verified hot-path objects, building them first if
 * needed. `spec` is a reference kernel's name (`linux-6.1`, `linux-6.12`) or
 * the directory of a configured and prepared arm64 kernel tree (a source tree
 * or an `O=` build directory). Throws {@link KernelBuildError}.
 */
export async function ensureKernel(
  spec: string,
  options: EnsureKernelOptions = {},
): Promise<KernelBuild> {
  const progress = options.progress ?? ((line: string) => console.error(line));
  const cacheRoot = resolve(options.cacheRoot ?? DEFAULT_CACHE_ROOT);
  const ref = referenceKernel(spec);
  if (ref) return await ensureReference(ref, cacheRoot, progress);
  const info = await statOrNull(spec);
  if (!info) {
    throw new KernelBuildError(
      `unknown kernel ${JSON.stringify(spec)}: expected ${
        REFERENCE_KERNELS.map((k) => k.name).join(", ")
      } or the directory of a prepared arm64 kernel tree`,
      "check tree",
      true,
    );
  }
  if (!info.isDirectory) {
    throw new KernelBuildError(
      `${spec} is not a directory: expected ${
        REFERENCE_KERNELS.map((k) => k.name).join(", ")
      } or the directory of a prepared arm64 kernel tree`,
      "check tree",
      true,
    );
  }
  return await ensureUserTree(spec, cacheRoot, progress);
}

/**
 * The cache entry a reference kernel's current inputs map to, or undefined
 * when its source package is not installed. Hashes the tarball when its stamp
 * is out of date.
 */
export async function referenceEntryDir(
  ref: ReferenceKernel,
  options: EnsureKernelOptions = {},
): Promise<string | undefined> {
  if (!fileExists(ref.tarball)) return undefined;
  const progress = options.progress ?? ((line: string) => console.error(line));
  const cacheRoot = resolve(options.cacheRoot ?? DEFAULT_CACHE_ROOT);
  const key = await referenceKey(await tarballSha256(ref.tarball, cacheRoot, progress, ref.name));
  return join(cacheRoot, `${ref.name}-${key.slice(0, 16)}`);
}

/** Reference kernels with a valid cache entry (any key), newest first per kernel. */
export async function listCachedKernels(
  cacheRoot: string = DEFAULT_CACHE_ROOT,
): Promise<{ entry: string; check: CacheCheck }[]> {
  const found: { entry: string; check: CacheCheck; mtime: number }[] = [];
  try {
    for await (const e of Deno.readDir(cacheRoot)) {
      if (!e.isDirectory || !REFERENCE_KERNELS.some((k) => e.name.startsWith(`${k.name}-`))) {
        continue;
      }
      if (!/-[0-9a-f]{16}$/.test(e.name)) continue;
      const entry = join(cacheRoot, e.name);
      const mtime = (await statOrNull(join(entry, "manifest.json")))?.mtime?.getTime() ?? 0;
      found.push({ entry, check: await verifyCachedKernel(entry), mtime });
    }
  } catch (e) {
    if (!(e instanceof Deno.errors.NotFound)) throw e;
  }
  found.sort((a, b) => a.entry.localeCompare(b.entry) || b.mtime - a.mtime);
  return found.map(({ entry, check }) => ({ entry, check }));
}
