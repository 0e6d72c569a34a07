/**
 * Counts a run from the sequence of translated blocks the engine entered.
 *
 * Each distinct block is decoded and summarised once (instructions, loads,
 * stores and bytes per phase, and its terminating branch); the run's figures
 * are sums of summaries, plus branch outcomes read off the next block's address.
 */
import type { BranchInfo } from "../isa/types.ts";
import type { CodeImage } from "./code_image.ts";
import { addTimes, type Metrics, zeroMetrics } from "./metrics.ts";
import type { PhaseMap } from "./phases.ts";
import { LruMap } from "../lru.ts";

/** An instruction the decoder cannot classify was executed. */
export class UndecodedInstructionError extends Error {
  constructor(readonly pc: number, readonly word: number, reason: string, where: string) {
    super(
      `cannot measure instruction word 0x${word.toString(16).padStart(8, "0")} at ${where} ` +
        `(pc 0x${pc.toString(16)}): ${reason}`,
    );
    this.name = "UndecodedInstructionError";
  }
}

interface Terminator {
  phase: string;
  kind: BranchInfo["kind"];
  /** Address of the branch instruction. */
  pc: number;
  /** Target register of an indirect branch. */
  register?: number;
}

/** What a block counts: shared by every run of the same code (never changed once made). */
export interface BlockSummary {
  readonly size: number;
  readonly end: number;
  readonly perPhase: readonly (readonly [string, Metrics])[];
  readonly terminator?: Terminator;
}

const INDIRECT = new Set<BranchInfo["kind"]>(["indirect-jump", "indirect-call", "return"]);

/** The executed blocks of a run, in order (an execution log fits). */
export interface BlockTrace {
  readonly blockCount: number;
  readonly blockStart: Float64Array;
  readonly blockSize: Int32Array;
}

/**
 * Block summaries by code (LoadedImage.codeKey and the phase map), then by
 * block address: a sweep runs the same code case after case, where only the
 * words that hold data addresses change. Each is checked against the words
 * it was made from before it serves. At most 64 codes are kept.
 */
const summaryCache = new LruMap<string, Map<number, { words: number[]; summary: BlockSummary }>>(
  64,
);

/** Per-block execution and taken-branch counts of `totals`, reused run after run. */
let counters = new Int32Array(512);

/**
 * A direct-mapped cache in front of a recorder's map of blocks, by address:
 * a run enters the same few dozen blocks hundreds of times (an ops list
 * walked block by block). A slot holds the address, size and summary index
 * of the last block that fell in it, valid for the run whose generation it
 * carries; a miss falls back to the map. Shared by the recorders of a thread,
 * which record one run at a time.
 */
const SLOTS = 1024;
const slotAddress = new Float64Array(SLOTS);
const slotSize = new Int32Array(SLOTS);
const slotSummary = new Int32Array(SLOTS);
const slotRun = new Int32Array(SLOTS);
let runs = 0;

export class TraceRecorder {
  /** Index in `distinct` of the summary of the block at an address. */
  private readonly summaries = new Map<number, number>();
  /** This run's code's entry in the summary cache, when its code has a key. */
  private readonly known?: Map<number, { words: number[]; summary: BlockSummary }>;
  private readonly distinct: BlockSummary[] = [];
  /** The recorded run's block start addresses (the trace's own array). */
  private starts: Float64Array = new Float64Array(0);
  /** Summary id of each executed block, in execution order. */
  private entered = new Int32Array(0);
  private count = 0;

  constructor(private readonly code: CodeImage, private readonly phases: PhaseMap) {
    const codeKey = code.image.codeKey;
    if (codeKey === undefined) return;
    const key = `${codeKey}|${phases.signature}`;
    this.known = summaryCache.get(key);
    if (!this.known) {
      summaryCache.set(key, this.known = new Map());
    }
  }

  /** Record a run: each distinct block is decoded and summarised on first sight. */
  record(run: BlockTrace): void {
    this.starts = run.blockStart;
    this.entered = new Int32Array(run.blockCount);
    this.count = 0;
    // A new generation (never 0, which unfilled slots carry): no slot filled for another
    // run, or recorder, is read.
    const generation = runs = ((runs + 1) | 0) || 1;
    for (let i = 0; i < run.blockCount; i++) {
      const address = run.blockStart[i], size = run.blockSize[i];
      const slot = (address / 4) & (SLOTS - 1);
      let k: number | undefined;
      if (
        slotRun[slot] === generation && slotAddress[slot] === address && slotSize[slot] === size
      ) {
        k = slotSummary[slot];
      } else {
        k = this.summaries.get(address);
        if (k === undefined || this.distinct[k].size !== size) {
          k = this.distinct.length;
          this.summaries.set(address, k);
          this.distinct.push(this.summarise(address, size));
        }
        slotRun[slot] = generation;
        slotAddress[slot] = address;
        slotSize[slot] = size;
        slotSummary[slot] = k;
      }
      this.entered[i] = k;
      this.count = i + 1;
    }
  }

