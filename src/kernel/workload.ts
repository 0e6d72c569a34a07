/**
 * What a scenario asks the kernel model to set up for one run: the traced
 * function, the registered ftrace_ops and how the kernel was built.
 */
import type { CodegenOptions } from "./asm_writer.ts";
import type { MemoryLayout } from "./layout.ts";
import { WorkloadError } from "./contract.ts";

/**
 * What a tracer does when called: nothing, record ip and parent ip in a ring
 * buffer, or ("bpf") run the ring-buffer BPF program with a ctx built from the
 * saved registers, as an ops func attaching a BPF program would.
 */
export type TracerKind = "empty" | "ringbuf" | "bpf";

/**
 * A tracer of one's own: an ftrace ops func written in assembly (see
 * defineTracer() in src/kernel/custom.ts). It is called as
 * func(ip, parent_ip, op, fregs) like the built-in ones.
 */
export interface CustomTracer {
  readonly kind: "custom";
  /** Its symbol. */
  readonly name: string;
  /** Its code after the symbol (and `bti c` on BTI kernels). */
  readonly asm: string;
  /** Where it was written, for assembly errors. */
  readonly origin: string;
}

/** What a BPF program does: nothing, or record ip and every argument. */
export type ProgKind = "empty" | "ringbuf";

/** Where a BPF program runs relative to the traced function. */
export type BpfAttach = "fentry" | "fexit" | "fmod_ret";

/** One registered `ftrace_ops`. */
export interface OpsSpec {
  /** Symbol of the ops structure (unique within a workload). */
  readonly name: string;
  readonly tracer: TracerKind | CustomTracer;
  /** Which function's ip the filter hash holds: the traced one, another one, or empty (all). */
  readonly filter: "target" | "other" | "all";
  /** Whether the notrace hash excludes the traced function. */
  readonly notraceTarget?: boolean;
  /** Allocated at run time (a module's ops): forces the list function when alone. */
  readonly dynamic: boolean;
  /** Needs rcu_is_watching() before its func is called. */
  readonly rcu: boolean;
  /** The tracer protects itself against recursion (else FTRACE_OPS_FL_RECURSION asks ftrace to). */
  readonly recursionSafe: boolean;
  /** Wants full pt_regs (FTRACE_OPS_FL_SAVE_REGS): only regs-saving kernels can register it. */
  readonly saveRegs?: boolean;
  /**
   * Carries a custom (BPF) trampoline as direct_call: mechanisms with direct
   * calls branch to it; the others run the BPF program from the ops func.
   */
  readonly direct?: boolean;
}

export interface Workload {
  /** The traced function and its argument count (0..8, all in registers). */
  readonly target: { readonly name: string; readonly args: number };
  readonly ops: readonly OpsSpec[];
  readonly codegen: CodegenOptions;
  /** How the BPF program of a direct ops is attached (default fentry). */
  readonly bpfAttach?: BpfAttach;
  /** Tracers and BPF programs built without landing pads (a module built without BTI). */
  readonly tracersWithoutBti?: boolean;
  readonly layout: MemoryLayout;
  /**
   * On a real kernel that has samples/ftrace/ftrace-ops.o: trace the sample's
   * own `tracee_relevant` (filter "other": `tracee_irrelevant`) and call its
   * `ops_func_nop` for "empty" tracers, instead of the harness's functions.
   */
  readonly kernelSample?: "ftrace-ops";
}

/** Code generation for tracers: the kernel's, minus BTI when they were built without it. */
export function tracerCodegen(workload: Workload): CodegenOptions {
  return { ...workload.codegen, bti: workload.codegen.bti && !workload.tracersWithoutBti };
}

/** The largest argument count passed in registers (x0..x7). */
export const MAX_REGISTER_ARGS = 8;

/** Does this ops trace the target function? */
export function opsTracesTarget(ops: OpsSpec): boolean {
  return ops.filter !== "other" && !ops.notraceTarget;
}

/** A single tracer on the target, as a built-in (non-dynamic) ops would register it. */
export function singleTracerOps(tracer: TracerKind | CustomTracer): OpsSpec {
  return {
    name: "tracer_ops",
    tracer,
    filter: "target",
    dynamic: false,
    rcu: false,
    recursionSafe: true,
  };
}

/** Deterministic argument values: distinct per position, with high bits set. */
export function argumentValues(count: number): bigint[] {
  return Array.from(
    { length: count },
    (_, i) => 0xa000_0000_0000_0000n | (BigInt(i + 1) << 32n) | BigInt(0x1111 * (i + 1)),
  );
}

/** The constant the traced function starts its result from. */
export const RESULT_SEED = 0x5eed_0000_c0de_0000n;

/** Rotation applied to argument i by the traced function's result computation. */
export function argumentRotation(i: number): number {
  return 3 + 7 * i;
}

/** What the traced function returns for the given arguments. */
export function expectedResult(args: readonly bigint[]): bigint {
  const mask = 0xffff_ffff_ffff_ffffn;
  let result = RESULT_SEED;
  args.forEach((value, i) => {
    const r = BigInt(argumentRotation(i));
    const rotated = ((value >> r) | (value << (64n - r))) & mask;
    result ^= rotated;
  });
  return result;
}

/** The tracers of one's own that a workload's ops use, each once. */
export function customTracers(workload: Workload): CustomTracer[] {
  const found = new Map<string, CustomTracer>();
  for (const op of workload.ops) {
    const t = op.tracer;
    if (typeof t !== "object") continue;
    const known = found.get(t.name);
    if (known && known !== t && known.asm !== t.asm) {
      throw new WorkloadError(`two different tracers are named ${t.name}`);
    }
    found.set(t.name, t);
  }
  return [...found.values()];
}
