/**
 * Shared by the direct-call variants: which ops carries the custom
 * trampoline, and the probe at the BPF program that trampoline runs.
 */
import { bpfProgFunction } from "../functions.ts";
import { ATTACHED_PROG, BPF_SYMBOLS } from "../bpf.ts";
import type { OpsSpec, ProgKind, Workload } from "../workload.ts";
import { type NotApplicable, type Probe, tracingOps } from "./variant.ts";

/** The BPF program behind a direct ops: its own kind, or the attached program for "bpf". */
export function progOf(op: OpsSpec): ProgKind {
  if (typeof op.tracer === "object") {
    throw new RangeError(`${op.tracer.name} is not a BPF program`); // refused by splitDirectOps
  }
  return op.tracer === "bpf" ? ATTACHED_PROG : op.tracer;
}

/**
 * The ops with a custom trampoline on the traced function, and the other
 * (plain ftrace) ops tracing it. When no ops is marked `direct`, a lone
 * tracing ops is taken to be the direct one.
 */
export function splitDirectOps(
  workload: Workload,
): { direct: OpsSpec; others: OpsSpec[] } | NotApplicable {
  const tracing = tracingOps(workload);
  const marked = tracing.filter((op) => op.direct);
  const direct = marked.length ? marked : tracing.length === 1 ? tracing : [];
  if (direct.length > 1) {
    return {
      notApplicable: "a function can have only one custom trampoline; " +
        `${direct.length} direct ops trace it`,
    };
  }
  if (direct.length === 1 && typeof direct[0].tracer === "object") {
    return {
      notApplicable: `${direct[0].tracer.name} is an ftrace ops func of one's own, not a BPF ` +
        "program: a direct call needs a BPF trampoline",
    };
  }
  if (direct.length === 0) {
    return {
      notApplicable: tracing.length
        ? `${tracing.length} plain ftrace ops trace this function and none carries a custom trampoline`
        : "no ops traces this function",
    };
  }
  return { direct: direct[0], others: tracing.filter((op) => op !== direct[0]) };
}

/** The probe at the BPF program run by the trampoline, and what it must see. */
export function trampolineProgProbe(workload: Workload, op: OpsSpec): Probe {
  const prog = bpfProgFunction(progOf(op));
  return {
    symbol: prog,
    view: "bpf_ctx",
    calls: 1,
    returnValue: workload.bpfAttach === "fexit",
    chain: [prog, BPF_SYMBOLS.trampoline, workload.target.name, "caller", "harness_exit"],
  };
}
