/**
 * A SIMD/FP instruction that is executed is an error, never a silent count: the
 * decoder leaves it undecoded (kernel code is built with -mgeneral-regs-only),
 * and the measurement stops with `UndecodedInstructionError`, naming the word,
 * where it is, its pc and the decoder's reason.
 */
import assert from "node:assert/strict";
import { SIMD_FP_REASON } from "../../src/isa/decode.ts";
import { unicornFactory } from "../../src/engine/unicorn.ts";
import { openExecutionLog } from "../../src/engine/execution_log.ts";
import { defaultLayout } from "../../src/kernel/layout.ts";
import { argsVariant } from "../../src/kernel/variants/args.ts";
import type { Variant, VariantBuild } from "../../src/kernel/variants/variant.ts";
import { singleTracerOps } from "../../src/kernel/workload.ts";
import { CodeImage } from "../../src/measure/code_image.ts";
import { PhaseMap } from "../../src/measure/phases.ts";
import { TraceRecorder, UndecodedInstructionError } from "../../src/measure/recorder.ts";
import { loadUnit, mapImage } from "../../src/runner/machine.ts";
import { measureCase, toWorkload } from "../../src/runner/run_scenario.ts";

const FADD = 0x4e22d420; // fadd v0.4s, v1.4s, v2.4s
const STR_Q0 = 0x3d800020; // str q0, [x1]

/** The message `UndecodedInstructionError` gives for a SIMD/FP word at `where`. */
function expectedMessage(word: number, where: RegExp | string, pc: number | bigint): RegExp {
  const w = word.toString(16).padStart(8, "0");
  const at = typeof where === "string" ? where.replace(/[+.]/g, "\\$&") : where.source;
  const reason = SIMD_FP_REASON.replace(/[.*+?^${}()|[\]\\/-]/g, "\\$&");
  return new RegExp(
    `^cannot measure instruction word 0x${w} at ${at} \\(pc 0x${pc.toString(16)}\\): ${reason}$`,
  );
}

/** The real `args` trampoline with one SIMD instruction in ftrace_caller. */
const withSimd: Variant = {
  name: "args-with-fadd",
  summary: "args, with a fadd in ftrace_caller",
  build(workload) {
    const built = argsVariant.build(workload) as VariantBuild;
    const chunks = built.chunks.map((c) => ({
      origin: "tests/isa/undecoded_run_test.ts",
      text: c.text.replace("\tmov x3, sp\n", "\tmov x3, sp\n\tfadd v0.4s, v1.4s, v2.4s\n"),
    }));
    assert.ok(chunks.some((c, i) => c.text !== built.chunks[i].text), "the fadd was inserted");
    return { ...built, chunks };
  },
};

Deno.test("a SIMD instruction executed in a world stops the case with the undecoded error", async () => {
  const workload = toWorkload({ target: { args: 2 }, ops: [singleTracerOps("ringbuf")] });
  await assert.rejects(
    measureCase(withSimd, workload, "simd/args-with-fadd", unicornFactory),
    (e: unknown) => {
      assert.ok(e instanceof UndecodedInstructionError, String(e));
      assert.equal(e.word, FADD);
      assert.match(e.message, expectedMessage(FADD, /ftrace_caller\+0x[0-9a-f]+/, e.pc));
      return true;
    },
  );
});

Deno.test("a SIMD&FP store executed in a small program is undecoded, not counted as a store", async () => {
  const layout = defaultLayout();
  const text = `
	.section .text, "ax", %progbits
	.globl start
start:
	ldr x1, =data
	add x2, x1, #8
	str q0, [x1]
	.globl stop
stop:
	nop
	.section .data, "aw", %progbits
	.balign 16
data:
	.zero 16
`;
  const image = await loadUnit({ name: "simd-store", chunks: [{ origin: "test", text }] }, layout);
  const engine = unicornFactory.create();
  try {
    mapImage(engine, image, layout);
    const stackTop = layout.stackBase + BigInt(layout.stackSize);
    const log = await openExecutionLog(engine, {
      accesses: false,
      stack: { begin: layout.stackBase, end: stackTop - 1n },
    });
    engine.writeRegister("sp", stackTop - 64n);
    assert.equal(engine.run(image.address("start"), image.address("stop"), 100), "until");
    const recorder = new TraceRecorder(new CodeImage(image), new PhaseMap([]));
    const pc = image.address("start") + 8n;
    assert.throws(
      () => recorder.record(log),
      (e: unknown) =>
        e instanceof UndecodedInstructionError && e.word === STR_Q0 && e.pc === Number(pc) &&
        expectedMessage(STR_Q0, "start+0x8", pc).test(e.message),
    );
  } finally {
    engine.close();
  }
});
