/**
 * BPF attachments, in the shape of the arm64 BPF JIT's:
 *
 * - the BPF trampoline (a custom trampoline for direct calls) converts the
 *   native call into prog(ctx), where ctx is an array of the traced
 *   function's arguments on its stack; for fexit/fmod_ret it also calls the
 *   traced function itself and keeps its return value in ctx[n];
 * - `bpf_ftrace_func`, the ops func an ftrace-based attachment would use: it
 *   builds the same ctx from the saved registers and runs the program;
 * - the enter/exit hooks (RCU, migration, run context, recursion counter);
 * - `call_direct_funcs`, the ops func that hands a direct ops' trampoline
 *   to the ftrace trampoline when the site cannot branch to it itself.
 */
import { align16, AsmWriter, type CodegenOptions } from "./asm_writer.ts";
import { bpfProgFunction } from "./functions.ts";
import type { BpfAttach, ProgKind } from "./workload.ts";
import type { AsmChunk } from "../asm/source.ts";

const ORIGIN = "src/kernel/bpf.ts";

export const BPF_SYMBOLS = {
  trampoline: "bpf_trampoline",
  enter: "__bpf_prog_enter",
  exit: "__bpf_prog_exit",
  opsFunc: "bpf_ftrace_func",
  directFunc: "call_direct_funcs",
} as const;

/** The BPF program that ftrace-based attachments and trampolines run: it reads every argument. */
export const ATTACHED_PROG: ProgKind = "ringbuf";

/** Symbol of the `struct bpf_prog` for a program kind. */
export function bpfProgStruct(kind: ProgKind): string {
  return `bpf_prog_${kind}_struct`;
}

/**
 * A ctx frame, at `base` bytes above sp:
 *   +0   run context {cookie, saved run ctx}
 *   +16  saved x19, x20
 *   +32  cookie slot (ctx - 24)
 *   +40  ip (ctx - 16)
 *   +48  number of arguments (ctx - 8)
 *   +56  ctx: args[0..n-1], then the return value (fexit/fmod_ret)
 */
export function ctxFrame(base: number, args: number) {
  return {
    runCtx: base,
    savedRegs: base + 16,
    cookie: base + 32,
    ip: base + 40,
    nrArgs: base + 48,
    ctx: base + 56,
    retval: base + 56 + 8 * args,
    /** Bytes from sp to the end of the frame, 16-byte aligned. */
    size: align16(base + 56 + 8 * args + 8),
  };
}
type CtxFrame = ReturnType<typeof ctxFrame>;

/** Store or load x0..x(n-1) to/from consecutive slots at [base, #offset]. */
export function transferArgs(
  a: AsmWriter,
  op: "st" | "ld",
  args: number,
  offset: number,
  base = "sp",
): void {
  for (let i = 0; i < args; i += 2) {
    const at = offset + 8 * i;
    if (i + 1 < args) a.i(`${op}p x${i}, x${i + 1}, [${base}, #${at}]`);
    else a.i(`${op}r x${i}, [${base}, #${at}]`);
  }
}

/** Call an absolute address the way the JIT does: materialise it, then blr. */
function jitCall(a: AsmWriter, symbol: string): void {
  a.addressOf("x10", symbol).i("blr x10");
}

/**
 * enter hook, prog(ctx), exit hook. x19/x20 must be saved by the caller.
 * With `keepReturn`, the program's return value is stored at `keepReturn`.
 */
function runProg(a: AsmWriter, prog: ProgKind, f: CtxFrame, tag: string, keepReturn?: number) {
  a.phase("dispatch").addressOf("x19", bpfProgStruct(prog)).i(
    "mov x0, x19",
    `add x1, sp, #${f.runCtx}`,
  );
  jitCall(a, BPF_SYMBOLS.enter);
  a.i("mov x20, x0", `cbz x0, .L${tag}_skip`, `add x0, sp, #${f.ctx}`);
  jitCall(a, bpfProgFunction(prog));
  if (keepReturn !== undefined) a.i(`str x0, [sp, #${keepReturn}]`);
  a.label(`.L${tag}_skip`).i("mov x0, x19", "mov x1, x20", `add x2, sp, #${f.runCtx}`);
  jitCall(a, BPF_SYMBOLS.exit);
}

