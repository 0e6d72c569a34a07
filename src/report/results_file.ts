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
  const { dir, prefix } = tempPrefixFor(path);
  return { dir, temp: `${prefix}${crypto.randomUUID().slice(0, 8)}.tmp` };
}

/** The directory of `path` and how this process's temp file names for it begin. */
function tempPrefixFor(path: string): { dir: string; prefix: string } {
  const slash = path.lastIndexOf("/");
  const dir = slash >= 0 ? path.slice(0, slash) || "/" : ".";
  return { dir, prefix: `${dir}/.${path.slice(slash + 1)}.${Deno.pid}.` };
}

/**
 * Write `text` to `path` via a temporary file in the same directory.
 *
 * Files here are written with blocking calls, in the calling thread: an
 * asynchronous call is a round trip to Deno's blocking pool, and a one-case
 * run's result, written from its stream's temp file in nine such calls, took
 * 1.3 to 1.8 ms. What is written here is small (git's records, the
 * disassembly cache) or written when its sweep has nothing left to run.
 */
export function writeFileAtomic(path: string, text: string): void {
  writeAtomicWith(path, (file) => writeAllSync(file, new TextEncoder().encode(text)));
}

/** Make `path` what `write` writes into a temporary file beside it, or leave it as it was. */
function writeAtomicWith(path: string, write: (file: Deno.FsFile) => void): void {
  if (path === "") throw new WriteError(`cannot write a file with an empty name`);
  const { dir, temp } = tempPathFor(path);
  removeStaleTemps(dir);
  try {
    const file = Deno.openSync(temp, { write: true, create: true, truncate: true });
    try {
      write(file);
    } finally {
      file.close();
    }
    Deno.renameSync(temp, path);
  } catch (e) {
    tryRemove(temp);
    throw new WriteError(`cannot write ${path}: ${(e as Error).message}`);
  }
}

/** Remove `path` if it is there (a temp file never written, or swept already, is not). */
export function tryRemove(path: string): void {
  try {
    Deno.removeSync(path);
  } catch {
    // never written, or gone already
  }
}

/** Bytes of a streamed file's runs gathered before they go to disk. */
const STREAM_FLUSH = 1 << 20;
/** What `JSON.stringify({ runs: [run] }, null, 2)` puts around the run. */
const WRAP_HEAD = '{\n  "runs": [\n', WRAP_TAIL = "\n  ]\n}";

/**
 * A result file written while its sweep runs: each parameter set's runs go
 * to a temp file as they come (so a long sweep does not hold them), and
 * `finish` writes the file, atomically, from the record (its runs left
 * out) and those runs: byte for byte what {@link resultJson} writes.
 */
export class ResultStream {
  /**
   * The runs' bytes not yet written, encoded as each run comes. Gathered as
   * text up to a megabyte, the runs outlived V8's young generation: a long
   * sweep's main thread moved 13.0 to 14.5 MB a second to its old
   * generation, against 5.6 to 7.3 MB with this buffer (`--trace-gc-nvp`).
   */
  readonly #pending = new Uint8Array(STREAM_FLUSH);
  #used = 0;
  #count = 0;
  readonly #encoder = new TextEncoder();

  private constructor(readonly target: string, readonly temp: string, readonly file: Deno.FsFile) {}

  /**
   * How the temp file begins in which this process's stream for `target`
   * gathers the runs until `finish` (a long sweep's bench watches it grow).
   */
  static runsTempPrefix(target: string): string {
    return tempPrefixFor(`${target}.runs`).prefix;
  }

  /** A stream for a file in `target`'s directory (its final name is given to `finish`). */
  static open(target: string): ResultStream {
    if (target === "") throw new WriteError(`cannot write a file with an empty name`);
    const { dir, temp } = tempPathFor(`${target}.runs`);
    removeStaleTemps(dir);
    try {
      return new ResultStream(target, temp, Deno.openSync(temp, { write: true, create: true }));
    } catch (e) {
      throw new WriteError(`cannot write ${target}: ${(e as Error).message}`);
    }
  }

