/**
 * A variant is one way for a traced call to enter its tracer. It decides how
 * the patch site is left, which trampolines exist, and what the tracer sees.
 */
import type { AsmChunk } from "../../asm/source.ts";
import type { PatchSite } from "../functions.ts";
import type { DataOptions } from "../data.ts";
import type { Workload } from "../workload.ts";
import type { MemoryLayout } from "../layout.ts";
import { FTRACE_CORE } from "../ftrace_core.ts";
import { bpfProgFunction, tracerFunction } from "../functions.ts";
import { ATTACHED_PROG } from "../bpf.ts";
import {
  type CustomTracer,
  type OpsSpec,
  opsTracesTarget,
  type ProgKind,
  type TracerKind,
} from "../workload.ts";

/** How a probe at the tracer's entry reads what the tracer was given. */
export type TracerView =
  | "pt_regs" // x0 ip, x1 parent ip, x2 op, x3 struct pt_regs *
  | "ftrace_regs" // x0 ip, x1 parent ip, x2 op, x3 struct ftrace_regs *
  | "bpf_ctx" // x0 ctx: args at ctx[0..], ip at ctx[-2]
  | "fgraph_ent" // x0 struct ftrace_graph_ent * (func), x1 gops, x2 struct ftrace_regs *
  | "fgraph_ret"; // x0 struct ftrace_graph_ret * (func, retval), x1 gops, x2 fregs

/** A tracer entry the harness watches, and what it must observe there. */
export interface Probe {
  /** Symbol of the tracer's first instruction. */
  readonly symbol: string;
  readonly view: TracerView;
  /** Expected call chain at the probe, innermost first (function names). */
  readonly chain: readonly string[];
  /** How many times the tracer must be called in one traced call. */
  readonly calls: number;
  /**
   * What ip and parent ip the tracer must see: the patch site's BL and the
   * caller's return address (default), or nothing to check (e.g. a struct_ops
   * program called through a function pointer has no traced ip).
   */
  readonly expect?: "site-and-parent" | "arguments-only" | "site-only";
  /**
   * The traced function's return value must be in ctx[nargs] (fexit programs)
   * or in the `struct ftrace_graph_ret` (function-graph exit handlers, `site-only`).
   */
  readonly returnValue?: boolean;
  /**
   * A return address equal to this symbol (function-graph's `return_to_handler`)
   * is resolved, as the kernel's unwinder does with ftrace_graph_ret_addr(),
   * to the original return address kept in current's return stack.
   */
  readonly resolveReturnHook?: string;
}

export interface VariantBuild {
  readonly site: PatchSite;
  /** Replaces the standard caller (which calls the traced function with `bl`). */
  readonly caller?: AsmChunk;
  /** Trampolines and other code only this variant has. */
  readonly chunks: readonly AsmChunk[];
  readonly data: DataOptions;
  readonly probes: readonly Probe[];
  /** How the site reaches the tracer, for reports (default: derived from the site). */
  readonly path?: string;
  /** A memory layout replacing the workload's (e.g. trampolines allocated far away). */
  readonly layout?: MemoryLayout;
  /** The world needs the BPF hooks and programs, and a BPF trampoline running `trampolineProg`. */
  readonly bpf?: { readonly trampolineProg?: ProgKind };
  /** Tracer entry points the variant's own code adds (handlers, programs), watched by the checks. */
  readonly tracers?: readonly string[];
}

/** A case the variant cannot express, with the reason (reported, not omitted). */
export interface NotApplicable {
  readonly notApplicable: string;
}

export interface Variant {
  readonly name: string;
  /**
   * Code of one's own (defineVariant): its trampolines name their own symbols,
   * so a real kernel's world can take them beside the kernel's own code.
   */
  readonly ownCode?: boolean;
  /** The built-in variant this one is an edit of (editVariant). */
  readonly editOf?: string;
  /** One line for tables and reports. */
  readonly summary: string;
  build(workload: Workload): VariantBuild | NotApplicable;
}

/** The ops whose filters let them trace the target function. */
export function tracingOps(workload: Workload) {
  return workload.ops.filter(opsTracesTarget);
}

/** Whether an ops asks for full pt_regs (module-level: V8 keeps its optimized code). */
function savesRegs(op: OpsSpec): boolean {
  return op.saveRegs === true;
}

/**
 * Minimal-regs kernels (FTRACE_WITH_ARGS) refuse an ops that needs full
 * pt_regs; the reason, when the workload registers one.
 */
export function refusesSaveRegs(workload: Workload): NotApplicable | undefined {
  const needy = workload.ops.find(savesRegs);
  if (!needy) return undefined;
  return {
    notApplicable: `${needy.name} asks for FTRACE_OPS_FL_SAVE_REGS, which a FTRACE_WITH_ARGS ` +
      `kernel (v6.2+) cannot provide: registering it fails`,
  };
}

/**
 * An ftrace ops func runs before the traced function and cannot run after
 * it: a BPF program attached as fexit or fmod_ret needs a trampoline that
 * calls the function itself. The reason, when the workload asks for that.
 */
export function refusesReturnAttach(workload: Workload): NotApplicable | undefined {
  const attach = workload.bpfAttach ?? "fentry";
  if (attach === "fentry" || !workload.ops.some((op) => op.tracer === "bpf")) return undefined;
  return {
    notApplicable: `${attach} needs a trampoline that calls the traced function itself; ` +
      `an ftrace ops func only runs before it`,
  };
}

/**
 * What the global ftrace trampoline calls, and what `function_trace_op`
 * holds, for the registered ops (the kernel's update_ftrace_function()).
 */
export function globalDispatch(workload: Workload): { call: string; traceOp: string } {
  const ops = workload.ops;
  if (ops.length === 0) return { call: FTRACE_CORE.stub, traceOp: "ftrace_list_end" };
  if (ops.length > 1) return { call: FTRACE_CORE.listFunc, traceOp: "ftrace_list_end" };
  const [only] = ops;
  if (only.dynamic || only.rcu) return { call: FTRACE_CORE.listFunc, traceOp: only.name };
  if (!only.recursionSafe) return { call: FTRACE_CORE.assistFunc, traceOp: only.name };
  return { call: tracerFunction(only.tracer), traceOp: only.name };
}

/**
 * Probes for ftrace callbacks reached from `trampoline` through `via`
 * (a tracer itself, or the list/assist function in between). A "bpf" tracer
 * is probed at the BPF program it runs, one frame deeper.
 */
export function ftraceProbes(
  workload: Workload,
  view: TracerView,
  trampoline: string,
  via: string,
  ops: readonly OpsSpec[] = tracingOps(workload),
): Probe[] {
  const byTracer = new Map<TracerKind | CustomTracer, number>();
  for (const op of ops) byTracer.set(op.tracer, (byTracer.get(op.tracer) ?? 0) + 1);
  return [...byTracer].map(([kind, calls]) => {
    const callback = tracerFunction(kind);
    const outer = [
      ...(via === callback ? [] : [via]),
      trampoline,
      workload.target.name,
      "caller",
      "harness_exit",
    ];
    if (kind !== "bpf") return { symbol: callback, view, calls, chain: [callback, ...outer] };
    const prog = bpfProgFunction(ATTACHED_PROG);
    return { symbol: prog, view: "bpf_ctx", calls, chain: [prog, callback, ...outer] };
  });
}
