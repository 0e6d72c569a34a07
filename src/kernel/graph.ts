/**
 * The function-graph tracer on minimal-regs ftrace (FTRACE_WITH_ARGS, v6.x):
 * return tracing by rewriting the traced function's return address.
 *
 * Entry: the patch site calls `ftrace_caller`, whose patched `bl` reaches the
 * graph ops' func, `ftrace_graph_func`. Unless graph tracing is paused for
 * the task, `function_graph_enter_regs` pushes an entry on the task's return
 * stack {original return address, function, entry time, callsite fp, retp},
 * calls the entry handler, and when the handler wants the function traced,
 * `ftrace_graph_func` rewrites fregs->lr to `return_to_handler`. ftrace_caller
 * restores x30 from fregs->lr, so the function's body runs with that address
 * as its return address.
 *
 * Exit: the body's `ret` lands in `return_to_handler`, which saves the return
 * registers and the callsite's fp and calls `ftrace_return_to_handler`: it
 * pops the entry, checks the fp matches (else returns to `panic`), calls the
 * exit handler with the return value, and hands back the original return
 * address, to which `return_to_handler` returns.
 *
 * The return stack is the array kernels up to v6.8 keep (v6.9 packs it into a
 * word array shared by several graph tracers, with the same push/pop at its
 * heart); the handlers take (trace, gops, fregs) as function_graph_enter_regs()
 * hands them over in recent kernels, so the entry handler can see arguments.
 */
import { align16, AsmWriter, type CodegenOptions } from "./asm_writer.ts";
import { emitStruct } from "./data.ts";
import { type DataChunk, type DataValue, DataWriter, sym } from "../asm/data_object.ts";
import {
  FTRACE_GRAPH_RET,
  FTRACE_OPS,
  FTRACE_REGS,
  FTRACE_RET_STACK,
  FTRACE_RETFUNC_DEPTH,
  OPS_FLAGS,
} from "./structs.ts";
import type { AsmChunk } from "../asm/source.ts";
import { ftraceCallerChunk } from "./variants/ftrace_caller.ts";

const ORIGIN = "src/kernel/graph.ts";

/** Symbols of the function-graph model. */
export const GRAPH = {
  trampoline: "ftrace_caller",
  ops: "fgraph_ops",
  func: "ftrace_graph_func",
  enter: "function_graph_enter_regs",
  returnHook: "return_to_handler",
  returnFunc: "ftrace_return_to_handler",
  /** Where a return with a mismatched frame pointer goes. */
  panic: "panic",
  /** The function pointers the core calls, and the handlers they point at. */
  entryPointer: "ftrace_graph_entry",
  returnPointer: "ftrace_graph_return",
  entryHandler: "tracer_graph_entry",
  exitHandler: "tracer_graph_return",
  retStack: "fgraph_ret_stack",
} as const;

/** current_task fields as they are once the graph tracer gave the task a return stack. */
export const GRAPH_TASK_FIELDS: Readonly<Record<string, DataValue>> = {
  ret_stack: sym(GRAPH.retStack),
  curr_ret_stack: -1,
  curr_ret_depth: -1,
};

/** Save or restore x0..x7 (and x8) in the ftrace_regs at sp. */
function argRegs(a: AsmWriter, op: "st" | "ld", withX8: boolean): void {
  for (let i = 0; i < 8; i += 2) a.i(`${op}p x${i}, x${i + 1}, [sp, #FTRACE_REGS_X${i}]`);
  if (withX8) a.i(`${op}r x8, [sp, #FTRACE_REGS_X8]`);
}

/**
 * ftrace_caller as minimal-regs ftrace has it (the `args` variant's), its
 * patched `bl` aimed at the graph ops' func. Nothing in it is graph-specific:
 * the restore reloads x30 from fregs->lr, which is what lets an ops func
 * redirect the return.
 */
export function graphCallerChunk(options: CodegenOptions): AsmChunk {
  return ftraceCallerChunk(options, { kind: "global", target: GRAPH.func });
}

/** A 32-bit field of current (in `task`) += delta, through w-register `w`. */
function bump(a: AsmWriter, task: string, field: string, delta: 1 | -1, w = "w7"): void {
  a.i(
    `ldr ${w}, [${task}, #TASK_STRUCT_${field}]`,
    `${delta > 0 ? "add" : "sub"} ${w}, ${w}, #1`,
    `str ${w}, [${task}, #TASK_STRUCT_${field}]`,
  );
}

/** The counter read at the heart of trace_clock_local() (sched_clock's scaling left out). */
function readClock(a: AsmWriter, reg: string): void {
  a.i("isb", `mrs ${reg}, cntvct_el0`);
}

/**
 * ftrace_graph_func(ip, parent_ip, op, fregs): the graph ops' func. Skips a
 * paused task; otherwise enters the function and, if accepted, rewrites the
 * saved return address.
 */
