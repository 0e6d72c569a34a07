/**
 * The variants on a real kernel: each runs the kernel's own trampolines and
 * list function where the kernel has the mechanism, registered the way the
 * kernel's ftrace core would register the workload's ops. A mechanism the
 * kernel lacks is "not applicable", with the reason.
 */
import { BPF_SYMBOLS } from "../bpf.ts";
import { FTRACE_CORE } from "../ftrace_core.ts";
import { type PatchSite, tracerFunction } from "../functions.ts";
import { defaultLayout, type MemoryLayout, siteAddress, withinBranchRange } from "../layout.ts";
import type { AsmChunk } from "../../asm/source.ts";
import {
  ftraceProbes,
  globalDispatch,
  type NotApplicable,
  type Probe,
  refusesReturnAttach,
  refusesSaveRegs,
  tracingOps,
  type Variant,
} from "../variants/variant.ts";
import { progOf, splitDirectOps, trampolineProgProbe } from "../variants/direct_ops.ts";
import { callOpsLiteral } from "../variants/call_ops.ts";
import type { ProgKind, Workload } from "../workload.ts";
import type { RealKernel } from "./kernel.ts";
import type { Registration } from "./registration.ts";

/** The kernel's own symbols the variants use. */
export const KERNEL_SYMBOLS = {
  caller: "ftrace_caller",
  regsCaller: "ftrace_regs_caller",
  listFunc: "arch_ftrace_ops_list_func",
  assistFunc: "ftrace_ops_assist_func",
  stub: "ftrace_stub",
  callDirect: "call_direct_funcs",
  listOps: "ftrace_list_ops",
  nopOps: "ftrace_nop_ops",
} as const;

/** What a variant does on a real kernel. */
export interface RealBuild {
  readonly site: PatchSite;
  /** Trampolines of one's own, assembled with the kernel's offsets beside its code. */
  readonly chunks?: readonly AsmChunk[];
  readonly registration: Registration;
  readonly probes: readonly Probe[];
  readonly path?: string;
  readonly layout?: MemoryLayout;
  readonly bpf?: { readonly trampolineProg?: ProgKind };
}

/** The model's dispatch symbols as the kernel names them. */
function kernelName(symbol: string): string {
  if (symbol === FTRACE_CORE.listFunc) return KERNEL_SYMBOLS.listFunc;
  if (symbol === FTRACE_CORE.assistFunc) return KERNEL_SYMBOLS.assistFunc;
  if (symbol === FTRACE_CORE.stub) return KERNEL_SYMBOLS.stub;
  return symbol;
}

/**
 * update_ftrace_function(): the global call and function_trace_op. The rules
 * (ftrace_ops_get_list_func, ftrace_ops_get_func) are the model's, see
 * globalDispatch(); only the kernel's names differ.
 */
function kernelDispatch(workload: Workload): { call: string; traceOp: string } {
  const { call, traceOp } = globalDispatch(workload);
  return { call: kernelName(call), traceOp: kernelName(traceOp) };
}

/** Where a tracer called from the trampoline returns to, as the unwinder names it. */
function trampolineFrame(kernel: RealKernel, trampoline: string): string {
  // v6.1: the call sits at the global label ftrace_call inside ftrace_common.
  return kernel.has.ftraceCall ? "ftrace_call" : trampoline;
}

function registration(workload: Workload, r: Partial<Registration>): Registration {
  return {
    ops: workload.ops,
    funcs: new Map(),
    directCalls: new Map(),
    extraFlags: new Map(),
    flags: new Map(),
    ...r,
    traceOp: r.traceOp ?? kernelDispatch(workload).traceOp,
  };
}

function notApplicable(text: string): NotApplicable {
  return { notApplicable: text };
}

