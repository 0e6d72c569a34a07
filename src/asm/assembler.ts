/**
 * Assembler driver: turns an {@link AsmUnit} into an ELF64 relocatable object
 * with llvm-mc, caching results in memory and on disk, and reporting errors
 * against the chunk and line the text came from.
 */

import { type AsmUnit, locateLine, unitText } from "./source.ts";
import { parseElf } from "./elf.ts";
import { LruMap } from "../lru.ts";
import { sha256Hex } from "../hash.ts";
import { projectPath, ROOT_URL } from "../paths.ts";
import { removeStaleTemps } from "../report/results_file.ts";

/** The assembler command; LLVM 19 is what the timing models were checked against. */
export const LLVM_MC = "llvm-mc-19";
/** Target triple used for assembling. */
export const TRIPLE = "aarch64-linux-gnu";
/** Features always enabled: BTI landing pads, pointer auth, LSE atomics. */
export const BASE_FEATURES: readonly string[] = ["+bti", "+pauth", "+lse"];

/** A required external tool is not installed. */
export class ToolMissingError extends Error {
  /** @param command the missing command, @param packageName the Debian package providing it */
  constructor(readonly command: string, readonly packageName: string) {
    super(
      `${command} not found on PATH; install it with \`apt-get install ${packageName}\``,
    );
    this.name = "ToolMissingError";
  }
}

/** llvm-mc rejected the source. Carries where the first error is and what LLVM said. */
export class AssemblyError extends Error {
  constructor(
    message: string,
    /** Name of the unit being assembled. */
    readonly unit: string,
    /** Origin of the chunk holding the failing line; undefined if LLVM gave no line. */
    readonly origin: string | undefined,
    /** 1-based line within that chunk. */
    readonly line: number | undefined,
    /** The offending source line. */
    readonly sourceLine: string | undefined,
    /** LLVM's message for the first error. */
    readonly llvmMessage: string,
    /** Number of further errors LLVM reported. */
    readonly otherErrors: number,
    /** Full llvm-mc stderr, for logs. */
    readonly stderr: string,
  ) {
    super(message);
    this.name = "AssemblyError";
  }
}

/** Options of {@link assemble}. */
export interface AssembleOptions {
  /** Extra -mattr features, e.g. ["+v8.5a"] or ["mte"] (a missing sign means "+"). */
  features?: string[];
}

/** Cache counters; tests use them to prove that repeated assembly does not respawn llvm-mc. */
export interface AssemblerStats {
  /** Results served from the in-memory or on-disk cache. */
  hits: number;
  /** The subset of `hits` that came from disk. */
  diskHits: number;
  /** Results that had to be assembled. */
  misses: number;
  /** llvm-mc processes started to assemble (the one-off version query is not counted). */
  spawns: number;
  /** Disk entries that did not match their content record: reported, rebuilt, never used. */
  damaged: number;
}

/** Live counters of the assembler caches. */
export const assemblerStats: AssemblerStats = {
  hits: 0,
  diskHits: 0,
  misses: 0,
  spawns: 0,
  damaged: 0,
};

/**
 * What a disk cache entry `<key>.o` was made from, stored beside it as
 * `<key>.json` and checked on every read: the object's sha256 and the inputs
 * that made it (source text hash, llvm-mc version, triple and features).
 */
export interface CacheRecord {
  format: 1;
  objectSha256: string;
  sourceSha256: string;
  llvmMc: string;
  triple: string;
  mattr: string;
}

let notice: (text: string) => void = (text) => console.error(text);

/** Where damaged-entry reports go (default: stderr); returns the previous reporter. */
export function setCacheNotice(f: (text: string) => void): (text: string) => void {
  const previous = notice;
  notice = f;
  return previous;
}

/** Report a damaged cache entry (the assembler's or another cache's) where reports go. */
export function cacheNotice(text: string): void {
  notice(text);
}

const reported = new Set<string>();