function graphFunc(a: AsmWriter): void {
  a.func(GRAPH.func).phase("dispatch").landingPad().prologue(32).i(
    "str x19, [sp, #16]",
    "mrs x4, sp_el0",
    "ldr w4, [x4, #TASK_STRUCT_TRACING_GRAPH_PAUSE]",
    "cbnz w4, .Lgraph_func_out",
    "mov x19, x3",
    "mov x1, x0", // func = ip
    "ldr x0, [x19, #FTRACE_REGS_LR]", // the original return address
    "ldr x2, [x19, #FTRACE_REGS_FP]", // the callsite's frame pointer
    "mov x3, x2", // retp: arm64 identifies the return slot by that fp
    "mov x4, x19",
    `bl ${GRAPH.enter}`,
    "cbnz w0, .Lgraph_func_out",
  ).addressOf("x4", GRAPH.returnHook).i(
    "str x4, [x19, #FTRACE_REGS_LR]", // *parent = return_to_handler
  ).label(".Lgraph_func_out").i("ldr x19, [sp, #16]").epilogue(32);
}

/** Offset of the `struct ftrace_graph_ent` in function_graph_enter_regs' frame. */
const ENT = 32;

/**
 * function_graph_enter_regs(ret, func, frame_pointer, retp, fregs): push the
 * return-stack entry (ftrace_push_return_trace, inlined), then ask the entry
 * handler; a refusal pops it again. Returns 0 when the return is hooked.
 */
function graphEnter(a: AsmWriter): void {
  const top = FTRACE_RETFUNC_DEPTH - 1;
  a.func(GRAPH.enter).phase("dispatch").landingPad().prologue(48).i(
    "str x19, [sp, #16]",
    "mrs x19, sp_el0",
  );
  bump(a, "x19", "CURR_RET_DEPTH", 1, "w5"); // trace.depth = ++current->curr_ret_depth
  a.i(
    `str x1, [sp, #${ENT} + FTRACE_GRAPH_ENT_FUNC]`,
    `str w5, [sp, #${ENT} + FTRACE_GRAPH_ENT_DEPTH]`,
    "ldr x6, [x19, #TASK_STRUCT_RET_STACK]",
    "cbz x6, .Lgraph_enter_busy",
    "ldr w7, [x19, #TASK_STRUCT_CURR_RET_STACK]",
    `cmp w7, #${top}`,
    "b.ge .Lgraph_enter_overrun",
  );
  readClock(a, "x8"); // calltime
  a.i(
    "add w7, w7, #1",
    "str w7, [x19, #TASK_STRUCT_CURR_RET_STACK]",
    "mov w9, #FTRACE_RET_STACK_SIZE",
    "smaddl x6, w7, w9, x6", // &current->ret_stack[index]
    "stp x0, x1, [x6, #FTRACE_RET_STACK_RET]", // ret, func
    "str x8, [x6, #FTRACE_RET_STACK_CALLTIME]",
    "stp x2, x3, [x6, #FTRACE_RET_STACK_FP]", // fp, retp
    `add x0, sp, #${ENT}`,
  ).addressOf("x1", GRAPH.ops).i("mov x2, x4").loadFrom("x5", GRAPH.entryPointer).i(
    "blr x5",
    "cbz w0, .Lgraph_enter_refused",
    "mov w0, #0",
  ).label(".Lgraph_enter_out").i("ldr x19, [sp, #16]").epilogue(48);
  a.label(".Lgraph_enter_refused");
  bump(a, "x19", "CURR_RET_STACK", -1);
  a.label(".Lgraph_enter_busy");
  bump(a, "x19", "CURR_RET_DEPTH", -1);
  a.i("mov w0, #-16", "b .Lgraph_enter_out"); // -EBUSY
  a.label(".Lgraph_enter_overrun");
  bump(a, "x19", "TRACE_OVERRUN", 1);
  a.i("b .Lgraph_enter_busy");
}

/**
 * return_to_handler: where the traced function's `ret` lands. It saves the
 * return registers and the callsite's fp (an ftrace_regs, as recent kernels
 * do), gets the original return address from ftrace_return_to_handler and
 * returns there.
 *
 * Unlike the kernel's, it also builds a frame record {fp, x30}. x30 is
 * return_to_handler itself here (the body returned through it), so an
 * unwinder that resolves return_to_handler through the return stack, as the
 * kernel's does, shows the caller the call is going back to; without the
 * record the caller would be missing from a backtrace taken in the exit handler.
 */
function returnToHandler(a: AsmWriter): void {
  const frame = FTRACE_REGS.size + 16;
  a.func(GRAPH.returnHook).phase("return").i(`sub sp, sp, #${frame}`);
  argRegs(a, "st", false); // x0-x7 may hold the return value
  a.i(
    "str x29, [sp, #FTRACE_REGS_FP]",
    `stp x29, x30, [sp, #${FTRACE_REGS.size}]`,
    `add x29, sp, #${FTRACE_REGS.size}`,
    "mov x0, sp",
    `bl ${GRAPH.returnFunc}`,
    "mov x30, x0", // the original return address
  );
  argRegs(a, "ld", false);
  a.i("ldr x29, [sp, #FTRACE_REGS_FP]", `add sp, sp, #${frame}`, "ret");
}