/** The variant `name` on `kernel`, or why the kernel cannot run it. */
export function realVariantBuild(
  kernel: RealKernel,
  variant: Variant,
  workload: Workload,
): RealBuild | NotApplicable {
  const name = variant.name;
  const k = kernel.info.name;
  const literal = kernel.has.callOps ? { opsLiteral: KERNEL_SYMBOLS.nopOps } : {};
  switch (name) {
    case "nop": {
      const dispatch = kernelDispatch(workload);
      return {
        site: literal,
        registration: registration(workload, {
          globalCall: kernel.has.ftraceCall ? dispatch.call : undefined,
          literal: kernel.has.callOps ? KERNEL_SYMBOLS.nopOps : undefined,
        }),
        probes: [],
      };
    }
    case "regs": {
      if (!kernel.has.regsCaller) {
        return notApplicable(`${k} arm64 has no FTRACE_WITH_REGS: there is no ftrace_regs_caller`);
      }
      const refused = refusesReturnAttach(workload);
      if (refused) return refused;
      const dispatch = kernelDispatch(workload);
      const traced = tracingOps(workload).length > 0;
      const trampoline = KERNEL_SYMBOLS.regsCaller;
      return {
        site: { ...literal, target: traced ? trampoline : undefined },
        // A site goes to ftrace_regs_caller when an ops on it asks for pt_regs
        // (ftrace_get_addr_new()): every ops here is registered with SAVE_REGS.
        registration: registration(workload, {
          globalCall: dispatch.call,
          extraFlags: new Map(workload.ops.map((op) => [op.name, ["SAVE_REGS"]])),
        }),
        probes: traced
          ? ftraceProbes(workload, "pt_regs", trampolineFrame(kernel, trampoline), dispatch.call)
          : [],
      };
    }
    case "args":
      return notApplicable(
        kernel.has.callOps
          ? `${k} is built with CALL_OPS: every site calls ops->func through its literal ` +
            `(see call-ops); the global call of args is what a kernel without CALL_OPS does`
          : kernel.has.withArgs
          ? `${k}: the args variant on this kernel is not wired up yet`
          : `${k} arm64 has no FTRACE_WITH_ARGS (minimal ftrace_regs arrived in v6.2)`,
      );
    case "call-ops": {
      if (!kernel.has.callOps) {
        return notApplicable(`${k} is built without DYNAMIC_FTRACE_WITH_CALL_OPS (v6.3+)`);
      }
      const refused = refusesSaveRegs(workload) ?? refusesReturnAttach(workload);
      if (refused) return refused;
      const ops = tracingOps(workload);
      const lit = callOpsLiteral(ops);
      // The literal's ops->func: the list function, or the one tracer itself.
      const via = lit === KERNEL_SYMBOLS.listOps
        ? KERNEL_SYMBOLS.listFunc
        : tracerFunction(ops[0]?.tracer ?? "empty");
      const trampoline = KERNEL_SYMBOLS.caller;
      return {
        site: { ...literal, target: ops.length ? trampoline : undefined },
        registration: registration(workload, { literal: lit }),
        probes: ops.length
          ? ftraceProbes(workload, "ftrace_regs", trampolineFrame(kernel, trampoline), via)
          : [],
      };
    }
    case "direct":
    case "direct-far":
      return directBuild(kernel, name === "direct-far", workload);
    case "coexist":
      return notApplicable(
        "the v5 coexistence design (custom trampoline through pt_regs->orig_x0) never landed: " +
          "no kernel has it",
      );
    default:
      if (variant.ownCode) return ownCodeBuild(kernel, variant, workload);
      return notApplicable(
        variant.editOf
          ? `${name} edits the model's ${variant.editOf}; on ${k}, ${variant.editOf} runs the ` +
            `kernel's own code`
          : `variant ${name} is the model's own: no kernel has it`,
      );
  }
}

/**
 * A variant of one's own on a real kernel: its trampoline, assembled with the
 * kernel's offsets, in front of the kernel's own list function and data,
 * registered as the kernel registers ops. It hands tracers `ftrace_regs`, so
 * the kernel must have FTRACE_WITH_ARGS; a per-callsite literal needs CALL_OPS.
 */
