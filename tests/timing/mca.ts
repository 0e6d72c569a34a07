/**
 * Test helpers: llvm-mca-19 on a block of assembly, and the same block's
 * words (assembled with llvm-mc-19) for the timing model.
 */
import { assemble, findTool, mattr, runWithInput } from "../../src/asm/assembler.ts";
import { parseElf } from "../../src/asm/elf.ts";

/** "Total Cycles" of `llvm-mca-19 -mcpu=<cpu> -iterations=<n>` on `asm`. */
export async function mcaTotalCycles(cpu: string, asm: string, iterations = 100): Promise<number> {
  const args = [
    "-mtriple=aarch64",
    `-mcpu=${cpu}`,
    `-mattr=${mattr()}`,
    `-iterations=${iterations}`,
  ];
  const { code, stdout, stderr } = await runWithInput(findTool("llvm-mca-19"), args, asm + "\n");
  const err = new TextDecoder().decode(stderr);
  if (code !== 0) throw new Error(`llvm-mca-19 ${args.join(" ")} failed: ${err}\n${asm}`);
  const m = /Total Cycles:\s+(\d+)/.exec(new TextDecoder().decode(stdout));
  if (!m) throw new Error(`no "Total Cycles" in llvm-mca-19 output for:\n${asm}`);
  return Number(m[1]);
}

/** The instruction words of `asm` (one straight-line block), assembled by llvm-mc-19. */
export async function assembleWords(asm: string): Promise<number[]> {
  const object = parseElf(
    await assemble({ name: "timing-block", chunks: [{ origin: "tests/timing", text: asm }] }),
  );
  const text = object.sections.find((s) => s.name === ".text");
  if (!text) throw new Error("no .text section");
  const bytes = text.data ?? new Uint8Array();
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return Array.from({ length: bytes.length / 4 }, (_, i) => view.getUint32(i * 4, true));
}
