/**
 * The generic ftrace C code that sits between a trampoline and the tracers,
 * written as the assembly a compiler would produce for it:
 * the list function (with `ftrace_ops_test` inlined, as linux 6.12's is),
 * the out-of-line `hash_contains_ip`, the assist function, the per-task
 * recursion guard and preempt count, and small stubs.
 */
import { AsmWriter, chunkOnce, codegenKey, type CodegenOptions } from "./asm_writer.ts";
import type { AsmChunk } from "../asm/source.ts";
import { FTRACE_OPS_HASH, GOLDEN_RATIO_64, OPS_FLAGS } from "./structs.ts";

const ORIGIN = "src/kernel/ftrace_core.ts";

/** Bit numbers of the ops flags the hot path tests. */
const STUB_BIT = OPS_FLAGS.STUB.toString(2).length - 1;
const RCU_BIT = OPS_FLAGS.RCU.toString(2).length - 1;

/** First bit of each user of current->trace_recursion (one bit per context). */
const TRACE_FTRACE_START = 0;
const TRACE_LIST_START = 5;
/** Context index of task context; NMI/hardirq/softirq are 0..2; then the transition bit. */
const TRACE_CTX_NORMAL = 3;
const TRACE_CTX_TRANSITION = 4;

/** Preempt-count fields: NMI, hardirq (with NMI: any hard interrupt context). */
const NMI_MASK = 0xf00000;
const HARDIRQ_MASK = 0x0f0000;
/** FTRACE_HASH_FL_MOD: a hash with a pending module filter is not empty. */
const HASH_FL_MOD_BIT = 0;

/**
 * The list function's frame: frame record, x19-x24, x25, the on-stack
 * `struct ftrace_ops_hash` of the inlined ftrace_ops_test(), the stack guard.
 */
const LIST_X25 = 64;
const LIST_HASH = 88;
const LIST_CANARY = LIST_HASH + FTRACE_OPS_HASH.size;
const LIST_FRAME = LIST_CANARY + 8;