/**
 * Assembled objects by key, least recently used first. Bounded, so a long
 * sweep of ever new units keeps flat memory; the disk cache keeps the rest.
 */
/** Objects kept in memory: a sweep's distinct units are far fewer, a 100,000-case one not. */
export const MEMORY_CACHE_ENTRIES = 512;
const memoryCache = new LruMap<string, Promise<Uint8Array>>(MEMORY_CACHE_ENTRIES);
/** Set to a directory to keep assembled objects there instead of `.cache/asm` (every thread). */
export const ASM_CACHE_ENV = "FTRACE_BENCH_ASM_CACHE";

let diskCacheDir: string | null = defaultCacheDir();

/** Forgets the in-memory cache (the disk cache stays). */
export function clearMemoryCache(): void {
  memoryCache.clear();
}

/** Sets the on-disk cache directory; null disables the disk cache. */
export function setCacheDir(dir: string | null): void {
  diskCacheDir = dir;
}

/** The on-disk cache directory in use, or null when disabled. */
export function cacheDir(): string | null {
  return diskCacheDir;
}

function defaultCacheDir(): string | null {
  const chosen = Deno.env.get(ASM_CACHE_ENV);
  if (chosen) return chosen;
  return ROOT_URL.protocol === "file:" ? projectPath(".cache/asm") : null;
}

const toolPaths = new Map<string, string>();

/**
 * Absolute path of an executable on PATH, e.g. findTool("llvm-objdump-19").
 * Throws {@link ToolMissingError} naming the Debian package when it is missing.
 */
export function findTool(name: string): string {
  const known = toolPaths.get(name);
  if (known) return known;
  for (const dir of (Deno.env.get("PATH") ?? "").split(":")) {
    if (!dir) continue;
    const path = `${dir}/${name}`;
    if (isExecutable(path)) {
      toolPaths.set(name, path);
      return path;
    }
  }
  throw new ToolMissingError(name, debianPackage(name));
}

function isExecutable(path: string): boolean {
  try {
    const info = Deno.statSync(path);
    return info.isFile && ((info.mode ?? 0o111) & 0o111) !== 0;
  } catch {
    return false;
  }
}

/** Debian ships versioned LLVM tools (llvm-mc-19) in the llvm-19 package. */
function debianPackage(command: string): string {
  const llvm = /^llvm-[a-z-]+-(\d+)$/.exec(command);
  return llvm ? `llvm-${llvm[1]}` : command;
}

/** The -mattr value for the base features plus `extra`. */
export function mattr(extra: readonly string[] = []): string {
  const all: string[] = [...BASE_FEATURES];
  for (const raw of extra) {
    const feature = /^[+-]/.test(raw) ? raw : `+${raw}`;
    if (!/^[+-][A-Za-z0-9._-]+$/.test(feature)) {
      throw new Error(`invalid llvm-mc feature ${JSON.stringify(raw)}`);
    }
    if (!all.includes(feature)) all.push(feature);
  }
  return all.join(",");
}

let versionPromise: Promise<string> | undefined;

/** Counts `llvm-mc-19 --version` queries made by this thread (tests read it). */
export const versionQueries = { count: 0 };

/**
 * Where a process's first `--version` answer is kept for its worker threads
 * (module state is per thread, the environment per process): the tool's path,
 * size and mtime, so a different or replaced binary is asked again.
 */
const VERSION_ENV = "FTRACE_BENCH_LLVM_MC_VERSION";

function toolIdentity(path: string): string {
  const info = Deno.statSync(path);
  return `${path}|${info.size}|${info.mtime?.getTime() ?? 0}`;
}

/** A remembered `--version` answer, if it was given by this very binary. */
function knownVersion(text: string | null | undefined, identity: string): string | undefined {
  try {
    const known = JSON.parse(text ?? "null");
    if (known?.identity === identity && typeof known.version === "string") return known.version;
  } catch {
    // not set, or not ours
  }
  return undefined;
}

