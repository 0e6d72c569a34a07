/**
 * Question (the mailing-list thread's central one): is a custom BPF
 * trampoline only about overhead? What does each way of attaching a BPF
 * program to a kernel function cost, and what can each way do?
 *
 * One BPF program is attached to `traced_fn(a0, ..., aN-1)`. The program
 * reads every argument from its ctx and records them, as the BPF selftests'
 * fentry/fexit programs do. The checks assert that it saw the exact values
 * (and, for fexit, the return value). It is reached through:
 *
 *   regs        ftrace ops on ftrace_regs_caller: the ops func builds ctx from pt_regs
 *   args        ftrace ops on the minimal-regs ftrace_caller: ctx built from ftrace_regs
 *   call-ops    per-callsite ops: ftrace_caller calls the ops func with blr
 *   direct      a direct call to a BPF trampoline in BL range (v6.4+). It goes through
 *               ftrace_caller and ftrace_regs->direct_tramp when other tracers share the site.
 *   direct-far  the same trampoline allocated out of BL range: always through ftrace_caller
 *   coexist     the v5 patch of the thread: ftrace_regs_caller first, then a jump to the
 *               trampoline passed through pt_regs->orig_x0 (refused when out of range)
 *
 * `attach` is fentry (before the function), fexit (after it, seeing the
 * return value) or fmod_ret (may replace the function). Only a trampoline
 * that calls the function itself can do fexit and fmod_ret, so the ops-func
 * variants report those cells as not applicable. `other_tracers` adds plain
 * ftrace ops on the same function, the case where a direct call cannot
 * branch straight to its trampoline.
 */
import { argsParam, defineScenario, type OpsSpec } from "../mod.ts";

export default defineScenario({
  name: "bpf-fentry",
  question: "Is a custom BPF trampoline only about overhead? What does each way of attaching cost?",
  params: {
    args: argsParam(),
    attach: {
      type: "enum",
      values: ["fentry", "fexit", "fmod_ret"],
      default: "fentry",
      sweep: ["fentry", "fexit", "fmod_ret"],
      doc: "BPF attach type",
    },
    other_tracers: {
      type: "int",
      default: 0,
      sweep: [0, 1],
      min: 0,
      max: 100,
      doc: "plain ftrace ops also tracing the function",
    },
  },
  variants: ["nop", "regs", "args", "call-ops", "direct", "direct-far", "coexist"],
  workload(p) {
    const bpf: OpsSpec = {
      name: "bpf_ops",
      tracer: "bpf",
      filter: "target",
      dynamic: true, // BPF links are allocated at run time
      rcu: false,
      recursionSafe: true, // the BPF enter hook has its own recursion counter
      direct: true,
    };
    const others: OpsSpec[] = Array.from({ length: p.other_tracers }, (_, k) => ({
      name: `ftrace_ops_${k}`,
      tracer: "empty",
      filter: "target",
      dynamic: true,
      rcu: false,
      recursionSafe: true,
    }));
    return {
      target: { args: p.args },
      ops: [bpf, ...others],
      bpfAttach: p.attach,
    };
  },
});
