/**
 * Question: what does return tracing cost on top of entry tracing? The
 * function-graph tracer sees a function return by rewriting its return
 * address; what does that add to a traced call, and where does it go?
 *
 * The experiment: a caller calls `traced_fn(a0, ..., aN-1)` with `bl`, on a
 * minimal-regs (FTRACE_WITH_ARGS, v6.x) kernel. The patch site is
 *   nop       `mov x9, x30; nop`: tracing off, the baseline
 *   function  `bl ftrace_caller`, whose patched `bl` calls the function
 *             tracer's callback: entry only (the `args` variant)
 *   graph     `bl ftrace_caller`, whose patched `bl` calls ftrace_graph_func:
 *             it pushes {return address, function, entry time, fp} on the
 *             task's return stack (`current->ret_stack`, reached via sp_el0),
 *             calls the entry handler and rewrites the saved lr (fregs->lr)
 *             to `return_to_handler`. ftrace_caller restores x30 from there,
 *             so when the body returns it lands in return_to_handler, which
 *             saves the return registers and calls ftrace_return_to_handler:
 *             it pops the entry, checks the callsite's frame pointer, calls
 *             the exit handler with the return value and hands back the
 *             original return address, where return_to_handler returns.
 * The handlers do no work of their own (the entry handler accepts every
 * function), so the figures are the mechanism's. The return path is its own
 * phase, `return`.
 *
 * What the rewrite does to the return-address stack: the body's `ret` is
 * predicted to go back to the address its caller's `bl` pushed (caller+N) but
 * goes to return_to_handler instead, a mispredict on real cores. The `ret` at
 * the end of return_to_handler matches no `bl` at all: it consumes the
 * prediction that the caller's own `ret` would have used, so returns further
 * up the stack are predicted one level off until the predictor resynchronises.
 * Instruction counts cannot show this; the cycle timing model charges it.
 *
 * Every run checks that the traced function's return value reaches the
 * caller intact, that the entry handler saw ip, parent ip and every argument,
 * that the exit handler saw ip and the return value, that callee-saved
 * registers and SP alignment hold, and what an unwinder sees. From the entry
 * handler: handler <- function_graph_enter_regs <- ftrace_graph_func <-
 * ftrace_caller <- traced_fn <- caller. From the exit handler, after the body
 * has returned: handler <- ftrace_return_to_handler <- return_to_handler <-
 * caller, where return_to_handler's frame record holds return_to_handler
 * itself and the unwinder resolves it through the return stack, as the
 * kernel's does. (The kernel's return_to_handler builds no frame record, so
 * its backtraces from an exit handler skip the caller; this one adds a record,
 * 3 instructions, so that the chain ends at caller <- harness_exit.)
 */
import {
  argsParam,
  defineScenario,
  functionTracerVariant,
  graphTracerVariant,
  singleTracerOps,
} from "../mod.ts";

export default defineScenario({
  name: "function-graph",
  question: "What does return tracing (the function-graph tracer) add to entry tracing?",
  params: {
    args: argsParam(),
    pac: {
      type: "bool",
      default: false,
      doc: "kernel built with pointer authentication: the body signs the rewritten return address",
    },
  },
  variants: ["nop", functionTracerVariant, graphTracerVariant],
  workload: (p) => ({
    target: { args: p.args },
    ops: [singleTracerOps("empty")],
    codegen: { pac: p.pac },
  }),
});
