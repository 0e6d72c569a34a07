/**
 * Branch prediction over real outcomes, deterministic and allocation-free:
 * - conditional branches: 2-bit saturating counters indexed by pc;
 * - indirect branches (`br`, `blr`, e.g. the call to ops->func): a last-target
 *   table indexed and tagged by pc;
 * - returns: a circular return-address stack pushed by `bl`/`blr`. A return
 *   that pops an empty stack falls back to the indirect table, as cores do
 *   with their BTB.
 * Direct unconditional branches and calls are always predicted (their target
 * is in the instruction).
 *
 * @module
 */

/** Sizes of the predictor structures (from the CPU file). */
export interface PredictorSizes {
  directionEntries: number;
  indirectEntries: number;
  returnStackDepth: number;
}

export class BranchPredictor {
  readonly #counters: Uint8Array;
  readonly #tags: Float64Array;
  readonly #targets: Float64Array;
  readonly #stack: Float64Array;
  readonly #depth: number;
  #top = 0;
  #used = 0;
  /** Mispredictions seen, by kind. */
  conditional = 0;
  indirect = 0;
  returns = 0;

  constructor(sizes: PredictorSizes) {
    // Weakly not-taken: a never-seen branch is predicted to fall through.
    this.#counters = new Uint8Array(sizes.directionEntries).fill(1);
    this.#tags = new Float64Array(sizes.indirectEntries).fill(-1);
    this.#targets = new Float64Array(sizes.indirectEntries);
    this.#depth = sizes.returnStackDepth;
    this.#stack = new Float64Array(Math.max(1, sizes.returnStackDepth));
  }

  /** A conditional branch at `pc` resolved `taken`; true when it was predicted right. */
  conditionalBranch(pc: number, taken: boolean): boolean {
    const i = (pc / 4) & (this.#counters.length - 1);
    const c = this.#counters[i];
    const right = (c >= 2) === taken;
    this.#counters[i] = taken ? (c < 3 ? c + 1 : 3) : (c > 0 ? c - 1 : 0);
    if (!right) this.conditional++;
    return right;
  }

  /** An indirect branch at `pc` went to `target`; true when the last-target table had it. */
  indirectBranch(pc: number, target: number): boolean {
    const right = this.#lookup(pc, target);
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

  /** A return at `pc` went to `target`; true when the stack (or, if empty, the table) had it. */
  returnBranch(pc: number, target: number): boolean {
    let right: boolean;
    if (this.#used > 0) {
      right = this.#stack[this.#top] === target;
      this.#top = (this.#top + this.#depth - 1) % this.#depth;
      this.#used--;
    } else {
      right = this.#lookup(pc, target);
    }
    if (!right) this.returns++;
    return right;
  }

  /** Empty the return stack and zero the counts (the tables keep their training). */
  startMeasuring(): void {
    this.#top = 0;
    this.#used = 0;
    this.conditional = 0;
    this.indirect = 0;
    this.returns = 0;
  }

  #lookup(pc: number, target: number): boolean {
    const i = (pc / 4) & (this.#tags.length - 1);
    const right = this.#tags[i] === pc && this.#targets[i] === target;
    this.#tags[i] = pc;
    this.#targets[i] = target;
    return right;
  }
}
