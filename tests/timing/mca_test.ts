/**
 * The timing model against llvm-mca (LLVM 19) on straight-line blocks: every
 * variant's save and restore sequence, and synthetic blocks for each
 * instruction class. Each block runs 100 iterations in both, on the same CPU
 * name; total cycles must agree within TOLERANCE for neoverse-n1 and
 * cortex-a55. The worst disagreement per CPU is printed; the tolerance is set
 * just above the worst one observed: -5.0%, neoverse-n1 on call-ops' save
 * sequence (12 stores: llvm-mca 1056 cycles, the model 1003; llvm-mca's own
 * block reciprocal throughput for it is 10.0 cycles, the model's 10.03 per
 * iteration). Everything else agrees within 2%.
 *
 * Where they differ by design, and how the blocks deal with it:
 * - llvm-mca has no branch prediction and no addresses: in our synthetic
 *   trace every branch falls through (predicted) and every access has its own
 *   line (L1 hits, no store-to-load forwarding, as llvm-mca's -noalias default).
 * - llvm-mca does not model control flow (and charges 100 cycles to a call):
 *   `bl`, `blr`, `br` and `ret` get no block here, and the save/restore
 *   sequences are compared without their branches. `exception` (brk, svc) has
 *   no figure in any CPU file (it ends a run).
 * - llvm-mca's neoverse-n1 dispatches 8 micro-ops per cycle with no decode
 *   limit; our model decodes 4 instructions per cycle as the N1 does. A block
 *   of instructions that use no port (nop, mrs) would be decode-bound in ours,
 *   so the hint and system blocks put them in a dependency chain.
 * - llvm-mca's cycle count has a fixed pipeline fill of about 3 cycles; ours starts at 0.
 * - llvm-mca times a barrier as a plain one-cycle instruction; ours drains
 *   (isb refills the pipeline, dsb waits for older work, dmb orders memory
 *   accesses: tests/timing/barrier_test.ts). The barrier block has a dmb and
 *   no memory access, where both agree.
 */
import assert from "node:assert/strict";
import { builtinCpu } from "../../src/timing/catalog.ts";
import { simulate } from "../../src/timing/simulate.ts";
import { repeatBlock } from "../../src/timing/synthetic.ts";
import { assembleWords, mcaTotalCycles } from "./mca.ts";
import { variantSequences } from "./sequences.ts";

const ITERATIONS = 100;
const TOLERANCE = 0.055;

/** One or more blocks per instruction class (branch-free or fall-through branches). */
const SYNTHETIC: Record<string, string> = {
  "int-alu chain": "add x0, x0, #1\nsub x0, x0, x1\nadds x0, x0, #2",
  "int-alu independent":
    "add x0, x1, #1\nsub x2, x3, x4\nadd x5, x6, #7\nadr x7, .\nadrp x8, .\nadd x9, x10, x11",
  "int-alu flags": "cmp x0, #4\ncsel x1, x2, x3, lt\nccmp x1, x4, #0, ne\ncset x0, eq",
  "int-shift": "lsl x0, x0, #3\nubfx x1, x0, #4, #8\nlsr x2, x1, x3\nadd x4, x2, x1, lsl #2",
  "shifted and extended operands":
    "add x0, x1, x0, lsl #2\nadd x0, x0, x2, lsl #8\nadd x0, x3, w0, uxtw\nand x0, x4, x0, lsr #3\n" +
    "add x5, sp, x0\nsub x0, x0, x5, asr #1",
  "move-wide":
    "movz x0, #0x1234\nmovk x0, #0x5678, lsl #16\nmovk x0, #0x9abc, lsl #32\nadd x1, x1, x0",
  "logical": "and x0, x0, #0xff\norr x1, x0, x2\neor x2, x1, x0\ntst x2, #1\nmov x3, x2",
  "multiply": "mul x0, x0, x1\nmadd x2, x3, x4, x5\numulh x6, x7, x8",
  "multiply-accumulate chain": "madd x0, x1, x2, x0\nmsub x0, x3, x4, x0\nadd x0, x0, #1",
  "long multiply and flag-setting logical":
    "tst w4, w6\ncset x4, ne\nsmaddl x6, w7, w9, x6\nands x0, x0, x1, lsl #2\nadd x0, x0, x4",
  "divide": "udiv x0, x1, x2\nadd x3, x0, #1",
  "load": "ldr x0, [x1]\nldr x2, [x3, #8]\nldrb w4, [x5]\nldur x6, [x7, #-8]",
  "load chain": "ldr x0, [x0]\nldr x0, [x0, #8]",
  "load writeback": "ldr x0, [x1], #8\nldr x2, [x1, #8]!",
  "store": "str x0, [sp, #8]\nstr x1, [sp, #16]\nstrb w2, [x3]\nstr x4, [x5], #8",
  "load-pair": "ldp x0, x1, [sp]\nldp x2, x3, [sp, #16]\nadd x4, x1, x3",
  "store-pair": "stp x29, x30, [sp, #-16]!\nmov x29, sp\nstp x0, x1, [sp, #16]",
  "atomic": "ldxr x0, [x1]\nadd x0, x0, #1\nstxr w2, x0, [x1]",
  "branch-cond": "subs x0, x0, #1\nb.ne 1f\n1: cbz x1, 2f\n2: tbnz x2, #3, 3f\n3: add x3, x3, #1",
  "branch": "b 1f\n1: add x0, x0, #1\nb 2f\n2: add x1, x1, #1",
  "hint": "add x0, x0, #1\nnop\nbti c\nadd x0, x0, #1\npaciasp\nautiasp",
  "pac": "pacia x0, x1\nautia x0, x1\npacib x2, x3",
  "barrier": "dmb ish\nadd x0, x0, #1\nadd x0, x0, #1",
  "system": "mrs x0, sp_el0\nadd x5, x5, x0\nldr x5, [x5]",
  "hash lookup":
    "mul x0, x1, x2\nlsr x0, x0, #54\nldr x3, [x4, x0, lsl #3]\ncbz x3, 1f\n1: ldr x5, [x3]\ncmp x5, x6",
  "preempt count": "mrs x0, sp_el0\nldr w1, [x0, #8]\nadd w1, w1, #1\nstr w1, [x0, #8]",
};

