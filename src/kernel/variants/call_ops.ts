/**
 * `call-ops`: per-callsite ops (DYNAMIC_FTRACE_WITH_CALL_OPS, v6.3+). Every
 * traceable function carries an 8-byte literal before its entry pointing at
 * the ops that traces it; ftrace_caller loads it and calls ops->func with
 * `blr`. Several ops on one site share the list ops (whose func is the list
 * function), and so does one ops that needs ftrace's recursion or RCU
 * protection; a site nobody traces points at the nop ops and stays a NOP.
 */
import { FTRACE_CORE } from "../ftrace_core.ts";
import { tracerFunction } from "../functions.ts";
import { FTRACE_CALLER, ftraceCallerChunk } from "./ftrace_caller.ts";
import type { OpsSpec } from "../workload.ts";
import {
  ftraceProbes,
  globalDispatch,
  refusesReturnAttach,
  refusesSaveRegs,
  tracingOps,
  type Variant,
} from "./variant.ts";

export const callOpsVariant: Variant = {
  name: "call-ops",
  summary: "per-callsite ops: ops literal before the entry, ops->func called with blr " +
    "(v6.3+; linux 6.12's ftrace_caller, with its direct-call checks)",
  build(workload) {
    const refused = refusesSaveRegs(workload) ?? refusesReturnAttach(workload);
    if (refused) return refused;
    const ops = tracingOps(workload);
    const literal = callOpsLiteral(ops);
    // The literal's ops->func: the list function, or the one tracer itself.
    const via = literal === "ftrace_list_ops"
      ? FTRACE_CORE.listFunc
      : tracerFunction(ops[0]?.tracer ?? "empty");
    return {
      site: { target: ops.length ? FTRACE_CALLER : undefined, opsLiteral: literal },
      // A kernel with per-callsite ops has direct calls too (v6.4+): ftrace_caller checks.
      chunks: [ftraceCallerChunk(workload.codegen, { kind: "call-ops" }, true)],
      // Other (untraced-by-this-site) users of the global path still see function_trace_op.
      data: { functionTraceOp: globalDispatch(workload).traceOp },
      probes: ops.length ? ftraceProbes(workload, "ftrace_regs", FTRACE_CALLER, via) : [],
    };
  },
};

/**
 * What the site's literal points at (the kernel's ftrace_rec_update_ops() with
 * __ftrace_hash_rec_update()'s rule): a site traced by exactly one ops whose
 * func can be called as is (it handles recursion itself and needs no RCU
 * check, so ftrace_ops_get_func() returns it unwrapped) points at that ops;
 * any other traced site at the list ops; an untraced one at the nop ops.
 */
export function callOpsLiteral(ops: readonly OpsSpec[]): string {
  if (ops.length === 0) return "ftrace_nop_ops";
  if (ops.length === 1 && ops[0].recursionSafe && !ops[0].rcu) return ops[0].name;
  return "ftrace_list_ops";
}
