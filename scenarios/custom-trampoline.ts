/**
 * Question: what does ftrace_caller cost if it saved only the argument
 * registers the traced function takes, and what does the direct-call check
 * of a CALL_OPS kernel cost when no ops has a direct call?
 *
 * Two ideas, written here in assembly and checked like the built-in variants:
 *
 *   lean-args        a minimal-regs ftrace_caller (the `args` variant's global
 *                    call) that stores and reloads only x0..x(N-1) of a
 *                    function of N arguments, instead of x0-x8 always.
 *   call-ops-nodirect  `call-ops` (linux 6.12's ftrace_caller) with its two
 *                    direct_call checks and the direct_tramp slot's store edited out.
 *
 * Both are compared with `args` and `call-ops` over the argument count, with
 * the built-in empty tracer or `sum_args`, a tracer of our own that reads every
 * argument back from ftrace_regs.
 */
import {
  argsParam,
  defineScenario,
  defineTracer,
  defineVariant,
  editVariant,
  singleTracerOps,
} from "../mod.ts";

/** Reads x0..x7 back from ftrace_regs and folds them into one register: a tracer that looks. */
const sumArgs = defineTracer({
  name: "sum_args",
  asm: [
    "\tldp x4, x5, [x3, #FTRACE_REGS_X0]",
    "\tadd x4, x4, x5",
    "\tldp x5, x6, [x3, #FTRACE_REGS_X2]",
    "\tadd x4, x4, x5",
    "\tadd x4, x4, x6",
    "\tret",
  ].join("\n"),
});

const leanArgs = defineVariant({
  name: "lean-args",
  summary: "ftrace_caller saving only the traced function's argument registers",
  target: "lean_caller",
  asm(ctx) {
    const regs = Array.from({ length: ctx.args }, (_, i) => i);
    const pairs = (op: "st" | "ld") =>
      regs.filter((i) => i % 2 === 0).map((i) =>
        i + 1 < ctx.args
          ? `\t${op}p x${i}, x${i + 1}, [sp, #FTRACE_REGS_X${i}]`
          : `\t${op}r x${i}, [sp, #FTRACE_REGS_X${i}]`
      );
    return [
      "\t.globl lean_caller",
      "\t.type lean_caller, %function",
      "lean_caller:",
      ctx.phase("save"),
      "\tbti c",
      "\tmov x10, sp",
      "\tsub sp, sp, #(FTRACE_REGS_SIZE + 32)",
      ...pairs("st"),
      "\tstr x29, [sp, #FTRACE_REGS_FP]",
      "\tstr x9, [sp, #FTRACE_REGS_LR]",
      "\tstr x10, [sp, #FTRACE_REGS_SP]",
      "\tstr x30, [sp, #FTRACE_REGS_PC]",
      // Frame records: the callsite's above ftrace_regs, then ours.
      "\tstp x29, x9, [sp, #(FTRACE_REGS_SIZE + 16)]",
      "\tadd x29, sp, #(FTRACE_REGS_SIZE + 16)",
      "\tstp x29, x30, [sp, #FTRACE_REGS_SIZE]",
      "\tadd x29, sp, #FTRACE_REGS_SIZE",
      ctx.phase("dispatch"),
      "\tsub x0, x30, #4",
      "\tmov x1, x9",
      "\tmov x3, sp",
      "\tadrp x2, function_trace_op",
      "\tldr x2, [x2, :lo12:function_trace_op]",
      `\tbl ${ctx.call}`,
      ctx.phase("restore"),
      ...pairs("ld"),
      "\tldr x29, [sp, #FTRACE_REGS_FP]",
      "\tldr x30, [sp, #FTRACE_REGS_LR]",
      "\tldr x9, [sp, #FTRACE_REGS_PC]",
      "\tadd sp, sp, #(FTRACE_REGS_SIZE + 32)",
      "\tret x9",
    ].join("\n");
  },
});

const DIRECT_CHECKS = [
  /^\tldr x17, \[x11, #FTRACE_OPS_DIRECT_CALL\]\n\tcbnz x17, \S+\n/m,
  /^\tstr xzr, \[sp, #FTRACE_REGS_DIRECT_TRAMP\]\n/m,
  /^\tldr x17, \[sp, #FTRACE_REGS_DIRECT_TRAMP\]\n\tcbnz x17, \S+\n/m,
];

const callOpsNoDirect = editVariant("call-ops", {
  name: "call-ops-nodirect",
  summary: "call-ops without the direct_call checks (a kernel with CALL_OPS but no DIRECT_CALLS)",
  edit: (asm) => DIRECT_CHECKS.reduce((text, check) => text.replace(check, ""), asm),
});

export default defineScenario({
  name: "custom-trampoline",
  question: "What would ftrace_caller cost if it saved only the argument registers in use, " +
    "or skipped the direct-call checks?",
  params: {
    args: argsParam(),
    tracer: {
      type: "enum",
      values: ["empty", "sum_args"],
      default: "empty",
      doc: "the built-in empty tracer, or sum_args, which reads the arguments back",
    },
  },
  variants: ["nop", "args", leanArgs, "call-ops", callOpsNoDirect],
  workload: (p) => ({
    target: { args: p.args },
    ops: [singleTracerOps(p.tracer === "sum_args" ? sumArgs : "empty")],
  }),
});
