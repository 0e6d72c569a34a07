/**
 * The hot path of one measured case as plain, structured-clonable data: each
 * executed pc in first-execution order with its count, word, symbol+offset,
 * phase and the symbol a pc-relative operand points at. `measureCase` takes it
 * from the run it measured (the loaded world is at hand there), so a listing
 * never emulates a case a second time; disassembly is added afterwards, in
 * one batch, by src/store/listing.ts.
 *
 * Runs whose listing is wanted keep their hot path here, beside the run
 * object (a WeakMap: the run's data and JSON are unchanged, and the hot paths
 * of runs nobody lists are never kept).
 */
import type { CodeImage } from "../measure/code_image.ts";

/** A measured case's executed instructions (parallel arrays, first-execution order). */
export interface HotPath {
  pcs: number[];
  counts: number[];
  words: number[];
  /** "symbol+0xoff", or the hex address. */
  symbols: string[];
  phases: string[];
  /** The symbol a pc-relative branch, adr/adrp or literal load points at; null: none or unnamed. */
  targets: (string | null)[];
}

const sext = (v: number, bits: number) => (v << (32 - bits)) >> (32 - bits);

/**
 * The address a pc-relative instruction at `pc` refers to (b, bl, b.cond,
 * bc.cond, cbz/cbnz, tbz/tbnz, adr, adrp, literal ldr/ldrsw/prfm), or
 * undefined for any other word.
 */
export function pcRelativeTarget(word: number, pc: bigint): bigint | undefined {
  const w = word >>> 0;
  let offset: number | undefined;
  let base = pc;
  if ((w & 0x7c000000) === 0x14000000) offset = sext(w & 0x3ffffff, 26) * 4; // b, bl
  else if ((w & 0xff000000) === 0x54000000) offset = sext((w >>> 5) & 0x7ffff, 19) * 4; // b.cond
  else if ((w & 0x7e000000) === 0x34000000) offset = sext((w >>> 5) & 0x7ffff, 19) * 4; // cbz
  else if ((w & 0x7e000000) === 0x36000000) offset = sext((w >>> 5) & 0x3fff, 14) * 4; // tbz
  else if ((w & 0x1f000000) === 0x10000000) {
    const imm = sext((((w >>> 5) & 0x7ffff) << 2) | ((w >>> 29) & 3), 21);
    if (w & 0x80000000) {
      base = pc & ~0xfffn;
      return BigInt.asUintN(64, base + (BigInt(imm) << 12n)); // adrp
    }
    offset = imm; // adr
  } else if ((w & 0x3b000000) === 0x18000000) offset = sext((w >>> 5) & 0x7ffff, 19) * 4; // ldr lit
  return offset === undefined ? undefined : BigInt.asUintN(64, base + BigInt(offset));
}

/** The phase of each pc (src/measure/phases.ts's PhaseMap). */
export interface PhaseSource {
  at(address: number): string;
}

/** The hot path of a run, from `measure`'s execution counts and the loaded code. */
export function hotPathOf(
  code: CodeImage,
  phases: PhaseSource,
  counts: ReadonlyMap<number, number>,
): HotPath {
  const hp: HotPath = { pcs: [], counts: [], words: [], symbols: [], phases: [], targets: [] };
  for (const [pc, count] of counts) {
    const word = code.word(pc) ?? 0;
    const target = pcRelativeTarget(word, BigInt(pc));
    const name = target === undefined ? null : code.describe(target);
    hp.pcs.push(pc);
    hp.counts.push(count);
    hp.words.push(word);
    hp.symbols.push(code.describe(pc));
    hp.phases.push(phases.at(pc));
    hp.targets.push(name === null || name.startsWith("0x") ? null : name);
  }
  return hp;
}

const kept = new WeakMap<object, HotPath>();

/** Keep `hotPath` for `run` until its listing is built. */
export function keepHotPath(run: object, hotPath: HotPath): void {
  kept.set(run, hotPath);
}

/** The hot path kept for `run`, handed over once (then forgotten). */
export function takeHotPath(run: object): HotPath | undefined {
  const hp = kept.get(run);
  kept.delete(run);
  return hp;
}
