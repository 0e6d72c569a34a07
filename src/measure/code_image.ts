/**
 * Read-only view of the loaded code, decoded once per address: the
 * measurement core and the checks never decode the same word twice.
 */
import type { LoadedImage, LoadedSection } from "../asm/loader.ts";
import { decode } from "../isa/decode.ts";
import type { Decoded, Undecoded } from "../isa/types.ts";

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

export class CodeImage {
  private readonly sections: LoadedSection[];
  /** The sections' addresses as numbers (read for every word). */
  private readonly starts: number[];
  private readonly decoded = new Map<number, Decoded | Undecoded>();

  constructor(readonly image: LoadedImage) {
    this.sections = image.sections.filter((s) => s.exec);
    this.starts = this.sections.map((s) => Number(s.address));
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

  /** "symbol+0xoff" for an address, or its hex value. */
  describe(address: bigint | number): string {
    const at = BigInt(address);
    const sym = this.image.symbolize(at);
    if (!sym) return `0x${at.toString(16)}`;
    return sym.offset ? `${sym.name}+0x${sym.offset.toString(16)}` : sym.name;
  }
}
