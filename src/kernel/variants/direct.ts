/**
 * `direct`: a direct call (DIRECT_CALLS, v6.4+ on arm64). The ops carries a
 * custom trampoline (a BPF trampoline) and, being the only ops on the site,
 * the site branches straight to it; the trampoline converts the native call
 * into prog(ctx). Out of BL range the loader refuses the branch, naming both ends.
 */
import { BPF_SYMBOLS, bpfHooksChunk, bpfTrampolineChunk } from "../bpf.ts";
import { bpfProgFunction, bpfProgsChunk } from "../functions.ts";
import { globalDispatch, tracingOps, type Variant } from "./variant.ts";
import { tracerCodegen } from "../workload.ts";

export const directVariant: Variant = {
  name: "direct",
  summary: "direct call: site branches to a BPF trampoline that calls prog(ctx) (v6.4+)",
  build(workload) {
    const ops = tracingOps(workload);
    if (ops.length > 1) {
      return {
        notApplicable: "a site can branch straight to only one custom trampoline; " +
          `${ops.length} ops trace this function`,
      };
    }
    const prog = ops[0]?.tracer ?? "empty";
    const args = workload.target.args;
    return {
      site: { target: ops.length ? BPF_SYMBOLS.trampoline : undefined },
      chunks: [
        bpfTrampolineChunk(workload.codegen, args, prog),
        bpfHooksChunk(workload.codegen),
        bpfProgsChunk(tracerCodegen(workload), args),
      ],
      data: {
        functionTraceOp: globalDispatch(workload).traceOp,
        directCalls: new Map(ops.map((op) => [op.name, BPF_SYMBOLS.trampoline])),
        bpfProgs: ["empty", "ringbuf"],
      },
      probes: ops.length
        ? [{
          symbol: bpfProgFunction(prog),
          view: "bpf_ctx",
          calls: 1,
          chain: [
            bpfProgFunction(prog),
            BPF_SYMBOLS.trampoline,
            workload.target.name,
            "caller",
            "harness_exit",
          ],
        }]
        : [],
    };
  },
};
