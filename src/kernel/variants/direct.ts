/**
 * `direct`: direct calls as arm64 has them since v6.4 (DIRECT_CALLS on top of
 * CALL_OPS). An ops may carry a custom trampoline (a BPF trampoline). When it
 * is the only ops on the site and within BL range, the site branches straight
 * to it. Otherwise the site calls ftrace_caller with its ops literal. The ops
 * func `call_direct_funcs` leaves the trampoline in ftrace_regs, and
 * ftrace_caller jumps there on its way out, with the registers as the site left them.
 */
import { BPF_SYMBOLS, directFuncChunk } from "../bpf.ts";
import { FTRACE_CORE } from "../ftrace_core.ts";
import { defaultLayout, siteAddress, withinBranchRange } from "../layout.ts";
import { FTRACE_CALLER, ftraceCallerChunk } from "./ftrace_caller.ts";
import { ftraceProbes, globalDispatch, type Variant } from "./variant.ts";
import { progOf, splitDirectOps, trampolineProgProbe } from "./direct_ops.ts";

export const directVariant: Variant = {
  name: "direct",
  summary: "direct call to a BPF trampoline; via ftrace_caller when shared or out of range (v6.4+)",
  build(workload) {
    const split = splitDirectOps(workload);
    if ("notApplicable" in split) return split;
    const { direct, others } = split;
    const data = {
      functionTraceOp: globalDispatch(workload).traceOp,
      directCalls: new Map([[direct.name, BPF_SYMBOLS.trampoline]]),
    };
    const bpf = { trampolineProg: progOf(direct) };
    const progProbe = trampolineProgProbe(workload, direct);
    if (
      others.length === 0 &&
      withinBranchRange(siteAddress(workload.layout), workload.layout.moduleBase)
    ) {
      return {
        site: { target: BPF_SYMBOLS.trampoline, opsLiteral: direct.name },
        chunks: [],
        data,
        bpf,
        probes: [progProbe],
      };
    }
    return {
      site: { target: FTRACE_CALLER, opsLiteral: others.length ? "ftrace_list_ops" : direct.name },
      path: `bl ${FTRACE_CALLER}, then br x17 to ${BPF_SYMBOLS.trampoline}`,
      chunks: [
        ftraceCallerChunk(workload.codegen, { kind: "call-ops" }, true),
        directFuncChunk(workload.codegen, "fregs"),
      ],
      data: { ...data, opsFunc: new Map([[direct.name, BPF_SYMBOLS.directFunc]]) },
      bpf,
      probes: [
        progProbe,
        // Other tracers share the site with the direct ops: the list function calls them.
        ...(others.length
          ? ftraceProbes(workload, "ftrace_regs", FTRACE_CALLER, FTRACE_CORE.listFunc, others)
          : []),
      ],
    };
  },
};

/**
 * `direct-far`: the same mechanism with the trampoline allocated 2 GiB away
 * from kernel text, out of BL range: the site always goes through ftrace_caller.
 */
export const directFarVariant: Variant = {
  name: "direct-far",
  summary: "direct call, trampoline out of BL range: through ftrace_caller (v6.4+)",
  build(workload) {
    const layout = defaultLayout({
      textSize: workload.layout.textSize,
      targetAtTextEnd: workload.layout.targetAtTextEnd,
      placement: "far",
    });
    const built = directVariant.build({ ...workload, layout });
    return "notApplicable" in built ? built : { ...built, layout };
  },
};