  /** Runs in sweep order, as the record's `runs` holds them. */
  add(runs: readonly unknown[]): void {
    for (const run of runs) {
      // An element of the top-level `runs` array, indented by two levels: stringified
      // inside `{"runs": [run]}`, whose first two and last two lines are cut off.
      const wrapped = JSON.stringify({ runs: [run] }, null, 2);
      const text = wrapped.slice(WRAP_HEAD.length, -WRAP_TAIL.length);
      this.#append(`${this.#count++ === 0 ? "" : ",\n"}${text}`);
    }
  }

  /**
   * Write `path` from `record` (its `runs` replaced by the streamed ones,
   * which is its last key) and remove the temp file.
   */
  finish(record: StoredResult, path: string): void {
    try {
      this.#flush();
      this.file.close();
      const head = JSON.stringify({ ...record, runs: [] }, null, 2);
      const empty = `"runs": []\n}`;
      if (!head.endsWith(empty)) throw new Error(`runs is not the record's last key`);
      const prefix = head.slice(0, -"[]\n}".length);
      writeAtomicWith(path, (out) => {
        writeAllSync(out, this.#encoder.encode(prefix + (this.#count ? "[\n" : "[")));
        copyInto(out, this.temp);
        writeAllSync(out, this.#encoder.encode(this.#count ? "\n  ]\n}\n" : "]\n}\n"));
      });
    } finally {
      tryRemove(this.temp);
    }
  }

  /** Give up: the temp file goes, nothing is written. */
  abort(): void {
    try {
      this.file.close();
    } catch {
      // closed already
    }
    tryRemove(this.temp);
  }

  /** `text`'s bytes after the pending ones: written out first when they do not fit. */
  #append(text: string): void {
    if (this.#encodeInto(text)) return;
    this.#flush();
    // A run bigger than the buffer goes to the file at once.
    if (!this.#encodeInto(text)) this.#write(this.#encoder.encode(text));
  }

  /** Whether all of `text` fitted after the pending bytes (if not, none is kept). */
  #encodeInto(text: string): boolean {
    const { read, written } = this.#encoder.encodeInto(text, this.#pending.subarray(this.#used));
    if (read < text.length) return false;
    this.#used += written;
    return true;
  }

  #flush(): void {
    if (this.#used === 0) return;
    const used = this.#used;
    this.#used = 0;
    this.#write(this.#pending.subarray(0, used));
  }

  #write(bytes: Uint8Array): void {
    try {
      writeAllSync(this.file, bytes);
    } catch (e) {
      throw new WriteError(`cannot write ${this.target}: ${(e as Error).message}`);
    }
  }
}

/**
 * Append the file at `path` to `out`, a megabyte at a time: a file's
 * readable stream goes in 64 KB chunks, and a 5,000-case sweep's 15 MB of
 * runs took 68 to 95 ms that way against 11 to 27 ms.
 */
function copyInto(out: Deno.FsFile, path: string): void {
  using file = Deno.openSync(path, { read: true });
  const buffer = new Uint8Array(STREAM_FLUSH);
  for (let n; (n = file.readSync(buffer)) !== null;) writeAllSync(out, buffer.subarray(0, n));
}

/** `text` on standard output, all of it, however many writes it takes. */
export function writeStdout(text: string): Promise<void> {
  return writeAll(Deno.stdout, new TextEncoder().encode(text));
}

/** All of `bytes`, however many writes it takes. */
export async function writeAll(
  file: { write(p: Uint8Array): Promise<number> },
  bytes: Uint8Array,
): Promise<void> {
  for (let written = 0; written < bytes.length;) {
    written += await file.write(bytes.subarray(written));
  }
}

/** All of `bytes`, however many blocking writes it takes. */
function writeAllSync(file: Deno.FsFile, bytes: Uint8Array): void {
  for (let written = 0; written < bytes.length;) written += file.writeSync(bytes.subarray(written));
}
