/**
 * `regs`: regs-saving ftrace (FTRACE_WITH_REGS, v5.5 to v6.1). The site calls
 * `ftrace_regs_caller`, which builds a full 336-byte pt_regs (x0-x30, sp, pc)
 * plus two frame records, and calls the global tracer function through a
 * patched `bl`: the single ops' func, the assist function or the list function.
 */
import { AsmWriter, chunkOnce, codegenKey, type CodegenOptions } from "../asm_writer.ts";
import { PT_REGS } from "../structs.ts";
import {
  ftraceProbes,
  globalDispatch,
  refusesReturnAttach,
  tracingOps,
  type Variant,
} from "./variant.ts";
import type { AsmChunk } from "../../asm/source.ts";
import { trampolineExit } from "./trampoline_exit.ts";

const ORIGIN = "src/kernel/variants/regs.ts";
export const FTRACE_REGS_CALLER = "ftrace_regs_caller";
const TRAMPOLINE = FTRACE_REGS_CALLER;
/** pt_regs plus the callsite's frame record above it. */
const FRAME = PT_REGS.size + 16;

/**
 * `coexist`: the design of the v5 direct-call patch in the mailing-list
 * thread. An ops func may leave a custom trampoline in the otherwise unused
 * pt_regs->orig_x0; on the way out the trampoline jumps there.
 */
export function ftraceRegsCallerChunk(
  options: CodegenOptions,
  target: string,
  coexist = false,
): AsmChunk {
  return chunkOnce(
    `ftrace_regs_caller ${codegenKey(options)} ${target} coexist=${coexist}`,
    () => writeFtraceRegsCaller(options, target, coexist),
  );
}

function writeFtraceRegsCaller(options: CodegenOptions, target: string, coexist: boolean) {
  const a = new AsmWriter(ORIGIN, options, "ftrace_regs_caller").section(".text");
  // As linux 6.1's: `bti c` whether or not the kernel has BTI (a NOP without it).
  a.func(TRAMPOLINE).phase("save").i("bti c", `sub sp, sp, #${FRAME}`);
  if (coexist) a.i("str xzr, [sp, #PT_REGS_ORIG_X0]");
  // Every general-purpose register but x30, which gets the pc slot's neighbour below.
  for (let i = 0; i < 30; i += 2) a.i(`stp x${i}, x${i + 1}, [sp, #PT_REGS_X${i}]`);
  a.i(
    `add x10, sp, #${FRAME}`,
    "stp x9, x10, [sp, #PT_REGS_X30]", // lr = the traced function's return address, sp = the callsite's
    "str x30, [sp, #PT_REGS_PC]",
    // Frame record for the callsite above pt_regs, then ours inside pt_regs.
    `stp x29, x9, [sp, #${PT_REGS.size}]`,
    `add x29, sp, #${PT_REGS.size}`,
    "stp x29, x30, [sp, #PT_REGS_STACKFRAME]",
    "add x29, sp, #PT_REGS_STACKFRAME",
    // linux 6.1 shares the rest with ftrace_caller (ftrace_common), one branch away.
    "b .Lftrace_regs_common",
  ).label(".Lftrace_regs_common").phase("dispatch").i("sub x0, x30, #4", "mov x1, x9")
    .loadFrom("x2", "function_trace_op").i("mov x3, sp", `bl ${target}`)
    .phase("restore");
  for (let i = 0; i < 8; i += 2) a.i(`ldp x${i}, x${i + 1}, [sp, #PT_REGS_X${i}]`);
  a.i(
    "ldr x8, [sp, #PT_REGS_X8]",
    "ldr x29, [sp, #PT_REGS_X29]",
    "ldr x30, [sp, #PT_REGS_X30]",
    "ldr x9, [sp, #PT_REGS_PC]",
  );
  trampolineExit(
    a,
    FRAME,
    coexist
      ? {
        slot: "PT_REGS_ORIG_X0",
        lr: "PT_REGS_X30",
        pc: "PT_REGS_PC",
        label: ".Lftrace_regs_caller_direct",
      }
      : undefined,
  );
  return a.chunk();
}

export const regsVariant: Variant = {
  name: "regs",
  summary: "regs-saving ftrace_regs_caller: full pt_regs, global tracer call " +
    "(v5.5-v6.1; linux 6.1's instruction sequence)",
  build(workload) {
    const refused = refusesReturnAttach(workload);
    if (refused) return refused;
    const dispatch = globalDispatch(workload);
    const traced = tracingOps(workload).length > 0;
    return {
      site: { target: traced ? TRAMPOLINE : undefined },
      chunks: [ftraceRegsCallerChunk(workload.codegen, dispatch.call)],
      data: { functionTraceOp: dispatch.traceOp },
      probes: traced ? ftraceProbes(workload, "pt_regs", TRAMPOLINE, dispatch.call) : [],
    };
  },
};
