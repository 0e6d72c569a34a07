/**
 * Branch prediction over real outcomes, deterministic and allocation-free:
 * - conditional branches: 2-bit saturating counters indexed by the pc xor a
 *   global history of the last outcomes, folded to the index width (gshare),
 *   or by the pc alone (bimodal);
 * - indirect branches (`br`, `blr`, e.g. the call to ops->func): a table
 *   indexed and tagged by the pc and a hash of the targets of the last taken
 *   branches (path history), backed by a last-target entry per pc;
 * - returns: a circular return-address stack pushed by `bl`/`blr`. A return
 *   that pops an empty stack falls back to the per-pc target entry, as cores
 *   do with their BTB.
 * Direct unconditional branches and calls are always predicted (their target
 * is in the instruction).
 *
 * The `bimodal` option turns every history off (per-pc counters, last target
 * per pc): the predictor this model had before it had history.
 *
 * @module
 */
import type { CpuFile } from "./cpu_file.ts";

/** The predictor structures of a CPU file. */
export type PredictorFigures = Pick<CpuFile["branch"], "conditional" | "indirect" | "returnStack">;

export interface PredictorOptions {
  /** Per-pc counters and last targets, no history (whatever the CPU file says). */
  bimodal?: boolean;
}

export class BranchPredictor {
  readonly #counters: Uint8Array;
  readonly #counterMask: number;
  readonly #indexBits: number;
  /** Global history: the last `#historyBits` conditional outcomes, newest in bit 0. */
  #history = 0;
  readonly #historyMask: number;
  /** The history folded to the index width (xor of its index-wide chunks). */
  #folded = 0;
  /** Per-pc last target (the BTB's indirect entries). */
  readonly #baseTags: Float64Array;
  readonly #baseTargets: Float64Array;
  /** Path-indexed targets, tagged by pc and path hash. */
  readonly #pathTags: Float64Array;
  readonly #pathHashes: Int32Array;
  readonly #pathTargets: Float64Array;
  readonly #targetMask: number;
  /** The last `#pathLength` taken-branch targets (a ring), and their hash. */
  readonly #path: Float64Array;
  readonly #pathLength: number;
  #pathNext = 0;
  readonly #stack: Float64Array;
  readonly #depth: number;
  #top = 0;
  #used = 0;
  /** Mispredictions since the last {@link startPass}, by kind. */
  conditional = 0;
  indirect = 0;
  returns = 0;

  constructor(figures: PredictorFigures, options: PredictorOptions = {}) {
    const bimodal = options.bimodal === true || figures.conditional.kind === "bimodal";
    // Weakly not-taken: a never-seen branch is predicted to fall through.
    this.#counters = new Uint8Array(figures.conditional.entries).fill(1);
    this.#counterMask = figures.conditional.entries - 1;
    this.#indexBits = Math.max(1, Math.log2(figures.conditional.entries));
    const bits = bimodal ? 0 : figures.conditional.historyBits;
    this.#historyMask = bits === 0 ? 0 : bits >= 31 ? 0x7fffffff : (1 << bits) - 1;
    const entries = figures.indirect.entries;
    this.#targetMask = entries - 1;
    this.#baseTags = new Float64Array(entries).fill(-1);
    this.#baseTargets = new Float64Array(entries);
    this.#pathTags = new Float64Array(entries).fill(-1);
    this.#pathHashes = new Int32Array(entries);
    this.#pathTargets = new Float64Array(entries);
    this.#pathLength = bimodal ? 0 : figures.indirect.pathLength;
    this.#path = new Float64Array(Math.max(1, this.#pathLength));
    this.#depth = figures.returnStack.depth;
    this.#stack = new Float64Array(Math.max(1, this.#depth));
  }

  /** Back to the state of a new predictor (tables untrained, histories empty). */
  reset(): this {
    this.#counters.fill(1);
    this.#history = 0;
    this.#folded = 0;
    this.#baseTags.fill(-1);
    this.#baseTargets.fill(0);
    this.#pathTags.fill(-1);
    this.#pathHashes.fill(0);
    this.#pathTargets.fill(0);
    this.#path.fill(0);
    this.#pathNext = 0;
    this.#stack.fill(0);
    this.startPass();
    return this;
  }

