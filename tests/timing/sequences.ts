/**
 * Test helper: the save and restore sequences of every built-in variant, as
 * the traced call executed them (single-tracer scenario, 8 arguments, empty
 * tracer), taken from the timing capture of a real run and its phase markers.
 */
import { disassemble } from "../../src/asm/disasm.ts";
import { unicornFactory } from "../../src/engine/unicorn.ts";
import { VARIANTS } from "../../src/kernel/variants/index.ts";
import { buildWorld } from "../../src/kernel/world.ts";
import { loadWorld } from "../../src/runner/machine.ts";
import { measure } from "../../src/runner/run_case.ts";
import { toWorkload } from "../../src/runner/run_scenario.ts";
import singleTracer from "../../scenarios/single-tracer.ts";

/** One phase of one variant: its executed non-branch instructions, in order. */
export interface PhaseSequence {
  variant: string;
  phase: "save" | "restore";
  words: number[];
  /** llvm-mc's text of the words, one instruction per line. */
  asm: string;
}

/**
 * Branches are left out: llvm-mca has no control flow (it times a block as if
 * every branch fell through, and treats calls as 100-cycle instructions).
 */
export async function variantSequences(): Promise<PhaseSequence[]> {
  const params = { ...defaults(), args: 8, tracer: "empty" };
  const workload = toWorkload(singleTracer.workload(params));
  const out: PhaseSequence[] = [];
  for (const variant of VARIANTS) {
    const world = buildWorld(variant, workload, `timing-seq/${variant.name}`);
    if ("notApplicable" in world) continue;
    const loaded = await loadWorld(world, workload.layout);
    const { trace } = await measure(loaded, unicornFactory, undefined, { trace: true });
    if (!trace) throw new Error("measure returned no trace");
    const seen = { save: [] as number[], restore: [] as number[] };
    for (let b = 0; b < trace.blockCount; b++) {
      for (let pc = trace.blockStart[b]; pc < trace.blockStart[b] + trace.blockSize[b]; pc += 4) {
        const phase = loaded.phases.at(pc);
        if (phase !== "save" && phase !== "restore") continue;
        const insn = loaded.code.instruction(pc);
        if (!insn || insn.cls === null || insn.branch) continue;
        seen[phase].push(insn.word);
      }
    }
    for (const phase of ["save", "restore"] as const) {
      const words = seen[phase];
      if (words.length === 0) continue;
      const text = await disassemble(words.map((word) => ({ address: 0n, word })));
      out.push({ variant: variant.name, phase, words, asm: text.join("\n") });
    }
  }
  return out;
}

function defaults(): Record<string, number | string | boolean> {
  return Object.fromEntries(
    Object.entries(singleTracer.params).map(([k, s]) => [k, s.default]),
  );
}
