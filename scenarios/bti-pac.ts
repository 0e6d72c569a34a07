/**
 * Question: what do BTI landing pads and PAC-signed return addresses change
 * on the traced call, and which ways of entering a tracer need the tracer
 * itself to be built with BTI?
 *
 * The kernel is built with branch protection: every function whose address
 * is taken starts with `bti c`, so the patch site moves to entry+4. Non-leaf
 * functions sign x30 with `paciasp` and check it with `autiasp`, inside the
 * prologue, after the patch site, so trampolines still see an unsigned x30.
 * The harness checks every indirect branch as a CPU with guarded pages would.
 * A `blr` must land on `bti c`/`bti jc`, and a `br` on `bti j`/`bti jc`
 * (`br x16`/`br x17` may also land on `bti c`). Any other landing is a BTI
 * fault, and the variant is reported failed.
 *
 * Set `tracer_bti=false` to model a tracer (and BPF program) built without
 * `bti c`. The `bl` of regs and args still reaches the tracer, but the `blr`
 * of call-ops takes a BTI fault. The BPF program is still reached: with PAC
 * its first instruction is `paciasp`, which is an implicit `bti c`. The
 * default sweep leaves tracer_bti true, so the main job stays green.
 */
import { argsParam, defineScenario, singleTracerOps } from "../mod.ts";

export default defineScenario({
  name: "bti-pac",
  question:
    "What do BTI and PAC cost on the traced call, and where must the tracer have a landing pad?",
  params: {
    args: argsParam({ sweep: [0, 2, 8] }),
    bti: { type: "bool", default: true, doc: "kernel built with BTI landing pads" },
    pac: { type: "bool", default: true, doc: "kernel built with PAC (paciasp/autiasp) prologues" },
    tracer_bti: {
      type: "bool",
      default: true,
      doc: "the tracer and BPF program start with bti c",
    },
  },
  variants: ["nop", "regs", "args", "call-ops", "direct"],
  workload: (p) => ({
    target: { args: p.args },
    ops: [singleTracerOps("empty")],
    codegen: { bti: p.bti, pac: p.pac },
    tracersWithoutBti: !p.tracer_bti,
  }),
});