  /** A conditional branch at `pc` resolved `taken`; true when it was predicted right. */
  conditionalBranch(pc: number, taken: boolean): boolean {
    const i = ((pc / 4) ^ this.#folded) & this.#counterMask;
    const c = this.#counters[i];
    const right = (c >= 2) === taken;
    this.#counters[i] = taken ? (c < 3 ? c + 1 : 3) : (c > 0 ? c - 1 : 0);
    if (this.#historyMask !== 0) {
      const h = ((this.#history << 1) | (taken ? 1 : 0)) & this.#historyMask;
      this.#history = h;
      let folded = 0;
      for (let x = h; x !== 0; x >>>= this.#indexBits) folded ^= x;
      this.#folded = folded;
    }
    if (!right) this.conditional++;
    return right;
  }

  /** Any taken branch (after its own prediction): its target enters the path history. */
  takenBranch(target: number): void {
    if (this.#pathLength === 0) return;
    this.#path[this.#pathNext] = target;
    this.#pathNext = this.#pathNext + 1 === this.#pathLength ? 0 : this.#pathNext + 1;
  }

  /** An indirect branch at `pc` went to `target`; true when it was predicted. */
  indirectBranch(pc: number, target: number): boolean {
    const right = this.#lookup(pc, target, true);
    if (!right) this.indirect++;
    return right;
  }

  /** A call: push its return address. */
  call(returnAddress: number): void {
    if (this.#depth === 0) return;
    this.#top = (this.#top + 1) % this.#depth;
    this.#stack[this.#top] = returnAddress;
    if (this.#used < this.#depth) this.#used++;
  }

  /**
   * A return at `pc` went to `target`; true when the stack's top (or, if the
   * stack is empty, the per-pc target) had it. A return elsewhere than its
   * call pushed mispredicts however often it happens: the stack does not learn.
   */
  returnBranch(pc: number, target: number): boolean {
    let right: boolean;
    if (this.#used > 0) {
      right = this.#stack[this.#top] === target;
      this.#top = (this.#top + this.#depth - 1) % this.#depth;
      this.#used--;
    } else {
      right = this.#lookup(pc, target, false);
    }
    if (!right) this.returns++;
    return right;
  }

  /**
   * Start a pass over the trace: empty the return stack (each traced call
   * starts with the same stack) and zero the counts. Counters, targets and
   * histories keep their training, as they do from one call to the next.
   */
  startPass(): void {
    this.#top = 0;
    this.#used = 0;
    this.conditional = 0;
    this.indirect = 0;
    this.returns = 0;
  }

  /** Hash of the path history (order-sensitive), 0 without one. */
  #pathHash(): number {
    let h = 0;
    const n = this.#pathLength;
    for (let k = 0, j = this.#pathNext; k < n; k++) {
      j = j === 0 ? n - 1 : j - 1; // newest first
      const t = this.#path[j] / 4;
      h = (Math.imul(h, 31) ^ (t & 0xfffff) ^ ((t / 0x100000) & 0xfff)) | 0;
    }
    return h;
  }

  /** Predict and train the target tables; `withPath`: consult the path-indexed table too. */
  #lookup(pc: number, target: number, withPath: boolean): boolean {
    const b = (pc / 4) & this.#targetMask;
    let predicted = this.#baseTags[b] === pc ? this.#baseTargets[b] : NaN;
    if (withPath && this.#pathLength > 0) {
      const hash = this.#pathHash();
      const p = ((pc / 4) ^ hash ^ (hash >>> 11)) & this.#targetMask;
      if (this.#pathTags[p] === pc && this.#pathHashes[p] === hash) {
        predicted = this.#pathTargets[p];
      }
      this.#pathTags[p] = pc;
      this.#pathHashes[p] = hash;
      this.#pathTargets[p] = target;
    }
    this.#baseTags[b] = pc;
    this.#baseTargets[b] = target;
    return predicted === target;
  }
}
