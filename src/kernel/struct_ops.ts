/**
 * Kernel code calling a BPF program through a function pointer (BPF
 * struct_ops), modelled on TCP congestion control: `tcp_set_ca_state()`
 * calls `icsk->icsk_ca_ops->set_state(sk, new_state)`, which is either a
 * native C function such as `dctcp_state` or, when the congestion control is
 * a BPF struct_ops map, a struct_ops trampoline that converts the native
 * call into `prog(ctx)`.
 *
 * The trampoline follows the arm64 BPF JIT's layout for struct_ops: there is
 * no patch site, so no x9 parent frame record, only one for its caller; the
 * arguments go into a ctx array on its stack; the enter/exit hooks run around
 * the program; the program's return value is kept in a stack slot and handed
 * back in x0, as a C function returns it.
 */
import { align16, AsmWriter, type CodegenOptions } from "./asm_writer.ts";
import { BPF_SYMBOLS } from "./bpf.ts";
import { emitStruct } from "./data.ts";
import { type DataChunk, DataWriter, sym } from "../asm/data_object.ts";
import { emitResult, SYMBOLS } from "./functions.ts";
import { BPF_PROG, TCP_CONGESTION_OPS } from "./structs.ts";
import type { AsmChunk } from "../asm/source.ts";

const ORIGIN = "src/kernel/struct_ops.ts";

/** Symbols of the struct_ops model. */
export const STRUCT_OPS = {
  /** The socket's `icsk_ca_ops`: which congestion-control table is in use. */
  caOps: "icsk_ca_ops",
  /** The native table (`tcp_congestion_ops dctcp`) and the BPF one (the map's value). */
  nativeTable: "dctcp",
  bpfTable: "bpf_dctcp",
  /** The trampoline, named as the kernel names struct_ops trampolines (bpf__<struct>_<member>). */
  trampoline: "bpf__tcp_congestion_ops_set_state",
  /** The JIT-compiled program and its `struct bpf_prog`. */
  prog: "bpf_prog_dctcp_state",
  progStruct: "bpf_prog_dctcp_state_struct",
} as const;

/** The ops member every call goes through. */
const MEMBER = "TCP_CONGESTION_OPS_SET_STATE";

/**
 * The caller, `tcp_set_ca_state()`-like: a frame, the socket's ops table, its
 * `set_state` member, a NULL check, `blr`. The socket's pointer is a global
 * here because x0..x7 carry the harness's argument values, not a socket.
 */
export function structOpsCallerChunk(options: CodegenOptions): AsmChunk {
  const a = new AsmWriter(ORIGIN, options, "struct_ops_caller").section(".text");
  a.func(SYMBOLS.caller).phase("caller").landingPad().prologue()
    .loadFrom("x8", STRUCT_OPS.caOps)
    .i(`ldr x8, [x8, #${MEMBER}]`, "cbz x8, .Lno_set_state", "blr x8")
    .anchor(SYMBOLS.callerReturn).label(".Lno_set_state").epilogue();
  a.func(SYMBOLS.harnessExit).i("brk #0x4242");
  return a.chunk();
}

/**
 * The trampoline's frame below its frame record (offsets from sp):
 *   0  run context {bpf_cookie, saved run ctx}
 *  16  number of arguments (ctx - 8, for bpf_get_func_arg_cnt)
 *  24  ctx: args[0..n-1]
 *  24+8n  the program's return value
 *  then x19, x20, and padding to keep sp 16-byte aligned.
 */
export function structOpsFrame(args: number) {
  const retval = 24 + 8 * args;
  return {
    runCtx: 0,
    nrArgs: 16,
    ctx: 24,
    retval,
    savedRegs: retval + 8,
    size: align16(retval + 8 + 16),
  };
}

/** Materialise an absolute address and `blr` to it, as the JIT calls helpers. */
function jitCall(a: AsmWriter, symbol: string): void {
  a.addressOf("x10", symbol).i("blr x10");
}

/**
 * The struct_ops trampoline for an operation of `args` arguments, in module
 * text (BPF images are allocated there). Reached by `blr` from kernel code, so
 * it starts with a landing pad (the JIT emits `bti jc`, as the same image may
 * also be entered by `br`; `bti c` suffices for the `blr` modelled here).
 */