function ownCodeBuild(
  kernel: RealKernel,
  variant: Variant,
  workload: Workload,
): RealBuild | NotApplicable {
  const k = kernel.info.name;
  if (!kernel.has.withArgs) {
    return notApplicable(
      `${variant.name} hands its tracers ftrace_regs; ${k} has FTRACE_WITH_REGS and pt_regs`,
    );
  }
  const built = variant.build(workload);
  if ("notApplicable" in built) return built;
  if (built.site.opsLiteral !== undefined && !kernel.has.callOps) {
    return notApplicable(`${variant.name} reads a per-callsite ops literal; ${k} has no CALL_OPS`);
  }
  const rename = (p: Probe): Probe => ({
    ...p,
    symbol: kernelName(p.symbol),
    chain: p.chain.map(kernelName),
  });
  return {
    site: { ...built.site, opsLiteral: kernel.has.callOps ? KERNEL_SYMBOLS.nopOps : undefined },
    chunks: built.chunks,
    registration: registration(workload, {
      literal: built.site.opsLiteral === undefined
        ? (kernel.has.callOps ? KERNEL_SYMBOLS.nopOps : undefined)
        : kernelName(built.site.opsLiteral),
      traceOp: kernelName(built.data.functionTraceOp),
    }),
    probes: built.probes.map(rename),
    path: built.path,
  };
}

/**
 * DIRECT_CALLS (v6.4+ on arm64): register_ftrace_direct() sets the ops' func to
 * call_direct_funcs and its flags to MULTI_FLAGS (DIRECT on arm64), keeps the custom
 * trampoline in ops->direct_call. A site with only that ops and the trampoline in
 * BL range branches to it (ftrace_make_call()); otherwise it calls ftrace_caller.
 */
function directBuild(
  kernel: RealKernel,
  far: boolean,
  requested: Workload,
): RealBuild | NotApplicable {
  const k = kernel.info.name;
  if (!kernel.has.directCalls || !kernel.has.callOps) {
    return notApplicable(`${k} arm64 has no DYNAMIC_FTRACE_WITH_DIRECT_CALLS (v6.4+)`);
  }
  const layout = far
    ? defaultLayout({
      textSize: requested.layout.textSize,
      targetAtTextEnd: requested.layout.targetAtTextEnd,
      placement: "far",
    })
    : undefined;
  const workload = layout ? { ...requested, layout } : requested;
  const split = splitDirectOps(workload);
  if ("notApplicable" in split) return split;
  const { direct, others } = split;
  const trampoline = BPF_SYMBOLS.trampoline;
  const reg = registration(workload, {
    funcs: new Map([[direct.name, KERNEL_SYMBOLS.callDirect]]),
    directCalls: new Map([[direct.name, trampoline]]),
    // __register_ftrace_function() then adds DYNAMIC for an ops outside core kernel data.
    flags: new Map([[direct.name, ["DIRECT", ...(direct.dynamic ? ["DYNAMIC"] : [])]]]),
    literal: others.length ? KERNEL_SYMBOLS.listOps : direct.name,
  });
  const bpf = { trampolineProg: progOf(direct) };
  const progProbe = trampolineProgProbe(workload, direct);
  const near = withinBranchRange(siteAddress(workload.layout), workload.layout.moduleBase);
  if (others.length === 0 && near) {
    return {
      site: { opsLiteral: KERNEL_SYMBOLS.nopOps, target: trampoline },
      registration: reg,
      probes: [progProbe],
      bpf,
      layout,
    };
  }
  return {
    site: { opsLiteral: KERNEL_SYMBOLS.nopOps, target: KERNEL_SYMBOLS.caller },
    path: `bl ${KERNEL_SYMBOLS.caller}, then br x17 to ${trampoline}`,
    registration: reg,
    bpf,
    layout,
    probes: [
      progProbe,
      ...(others.length
        ? ftraceProbes(
          workload,
          "ftrace_regs",
          KERNEL_SYMBOLS.caller,
          KERNEL_SYMBOLS.listFunc,
          others,
        )
        : []),
    ],
  };
}
