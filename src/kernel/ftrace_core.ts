/**
 * The generic ftrace C code that sits between a trampoline and the tracers,
 * written as the assembly a compiler would produce for it:
 * the list function, the assist function, `ftrace_ops_test` with its hash
 * lookups, the per-task recursion guard and preempt count, and small stubs.
 */
import { AsmWriter, type CodegenOptions } from "./asm_writer.ts";
import { GOLDEN_RATIO_64, OPS_FLAGS } from "./structs.ts";

const ORIGIN = "src/kernel/ftrace_core.ts";

/** Bit numbers of the ops flags the hot path tests. */
const STUB_BIT = OPS_FLAGS.STUB.toString(2).length - 1;
const RCU_BIT = OPS_FLAGS.RCU.toString(2).length - 1;

/** First bit of each user of current->trace_recursion (one bit per context). */
const TRACE_FTRACE_START = 0;
const TRACE_LIST_START = 5;
/** Context index of task context; NMI/hardirq/softirq are 0..2. */
const TRACE_CTX_NORMAL = 3;

/** Symbols this module defines. */
export const FTRACE_CORE = {
  listFunc: "ftrace_ops_list_func",
  assistFunc: "ftrace_ops_assist_func",
  opsTest: "ftrace_ops_test",
  stub: "ftrace_stub",
  rcuIsWatching: "rcu_is_watching",
  preemptSchedule: "preempt_schedule_notrace",
} as const;

/** Callee-saved registers the list and assist functions keep their state in. */
const FRAME = 64; // x29/x30 + x19..x24

function saveState(a: AsmWriter): void {
  a.prologue(FRAME).i(
    "stp x19, x20, [sp, #16]",
    "stp x21, x22, [sp, #32]",
    "stp x23, x24, [sp, #48]",
  );
}

function restoreState(a: AsmWriter): void {
  a.i(
    "ldp x19, x20, [sp, #16]",
    "ldp x21, x22, [sp, #32]",
    "ldp x23, x24, [sp, #48]",
  ).epilogue(FRAME);
}

/**
 * trace_test_and_set_recursion(): pick the bit for the current context from
 * the preempt count, bail out to `recursed` if it is already set, set it, and
 * disable preemption. Leaves current in x23 and the bit in x24.
 */
function recursionEnter(a: AsmWriter, start: number, recursed: string): void {
  a.i(
    "mrs x23, sp_el0",
    "ldr w4, [x23, #TASK_STRUCT_PREEMPT_COUNT]",
    // interrupt context level: NMI, hardirq, softirq counts in the preempt count
    "tst w4, #0xf00000",
    "cset w5, ne",
    "tst w4, #0xff0000",
    "cinc w5, w5, ne",
    "mov w6, #0x100",
    "movk w6, #0xff, lsl #16",
    "tst w4, w6",
    "cinc w5, w5, ne",
    `mov w6, #${start + TRACE_CTX_NORMAL}`,
    "sub w24, w6, w5",
    "ldr x7, [x23, #TASK_STRUCT_TRACE_RECURSION]",
    "lsr x8, x7, x24",
    `tbnz x8, #0, ${recursed}`,
    "mov x8, #1",
    "lsl x8, x8, x24",
    "orr x7, x7, x8",
    "str x7, [x23, #TASK_STRUCT_TRACE_RECURSION]",
    // preempt_disable_notrace()
    "add w4, w4, #1",
    "str w4, [x23, #TASK_STRUCT_PREEMPT_COUNT]",
  );
}

/** trace_clear_recursion(): re-enable preemption (rescheduling if due), clear the bit. */
function recursionExit(a: AsmWriter, label: string): void {
  a.i(
    "ldr x4, [x23, #TASK_STRUCT_PREEMPT_COUNT]",
    "sub x4, x4, #1",
    "str w4, [x23, #TASK_STRUCT_PREEMPT_COUNT]",
    `cbnz x4, ${label}`,
    `bl ${FTRACE_CORE.preemptSchedule}`,
  ).label(label).i(
    "ldr x7, [x23, #TASK_STRUCT_TRACE_RECURSION]",
    "mov x8, #1",
    "lsl x8, x8, x24",
    "bic x7, x7, x8",
    "str x7, [x23, #TASK_STRUCT_TRACE_RECURSION]",
  );
}

/** Walk the hash in `hash` for the ip in x1; branch to `found` or `missing`. Clobbers x4-x7. */
function hashLookup(a: AsmWriter, hash: string, tag: string, found: string, missing: string) {
  a.i(
    `ldr x4, [${hash}, #FTRACE_HASH_SIZE_BITS]`,
    `ldr x5, [${hash}, #FTRACE_HASH_BUCKETS]`,
    `cbz x4, .L${tag}_bucket`,
  ).movConst("x6", GOLDEN_RATIO_64).i(
    "mul x6, x1, x6",
    "mov x7, #64",
    "sub x7, x7, x4",
    "lsr x6, x6, x7",
    "add x5, x5, x6, lsl #3",
  ).label(`.L${tag}_bucket`).i("ldr x5, [x5]").label(`.L${tag}_walk`).i(
    `cbz x5, ${missing}`,
    "ldr x6, [x5, #FTRACE_FUNC_ENTRY_IP]",
    "cmp x6, x1",
    `b.eq ${found}`,
    "ldr x5, [x5, #FTRACE_FUNC_ENTRY_NEXT]",
    `b .L${tag}_walk`,
  );
}