export function structOpsTrampolineChunk(options: CodegenOptions, args: number): AsmChunk {
  const f = structOpsFrame(args);
  const a = new AsmWriter(ORIGIN, options, "struct_ops_tramp").section(".module.text");
  a.func(STRUCT_OPS.trampoline).phase("save").landingPad().i(
    // Only the caller's frame record: no patch site, so x9 holds nothing.
    "stp x29, x30, [sp, #-16]!",
    "mov x29, sp",
    `sub sp, sp, #${f.size}`,
    `stp x19, x20, [sp, #${f.savedRegs}]`,
  );
  for (let i = 0; i < args; i += 2) {
    const at = f.ctx + 8 * i;
    a.i(i + 1 < args ? `stp x${i}, x${i + 1}, [sp, #${at}]` : `str x${i}, [sp, #${at}]`);
  }
  a.i(`mov x10, #${args}`, `str x10, [sp, #${f.nrArgs}]`, `str xzr, [sp, #${f.runCtx}]`)
    .phase("dispatch").addressOf("x19", STRUCT_OPS.progStruct)
    .i("mov x0, x19", `add x1, sp, #${f.runCtx}`);
  jitCall(a, BPF_SYMBOLS.enter);
  a.i("mov x20, x0", "cbz x0, .Lstruct_ops_skip", `add x0, sp, #${f.ctx}`);
  jitCall(a, STRUCT_OPS.prog);
  // The program's return value is the operation's: keep it across the exit hook.
  a.i(`str x0, [sp, #${f.retval}]`).label(".Lstruct_ops_skip")
    .i("mov x0, x19", "mov x1, x20", `add x2, sp, #${f.runCtx}`);
  jitCall(a, BPF_SYMBOLS.exit);
  a.phase("restore").i(
    `ldr x0, [sp, #${f.retval}]`,
    `ldp x19, x20, [sp, #${f.savedRegs}]`,
    `add sp, sp, #${f.size}`,
    "ldp x29, x30, [sp], #16",
    "ret",
  );
  return a.chunk();
}

/**
 * The struct_ops program as the arm64 JIT lays it out: frame, the registers
 * holding BPF R6/R7 and the BPF frame pointer, then the body, which loads each
 * argument from ctx and computes what the native function computes. Its
 * result goes to BPF R0 (x7), which the epilogue moves to x0.
 */
export function structOpsProgChunk(options: CodegenOptions, args: number): AsmChunk {
  const a = new AsmWriter(ORIGIN, options, "struct_ops_prog").section(".module.text");
  a.func(STRUCT_OPS.prog).phase("tracer").landingPad().prologue().i(
    "stp x19, x20, [sp, #-16]!",
    "stp x25, x26, [sp, #-16]!",
    "mov x25, sp",
  );
  emitResult(a, args, (i) => {
    a.i(`ldr x11, [x0, #${8 * i}]`);
    return "x11";
  });
  a.i("mov x7, x10", "mov x0, x7", "ldp x25, x26, [sp], #16", "ldp x19, x20, [sp], #16")
    .epilogue();
  return a.chunk();
}

/**
 * The data: the native table (`set_state` = the native function; the other
 * members stay NULL), for BPF also the struct_ops map's table pointing at the
 * trampoline and the program's `struct bpf_prog`, and the socket's choice.
 */
export function structOpsDataChunk(
  implementation: "native" | "bpf",
  nativeFunction: string,
): DataChunk {
  const a = new DataWriter(ORIGIN);
  a.align(64); // ____cacheline_aligned_in_smp
  emitStruct(a, STRUCT_OPS.nativeTable, TCP_CONGESTION_OPS, { set_state: sym(nativeFunction) });
  if (implementation === "bpf") {
    a.align(64);
    emitStruct(a, STRUCT_OPS.bpfTable, TCP_CONGESTION_OPS, {
      set_state: sym(STRUCT_OPS.trampoline),
    });
    emitStruct(a, STRUCT_OPS.progStruct, BPF_PROG, { bpf_func: sym(STRUCT_OPS.prog) });
  }
  const table = implementation === "native" ? STRUCT_OPS.nativeTable : STRUCT_OPS.bpfTable;
  a.object(STRUCT_OPS.caOps).quad(sym(table));
  return a.chunk();
}