/**
 * The trampoline, entered from a patch site (x30 = traced function + 8, or
 * +12 with BTI; x9 = parent's return address) or by `br x17` from an ftrace
 * trampoline that left the registers the same way.
 */
export function bpfTrampolineChunk(
  options: CodegenOptions,
  args: number,
  prog: ProgKind,
  attach: BpfAttach,
): AsmChunk {
  const f = ctxFrame(0, args);
  const a = new AsmWriter(ORIGIN, options, "bpf_tramp").section(".module.text");
  a.func(BPF_SYMBOLS.trampoline).phase("save").landingPad().i(
    // Frame record of the traced function (its parent link), then our own.
    "stp x29, x9, [sp, #-16]!",
    "mov x29, sp",
    "stp x29, x30, [sp, #-16]!",
    "mov x29, sp",
    `sub sp, sp, #${f.size}`,
    `stp x19, x20, [sp, #${f.savedRegs}]`,
  );
  transferArgs(a, "st", args, f.ctx);
  a.i(
    "sub x10, x30, #4",
    `str x10, [sp, #${f.ip}]`,
    `mov x10, #${args}`,
    `str x10, [sp, #${f.nrArgs}]`,
    `str xzr, [sp, #${f.cookie}]`,
  );
  if (attach === "fentry") {
    runProg(a, prog, f, "fentry");
    a.phase("restore");
    transferArgs(a, "ld", args, f.ctx);
    a.i(
      `ldp x19, x20, [sp, #${f.savedRegs}]`,
      `add sp, sp, #${f.size}`,
      "ldp x29, x30, [sp], #16",
      "ldp x29, x9, [sp], #16",
      // Return into the traced function's body with x30 = its parent's return address.
      "mov x10, x30",
      "mov x30, x9",
      "ret x10",
    );
    return a.chunk();
  }
  if (attach === "fmod_ret") {
    // A non-zero return from an fmod_ret program replaces the traced function.
    a.i(`str xzr, [sp, #${f.retval}]`);
    runProg(a, prog, f, "fmod_ret", f.retval);
    a.i(`ldr x10, [sp, #${f.retval}]`, "cbnz x10, .Lbpf_skip_orig");
  }
  // Call the traced function's body (its address is our caller's x30).
  a.phase("body");
  transferArgs(a, "ld", args, f.ctx);
  a.i("ldr x10, [x29, #8]", "blr x10", `str x0, [sp, #${f.retval}]`).label(".Lbpf_skip_orig");
  if (attach === "fexit") runProg(a, prog, f, "fexit");
  a.phase("restore").i(
    `ldr x0, [sp, #${f.retval}]`,
    `ldp x19, x20, [sp, #${f.savedRegs}]`,
    `add sp, sp, #${f.size}`,
    "ldp x29, x30, [sp], #16",
    "ldp x29, x9, [sp], #16",
    // Straight back to the parent: the traced function has already run.
    "mov x30, x9",
    "ret",
  );
  return a.chunk();
}

/**
 * `bpf_ftrace_func(ip, parent_ip, op, regs)`: an ftrace ops func that runs the BPF
 * program. x0-x8 sit at the same offsets in pt_regs and ftrace_regs, so one
 * function serves both.
 */
