/**
 * Kernel-style oops reports for emulated faults and runaway runs: pc,
 * symbol+offset, disassembly around the pc, registers, last branch targets.
 */
import { disassemble } from "../asm/disasm.ts";
import { type Engine, type EngineError, GPRS, type Register } from "../engine/engine.ts";
import type { CodeImage } from "../measure/code_image.ts";

/** A fault or budget overrun inside the emulated kernel. The message is the oops text. */
export class OopsError extends Error {
  constructor(message: string, readonly pc: bigint) {
    super(message);
    this.name = "OopsError";
  }
}

const hex = (v: bigint | number, pad = 0) => `0x${v.toString(16).padStart(pad, "0")}`;

async function codeAround(code: CodeImage, pc: bigint): Promise<string[]> {
  const words: { address: bigint; word: number }[] = [];
  for (let a = pc - 16n; a <= pc + 8n; a += 4n) {
    const word = code.word(Number(a));
    if (word !== undefined) words.push({ address: a, word });
  }
  if (words.length === 0) return ["  (no code loaded at pc)"];
  let texts: string[];
  try {
    texts = await disassemble(words);
  } catch (e) {
    texts = words.map(() => `(disassembler unavailable: ${(e as Error).message})`);
  }
  return words.map((w, i) =>
    `  ${w.address === pc ? ">" : " "} ${hex(w.address)} ${code.describe(w.address).padEnd(28)} ` +
    `${hex(w.word, 8)}  ${texts[i]}`
  );
}

function registerDump(engine: Engine): string[] {
  const regs: Register[] = [...GPRS, "sp", "pc", "nzcv", "sp_el0"];
  let values: bigint[];
  try {
    values = engine.readRegisters(regs);
  } catch {
    return ["  (registers unavailable)"];
  }
  const lines: string[] = [];
  for (let i = 0; i < regs.length; i += 4) {
    lines.push(
      "  " + regs.slice(i, i + 4).map((r, k) => `${r.padStart(6)}: ${hex(values[i + k], 16)}`).join(
        "  ",
      ),
    );
  }
  return lines;
}

/** Block entries as symbol+offset, repeats folded ("loop+0x4 x7"). */
function branchTrail(code: CodeImage, blocks: readonly number[]): string {
  const runs: { at: number; count: number }[] = [];
  for (const at of blocks) {
    const last = runs[runs.length - 1];
    if (last?.at === at) last.count++;
    else runs.push({ at, count: 1 });
  }
  return runs.map((r) => `${code.describe(r.at)}${r.count > 1 ? ` x${r.count}` : ""}`).join(
    " -> ",
  ) ||
    "none";
}

/** Build the oops text for what stopped the run. */
export async function oops(
  headline: string,
  pc: bigint,
  engine: Engine,
  code: CodeImage,
  lastBlocks: readonly number[],
  unit: string,
): Promise<OopsError> {
  const lines = [
    `Oops: ${headline}`,
    `  pc ${hex(pc)} is at ${code.describe(pc)} (unit ${unit})`,
    "Code:",
    ...(await codeAround(code, pc)),
    "Registers:",
    ...registerDump(engine),
    `Last branch targets (oldest first): ${branchTrail(code, lastBlocks)}`,
  ];
  return new OopsError(lines.join("\n"), pc);
}

/** The headline for an engine fault. */
export function faultHeadline(e: EngineError): string {
  const where = e.address !== undefined ? ` accessing ${hex(e.address)}` : "";
  return `${e.kind} fault${where}: ${e.libraryMessage}${e.detail ? `; ${e.detail}` : ""}`;
}
