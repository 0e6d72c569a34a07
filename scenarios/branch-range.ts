/**
 * Question: what happens when the patch site's `bl` (+-128 MiB) cannot reach
 * the trampoline? Does each mechanism still work, by which path, and at what cost?
 *
 * The traced function and its caller sit at the far end of kernel text. The
 * in-kernel trampolines (ftrace_caller, ftrace_regs_caller) sit at its start.
 * With a 30 MiB text, as real kernels have, everything is in range. With
 * 200 MiB it is not. ftrace then needs a veneer next to the function,
 * `adrp x16; add x16; br x16`, as a module's PLT entry provides. The mailing
 * list's point is that a kernel this big is broken anyway.
 *
 * The BPF trampoline is allocated in module space, either near the function
 * or 2 GiB away. Out of range, a v6.4+ direct call goes through
 * ftrace_caller, which jumps to the trampoline on its way out (`br x17`).
 * The v5 patch in the thread refused such trampolines (-ENOTSUPP), so its
 * cell reads "unsupported" and is not counted as a crash. The JSON `path`
 * field says which route each run took.
 */
import { argsParam, defineScenario, type OpsSpec } from "../mod.ts";

const MIB = 1024 * 1024;

export default defineScenario({
  name: "branch-range",
  question:
    "When the patch site's BL cannot reach the trampoline, which mechanisms still work, and at what cost?",
  params: {
    text_mib: {
      type: "int",
      default: 30,
      sweep: [30, 200],
      min: 1,
      max: 1024,
      doc: "size of kernel text in MiB (the traced function sits at its end)",
    },
    placement: {
      type: "enum",
      values: ["near", "far"],
      default: "near",
      sweep: ["near", "far"],
      doc: "where the BPF trampoline is allocated: within BL range of the function, or 2 GiB away",
    },
    args: argsParam({ sweep: [2] }),
  },
  variants: ["nop", "regs", "args", "call-ops", "direct", "coexist"],
  workload(p) {
    const tracer: OpsSpec = {
      name: "tracer_ops",
      tracer: "bpf",
      filter: "target",
      dynamic: false,
      rcu: false,
      recursionSafe: true,
      direct: true,
    };
    return {
      target: { args: p.args },
      ops: [tracer],
      textSize: p.text_mib * MIB,
      placement: p.placement,
      targetAtTextEnd: true,
    };
  },
});
