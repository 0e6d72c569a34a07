/**
 * The minimal-regs `ftrace_caller` (FTRACE_WITH_ARGS, v6.2+): saves only what
 * a tracer may need (x0-x8, fp, lr, sp, pc) in a `struct ftrace_regs`, builds
 * two frame records, calls the tracer and returns to the traced function.
 */
import { AsmWriter, type CodegenOptions } from "../asm_writer.ts";
import { FTRACE_REGS } from "../structs.ts";
import type { AsmChunk } from "../../asm/source.ts";
import { trampolineExit } from "./trampoline_exit.ts";

const ORIGIN = "src/kernel/variants/ftrace_caller.ts";

export const FTRACE_CALLER = "ftrace_caller";

/** How ftrace_caller finds the tracer to call. */
export type TracerCall =
  | { readonly kind: "global"; readonly target: string } // bl patched to target, x2 = function_trace_op
  | { readonly kind: "call-ops" }; // x2 = the site's ops literal, blr ops->func

/** The frame: ftrace_regs, then the ftrace_caller and callsite frame records. */
const FRAME = FTRACE_REGS.size + 32;

/** Save x0..x8 into the ftrace_regs at sp (pairs, then x8). */
function saveArgs(a: AsmWriter, op: "st" | "ld"): void {
  for (let i = 0; i < 8; i += 2) a.i(`${op}p x${i}, x${i + 1}, [sp, #FTRACE_REGS_X${i}]`);
  a.i(`${op}r x8, [sp, #FTRACE_REGS_X8]`);
}

/**
 * `direct`: the v6.4+ direct-call support. An ops func may leave a custom
 * trampoline in ftrace_regs->direct_tramp; on the way out ftrace_caller then
 * jumps there with the registers as the patch site left them.
 */
export function ftraceCallerChunk(
  options: CodegenOptions,
  call: TracerCall,
  direct = false,
): AsmChunk {
  const a = new AsmWriter(ORIGIN, options, "ftrace_caller").section(".text");
  a.func(FTRACE_CALLER).phase("save").landingPad().i(`sub sp, sp, #${FRAME}`);
  saveArgs(a, "st");
  if (direct) a.i("str xzr, [sp, #FTRACE_REGS_DIRECT_TRAMP]");
  a.i(
    "str x29, [sp, #FTRACE_REGS_FP]",
    "str x9, [sp, #FTRACE_REGS_LR]", // the traced function's return address
    "str x30, [sp, #FTRACE_REGS_PC]", // where the traced function's body starts
    `add x10, sp, #${FRAME}`,
    "str x10, [sp, #FTRACE_REGS_SP]",
    // Frame record for the traced function (callsite), then for ftrace_caller.
    `stp x29, x9, [sp, #${FTRACE_REGS.size + 16}]`,
    `add x29, sp, #${FTRACE_REGS.size + 16}`,
    `stp x29, x30, [sp, #${FTRACE_REGS.size}]`,
    `add x29, sp, #${FTRACE_REGS.size}`,
  ).phase("dispatch").i(
    "sub x0, x30, #4", // ip: the patch site's BL
    "mov x1, x9", // parent ip
    "mov x3, sp", // fregs
  );
  if (call.kind === "global") {
    a.loadFrom("x2", "function_trace_op").i(`bl ${call.target}`);
  } else {
    // The ops literal sits 16 bytes below the 8-byte aligned address after the BL
    // (aligning down skips the optional BTI).
    a.i(
      "and x2, x30, #0xfffffffffffffff8",
      "ldr x2, [x2, #-16]",
      "ldr x4, [x2, #FTRACE_OPS_FUNC]",
      "blr x4",
    );
  }
  a.phase("restore");
  saveArgs(a, "ld");
  a.i(
    "ldr x29, [sp, #FTRACE_REGS_FP]",
    "ldr x30, [sp, #FTRACE_REGS_LR]",
    "ldr x9, [sp, #FTRACE_REGS_PC]",
  );
  trampolineExit(
    a,
    FRAME,
    direct
      ? {
        slot: "FTRACE_REGS_DIRECT_TRAMP",
        lr: "FTRACE_REGS_LR",
        pc: "FTRACE_REGS_PC",
        label: ".Lftrace_caller_direct",
      }
      : undefined,
  );
  return a.chunk();
}