/** Where the answer is kept between processes: beside the objects it keys. */
const versionFile = () => diskCacheDir === null ? null : `${diskCacheDir}/llvm-mc-version.json`;

/**
 * The `llvm-mc-19 --version` text, part of the cache key: asked once per
 * cache (kept in the disk cache beside the objects, with the binary's path,
 * size and mtime, so a replaced tool is asked again), shared with worker
 * threads through the environment.
 */
export function llvmMcVersion(): Promise<string> {
  versionPromise ??= (async () => {
    const tool = findTool(LLVM_MC);
    const identity = toolIdentity(tool);
    const fromEnv = knownVersion(Deno.env.get(VERSION_ENV), identity);
    if (fromEnv !== undefined) return fromEnv;
    const file = versionFile();
    const fromDisk = file === null
      ? undefined
      : knownVersion(await Deno.readTextFile(file).catch(() => null), identity);
    let version = fromDisk;
    if (version === undefined) {
      versionQueries.count++;
      const out = await new Deno.Command(tool, { args: ["--version"] }).output();
      // A tool that cannot say its version still keys the cache by what it said (and its path).
      version = new TextDecoder().decode(out.stdout).trim() || `unknown (${identity})`;
      if (file !== null) {
        const text = new TextEncoder().encode(JSON.stringify({ identity, version }));
        await Deno.mkdir(diskCacheDir!, { recursive: true })
          .then(() => writeAtomic(file, text))
          .catch(() => {}); // the cache is an optimisation
      }
    }
    Deno.env.set(VERSION_ENV, JSON.stringify({ identity, version }));
    return version;
  })();
  return versionPromise;
}

/**
 * Assembles a unit into an ELF64 relocatable object (bytes of a `.o` file).
 * Results are cached by content; throws {@link AssemblyError} on bad source and
 * {@link ToolMissingError} when llvm-mc-19 is not installed.
 */
export async function assemble(unit: AsmUnit, options: AssembleOptions = {}): Promise<Uint8Array> {
  const tool = findTool(LLVM_MC);
  const attrs = mattr(options.features);
  const text = unitText(unit);
  // The text's own hash (its disk entry's record) is taken beside the key's: each is a
  // round trip to another thread, which a first case would otherwise wait for in turn.
  const sourceSha256 = sha256Hex(text);
  sourceSha256.catch(() => {});
  const version = await llvmMcVersion();
  const key = await sha256Hex(JSON.stringify([version, attrs, text]));
  let pending = memoryCache.get(key);
  if (pending) assemblerStats.hits++;
  else {
    // Set before any await: concurrent requests for one unit share this promise.
    pending = (async () => {
      const inputs = {
        sourceSha256: await sourceSha256,
        llvmMc: version,
        triple: TRIPLE,
        mattr: attrs,
      };
      return await fromDiskOrAssemble(key, inputs, () => runAssembler(tool, unit, attrs, text));
    })();
    memoryCache.set(key, pending);
    // A failed assembly must not be remembered: the next call reports it again.
    pending.catch(() => memoryCache.delete(key));
  }
  return (await pending).slice();
}

type CacheInputs = Omit<CacheRecord, "format" | "objectSha256">;

async function fromDiskOrAssemble(
  key: string,
  inputs: CacheInputs,
  build: () => Promise<Uint8Array>,
): Promise<Uint8Array> {
  const cached = await readDiskCache(key, inputs);
  if (cached) {
    assemblerStats.hits++;
    assemblerStats.diskHits++;
    return cached;
  }
  assemblerStats.misses++;
  const object = await build();
  await writeDiskCache(key, inputs, object);
  return object;
}

/**
 * A cache's content record (JSON) read and checked against the inputs it
 * must have been made from: the record, or why it cannot be used.
 */
