/**
 * Cases that need not be emulated again: a run's outcome is a function of
 * its registers, its code and the memory it reads, so a case whose world
 * holds the same bytes everywhere an earlier case's run read or fetched,
 * with everything else the run and its checks depend on equal, has that
 * earlier case's measurement.
 *
 * A sweep's nop baselines are the cases this finds: the patch site is a
 * nop, no tracer runs, and only the ops data (which the run never reads)
 * differs from one parameter set to the next. On the model they are built
 * without the ops, so a sweep's are one world: the memo keeps the last one
 * and gives it again to the next set built from the same (`baseline`),
 * before any world is built. Only runs in which no tracer was entered are
 * kept: the checks then read nothing of the run but its registers and its
 * log (no stack walk, no probe views), so the key below is all they depend
 * on. A run that faulted, ran out of budget or needed an exact re-run is
 * never kept, nor one whose hot path (a listing names addresses through the
 * image's symbols) or timing trace (none is kept) is wanted.
 *
 * The memory compared is what boot maps: the image's sections, zero
 * elsewhere in their pages, and the zeroed stack (see `initialMemory`).
 * Executable memory is compared whole, not only where the run fetched: the
 * engine refuses to run code holding a word Unicorn aborts on anywhere in
 * its pages, and the kept run was not refused.
 *
 * @module
 */
import type { ExecutionLog } from "../engine/engine.ts";
import { cached, LruMap, objectId } from "../lru.ts";
import { tracerEntryPoints } from "./checks.ts";
import { initialMemory, type InitialState, type LoadedWorld } from "./machine.ts";
import type { Measurement } from "./run_case.ts";

/** What a kept run read: merged address ranges, their pages' permissions, and the bytes there. */
interface MemoEntry {
  /** The world's executable mappings: a world with others is another world. */
  code: readonly (readonly [number, number])[];
  starts: number[];
  ends: number[];
  /** Per range: 1 when its pages are writable, 2 when executable. */
  perms: number[];
  bytes: Uint8Array;
  measurement: Measurement;
}

/** Keys a thread has met: a key met again is worth recording a run for (see PathRuns). */
const KEYS_SEEN = 1024;
/** Runs kept per thread. */
const ENTRIES = 256;

/**
 * How a path's (a variant's `World.path`) recent runs went: the share of
 * them that entered no tracer, as a moving average over about the last 16.
 * Cases of a path whose runs enter tracers are not looked up (a key costs
 * microseconds, and their runs are never kept), but one in 64 still is, in
 * case the sweep reaches parameters where they stop entering any. Cases of
 * a path whose runs mostly enter none, and have been given from the memo
 * before, are recorded the first time their key is met; others the second
 * time (a sweep on a real kernel moves the kernel's code with each case's
 * data: its keys never recur, and its runs are never recorded).
 */
interface PathRuns {
  runs: number;
  keepable: number;
  skipped: number;
  hits: number;
}

/** Runs of a path that are always looked up, however they went. */
const FIRST_RUNS = 32;
/** Below this share of keepable runs, a path's cases are looked up one in 64. */
const TRY_SHARE = 1 / 16;
/** From this share on (and after a hit), a path's runs are recorded at a key's first meeting. */
const RECORD_SHARE = 1 / 2;

/** The memo of one thread: what its sweeps' runs read, and what they measured. */
export class CaseMemo {
  readonly #seen = new LruMap<string, true>(KEYS_SEEN);
  readonly #entries = new LruMap<string, MemoEntry>(ENTRIES);
  readonly #paths = new LruMap<string, PathRuns>(64);
  /** The last baseline kept, by what its world is made from (see `baseline`). */
  #baseline: { key: string; measurement: object } | undefined;
  /** Runs given from the memo, runs kept in it, and baselines given again. */
  readonly stats = { hits: 0, kept: 0, baselines: 0 };

