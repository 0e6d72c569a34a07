/**
 * Disassembly for listings, cached per instruction word for the whole
 * process. LLVM's text of a word does not depend on where it lives, except
 * the pc-relative operand that src/asm/disasm.ts makes absolute: words are
 * disassembled once, as if at address 0, and that operand is moved to each
 * address they are listed at. Only words never seen before reach llvm-mc,
 * all of one request in a single spawn.
 */
import { disassemble, UNDEFINED } from "../asm/disasm.ts";

/** Word -> its text at address 0. */
const texts = new Map<number, string>();

/** How many llvm-mc processes listings started, and how many words they decoded. */
export const disasmStats = { spawns: 0, words: 0 };

/** Mnemonics whose trailing operand src/asm/disasm.ts rewrote as an absolute address. */
const PC_RELATIVE = /^(b|bl|b\.\w+|bc\.\w+|cbz|cbnz|tbz|tbnz|adr|adrp|ldr|ldrsw|prfm)$/;

/** The text of a word disassembled at address 0, moved to `address`. */
export function relocateText(text: string, address: bigint): string {
  const m = /^(\S+) (.*?)0x([0-9a-f]+)$/.exec(text);
  if (!m || !PC_RELATIVE.test(m[1]) || m[2].includes("[") || m[2].endsWith("#")) return text;
  const [, mnemonic, before, hex] = m;
  const offset = BigInt.asIntN(64, BigInt(`0x${hex}`));
  const base = mnemonic === "adrp" ? address & ~0xfffn : address;
  return `${mnemonic} ${before}0x${BigInt.asUintN(64, base + offset).toString(16)}`;
}

/** Make sure every word in `words` has its text cached: one llvm-mc spawn for the new ones. */
export async function disassembleWords(words: Iterable<number>): Promise<void> {
  const missing = [...new Set([...words].map((w) => w >>> 0))].filter((w) => !texts.has(w));
  if (missing.length === 0) return;
  disasmStats.spawns++;
  disasmStats.words += missing.length;
  const out = await disassemble(missing.map((word) => ({ address: 0n, word })));
  missing.forEach((w, i) => texts.set(w, out[i]));
}

/** The cached text of `word` at `address` (call {@link disassembleWords} first). */
export function textAt(word: number, address: bigint): string {
  const text = texts.get(word >>> 0);
  if (text === undefined) throw new Error(`word ${word.toString(16)} was not disassembled`);
  return text === UNDEFINED ? text : relocateText(text, address);
}