export function bpfOpsFuncChunk(options: CodegenOptions, args: number): AsmChunk {
  const f = ctxFrame(16, args);
  const a = new AsmWriter(ORIGIN, options, "bpf_ops_func").section(".text");
  a.func(BPF_SYMBOLS.opsFunc).phase("dispatch").landingPad().prologue(f.size).i(
    `stp x19, x20, [sp, #${f.savedRegs}]`,
    `str x0, [sp, #${f.ip}]`,
    `mov x4, #${args}`,
    `str x4, [sp, #${f.nrArgs}]`,
    `str xzr, [sp, #${f.cookie}]`,
  );
  for (let i = 0; i < args; i += 2) {
    const two = i + 1 < args;
    a.i(
      two ? `ldp x4, x5, [x3, #${8 * i}]` : `ldr x4, [x3, #${8 * i}]`,
      two ? `stp x4, x5, [sp, #${f.ctx + 8 * i}]` : `str x4, [sp, #${f.ctx + 8 * i}]`,
    );
  }
  runProg(a, ATTACHED_PROG, f, "ops_func");
  a.i(`ldp x19, x20, [sp, #${f.savedRegs}]`).epilogue(f.size);
  return a.chunk();
}

/**
 * `call_direct_funcs(ip, parent_ip, op, regs)`: records op->direct_call where
 * the ftrace trampoline looks for it on its way out: ftrace_regs->direct_tramp
 * (v6.4+), or pt_regs->orig_x0 (the design of the v5 patch in the thread).
 */
export function directFuncChunk(options: CodegenOptions, slot: "fregs" | "orig_x0"): AsmChunk {
  const a = new AsmWriter(ORIGIN, options, "direct_func").section(".text");
  // As linux 6.12 compiles it: nothing to do for an ops without a trampoline.
  a.func(BPF_SYMBOLS.directFunc).phase("dispatch").landingPad().i(
    "ldr x0, [x2, #FTRACE_OPS_DIRECT_CALL]",
    "cbz x0, .Lcall_direct_funcs_none",
    slot === "fregs" ? "str x0, [x3, #FTRACE_REGS_DIRECT_TRAMP]" : "str x0, [x3, #PT_REGS_ORIG_X0]",
  ).label(".Lcall_direct_funcs_none").i("ret");
  return a.chunk();
}

/** __bpf_prog_enter(prog, run_ctx) and __bpf_prog_exit(prog, start, run_ctx), in kernel text. */
export function bpfHooksChunk(options: CodegenOptions): AsmChunk {
  const a = new AsmWriter(ORIGIN, options, "bpf_hooks").section(".text");
  const bump = (field: string, delta: "add" | "sub", width: "w" | "x", base = "x2") =>
    a.i(
      `ldr ${width}3, [${base}, #${field}]`,
      `${delta} ${width}3, ${width}3, #1`,
      `str ${width}3, [${base}, #${field}]`,
    );
  a.func(BPF_SYMBOLS.enter).phase("dispatch").landingPad().i("mrs x2, sp_el0");
  bump("TASK_STRUCT_RCU_READ_LOCK_NESTING", "add", "w"); // rcu_read_lock()
  bump("TASK_STRUCT_MIGRATION_DISABLED", "add", "w"); // migrate_disable()
  a.i(
    // run_ctx->saved_run_ctx = current->bpf_ctx; current->bpf_ctx = run_ctx
    "ldr x3, [x2, #TASK_STRUCT_BPF_CTX]",
    "str x3, [x1, #8]",
    "str x1, [x2, #TASK_STRUCT_BPF_CTX]",
  );
  bump("BPF_PROG_ACTIVE", "add", "x", "x0"); // recursion counter
  a.i("cmp x3, #1", "b.ne .Lbpf_enter_recursed", "mov x0, #1", "ret")
    .label(".Lbpf_enter_recursed").i("mov x0, #0", "ret");

  a.func(BPF_SYMBOLS.exit).phase("dispatch").landingPad().i(
    "ldr x3, [x2, #8]",
    "mrs x2, sp_el0",
    "str x3, [x2, #TASK_STRUCT_BPF_CTX]",
  );
  bump("BPF_PROG_ACTIVE", "sub", "x", "x0");
  bump("TASK_STRUCT_MIGRATION_DISABLED", "sub", "w");
  bump("TASK_STRUCT_RCU_READ_LOCK_NESTING", "sub", "w");
  a.i("ret");
  return a.chunk();
}
