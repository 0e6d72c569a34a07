/**
 * `call-ops`: per-callsite ops (DYNAMIC_FTRACE_WITH_CALL_OPS, v6.3+). Every
 * traceable function carries an 8-byte literal before its entry pointing at
 * the ops that traces it; ftrace_caller loads it and calls ops->func with
 * `blr`. Several ops on one site share the list ops (whose func is the list
 * function); a site nobody traces points at the nop ops and stays a NOP.
 */
import { FTRACE_CORE } from "../ftrace_core.ts";
import { tracerFunction } from "../functions.ts";
import { FTRACE_CALLER, ftraceCallerChunk } from "./ftrace_caller.ts";
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
  summary: "per-callsite ops: ops literal before the entry, ops->func called with blr (v6.3+)",
  build(workload) {
    const refused = refusesSaveRegs(workload) ?? refusesReturnAttach(workload);
    if (refused) return refused;
    const ops = tracingOps(workload);
    const literal = ops.length === 0
      ? "ftrace_nop_ops"
      : ops.length === 1
      ? ops[0].name
      : "ftrace_list_ops";
    const via = ops.length > 1 ? FTRACE_CORE.listFunc : tracerFunction(ops[0]?.tracer ?? "empty");
    return {
      site: { target: ops.length ? FTRACE_CALLER : undefined, opsLiteral: literal },
      chunks: [ftraceCallerChunk(workload.codegen, { kind: "call-ops" })],
      // Other (untraced-by-this-site) users of the global path still see function_trace_op.
      data: { functionTraceOp: globalDispatch(workload).traceOp },
      probes: ops.length ? ftraceProbes(workload, "ftrace_regs", FTRACE_CALLER, via) : [],
    };
  },
};
