/**
 * Question: what does it cost to put one tracer on a kernel function, for
 * each way a traced call can enter it, as the function's argument count grows?
 *
 * The experiment: a caller calls `traced_fn(a0, ..., aN-1)` with a real `bl`.
 * One ftrace_ops (built-in, recursion-safe, not dynamic) filters on exactly
 * that function. Each variant leaves the patch site as the kernel would:
 *   nop       tracing off: `mov x9, x30; nop` (the baseline)
 *   regs      `bl ftrace_regs_caller`: full pt_regs, tracer called by a patched bl
 *   args      `bl ftrace_caller`: minimal ftrace_regs, tracer called by a patched bl
 *   call-ops  `bl ftrace_caller`, ops from the literal before the entry, `blr ops->func`
 *   direct    `bl bpf_trampoline`: the tracer is a BPF program called with a ctx array
 * The tracer is empty, or writes ip and parent ip (BPF: ip and every argument)
 * into a ring buffer. Every run checks the return value, callee-saved
 * registers, what the tracer saw, SP alignment and the unwinder's view.
 */
import { argsParam, defineScenario, singleTracerOps } from "../mod.ts";

export default defineScenario({
  name: "single-tracer",
  question: "What does one tracer cost on a function of N arguments, for each way of entering it?",
  params: {
    args: argsParam(),
    tracer: {
      type: "enum",
      values: ["empty", "ringbuf"],
      default: "empty",
      doc: "what the tracer does: nothing, or record ip/parent ip (and args) in a ring buffer",
    },
  },
  variants: ["nop", "regs", "args", "call-ops", "direct"],
  workload: (p) => ({
    target: { args: p.args },
    ops: [singleTracerOps(p.tracer)],
  }),
});