  /**
   * A parameter set's baseline on the model (src/runner/run_scenario.ts,
   * `measureBaseline`) is built from what the previous one was built from
   * when their keys are equal: the same world, whose run, which reaches no
   * tracer, is the same. Only the last one is kept: a sweep's sets share it.
   */
  baseline<M extends object>(key: string): M | undefined {
    if (this.#baseline?.key !== key) return undefined;
    this.stats.baselines++;
    return { ...this.#baseline.measurement } as M;
  }

  /** Keep a baseline that passed every check, for the next set built from the same. */
  keepBaseline(key: string, measurement: object): void {
    this.#baseline = { key, measurement };
  }

  /** Whether a case of this path is worth a key (see PathRuns). */
  tries(path: string): boolean {
    const runs = this.#paths.get(path);
    if (!runs || runs.runs < FIRST_RUNS || runs.keepable >= TRY_SHARE) return true;
    return ++runs.skipped % 64 === 0;
  }

  /** A run of this path was measured; `keepable` when it entered no tracer. */
  measured(path: string, keepable: boolean): void {
    const runs = this.#paths.get(path);
    const k = keepable ? 1 : 0;
    if (!runs) this.#paths.set(path, { runs: 1, keepable: k, skipped: 0, hits: 0 });
    else {
      runs.runs++;
      runs.keepable += (k - runs.keepable) / 16;
    }
  }

  /**
   * Everything a run without tracer entries and its checks depend on but
   * memory: undefined when the case cannot be kept (code without a key). A
   * tracer the image does not define is the checks' error, thrown here.
   */
  key(
    loaded: LoadedWorld,
    initial: InitialState,
    budget: number,
    watchStack: boolean,
  ): string | undefined {
    const { world, image, layout } = loaded;
    if (image.codeKey === undefined) return undefined;
    const entries = [...tracerEntryPoints(loaded)].map(([name, at]) =>
      `${name}@${at.toString(16)}`
    );
    const target = world.workload.target;
    return [
      image.codeKey,
      loaded.phases.signature,
      `${budget} ${watchStack} ${layout.stackBase.toString(16)}+${layout.stackSize}`,
      cached(startTexts, initial, () => startText(initial)),
      `caller@${image.address("caller").toString(16)}`,
      entries.join(" "),
      JSON.stringify(world.probes),
      `${target.name}/${target.args} ${world.voidTarget ?? false} ${world.path}`,
      `${image.address(target.name).toString(16)}`,
      JSON.stringify(world.workload.codegen),
      `views #${objectId(world.views)}`,
    ].join("\n");
  }

  /** The measurement of an earlier run this case would repeat, if one is kept. */
  lookup(key: string, loaded: LoadedWorld): Measurement | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    const memory = initialMemory(loaded);
    if (memory.code.length !== entry.code.length) return undefined;
    for (const [k, [start, end]] of memory.code.entries()) {
      if (start !== entry.code[k][0] || end !== entry.code[k][1]) return undefined;
    }
    let at = 0;
    for (let r = 0; r < entry.starts.length; r++) {
      const length = entry.ends[r] - entry.starts[r];
      if (!memory.equals(entry.starts[r], length, entry.perms[r], entry.bytes, at)) {
        return undefined;
      }
      at += length;
    }
    this.stats.hits++;
    const runs = this.#paths.get(loaded.world.path);
    if (runs) runs.hits++;
    return entry.measurement;
  }

  /** Whether to record the run of a case with this key and path (see PathRuns). */
  worthRecording(key: string, path: string): boolean {
    if (this.#seen.get(key)) return true;
    this.#seen.set(key, true);
    const runs = this.#paths.get(path);
    return runs !== undefined && runs.hits > 0 && runs.keepable >= RECORD_SHARE;
  }

  /**
   * Keep a clean run's measurement with what it read, in its world: all of
   * its code (which holds every block it fetched) and the data it accessed
   * (the log, kept with accesses).
   */
  keep(key: string, loaded: LoadedWorld, log: ExecutionLog, measurement: Measurement): void {
    const memory = initialMemory(loaded);
    const code = memory.code;
    if (code.length === 0) return; // no mapping read without an engine (addresses past 2^53)
    for (let i = 0; i < log.blockCount; i++) {
      const start = log.blockStart[i], end = start + log.blockSize[i];
      if (!code.some(([s, e]) => start >= s && end <= e)) return;
    }
    const spans: [number, number][] = code.map(([start, end]) => [start, end]);
    for (let i = 0; i < log.accessCount; i++) {
      spans.push([log.accessAddress[i], log.accessAddress[i] + log.accessSize[i]]);
    }
    spans.sort((a, b) => a[0] - b[0]);
    const entry: MemoEntry = {
      code,
      starts: [],
      ends: [],
      perms: [],
      bytes: new Uint8Array(0),
      measurement,
    };
    for (const [start, end] of spans) {
      const last = entry.starts.length - 1;
      // Ranges that touch are merged while they stay within one mapping.
      if (last >= 0 && start <= entry.ends[last]) {
        const merged = Math.max(entry.ends[last], end);
        if (memory.perms(entry.starts[last], merged) === entry.perms[last]) {
          entry.ends[last] = merged;
          continue;
        }
      }
      const perms = memory.perms(start, end);
      if (perms === undefined) return; // not mapped as a whole: not a clean run's access
      entry.starts.push(start);
      entry.ends.push(end);
      entry.perms.push(perms);
    }
    let size = 0;
    for (let r = 0; r < entry.starts.length; r++) size += entry.ends[r] - entry.starts[r];
    entry.bytes = new Uint8Array(size);
    let at = 0;
    for (let r = 0; r < entry.starts.length; r++) {
      memory.copy(entry.starts[r], entry.ends[r] - entry.starts[r], entry.bytes, at);
      at += entry.ends[r] - entry.starts[r];
    }
    this.#entries.set(key, entry);
    this.stats.kept++;
  }
}

/** The registers and arguments part of a key, written once per (shared) initial state. */
const startTexts = new WeakMap<InitialState, string>();

function startText(initial: InitialState): string {
  const registers = [...initial.registers].map(([r, v]) => `${r}=${v.toString(16)}`);
  return `${registers.join(" ")}\n${initial.args.join(" ")}`;
}

/** Set to measure every case by emulating it (to compare, or to time the emulation). */
export const NO_MEMO_ENV = "FTRACE_BENCH_NO_MEMO";

/** This thread's memo, or undefined when NO_MEMO_ENV is set (read once). Tests switch it. */
export const threadMemo: { memo?: CaseMemo } = {
  memo: Deno.env.get(NO_MEMO_ENV) ? undefined : new CaseMemo(),
};
