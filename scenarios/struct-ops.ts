/**
 * Question (from the mailing-list thread, `dctcp_state(sk, new_state)`): when
 * kernel code calls an operation through a function pointer and the
 * implementation is a BPF program rather than C, what does the native-to-BPF
 * calling-convention conversion cost?
 *
 * The experiment: `caller`, written like tcp_set_ca_state(), loads the
 * socket's congestion-control table (a `struct tcp_congestion_ops`), loads its
 * `set_state` member, checks it for NULL and calls it with `blr x8`, passing N
 * arguments in x0..x(N-1). The table holds either
 *   native  `dctcp_state`, a C function (its ftrace patch site left as
 *           `mov x9, x30; nop`), or
 *   bpf     a struct_ops trampoline in module text, which stores the arguments
 *           into a ctx array on its stack, runs the BPF enter hook, calls the
 *           JIT-compiled program with x0 = ctx, keeps its return value, runs the
 *           exit hook and returns that value to the caller like a C function.
 * The program loads each argument from ctx and computes the same result as
 * the C function, so the caller's return-value check holds for both. The
 * checks also assert that the program saw the exact arguments in ctx and that
 * an unwinder inside it sees prog <- trampoline <- caller. Indirect calls land
 * on `bti c` when `bti` is set (checked on every run).
 *
 * The overhead column is measured against the harness's `nop` baseline: the
 * same function reached by a direct `bl`, so for `native` it is the price of
 * the indirect call itself.
 */
import { argsParam, defineScenario, structOpsBpfVariant, structOpsNativeVariant } from "../mod.ts";

export default defineScenario({
  name: "struct-ops",
  question: "What does calling a BPF program through a kernel function pointer cost, " +
    "compared with a native C implementation?",
  params: {
    args: argsParam({ doc: "arguments of the operation (dctcp_state(sk, new_state) has 2)" }),
    bti: {
      type: "bool",
      default: false,
      doc: "kernel and JIT built with BTI: every indirect call lands on `bti c`",
    },
  },
  variants: [structOpsNativeVariant, structOpsBpfVariant],
  workload: (p) => ({
    target: { name: "dctcp_state", args: p.args },
    ops: [],
    codegen: { bti: p.bti },
  }),
});
