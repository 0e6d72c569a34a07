/**
 * The minimal-regs `ftrace_caller` (FTRACE_WITH_ARGS, v6.2+): saves only what
 * a tracer may need (x0-x8, fp, lr, sp, pc) in a `struct ftrace_regs`, builds
 * two frame records, calls the tracer and returns to the traced function.
 */
import { AsmWriter, chunkOnce, codegenKey, type CodegenOptions } from "../asm_writer.ts";
import { FTRACE_REGS } from "../structs.ts";
import type { AsmChunk } from "../../asm/source.ts";

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
 * `direct`: the v6.4+ direct-call support (DIRECT_CALLS). With per-callsite
 * ops, the site's ops is loaded first and, when it carries a custom trampoline
 * (ops->direct_call), ftrace_caller branches there before saving anything. An
 * ops func may also leave a trampoline in ftrace_regs->direct_tramp (a direct
 * ops sharing the site through the list function); on the way out
 * ftrace_caller then jumps there with the registers as the site left them.
 *
 * The order of operations is linux 6.12's (arch/arm64/kernel/entry-ftrace.S),
 * so this model and the reference kernel agree instruction for instruction;
 * `args` (no per-callsite ops, no direct calls) is the same code without them.
 */
export function ftraceCallerChunk(
  options: CodegenOptions,
  call: TracerCall,
  direct = false,
): AsmChunk {
  const via = call.kind === "global" ? `global ${call.target}` : call.kind;
  return chunkOnce(
    `ftrace_caller ${codegenKey(options)} ${via} direct=${direct}`,
    () => writeFtraceCaller(options, call, direct),
  );
}

function writeFtraceCaller(options: CodegenOptions, call: TracerCall, direct: boolean): AsmChunk {
  const a = new AsmWriter(ORIGIN, options, "ftrace_caller").section(".text");
  // The kernel's entry code starts with `bti c` whether or not it is built with BTI
  // (a NOP without it), so the model's does too.
  a.func(FTRACE_CALLER).phase("save").i("bti c");
  if (call.kind === "call-ops") {
    // The ops literal sits 16 bytes below the 8-byte aligned address after the BL
    // (aligning down skips the optional BTI).
    a.i("and x11, x30, #0xfffffffffffffff8", "ldur x11, [x11, #-16]");
    if (direct) a.i("ldr x17, [x11, #FTRACE_OPS_DIRECT_CALL]", "cbnz x17, .Lftrace_caller_direct");
  }
  a.i("mov x10, sp", `sub sp, sp, #${FRAME}`); // the callsite's sp, then room for the frame
  saveArgs(a, "st");
  if (direct) a.i("str xzr, [sp, #FTRACE_REGS_DIRECT_TRAMP]");
  a.i(
    "str x29, [sp, #FTRACE_REGS_FP]",
    "str x9, [sp, #FTRACE_REGS_LR]", // the traced function's return address
    "str x10, [sp, #FTRACE_REGS_SP]",
    "str x30, [sp, #FTRACE_REGS_PC]", // where the traced function's body starts
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
    a.i("mov x2, x11", "ldr x4, [x2, #FTRACE_OPS_FUNC]", "blr x4");
  }
  a.phase("restore");
  saveArgs(a, "ld");
  a.i("ldr x29, [sp, #FTRACE_REGS_FP]");
  if (direct) {
    a.i("ldr x17, [sp, #FTRACE_REGS_DIRECT_TRAMP]", "cbnz x17, .Lftrace_caller_direct_late");
  }
  a.i(
    "ldr x30, [sp, #FTRACE_REGS_LR]",
    "ldr x9, [sp, #FTRACE_REGS_PC]",
    `add sp, sp, #${FRAME}`,
    "ret x9",
  );
  if (direct) {
    // x9 = the parent's return address, x30 = the body: as the patch site left them.
    a.label(".Lftrace_caller_direct_late").i(
      "ldr x9, [sp, #FTRACE_REGS_LR]",
      "ldr x30, [sp, #FTRACE_REGS_PC]",
      `add sp, sp, #${FRAME}`,
    ).label(".Lftrace_caller_direct").i("br x17");
  }
  return a.chunk();
}
