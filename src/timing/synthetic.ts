/**
 * Straight-line code as llvm-mca sees it: a block of instruction words run
 * `iterations` times back to back, with a made-up trace (one block per
 * iteration, every branch falling through, every access at its own address so
 * no load meets a buffered store and every line hits L1).
 *
 * Used to check the timing model against llvm-mca on the same block.
 *
 * @module
 */
import { decode } from "../isa/decode.ts";
import type { Decoded, Undecoded } from "../isa/types.ts";
import type { TimingTrace } from "./trace.ts";
import type { CodeSource, PhaseSource } from "./plan.ts";

/** A synthetic run: code, trace and a single phase ("block"). */
export interface SyntheticRun {
  readonly code: CodeSource;
  readonly trace: TimingTrace;
  readonly phases: PhaseSource;
}

/** Where the block and its data go (any addresses work; these look like kernel ones). */
const CODE_BASE = 0x80_0800_0000;
const DATA_BASE = 0x80_1000_0000;
/** Bytes of address space per memory instruction: distinct lines, no overlap. */
const SLOT = 256;

/** The words of `block` repeated `iterations` times as one trace. */
export function repeatBlock(words: readonly number[], iterations: number): SyntheticRun {
  const decoded: (Decoded | Undecoded)[] = words.map((w) => decode(w >>> 0));
  const code: CodeSource = {
    instruction: (address) => {
      const i = (address - CODE_BASE) / 4;
      return Number.isInteger(i) && i >= 0 && i < decoded.length ? decoded[i] : undefined;
    },
    describe: (address) => `block+0x${(address - CODE_BASE).toString(16)}`,
  };
  // Accesses of one iteration: loads read, stores write, atomics do both.
  const perIteration: { address: number; size: number; write: number }[] = [];
  decoded.forEach((d, i) => {
    if (d.cls === null || !d.mem || d.prefetch || d.mem.bytes === 0) return;
    const address = DATA_BASE + i * SLOT;
    if (d.mem.kind !== "store") perIteration.push({ address, size: d.mem.bytes, write: 0 });
    if (d.mem.kind !== "load") perIteration.push({ address, size: d.mem.bytes, write: 1 });
  });
  const accessCount = perIteration.length * iterations;
  const trace: TimingTrace = {
    blockCount: iterations,
    blockStart: new Float64Array(iterations).fill(CODE_BASE),
    blockSize: new Int32Array(iterations).fill(words.length * 4),
    blockAccess: Int32Array.from({ length: iterations }, (_, k) => k * perIteration.length),
    accessCount,
    accessAddress: Float64Array.from(
      { length: accessCount },
      (_, j) => perIteration[j % perIteration.length].address,
    ),
    accessSize: Uint16Array.from(
      { length: accessCount },
      (_, j) => perIteration[j % perIteration.length].size,
    ),
    accessWrite: Uint8Array.from(
      { length: accessCount },
      (_, j) => perIteration[j % perIteration.length].write,
    ),
    // After the last iteration, execution continues past the block.
    stopAddress: CODE_BASE + words.length * 4,
  };
  return { code, trace, phases: { at: () => "block" } };
}