interface Comparison {
  block: string;
  mca: number;
  ours: number;
  diff: number;
}

async function compare(cpu: string, blocks: { name: string; asm: string; words?: number[] }[]) {
  const model = builtinCpu(cpu);
  return await Promise.all(blocks.map(async ({ name, asm, words }): Promise<Comparison> => {
    const mca = await mcaTotalCycles(cpu, asm, ITERATIONS);
    const run = repeatBlock(words ?? await assembleWords(asm), ITERATIONS);
    const ours = simulate(model, run.trace, run.code, run.phases).cycles;
    return { block: name, mca, ours, diff: (ours - mca) / mca };
  }));
}

function report(cpu: string, what: string, rows: Comparison[]): void {
  const worst = rows.reduce((a, b) => (Math.abs(b.diff) > Math.abs(a.diff) ? b : a));
  const pct = (d: number) => `${d >= 0 ? "+" : ""}${(d * 100).toFixed(1)}%`;
  console.log(
    `${cpu}, ${what}: ${rows.length} blocks x ${ITERATIONS} iterations; worst disagreement with ` +
      `llvm-mca-19 -mcpu=${cpu} -iterations=${ITERATIONS}: ${pct(worst.diff)} ` +
      `(${worst.block}: llvm-mca ${worst.mca}, model ${worst.ours} cycles)`,
  );
  for (const r of rows) {
    assert.ok(
      Math.abs(r.diff) <= TOLERANCE,
      `${cpu} ${r.block}: llvm-mca ${r.mca} cycles, model ${r.ours} (${pct(r.diff)})`,
    );
  }
}

const sequences = variantSequences();

for (const cpu of ["cortex-a55", "neoverse-n1"]) {
  Deno.test(`${cpu}: save/restore sequences of every variant agree with llvm-mca`, async () => {
    const seqs = await sequences;
    assert.ok(seqs.length >= 6, "save and restore of at least three variants");
    const rows = await compare(
      cpu,
      seqs.map((s) => ({ name: `${s.variant}/${s.phase}`, asm: s.asm, words: s.words })),
    );
    report(cpu, "save/restore sequences", rows);
  });

  Deno.test(`${cpu}: synthetic blocks of every class agree with llvm-mca`, async () => {
    const blocks = Object.entries(SYNTHETIC).map(([name, asm]) => ({ name, asm }));
    assert.ok(blocks.length >= 20);
    report(cpu, "synthetic class blocks", await compare(cpu, blocks));
  });
}
