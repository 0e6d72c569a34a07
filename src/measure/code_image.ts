/**
 * Read-only view of the loaded code, decoded once per address: the
 * measurement core and the checks never decode the same word twice.
 */
import type { LoadedImage, LoadedSection } from "../asm/loader.ts";
import { decode } from "../isa/decode.ts";
import { type Decoded, REG_SP, type Undecoded } from "../isa/types.ts";
import { cached, LruMap } from "../lru.ts";

/**
 * Decoding is a pure function of the word, so every case in the process
 * shares one cache: a sweep decodes each distinct instruction once.
 */
const decodedWords = new Map<number, Decoded | Undecoded>();

function decodeShared(word: number): Decoded | Undecoded {
  let insn = decodedWords.get(word);
  if (!insn) decodedWords.set(word, insn = decode(word));
  return insn;
}

/** Where each code placement (LoadedImage.codeKey) writes sp; null: not all of it decodes. */
const spWritersByCode = new LruMap<string, number[] | null>(64);
/**
 * Placements whose alignment was asked for (see CodeImage.keepsSpAlignedWhenRepeated); one
 * dropped from here is watched once more, which gives the same results.
 */
const spAskedOnce = new LruMap<string, true>(256);

/** An sp writer that keeps sp's alignment: sp ± a multiple of 16, and nothing else. */
function movesSpBy16(insn: Decoded | Undecoded | undefined): boolean {
  if (!insn || insn.cls === null) return false;
  const mem = insn.mem;
  if (mem && mem.base === REG_SP && mem.writeback !== "none") {
    return mem.offset !== undefined && mem.offset % 16 === 0;
  }
  // add/sub (immediate), 64-bit, no flags, sp as both source and destination.
  const w = insn.word;
  if (((w & 0xbf8003ff) >>> 0) !== 0x910003ff) return false;
  const imm = ((w >>> 10) & 0xfff) * ((w >>> 22) & 1 ? 4096 : 1);
  return imm % 16 === 0;
}

export class CodeImage {
  private readonly sections: LoadedSection[];
  /** The sections' addresses as numbers (read for every word). */
  private readonly starts: number[];
  private readonly decoded = new Map<number, Decoded | Undecoded>();

  constructor(readonly image: LoadedImage) {
    this.sections = image.sections.filter((s) => s.exec);
    this.starts = this.sections.map((s) => Number(s.address));
  }

  /** Which objects' code is where (LoadedImage.codeKey): the timing model keeps plans by it. */
  get placementKey(): string | undefined {
    return this.image.codeKey;
  }

  /** The instruction word at `address`, or undefined outside loaded code. */
  word(address: number): number | undefined {
    for (let k = 0; k < this.sections.length; k++) {
      const s = this.sections[k];
      const offset = address - this.starts[k];
      if (offset >= 0 && offset + 4 <= s.size) {
        const b = s.bytes;
        return (b[offset] | (b[offset + 1] << 8) | (b[offset + 2] << 16) |
          (b[offset + 3] << 24)) >>>
          0;
      }
    }
    return undefined;
  }

  /** Decoded instruction at `address` (cached); undefined outside loaded code. */
  instruction(address: number): Decoded | Undecoded | undefined {
    const cached = this.decoded.get(address);
    if (cached) return cached;
    const word = this.word(address);
    if (word === undefined) return undefined;
    const insn = decodeShared(word);
    this.decoded.set(address, insn);
    return insn;
  }

  /**
   * Whether sp stays 16-byte aligned whatever runs, given an aligned start:
   * every instruction of the code that writes sp moves it by a multiple of
   * 16 (an add or sub of an immediate, or a base writeback), and no word is
   * one the decoder does not know. Then no sp-based access can see sp
   * misaligned, and the run need not watch them.
   */
  keepsSpAligned(): boolean {
    // Relocation rewrites immediates, never which register an instruction writes: the
    // places of a code's sp writers are found once per code placement, and only their
    // words are looked at per case.
    const writers = cached(spWritersByCode, this.image.codeKey, () => this.spWriters());
    return writers !== null && writers.every((pc) => movesSpBy16(this.instruction(pc)));
  }

  /**
   * {@link keepsSpAligned} for a placement asked about before; false (the
   * caller watches the stack, which finds the same accesses aligned) at a
   * placement's first ask. Decoding all of a placement's code pays where its
   * runs are many, as a sweep's are; a one-case run's two placements each run
   * once, and the decoding took about 1.3 ms of it.
   */
  keepsSpAlignedWhenRepeated(): boolean {
    const key = this.image.codeKey;
    if (key !== undefined && !spAskedOnce.get(key)) {
      spAskedOnce.set(key, true);
      return false;
    }
    return this.keepsSpAligned();
  }

  /** Addresses of the instructions that write sp; null when a word does not decode. */
  private spWriters(): number[] | null {
    const found: number[] = [];
    for (let k = 0; k < this.sections.length; k++) {
      for (let pc = this.starts[k]; pc + 4 <= this.starts[k] + this.sections[k].size; pc += 4) {
        const insn = this.instruction(pc);
        if (!insn || insn.cls === null) return null;
        if (insn.writes.includes(REG_SP)) found.push(pc);
      }
    }
    return found;
  }

  /** "symbol+0xoff" for an address, or its hex value. */
  describe(address: bigint | number): string {
    const at = BigInt(address);
    const sym = this.image.symbolize(at);
    if (!sym) return `0x${at.toString(16)}`;
    return sym.offset ? `${sym.name}+0x${sym.offset.toString(16)}` : sym.name;
  }
}