/** Symbols this module defines. */
export const FTRACE_CORE = {
  listFunc: "ftrace_ops_list_func",
  assistFunc: "ftrace_ops_assist_func",
  hashContainsIp: "hash_contains_ip",
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

/**
 * hash_contains_ip(ip=x0, notrace=x1, filter=x2), out of line as the compiler
 * leaves it (the ops test passes the two hashes it read back from its stack
 * copy): 1 when the ip is in the filter hash (or the filter is empty) and not
 * in the notrace hash (or that is empty). A hash is empty when it is NULL, or
 * has no entries and no pending module filter (FTRACE_HASH_FL_MOD).
 *
 * Each lookup is rotated the way a compiler emits a while loop: the bucket's
 * head is tested before the loop (`cbnz` into it), the end of the chain on
 * the loop's back edge (`cbz` out of it), at different pcs.
 */
function hashContainsIp(a: AsmWriter): void {
  a.func(FTRACE_CORE.hashContainsIp).phase("dispatch").i(
    "mov x3, x0",
    "cbz x2, .Lhash_filter_passed",
    "ldr x0, [x2, #FTRACE_HASH_COUNT]",
    "cbnz x0, .Lhash_filter_lookup",
    "ldr x0, [x2, #FTRACE_HASH_FLAGS]",
    `tbnz w0, #${HASH_FL_MOD_BIT}, .Lhash_filter_lookup`,
  ).label(".Lhash_filter_passed").i(
    "mov w0, #1",
    "cbz x1, .Lhash_return",
    "ldr x2, [x1, #FTRACE_HASH_COUNT]",
    "cbz x2, .Lhash_notrace_flags",
  ).label(".Lhash_notrace_lookup").i(
    "ldr x0, [x1, #FTRACE_HASH_SIZE_BITS]",
    "cbz x0, .Lhash_notrace_bucket",
  );
  bucketOffset(a, "x0", "x2", "w4");
  a.label(".Lhash_notrace_bucket").i(
    "ldr x1, [x1, #FTRACE_HASH_BUCKETS]",
    "ldr x1, [x1, x0]",
    "cbnz x1, .Lhash_notrace_entry",
    "b .Lhash_yes",
  ).label(".Lhash_notrace_next").i(
    "ldr x1, [x1, #FTRACE_FUNC_ENTRY_NEXT]",
    "cbz x1, .Lhash_yes",
  ).label(".Lhash_notrace_entry").i(
    "ldr x0, [x1, #FTRACE_FUNC_ENTRY_IP]",
    "cmp x3, x0",
    "b.ne .Lhash_notrace_next",
  ).label(".Lhash_no").i("mov w0, #0")
    .label(".Lhash_return").i("ret")
    .label(".Lhash_filter_lookup").i(
      "ldr x0, [x2, #FTRACE_HASH_SIZE_BITS]",
      "cbnz x0, .Lhash_filter_index",
    ).label(".Lhash_filter_bucket").i(
      "ldr x2, [x2, #FTRACE_HASH_BUCKETS]",
      "ldr x2, [x2, x0]",
      "cbnz x2, .Lhash_filter_entry",
      "b .Lhash_no",
    ).label(".Lhash_filter_next").i(
      "ldr x2, [x2, #FTRACE_FUNC_ENTRY_NEXT]",
      "cbz x2, .Lhash_no",
    ).label(".Lhash_filter_entry").i(
      "ldr x0, [x2, #FTRACE_FUNC_ENTRY_IP]",
      "cmp x3, x0",
      "b.ne .Lhash_filter_next",
      "b .Lhash_filter_passed",
    ).label(".Lhash_notrace_flags").i(
      "ldr x2, [x1, #FTRACE_HASH_FLAGS]",
      `tbnz w2, #${HASH_FL_MOD_BIT}, .Lhash_notrace_lookup`,
      "ret",
    ).label(".Lhash_yes").i("mov w0, #1", "ret")
    .label(".Lhash_filter_index");
  bucketOffset(a, "x0", "x4", "w5");
  a.i("b .Lhash_filter_bucket");
}

/**
 * The byte offset of the ip's (x3) bucket, for a hash of 2^bits buckets with
 * bits in `bits`: hash_long(ip, bits) * 8, computed into `bits`. Uses `k` for
 * the multiplier and `shift` for 64 - bits.
 */
function bucketOffset(a: AsmWriter, bits: string, k: string, shift: string): void {
  a.movConst(k, GOLDEN_RATIO_64).i(
    `mov ${shift}, #64`,
    `sub ${shift}, ${shift}, ${bits.replace("x", "w")}`,
    `mul ${bits}, x3, ${k}`,
    `lsr ${bits}, ${bits}, ${shift.replace("w", "x")}`,
    // hash_long() is 32 bits wide: its zero-extended value times 8.
    `ubfiz ${bits}, ${bits}, #3, #32`,
  );
}

/**
 * The list function: called with (ip, parent_ip, op, fregs) when more than
 * one ops is registered (or the only one is dynamic or RCU-protected).
 *
 * Written as a compiler lays out linux 6.12's C (the order of operations of
 * its arch_ftrace_ops_list_func, with this file's own registers): a stack
 * guard (the canary of `current` copied into the frame and checked on the
 * way out), trace_test_and_set_recursion() with its transition bit,
 * preempt_disable_notrace(), then a do-while walk of ftrace_ops_list that for
 * each ops skips stubs, checks RCU if asked, and runs ftrace_ops_test()
 * inlined: both hash pointers are published into a zero-initialised
 * on-stack `struct ftrace_ops_hash` with store-release (rcu_assign_pointer),
 * read back, and handed to the out-of-line hash_contains_ip(). A matching
 * ops' func is called (a NULL func WARNs and stops the walk). Then
 * preempt_enable_notrace() and trace_clear_recursion().
 *
 * State: x19 the ops, x20 ip, x21 parent_ip, x22 fregs, x23 ~bit (to clear
 * the recursion bit), x24 &ftrace_list_end, x25 the list head's page (the
 * WARN path empties the list through it).
 */
function listFunc(a: AsmWriter): void {
  const pac = a.options.pac;
  a.func(FTRACE_CORE.listFunc).landingPad().phase("dispatch");
  if (pac) a.i("paciasp");
  a.i(
    `stp x29, x30, [sp, #-${LIST_FRAME}]!`,
    "mrs x9, sp_el0",
    "mov x29, sp",
    "stp x19, x20, [sp, #16]",
    "mov x20, x0",
    `mov w10, #${TRACE_LIST_START + TRACE_CTX_NORMAL}`,
    "stp x21, x22, [sp, #32]",
    "mov x21, x1",
    "mov x22, x3",
    "stp x23, x24, [sp, #48]",
    // Stack guard: current->stack_canary into the frame, no copy left in a register.
    "ldr x11, [x9, #TASK_STRUCT_STACK_CANARY]",
    `str x11, [sp, #${LIST_CANARY}]`,
    "mov x11, #0",
    "mov w12, #1",
    // trace_test_and_set_recursion(): the context level from the preempt count.
    "mrs x9, sp_el0",
    "ldr x7, [x9, #TASK_STRUCT_TRACE_RECURSION]",
    "ldr w6, [x9, #TASK_STRUCT_PREEMPT_COUNT]",
    `tst w6, #${NMI_MASK}`,
    "and w0, w6, #0xffff00",
    "cset w9, ne",
    // NMI | HARDIRQ | SOFTIRQ_OFFSET, as two masks (one is no logical immediate)
    "and w0, w0, #0xffff01ff",
    `tst w6, #${NMI_MASK | HARDIRQ_MASK}`,
    "cinc w9, w9, ne",
    "cmp w0, #0",
    "cinc w9, w9, ne",
    "sub w10, w10, w9",
    "lsl w12, w12, w10",
    "tst w12, w7",
    "b.ne .Llist_transition",
    "mvn w23, w12",
    `str x25, [sp, #${LIST_X25}]`,
    "sxtw x23, w23",
  ).label(".Llist_claim").i(
    "orr w12, w12, w7",
    "mrs x0, sp_el0",
    "str x12, [x0, #TASK_STRUCT_TRACE_RECURSION]",
    // preempt_disable_notrace()
    "ldr w1, [x0, #TASK_STRUCT_PREEMPT_COUNT]",
    "add w1, w1, #1",
    "str w1, [x0, #TASK_STRUCT_PREEMPT_COUNT]",
    "adrp x25, ftrace_ops_list",
    "adrp x24, ftrace_list_end",
    "add x24, x24, :lo12:ftrace_list_end",
    "ldr x19, [x25, :lo12:ftrace_ops_list]",
  ).label(".Llist_loop").i(
    "ldr x0, [x19, #FTRACE_OPS_FLAGS]",
    `tbnz w0, #${STUB_BIT}, .Llist_next`,
    `tbnz w0, #${RCU_BIT}, .Llist_rcu`,
  ).label(".Llist_test").i(
    // ftrace_ops_test(): a zeroed struct ftrace_ops_hash on the stack...
    "ldr x0, [x19, #FTRACE_OPS_FUNC_HASH]",
    `stp xzr, xzr, [sp, #${LIST_HASH}]`,
    `add x1, sp, #${LIST_HASH} + FTRACE_OPS_HASH_FILTER_HASH`,
    `stp xzr, xzr, [sp, #${LIST_HASH + 16}]`,
    `stp xzr, xzr, [sp, #${LIST_HASH + 32}]`,
    // ...rcu_assign_pointer() of each hash into it (a store-release)...
    "ldr x0, [x0, #FTRACE_OPS_HASH_FILTER_HASH]",
    "stlr x0, [x1]",
    "ldr x0, [x19, #FTRACE_OPS_FUNC_HASH]",
    `add x1, sp, #${LIST_HASH} + FTRACE_OPS_HASH_NOTRACE_HASH`,
    "ldr x0, [x0, #FTRACE_OPS_HASH_NOTRACE_HASH]",
    "stlr x0, [x1]",
    // ...and both read back at once for the lookup.
    `ldp x1, x2, [sp, #${LIST_HASH}]`,
    "mov x0, x20",
    `bl ${FTRACE_CORE.hashContainsIp}`,
    "tst w0, #0xff",
    "b.eq .Llist_next",
    "ldr x4, [x19, #FTRACE_OPS_FUNC]",
    "cbz x4, .Llist_warn",
    "mov x3, x22",
    "mov x2, x19",
    "mov x1, x21",
    "mov x0, x20",
    "blr x4",
  ).label(".Llist_next").i(
    "ldr x19, [x19, #FTRACE_OPS_NEXT]",
    "cmp x19, #0",
    "ccmp x19, x24, #4, ne",
    "b.ne .Llist_loop",
  ).label(".Llist_done").i(
    // preempt_enable_notrace(): count and need_resched read together.
    "mrs x1, sp_el0",
    "ldr x0, [x1, #TASK_STRUCT_PREEMPT_COUNT]",
    "sub x0, x0, #1",
    "str w0, [x1, #TASK_STRUCT_PREEMPT_COUNT]",
    "cbnz x0, .Llist_recheck",
  ).label(".Llist_resched").i(`bl ${FTRACE_CORE.preemptSchedule}`)
    .label(".Llist_clear").i(
      // trace_clear_recursion()
      "mrs x1, sp_el0",
      "ldr x0, [x1, #TASK_STRUCT_TRACE_RECURSION]",
      "and x0, x0, x23",
      "str x0, [x1, #TASK_STRUCT_TRACE_RECURSION]",
      `ldr x25, [sp, #${LIST_X25}]`,
    ).label(".Llist_out").i(
      "mrs x0, sp_el0",
      `ldr x2, [sp, #${LIST_CANARY}]`,
      "ldr x1, [x0, #TASK_STRUCT_STACK_CANARY]",
      "subs x2, x2, x1",
      "mov x1, #0",
      "b.ne .Llist_smashed",
      "ldp x19, x20, [sp, #16]",
      "ldp x21, x22, [sp, #32]",
      "ldp x23, x24, [sp, #48]",
      `ldp x29, x30, [sp], #${LIST_FRAME}`,
    );
  if (pac) a.i("autiasp");
  a.i("ret")
    // The count was not zero after all: no reschedule.
    .label(".Llist_recheck").i(
      "ldr x0, [x1, #TASK_STRUCT_PREEMPT_COUNT]",
      "cbnz x0, .Llist_clear",
      "b .Llist_resched",
    )
    // The bit is taken: once, via the transition bit; twice is recursion.
    .label(".Llist_transition").i(
      `tbnz w7, #${TRACE_LIST_START + TRACE_CTX_TRANSITION}, .Llist_out`,
      `mov x23, #${~(1 << (TRACE_LIST_START + TRACE_CTX_TRANSITION))}`,
      `mov w12, #${1 << (TRACE_LIST_START + TRACE_CTX_TRANSITION)}`,
      `str x25, [sp, #${LIST_X25}]`,
      "b .Llist_claim",
    )
    .label(".Llist_rcu").i(
      `bl ${FTRACE_CORE.rcuIsWatching}`,
      "tst w0, #0xff",
      "b.ne .Llist_test",
      "b .Llist_next",
    )
    // FTRACE_WARN_ON(!op->func): warn, and stop walking (the list is emptied).
    .label(".Llist_warn").i(
      "brk #0x800",
      "str x24, [x25, :lo12:ftrace_ops_list]",
      "b .Llist_done",
    )
    // The stack guard changed: __stack_chk_fail().
    .label(".Llist_smashed").i("brk #0x801");
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
export function ftraceCoreChunk(options: CodegenOptions): AsmChunk {
  return chunkOnce(`core ${codegenKey(options)}`, () => writeCore(options));
}

function writeCore(options: CodegenOptions): AsmChunk {
  const a = new AsmWriter(ORIGIN, options, "core").section(".text");
  listFunc(a);
  assistFunc(a);
  hashContainsIp(a);
  stubs(a);
  return a.chunk();
}