/** Offset of the `struct ftrace_graph_ret` in ftrace_return_to_handler's frame. */
const RET = 32;

/**
 * ftrace_return_to_handler(fregs): pop the return-stack entry
 * (ftrace_pop_return_trace, inlined) after checking the callsite's frame
 * pointer, call the exit handler, then drop the entry and return the original
 * return address (or `panic` if the stack does not match).
 */
function returnFunc(a: AsmWriter): void {
  const frame = align16(RET + FTRACE_GRAPH_RET.size);
  const t = (field: string) => `[sp, #${RET} + FTRACE_GRAPH_RET_${field}]`;
  a.func(GRAPH.returnFunc).phase("return").landingPad().prologue(frame).i(
    "stp x19, x20, [sp, #16]",
    "mrs x19, sp_el0",
    "ldr x1, [x0, #FTRACE_REGS_FP]",
    "ldr w3, [x19, #TASK_STRUCT_CURR_RET_STACK]",
    `cmp w3, #${FTRACE_RETFUNC_DEPTH}`,
    "b.hs .Lgraph_return_bad", // index < 0 or past the end
    "ldr x4, [x19, #TASK_STRUCT_RET_STACK]",
    "mov w5, #FTRACE_RET_STACK_SIZE",
    "umaddl x4, w3, w5, x4",
    "ldr x5, [x4, #FTRACE_RET_STACK_FP]",
    "cmp x5, x1",
    "b.ne .Lgraph_return_bad", // not the frame that was entered: the stack is corrupt
    "ldp x20, x6, [x4, #FTRACE_RET_STACK_RET]", // ret (kept), func
    "ldr x7, [x4, #FTRACE_RET_STACK_CALLTIME]",
    "ldr w8, [x19, #TASK_STRUCT_TRACE_OVERRUN]",
    "ldr w9, [x19, #TASK_STRUCT_CURR_RET_DEPTH]",
    "sub w10, w9, #1",
    "str w10, [x19, #TASK_STRUCT_CURR_RET_DEPTH]", // trace.depth = current->curr_ret_depth--
    "ldr x10, [x0, #FTRACE_REGS_X0]", // the return value
    `stp x6, x10, ${t("FUNC")}`,
    `stp w9, w8, ${t("DEPTH")}`,
    `str x7, ${t("CALLTIME")}`,
  );
  readClock(a, "x7");
  a.i(`str x7, ${t("RETTIME")}`, "mov x2, x0", `add x0, sp, #${RET}`)
    .addressOf("x1", GRAPH.ops).loadFrom("x5", GRAPH.returnPointer).i("blr x5");
  // Only now drop the entry: the handler, and any unwinder it runs, may still use it.
  bump(a, "x19", "CURR_RET_STACK", -1);
  a.i("mov x0, x20").label(".Lgraph_return_out").i("ldp x19, x20, [sp, #16]").epilogue(frame);
  a.label(".Lgraph_return_bad").addressOf("x0", GRAPH.panic).i("b .Lgraph_return_out");
  // The kernel stops graph tracing and returns into panic(); here, a BUG.
  a.func(GRAPH.panic).phase("return").i("brk #0x800");
}

/** The graph core: ftrace_graph_func, entry, return_to_handler and the return side. */
export function graphCoreChunk(options: CodegenOptions): AsmChunk {
  const a = new AsmWriter(ORIGIN, options, "graph_core").section(".text");
  graphFunc(a);
  graphEnter(a);
  returnToHandler(a);
  returnFunc(a);
  return a.chunk();
}

/** The handlers: an entry handler that traces every function, an empty exit handler. */
export function graphHandlersChunk(options: CodegenOptions): AsmChunk {
  const a = new AsmWriter(ORIGIN, options, "graph_handlers").section(".text");
  a.func(GRAPH.entryHandler).phase("tracer").landingPad().i("mov w0, #1", "ret");
  a.func(GRAPH.exitHandler).phase("tracer").landingPad().i("ret");
  return a.chunk();
}

/** The graph ops, the handler pointers and the task's return stack. */
export function graphDataChunk(): DataChunk {
  const a = new DataWriter(ORIGIN);
  emitStruct(a, GRAPH.ops, FTRACE_OPS, {
    func: sym(GRAPH.func),
    saved_func: sym(GRAPH.func),
    flags: OPS_FLAGS.ENABLED | OPS_FLAGS.INITIALIZED,
  });
  a.object(GRAPH.entryPointer).quad(sym(GRAPH.entryHandler));
  a.object(GRAPH.returnPointer).quad(sym(GRAPH.exitHandler));
  a.object(GRAPH.retStack).zero(FTRACE_RETFUNC_DEPTH * FTRACE_RET_STACK.size);
  return a.chunk();
}
