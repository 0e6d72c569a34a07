/**
 * A BPF trampoline for fentry programs, in the shape of the arm64 BPF JIT's:
 * it converts the native call into a call of prog(ctx), where ctx is an array
 * of the traced function's arguments on the trampoline's stack, and runs the
 * enter/exit hooks (RCU, migration, run context, recursion counter) around it.
 */
import { align16, AsmWriter, type CodegenOptions } from "./asm_writer.ts";
import { bpfProgFunction } from "./functions.ts";
import type { TracerKind } from "./workload.ts";
import type { AsmChunk } from "../asm/source.ts";

const ORIGIN = "src/kernel/bpf.ts";

export const BPF_SYMBOLS = {
  trampoline: "bpf_trampoline",
  enter: "__bpf_prog_enter",
  exit: "__bpf_prog_exit",
} as const;

/** Symbol of the `struct bpf_prog` for a tracer kind's program. */
export function bpfProgStruct(kind: TracerKind): string {
  return `bpf_prog_${kind}_struct`;
}

/**
 * Stack frame below the two frame records (offsets from sp):
 *   0  run context {cookie, saved run ctx}
 *  16  saved x19, x20
 *  32  cookie slot (ctx - 24)
 *  40  ip (ctx - 16)
 *  48  number of arguments (ctx - 8)
 *  56  ctx: args[0..n-1]
 */
export const BPF_TRAMP_FRAME = {
  runCtx: 0,
  savedRegs: 16,
  cookie: 32,
  ip: 40,
  nrArgs: 48,
  ctx: 56,
} as const;

/** Size of the trampoline's frame for n arguments, kept 16-byte aligned. */
export function bpfFrameSize(args: number): number {
  return align16(BPF_TRAMP_FRAME.ctx + 8 * args);
}

/** Store or load x0..x(n-1) to/from consecutive slots starting at sp+offset. */
export function transferArgs(a: AsmWriter, op: "st" | "ld", args: number, offset: number): void {
  for (let i = 0; i < args; i += 2) {
    const at = offset + 8 * i;
    if (i + 1 < args) a.i(`${op}p x${i}, x${i + 1}, [sp, #${at}]`);
    else a.i(`${op}r x${i}, [sp, #${at}]`);
  }
}

/** Call an absolute address the way the JIT does: materialise it, then blr. */
function jitCall(a: AsmWriter, symbol: string): void {
  a.addressOf("x10", symbol).i("blr x10");
}

/**
 * The trampoline, entered from a patch site (x30 = traced function + 8 or
 * +12 with BTI, x9 = parent's return address) or by `br x17` from ftrace_caller.
 */
export function bpfTrampolineChunk(options: CodegenOptions, args: number, prog: TracerKind) {
  const f = BPF_TRAMP_FRAME;
  const frame = bpfFrameSize(args);
  const a = new AsmWriter(ORIGIN, options, "bpf_tramp").section(".module.text");
  a.func(BPF_SYMBOLS.trampoline).phase("save").landingPad().i(
    // Frame record of the traced function (its parent link), then our own.
    "stp x29, x9, [sp, #-16]!",
    "mov x29, sp",
    "stp x29, x30, [sp, #-16]!",
    "mov x29, sp",
    `sub sp, sp, #${frame}`,
    `stp x19, x20, [sp, #${f.savedRegs}]`,
  );
  transferArgs(a, "st", args, f.ctx);
  a.i(
    "sub x10, x30, #4",
    `str x10, [sp, #${f.ip}]`,
    `mov x10, #${args}`,
    `str x10, [sp, #${f.nrArgs}]`,
    `str xzr, [sp, #${f.cookie}]`,
  ).phase("dispatch").addressOf("x19", bpfProgStruct(prog)).i(
    "mov x0, x19",
    `add x1, sp, #${f.runCtx}`,
  );
  jitCall(a, BPF_SYMBOLS.enter);
  a.i("mov x20, x0", "cbz x0, .Lbpf_skip_prog", `add x0, sp, #${f.ctx}`);
  jitCall(a, bpfProgFunction(prog));
  a.label(".Lbpf_skip_prog").i("mov x0, x19", "mov x1, x20", `add x2, sp, #${f.runCtx}`);
  jitCall(a, BPF_SYMBOLS.exit);
  a.phase("restore");
  transferArgs(a, "ld", args, f.ctx);
  a.i(
    `ldp x19, x20, [sp, #${f.savedRegs}]`,
    `add sp, sp, #${frame}`,
    "ldp x29, x30, [sp], #16",
    "ldp x29, x9, [sp], #16",
    // Return into the traced function's body with x30 = its parent's return address.
    "mov x10, x30",
    "mov x30, x9",
    "ret x10",
  );
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