  /** Summary of the `i`-th block the recorded run executed. */
  summaryAt(i: number): BlockSummary {
    return this.distinct[this.entered[i]];
  }

  private summarise(address: number, size: number): BlockSummary {
    const known = this.known?.get(address);
    if (known && known.summary.size === size && this.unchanged(address, known.words)) {
      return known.summary;
    }
    const summary = this.decodeBlock(address, size);
    if (this.known) {
      const words = Array.from({ length: size / 4 }, (_, i) => this.code.word(address + 4 * i)!);
      this.known.set(address, { words, summary });
    }
    return summary;
  }

  /** Whether the code at `address` still holds `words`. */
  private unchanged(address: number, words: readonly number[]): boolean {
    for (let i = 0; i < words.length; i++) {
      if (words[i] !== this.code.word(address + 4 * i)) return false;
    }
    return true;
  }

  private decodeBlock(address: number, size: number): BlockSummary {
    const perPhase = new Map<string, Metrics>();
    let terminator: Terminator | undefined;
    for (let pc = address; pc < address + size; pc += 4) {
      const insn = this.code.instruction(pc);
      if (!insn || insn.cls === null) {
        throw new UndecodedInstructionError(
          pc,
          insn?.word ?? 0,
          insn ? insn.reason : "no code loaded here",
          this.code.describe(pc),
        );
      }
      const phase = this.phases.at(pc);
      let m = perPhase.get(phase);
      if (!m) perPhase.set(phase, m = zeroMetrics());
      m.instructions++;
      const mem = insn.mem;
      if (mem) {
        if (mem.kind !== "store") {
          m.loads++;
          m.loadBytes += mem.bytes;
        }
        if (mem.kind !== "load") {
          m.stores++;
          m.storeBytes += mem.bytes;
        }
      }
      terminator = insn.branch
        ? { phase, kind: insn.branch.kind, pc, register: insn.branch.register }
        : undefined;
    }
    return { size, end: address + size, perPhase: [...perPhase], terminator };
  }

  /**
   * Totals and per-phase figures. `stopAddress` is where the run ended
   * (the target of the last block's branch).
   *
   * Executions and taken branches are counted per distinct block first, so
   * the work per executed block is a few integer operations.
   */
  totals(stopAddress: number): { total: Metrics; phases: Record<string, Metrics> } {
    const n = this.distinct.length;
    if (counters.length < 2 * n) counters = new Int32Array(Math.max(2 * n, 2 * counters.length));
    counters.fill(0, 0, 2 * n);
    const runs = counters.subarray(0, n), taken = counters.subarray(n, 2 * n);
    for (let i = 0; i < this.count; i++) {
      const id = this.entered[i];
      runs[id]++;
      const s = this.distinct[id];
      if (!s.terminator) continue;
      const next = i + 1 < this.count ? this.starts[i + 1] : stopAddress;
      if (s.terminator.kind !== "cond" || next !== s.end) taken[id]++;
    }
    const phases: Record<string, Metrics> = {};
    const total = zeroMetrics();
    // In first-execution order, so phases appear in the order the run reached them.
    for (let k = 0; k < n; k++) {
      const s = this.distinct[k], times = runs[k];
      if (times > 0) {
        for (const [phase, m] of s.perPhase) {
          addTimes(phases[phase] ??= zeroMetrics(), m, times);
          addTimes(total, m, times);
        }
      }
      const t = s.terminator, branches = taken[k];
      if (!t || branches === 0) continue;
      const into = phases[t.phase] ??= zeroMetrics();
      into.branches += branches;
      total.branches += branches;
      if (INDIRECT.has(t.kind)) {
        into.indirectBranches += branches;
        total.indirectBranches += branches;
      }
    }
    return { total, phases };
  }

  /** Times each pc executed, in first-execution order (the hot path as it ran). */
  executionCounts(): Map<number, number> {
    const counts = new Map<number, number>();
    for (let i = 0; i < this.count; i++) {
      const start = this.starts[i];
      for (let pc = start; pc < this.distinct[this.entered[i]].end; pc += 4) {
        counts.set(pc, (counts.get(pc) ?? 0) + 1);
      }
    }
    return counts;
  }

  /** The last `n` blocks entered, oldest first. */
  lastBlocks(n: number): number[] {
    return Array.from(this.starts.subarray(Math.max(0, this.count - n), this.count));
  }
}
