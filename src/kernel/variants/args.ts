/**
 * `args`: minimal-regs ftrace (FTRACE_WITH_ARGS, v6.2+). The site calls
 * `ftrace_caller`, which saves a 14-slot ftrace_regs and calls the global
 * tracer function through a patched `bl` (single ops' func, assist or list function).
 */
import { FTRACE_CALLER, ftraceCallerChunk } from "./ftrace_caller.ts";
import {
  ftraceProbes,
  globalDispatch,
  refusesReturnAttach,
  refusesSaveRegs,
  tracingOps,
  type Variant,
} from "./variant.ts";

export const argsVariant: Variant = {
  name: "args",
  summary: "minimal-regs ftrace_caller: ftrace_regs, global tracer call (v6.2+)",
  build(workload) {
    const refused = refusesSaveRegs(workload) ?? refusesReturnAttach(workload);
    if (refused) return refused;
    const dispatch = globalDispatch(workload);
    const traced = tracingOps(workload).length > 0;
    return {
      site: { target: traced ? FTRACE_CALLER : undefined },
      chunks: [ftraceCallerChunk(workload.codegen, { kind: "global", target: dispatch.call })],
      data: { functionTraceOp: dispatch.traceOp },
      probes: traced ? ftraceProbes(workload, "ftrace_regs", FTRACE_CALLER, dispatch.call) : [],
    };
  },
};
