/**
 * Disassembler helper: one llvm-mc-19 --disassemble run for a batch of words,
 * with pc-relative targets rewritten as absolute addresses.
 */

import { findTool, LLVM_MC, mattr, runWithInput } from "./assembler.ts";

/** An instruction word and the address it lives at. */
export interface AddressedWord {
  address: bigint;
  /** The 32-bit instruction word (as read little-endian from memory). */
  word: number;
}

/** Text returned for words LLVM does not decode. */
export const UNDEFINED = "<undefined>";

/**
 * A separator word placed after every input word: LLVM prints it as a line we
 * can split on, so outputs stay aligned with inputs even when some words are
 * rejected (those print nothing on stdout, only a warning on stderr).
 */
const SEPARATOR = 0x0000beef; // udf #48879
const SEPARATOR_TEXT = "udf #48879";

/**
 * Disassembles words in one llvm-mc call. Returns one string per input word,
 * e.g. "bl 0x10000400" (branch/adr/literal targets made absolute), or
 * "<undefined>" when LLVM rejects the word.
 */
export async function disassemble(words: readonly AddressedWord[]): Promise<string[]> {
  if (words.length === 0) return [];
  // A word equal to the separator is not sent: its text is known already.
  const input = words.flatMap(({ word }) =>
    word >>> 0 === SEPARATOR ? [bytesLine(SEPARATOR)] : [bytesLine(word), bytesLine(SEPARATOR)]
  ).join("\n");
  const args = ["--disassemble", "-triple=aarch64", `-mattr=${mattr()}`];
  const { code, stdout, stderr } = await runWithInput(findTool(LLVM_MC), args, input);
  if (code !== 0) {
    throw new Error(`${LLVM_MC} --disassemble failed: ${new TextDecoder().decode(stderr).trim()}`);
  }
  const groups = splitGroups(new TextDecoder().decode(stdout));
  if (groups.length !== words.length + 1) {
    throw new Error(`${LLVM_MC} --disassemble returned ${groups.length} of ${words.length} words`);
  }
  return words.map(({ address, word }, i) => {
    if (word >>> 0 === SEPARATOR) return SEPARATOR_TEXT;
    const text = groups[i].join("; ");
    return text === "" ? UNDEFINED : absoluteTargets(text, address);
  });
}

function bytesLine(word: number): string {
  const w = word >>> 0;
  return [0, 8, 16, 24].map((s) => `0x${((w >>> s) & 0xff).toString(16).padStart(2, "0")}`)
    .join(" ");
}

/** Splits LLVM's output into the instruction lines between separators. */
function splitGroups(text: string): string[][] {
  const groups: string[][] = [[]];
  for (const raw of text.split("\n")) {
    const line = normalize(raw);
    if (line === "" || line.startsWith(".")) continue; // the ".text" header
    if (line === SEPARATOR_TEXT) groups.push([]);
    else groups[groups.length - 1].push(line);
  }
  return groups;
}

/** "\tbl\t#1024" -> "bl #1024"; drops comments LLVM may append. */
function normalize(line: string): string {
  return line.replace(/\s*\/\/.*$/, "").trim().replace(/\t/g, " ").replace(/ +/g, " ");
}

/** Mnemonics whose last operand is a pc-relative immediate. */
const PC_RELATIVE = /^(b|bl|b\.\w+|bc\.\w+|cbz|cbnz|tbz|tbnz|adr|adrp|ldr|ldrsw|prfm)$/;

/**
 * Rewrites the pc-relative immediate of branches, adr/adrp and literal loads
 * into the absolute target address: "bl #-1024" at 0x10000400 -> "bl 0x10000000".
 */
export function absoluteTargets(text: string, address: bigint): string {
  const m = /^(\S+) (.*?)#(-?\d+)$/.exec(text);
  if (!m || !PC_RELATIVE.test(m[1])) return text;
  const [, mnemonic, before, imm] = m;
  // Post-indexed loads ("ldr x0, [x1], #8") also end in an immediate; it is no target.
  if (before.includes("[")) return text;
  const base = mnemonic === "adrp" ? address & ~0xfffn : address;
  const target = BigInt.asUintN(64, base + BigInt(imm));
  return `${mnemonic} ${before}0x${target.toString(16)}`;
}