/** ftrace_ops_test(ops=x0, ip=x1): 1 when ip passes the filter hash and not the notrace hash. */
function opsTest(a: AsmWriter): void {
  a.func(FTRACE_CORE.opsTest).landingPad().phase("dispatch").i(
    "ldr x2, [x0, #FTRACE_OPS_FUNC_HASH]",
    "ldr x3, [x2, #FTRACE_OPS_HASH_FILTER_HASH]",
    "ldr x2, [x2, #FTRACE_OPS_HASH_NOTRACE_HASH]",
    "cbz x3, .Lfilter_ok",
    "ldr x4, [x3, #FTRACE_HASH_COUNT]",
    "cbz x4, .Lfilter_ok",
  );
  hashLookup(a, "x3", "filter", ".Lfilter_ok", ".Lops_test_no");
  a.label(".Lfilter_ok").i(
    "cbz x2, .Lops_test_yes",
    "ldr x4, [x2, #FTRACE_HASH_COUNT]",
    "cbz x4, .Lops_test_yes",
  );
  hashLookup(a, "x2", "notrace", ".Lops_test_no", ".Lops_test_yes");
  a.label(".Lops_test_yes").i("mov w0, #1", "ret")
    .label(".Lops_test_no").i("mov w0, #0", "ret");
}

/** Call op->func(ip, parent_ip, op, fregs) with the state kept in x19-x22. */
function callOpsFunc(a: AsmWriter): void {
  a.i(
    "ldr x4, [x22, #FTRACE_OPS_FUNC]",
    "mov x0, x19",
    "mov x1, x20",
    "mov x2, x22",
    "mov x3, x21",
    "blr x4",
  );
}

/**
 * The list function: called with (ip, parent_ip, op, fregs) when more than
 * one ops is registered (or the only one is dynamic or RCU-protected).
 */
function listFunc(a: AsmWriter): void {
  a.func(FTRACE_CORE.listFunc).landingPad().phase("dispatch");
  saveState(a);
  a.i("mov x19, x0", "mov x20, x1", "mov x21, x3");
  recursionEnter(a, TRACE_LIST_START, ".Llist_out");
  a.loadFrom("x22", "ftrace_ops_list").label(".Llist_loop")
    .addressOf("x4", "ftrace_list_end").i(
      "cmp x22, x4",
      "b.eq .Llist_done",
      "ldr x5, [x22, #FTRACE_OPS_FLAGS]",
      `tbnz x5, #${STUB_BIT}, .Llist_next`,
      `tbz x5, #${RCU_BIT}, .Llist_test`,
      `bl ${FTRACE_CORE.rcuIsWatching}`,
      "cbz w0, .Llist_next",
    ).label(".Llist_test").i(
      "mov x0, x22",
      "mov x1, x19",
      `bl ${FTRACE_CORE.opsTest}`,
      "cbz w0, .Llist_next",
    );
  callOpsFunc(a);
  a.label(".Llist_next").i("ldr x22, [x22, #FTRACE_OPS_NEXT]", "b .Llist_loop")
    .label(".Llist_done");
  recursionExit(a, ".Llist_no_resched");
  a.label(".Llist_out");
  restoreState(a);
}

/** The assist function: recursion (and RCU) protection around a single ops' func. */
function assistFunc(a: AsmWriter): void {
  a.func(FTRACE_CORE.assistFunc).landingPad().phase("dispatch");
  saveState(a);
  a.i("mov x19, x0", "mov x20, x1", "mov x22, x2", "mov x21, x3");
  recursionEnter(a, TRACE_FTRACE_START, ".Lassist_out");
  a.i(
    "ldr x5, [x22, #FTRACE_OPS_FLAGS]",
    `tbz x5, #${RCU_BIT}, .Lassist_call`,
    `bl ${FTRACE_CORE.rcuIsWatching}`,
    "cbz w0, .Lassist_clear",
  ).label(".Lassist_call");
  callOpsFunc(a);
  a.label(".Lassist_clear");
  recursionExit(a, ".Lassist_no_resched");
  a.label(".Lassist_out");
  restoreState(a);
}

/** ftrace_stub, rcu_is_watching and the (never taken here) reschedule path. */
function stubs(a: AsmWriter): void {
  a.func(FTRACE_CORE.stub).landingPad().phase("dispatch").i("ret");
  a.func(FTRACE_CORE.rcuIsWatching).landingPad().phase("dispatch")
    .loadFrom("x0", "rcu_watching").i("and w0, w0, #1", "ret");
  a.func(FTRACE_CORE.preemptSchedule).landingPad().phase("dispatch").i("ret");
}

/** The ftrace core code of the modelled kernel. */
export function ftraceCoreChunk(options: CodegenOptions) {
  const a = new AsmWriter(ORIGIN, options, "core").section(".text");
  listFunc(a);
  assistFunc(a);
  opsTest(a);
  stubs(a);
  return a.chunk();
}
