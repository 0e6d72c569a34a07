/**
 * Test helpers: independent views of an object through llvm-objdump-19 and
 * of instruction words through llvm-mc-19 --disassemble, parsed from text.
 */

import { findTool } from "../../src/asm/assembler.ts";
import type { AsmUnit } from "../../src/asm/source.ts";

/** One line of `llvm-objdump -h`. */
export interface DumpSection {
  index: number;
  name: string;
  size: number;
  /** "TEXT", "DATA", "BSS" or "". */
  kind: string;
}

/** One line of `llvm-objdump -t`. */
export interface DumpSymbol {
  value: bigint;
  binding: "local" | "global" | "weak";
  type: "func" | "object" | "file" | "section" | "notype";
  /** Section name, or *UND*, *ABS*, *COM*. */
  section: string;
  size: number;
  name: string;
}

/** One line of `llvm-objdump -r`. */
export interface DumpRelocation {
  section: string;
  offset: number;
  type: string;
  symbol: string;
  addend: bigint;
}

/** Parsed `llvm-objdump-19 -h -t -r`. */
export interface Dump {
  sections: DumpSection[];
  symbols: DumpSymbol[];
  relocations: DumpRelocation[];
}

/** Runs llvm-objdump-19 -h -t -r on object bytes and parses its text. */
export async function objdump(object: Uint8Array): Promise<Dump> {
  const path = await Deno.makeTempFile({ suffix: ".o" });
  try {
    await Deno.writeFile(path, object);
    const out = await new Deno.Command(findTool("llvm-objdump-19"), {
      args: ["-h", "-t", "-r", path],
    }).output();
    if (!out.success) throw new Error(new TextDecoder().decode(out.stderr));
    return parseDump(new TextDecoder().decode(out.stdout));
  } finally {
    await Deno.remove(path);
  }
}

const SECTION_LINE = /^\s*(\d+) (\S*)\s+([0-9a-f]{8}) [0-9a-f]{16} ?(\S*)$/;
const SYMBOL_LINE = /^([0-9a-f]{16}) (.{7}) (\S+)\t([0-9a-f]{16}) ?(.*)$/;
const RELOC_LINE = /^([0-9a-f]{16}) (R_\S+)\s+(\S+?)(?:([+-])0x([0-9a-f]+))?$/;

function parseDump(text: string): Dump {
  const dump: Dump = { sections: [], symbols: [], relocations: [] };
  let relocSection = "";
  for (const line of text.split("\n")) {
    const header = /^RELOCATION RECORDS FOR \[(.*)\]:$/.exec(line);
    if (header) relocSection = header[1];
    const s = SECTION_LINE.exec(line);
    if (s) {
      dump.sections.push({ index: +s[1], name: s[2], size: parseInt(s[3], 16), kind: s[4] });
    }
    const y = SYMBOL_LINE.exec(line);
    if (y) dump.symbols.push(parseSymbol(y));
    const r = RELOC_LINE.exec(line);
    if (r) {
      const addend = r[5] ? BigInt(`0x${r[5]}`) * (r[4] === "-" ? -1n : 1n) : 0n;
      dump.relocations.push({
        section: relocSection,
        offset: parseInt(r[1], 16),
        type: r[2],
        symbol: r[3],
        addend,
      });
    }
  }
  return dump;
}

/** Flags column: [l/g/ ][w][C][W][I][d/D][F/f/O]. */
function parseSymbol(m: RegExpExecArray): DumpSymbol {
  const flags = m[2];
  const type = flags[6] === "F"
    ? "func"
    : flags[6] === "O"
    ? "object"
    : flags[6] === "f"
    ? "file"
    : flags[5] === "d"
    ? "section"
    : "notype";
  return {
    value: BigInt(`0x${m[1]}`),
    binding: flags[1] === "w" ? "weak" : flags[0] === "l" ? "local" : "global",
    type,
    section: m[3],
    size: parseInt(m[4], 16),
    name: m[5],
  };
}

/** Disassembles words with llvm-mc-19 directly; one raw line per word (tabs -> spaces). */
export async function llvmDisassembleRaw(words: number[]): Promise<string[]> {
  const input = words.map((w) =>
    [0, 8, 16, 24].map((s) => `0x${((w >>> s) & 0xff).toString(16)}`).join(" ")
  ).join("\n");
  const child = new Deno.Command(findTool("llvm-mc-19"), {
    args: ["--disassemble", "-triple=aarch64", "-mattr=+bti,+pauth,+lse"],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const output = child.output();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(input));
  await writer.close();
  const out = await output;
  const lines = new TextDecoder().decode(out.stdout).split("\n")
    .map((l) => l.trim().replace(/\s+/g, " "))
    .filter((l) => l !== "" && !l.startsWith("."));
  if (lines.length !== words.length) {
    throw new Error(`expected ${words.length} lines, got:\n${lines.join("\n")}`);
  }
  return lines;
}

/** A unit of one chunk, named after the test. */
export function unit(name: string, text: string): AsmUnit {
  return { name, chunks: [{ origin: `tests/asm: ${name}`, text }] };
}

/** Reads a fixture file next to the tests. */
export function fixture(name: string): Promise<string> {
  return Deno.readTextFile(new URL(`./fixtures/${name}`, import.meta.url));
}

/** Reads a little-endian 32-bit word of a byte array. */
export function word32(bytes: Uint8Array, offset: number): number {
  return new DataView(bytes.buffer, bytes.byteOffset).getUint32(offset, true);
}

/** Reads a little-endian 64-bit value of a byte array. */
export function word64(bytes: Uint8Array, offset: number): bigint {
  return new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(offset, true);
}
