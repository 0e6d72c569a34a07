/**
 * `coexist`: the direct-call design of the v5 patch in the mailing-list
 * thread (regs-saving era). A lone custom trampoline in BL range is branched
 * to directly. When plain ftrace ops trace the same function, the site calls
 * ftrace_regs_caller, the tracers run, the direct ops' func leaves the
 * trampoline in the unused pt_regs->orig_x0, and ftrace_regs_caller jumps
 * there on its way out. An out-of-range trampoline was refused (-ENOTSUPP).
 */
import { BPF_SYMBOLS, directFuncChunk } from "../bpf.ts";
import { siteAddress, withinBranchRange } from "../layout.ts";
import { FTRACE_REGS_CALLER, ftraceRegsCallerChunk } from "./regs.ts";
import { ftraceProbes, globalDispatch, type Variant } from "./variant.ts";
import { progOf, splitDirectOps, trampolineProgProbe } from "./direct_ops.ts";

export const coexistVariant: Variant = {
  name: "coexist",
  summary:
    "v5 patch design: ftrace_regs_caller first, then the BPF trampoline via pt_regs->orig_x0",
  build(workload) {
    const split = splitDirectOps(workload);
    if ("notApplicable" in split) return split;
    const { direct, others } = split;
    const dispatch = globalDispatch(workload);
    const bpf = { trampolineProg: progOf(direct) };
    const directCalls = new Map([[direct.name, BPF_SYMBOLS.trampoline]]);
    const progProbe = trampolineProgProbe(workload, direct);
    if (others.length === 0) {
      if (!withinBranchRange(siteAddress(workload.layout), workload.layout.moduleBase)) {
        return {
          notApplicable: "unsupported: the trampoline is out of BL range and the v5 patch " +
            "refused such trampolines (-ENOTSUPP)",
        };
      }
      return {
        site: { target: BPF_SYMBOLS.trampoline },
        chunks: [],
        data: { functionTraceOp: dispatch.traceOp, directCalls },
        bpf,
        probes: [progProbe],
      };
    }
    return {
      site: { target: FTRACE_REGS_CALLER },
      path: `bl ${FTRACE_REGS_CALLER}, then br x17 to ${BPF_SYMBOLS.trampoline} (orig_x0)`,
      chunks: [
        ftraceRegsCallerChunk(workload.codegen, dispatch.call, true),
        directFuncChunk(workload.codegen, "orig_x0"),
      ],
      data: {
        functionTraceOp: dispatch.traceOp,
        directCalls,
        opsFunc: new Map([[direct.name, BPF_SYMBOLS.directFunc]]),
      },
      bpf,
      probes: [
        progProbe,
        ...ftraceProbes(workload, "pt_regs", FTRACE_REGS_CALLER, dispatch.call, others),
      ],
    };
  },
};
