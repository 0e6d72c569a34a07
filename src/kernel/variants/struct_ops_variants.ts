/**
 * The two implementations of a struct_ops member, for the struct-ops
 * scenario. Both replace the standard caller with one that calls the
 * operation through the socket's congestion-control table (`blr`); the
 * traced function of the workload is the native implementation.
 *
 * - `native`: the table holds the native function (tracing off at its patch site);
 * - `bpf`: the table holds a struct_ops trampoline that runs a BPF program.
 */
import {
  STRUCT_OPS,
  structOpsCallerChunk,
  structOpsDataChunk,
  structOpsProgChunk,
  structOpsTrampolineChunk,
} from "../struct_ops.ts";
import { SYMBOLS } from "../functions.ts";
import { globalDispatch, type Variant } from "./variant.ts";

/** The native implementation: `set_state` points at the C function itself. */
export const structOpsNativeVariant: Variant = {
  name: "native",
  summary: "ops->set_state is the native function, called with blr",
  build(workload) {
    const cg = workload.codegen;
    return {
      site: {},
      caller: structOpsCallerChunk(cg),
      chunks: [structOpsDataChunk("native", workload.target.name)],
      data: { functionTraceOp: globalDispatch(workload).traceOp },
      probes: [],
    };
  },
};

/** The BPF implementation: `set_state` points at a struct_ops trampoline running the program. */
export const structOpsBpfVariant: Variant = {
  name: "bpf",
  summary: "ops->set_state is a struct_ops trampoline calling the BPF program with a ctx",
  build(workload) {
    const cg = workload.codegen;
    const args = workload.target.args;
    return {
      site: {},
      caller: structOpsCallerChunk(cg),
      chunks: [
        structOpsTrampolineChunk(cg, args),
        structOpsProgChunk(cg, args),
        structOpsDataChunk("bpf", workload.target.name),
      ],
      data: { functionTraceOp: globalDispatch(workload).traceOp },
      // The world adds the BPF enter/exit hooks.
      bpf: {},
      probes: [{
        symbol: STRUCT_OPS.prog,
        view: "bpf_ctx",
        calls: 1,
        // Called through a function pointer: no traced ip, no parent to check.
        expect: "arguments-only",
        chain: [STRUCT_OPS.prog, STRUCT_OPS.trampoline, SYMBOLS.caller, SYMBOLS.harnessExit],
      }],
    };
  },
};