export function readRecord<T>(
  text: string,
  inputs: Readonly<Record<string, unknown>>,
): { record: Partial<T> } | { problem: string } {
  let record: Record<string, unknown>;
  try {
    record = JSON.parse(text);
  } catch {
    return { problem: "its content record is not valid JSON" };
  }
  for (const [field, want] of Object.entries(inputs)) {
    const got = record?.[field];
    if (got !== want) {
      return {
        problem: `it was made from other inputs (${field} ${JSON.stringify(got)}, ` +
          `expected ${JSON.stringify(want)})`,
      };
    }
  }
  return { record: record as Partial<T> };
}

/** Why a disk entry cannot be used, or undefined when it matches its record. */
async function entryProblem(
  bytes: Uint8Array,
  recordText: string,
  inputs: CacheInputs,
): Promise<string | undefined> {
  const read = readRecord<CacheRecord>(recordText, inputs);
  if ("problem" in read) return read.problem;
  const { record } = read;
  // Bytes with the record's hash are those written, which parsed before they were
  // (writeDiskCache): the loader's parse is the only one a hit needs.
  const actual = await sha256Hex(bytes);
  if (actual !== record.objectSha256) {
    return `its bytes have sha256 ${actual.slice(0, 16)}..., its record says ` +
      `${String(record.objectSha256).slice(0, 16)}...`;
  }
  return undefined;
}

/**
 * A disk entry, if it is complete and matches its record. An entry without a
 * record (being written by another process, or from an older harness) is
 * rebuilt quietly; one that contradicts its record is reported once and
 * rebuilt: it is never used.
 */
async function readDiskCache(key: string, inputs: CacheInputs): Promise<Uint8Array | undefined> {
  if (diskCacheDir === null) return undefined;
  const path = `${diskCacheDir}/${key}.o`;
  let bytes: Uint8Array, recordText: string;
  try {
    // Read in this thread: an object and its record are a few KB, and a read on another
    // thread waits for a core (two here), behind the emulator library's load in a run's
    // first case.
    bytes = Deno.readFileSync(path);
    recordText = Deno.readTextFileSync(`${diskCacheDir}/${key}.json`);
  } catch {
    return undefined;
  }
  const problem = await entryProblem(bytes, recordText, inputs);
  if (problem === undefined) return bytes;
  assemblerStats.damaged++;
  if (!reported.has(path)) {
    reported.add(path);
    notice(`note: assembler cache entry ${path} is damaged: ${problem}; rebuilt, not used`);
  }
  return undefined;
}

/** Write `<key>.o`, then its record: a reader never sees a record without its object. */
async function writeDiskCache(key: string, inputs: CacheInputs, bytes: Uint8Array): Promise<void> {
  if (diskCacheDir === null) return;
  try {
    parseElf(bytes);
  } catch {
    return; // not kept: what the loader cannot read is assembled again, and reported by it
  }
  const dir = diskCacheDir;
  const record: CacheRecord = { format: 1, objectSha256: await sha256Hex(bytes), ...inputs };
  try {
    await Deno.mkdir(dir, { recursive: true });
    removeStaleTemps(dir);
    await writeAtomic(`${dir}/${key}.o`, bytes);
    await writeAtomic(`${dir}/${key}.json`, new TextEncoder().encode(JSON.stringify(record)));
  } catch {
    // The cache is an optimisation; a read-only tree must not break assembly.
  }
}

async function writeAtomic(final: string, bytes: Uint8Array): Promise<void> {
  const temp = `${final}.${Deno.pid}.${crypto.randomUUID()}.tmp`;
  try {
    await Deno.writeFile(temp, bytes);
    // rename is atomic: readers see the old entry or the complete new one.
    await Deno.rename(temp, final);
  } catch (e) {
    await Deno.remove(temp).catch(() => {});
    throw e;
  }
}

async function runAssembler(
  tool: string,
  unit: AsmUnit,
  attrs: string,
  text: string,
): Promise<Uint8Array> {
  assemblerStats.spawns++;
  const args = [`-triple=${TRIPLE}`, `-mattr=${attrs}`, "-filetype=obj", "-o", "-"];
  const { code, stdout, stderr } = await runWithInput(tool, args, text);
  const diagnostics = new TextDecoder().decode(stderr);
  const badFeature = /'([^']+)' is not a recognized feature/.exec(diagnostics);
  if (badFeature) throw new Error(`${LLVM_MC} does not know the feature ${badFeature[1]}`);
  if (code !== 0) throw assemblyError(unit, diagnostics);
  return stdout;
}

/** Runs a command feeding `input` on stdin; shared with the disassembler. */
export async function runWithInput(
  tool: string,
  args: string[],
  input: string,
): Promise<Deno.CommandOutput> {
  const child = new Deno.Command(tool, {
    args,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  // Collect output while writing, so a large input cannot deadlock on full pipes.
  const output = child.output();
  const writer = child.stdin.getWriter();
  try {
    await writer.write(new TextEncoder().encode(input));
    await writer.close();
  } catch {
    // The tool may exit before reading everything (fatal error); its status tells.
  }
  return await output;
}

/** One diagnostic line of llvm-mc: `<stdin>:12:5: error: message`. */
interface Diagnostic {
  file: string;
  line: number;
  kind: string;
  message: string;
}

const DIAGNOSTIC = /^(.*?):(\d+):(?:\d+:)? (error|warning|note): (.*)$/;

function parseDiagnostics(stderr: string): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const text of stderr.split("\n")) {
    const m = DIAGNOSTIC.exec(text);
    if (m) out.push({ file: m[1], line: Number(m[2]), kind: m[3], message: m[4] });
  }
  return out;
}

/** An error plus the <stdin> line it belongs to (through macro notes if needed). */
interface Located {
  error: Diagnostic;
  stdinLine: number | undefined;
}

function locateErrors(diagnostics: Diagnostic[]): Located[] {
  const located: Located[] = [];
  const seen = new Set<string>();
  diagnostics.forEach((d, i) => {
    if (d.kind !== "error") return;
    let stdinLine = d.file === "<stdin>" ? d.line : undefined;
    // Errors inside macro expansions point at <instantiation>; the following
    // "while in macro instantiation" note names the invoking source line.
    for (let j = i + 1; stdinLine === undefined && j < diagnostics.length; j++) {
      if (diagnostics[j].kind !== "note") break;
      if (diagnostics[j].file === "<stdin>") stdinLine = diagnostics[j].line;
    }
    // llvm-mc sometimes reports the same error twice.
    const id = `${stdinLine}:${d.file}:${d.line}:${d.message}`;
    if (!seen.has(id)) {
      seen.add(id);
      located.push({ error: d, stdinLine });
    }
  });
  return located;
}

function assemblyError(unit: AsmUnit, stderr: string): AssemblyError {
  const errors = locateErrors(parseDiagnostics(stderr));
  const tail = (others: number) =>
    `(${LLVM_MC}; unit ${unit.name}${others > 0 ? `; ${others} more error(s)` : ""})`;
  if (errors.length === 0) {
    const text = stderr.trim().replaceAll(/\s*\n\s*/g, " / ") || "no diagnostics";
    return new AssemblyError(
      `assembly failed: ${text} ${tail(0)}`,
      unit.name,
      undefined,
      undefined,
      undefined,
      text,
      0,
      stderr,
    );
  }
  const { error, stdinLine } = errors[0];
  const others = errors.length - 1;
  const where = stdinLine === undefined ? undefined : locateLine(unit, stdinLine);
  const message = error.file === "<stdin>"
    ? error.message
    : `${error.message} (in macro expansion)`;
  const prefix = where
    ? `assembly error in the code from ${where.chunk.origin}, line ${where.line} of its text: ${
      JSON.stringify(where.text.trim())
    }`
    : `assembly error in unit ${unit.name}`;
  return new AssemblyError(
    `${prefix}: ${message} ${tail(others)}`,
    unit.name,
    where?.chunk.origin,
    where?.line,
    where?.text,
    error.message,
    others,
    stderr,
  );
}
