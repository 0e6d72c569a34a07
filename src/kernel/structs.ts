/**
 * arm64 sizes and offsets of the kernel data structures the hot paths touch.
 *
 * Offsets are computed from field lists with natural alignment, the way the C
 * compiler lays them out on arm64 (LP64). The same numbers reach the assembly
 * as `.equ` constants, so TypeScript and the trampolines never disagree.
 */

/** One field: its name and size in bytes (aligned to min(size, 8)). */
type Field = readonly [name: string, size: number];

/** A laid-out structure: offset of every field and the padded total size. */
export interface StructLayout {
  readonly name: string;
  readonly size: number;
  readonly offsets: Readonly<Record<string, number>>;
}

function layout(name: string, fields: readonly Field[], align = 8): StructLayout {
  const offsets: Record<string, number> = {};
  let offset = 0;
  for (const [field, size] of fields) {
    const fieldAlign = Math.min(size, 8);
    offset = Math.ceil(offset / fieldAlign) * fieldAlign;
    offsets[field] = offset;
    offset += size;
  }
  return { name, size: Math.ceil(offset / align) * align, offsets };
}

const regsFields = (count: number): Field[] =>
  Array.from({ length: count }, (_, i) => [`x${i}`, 8] as Field);

/**
 * `struct pt_regs` of the regs-saving era (v5.5 to v6.1): 336 bytes.
 * stackframe is the frame record embedded for the unwinder.
 */
export const PT_REGS = layout("pt_regs", [
  ...regsFields(31),
  ["sp", 8],
  ["pc", 8],
  ["pstate", 8],
  ["orig_x0", 8],
  ["syscallno", 4],
  ["unused2", 4],
  ["orig_addr_limit", 8],
  ["pmr_save", 8],
  ["stackframe", 16],
  ["lockdep_hardirqs", 8],
  ["exit_rcu", 8],
]);

/**
 * `struct ftrace_regs` of minimal-regs ftrace (v6.2+): x0-x8, a slot that
 * holds the direct-call trampoline (unused otherwise), fp, lr, sp, pc.
 */
export const FTRACE_REGS = layout("ftrace_regs", [
  ...regsFields(9),
  ["direct_tramp", 8],
  ["fp", 8],
  ["lr", 8],
  ["sp", 8],
  ["pc", 8],
], 16);

/** `struct ftrace_ops_hash`: the pair of hashes an ops filters on (plus its mutex). */
export const FTRACE_OPS_HASH = layout("ftrace_ops_hash", [
  ["notrace_hash", 8],
  ["filter_hash", 8],
  ["regex_lock", 32],
]);

/** `struct ftrace_ops` as linux 6.12 lays it out on arm64 (its DWARF agrees), for the hot path. */
export const FTRACE_OPS = layout("ftrace_ops", [
  ["func", 8],
  ["next", 8],
  ["flags", 8],
  ["private", 8],
  ["saved_func", 8],
  // local_hash is a struct ftrace_ops_hash {notrace_hash, filter_hash, regex_lock}
  ["local_hash_notrace", 8],
  ["local_hash_filter", 8],
  ["local_hash_lock", 32],
  ["func_hash", 8],
  ["old_hash", FTRACE_OPS_HASH.size],
  ["trampoline", 8],
  ["trampoline_size", 8],
  ["list", 16],
  ["subop_list", 16], // v6.12
  ["ops_func", 8],
  ["managed", 8], // v6.12
  ["direct_call", 8],
]);

/** `struct ftrace_hash`: 2^size_bits bucket heads, hashed by `hash_long(ip, size_bits)`. */
export const FTRACE_HASH = layout("ftrace_hash", [
  ["size_bits", 8],
  ["buckets", 8],
  ["count", 8],
  ["flags", 8],
  ["rcu", 16],
]);

/** `struct ftrace_func_entry`: an hlist node and the ip it matches. */
export const FTRACE_FUNC_ENTRY = layout("ftrace_func_entry", [
  ["next", 8],
  ["pprev", 8],
  ["ip", 8],
  ["direct", 8],
]);

/**
 * The part of `struct task_struct` the tracing paths touch. On arm64 the
 * thread_info (flags, preempt count) comes first and `current` is sp_el0.
 * The fields between are padding standing for the rest of the task.
 */
export const TASK_STRUCT = layout("task_struct", [
  ["ti_flags", 8],
  ["preempt_count", 4], // thread_info.preempt.count
  ["need_resched", 4], // thread_info.preempt.need_resched (stored inverted: 0 = resched)
  ["ti_cpu", 8],
  ["state", 8],
  ["stack", 8],
  ["bpf_ctx", 8], // current->bpf_ctx: the run context of the running BPF prog
  ["stack_canary", 8], // current->stack_canary (CONFIG_STACKPROTECTOR_PER_TASK)
  ["pad_a", 8 * 38],
  ["migration_disabled", 4],
  ["rcu_read_lock_nesting", 4],
  ["pad_b", 8 * 56],
  // Function-graph state (CONFIG_FUNCTION_GRAPH_TRACER), carved out of the padding
  // so every other offset stays put: the index of the top ret_stack entry (-1
  // when empty), the call depth, the return stack itself, and the pause count.
  ["curr_ret_stack", 4],
  ["curr_ret_depth", 4],
  ["ret_stack", 8],
  ["ftrace_timestamp", 8],
  ["trace_overrun", 4],
  ["tracing_graph_pause", 4],
  ["trace_recursion", 8],
  ["pad_c", 8 * 20],
]);

/** `struct bpf_prog`, reduced to what the trampoline's enter/exit hooks use. */
export const BPF_PROG = layout("bpf_prog", [
  ["pages_flags", 8],
  ["type", 8],
  ["active", 8], // recursion counter (per-CPU in the kernel; one CPU here)
  ["bpf_func", 8],
  ["aux", 8],
]);

/** The ring buffer tracers write records into: a head index and fixed slots. */
export const RING_SLOTS = 16;
export const RING_RECORD = layout("ring_record", [
  ["ip", 8],
  ["parent_ip", 8],
  ...Array.from({ length: 8 }, (_, i) => [`arg${i}`, 8] as Field),
]);
export const RING_BUFFER = layout("ring_buffer", [
  ["head", 8],
  ["pad", 8],
  ["records", RING_RECORD.size * RING_SLOTS],
]);

/** ftrace_ops flag bits (values of include/linux/ftrace.h in v6.x). */
export const OPS_FLAGS = {
  ENABLED: 1n << 0n,
  DYNAMIC: 1n << 1n,
  SAVE_REGS: 1n << 2n,
  SAVE_REGS_IF_SUPPORTED: 1n << 3n,
  RECURSION: 1n << 4n,
  STUB: 1n << 5n,
  INITIALIZED: 1n << 6n,
  DELETED: 1n << 7n,
  ADDING: 1n << 8n,
  REMOVING: 1n << 9n,
  MODIFYING: 1n << 10n,
  ALLOC_TRAMP: 1n << 11n,
  IPMODIFY: 1n << 12n,
  PID: 1n << 13n,
  RCU: 1n << 14n,
  TRACE_ARRAY: 1n << 15n,
  PERMANENT: 1n << 16n,
  DIRECT: 1n << 17n,
} as const;

/** Multiplier of the kernel's `hash_64()` (GOLDEN_RATIO_64). */
export const GOLDEN_RATIO_64 = 0x61c8864680b583ebn;

/** `hash_long(ip, bits)` on a 64-bit kernel. */
export function hashIp(ip: bigint, bits: number): number {
  if (bits === 0) return 0;
  const product = (ip * GOLDEN_RATIO_64) & 0xffff_ffff_ffff_ffffn;
  return Number(product >> BigInt(64 - bits));
}

/**
 * One entry of the function-graph return stack (`struct ftrace_ret_stack` up
 * to v6.8, arm64 without the profiler): the original return address, the
 * traced function, its entry time, the callsite's frame pointer (checked on
 * return) and where the return address lived (for the unwinder).
 */
export const FTRACE_RET_STACK = layout("ftrace_ret_stack", [
  ["ret", 8],
  ["func", 8],
  ["calltime", 8],
  ["fp", 8],
  ["retp", 8],
]);

/** Entries in a task's return stack (FTRACE_RETFUNC_DEPTH). */
export const FTRACE_RETFUNC_DEPTH = 50;

/** `struct ftrace_graph_ent` (packed): what a graph entry handler is told. */
export const FTRACE_GRAPH_ENT = layout("ftrace_graph_ent", [["func", 8], ["depth", 4]], 4);

/** `struct ftrace_graph_ret` (packed, with the return value since v6.5): what an exit handler is told. */
export const FTRACE_GRAPH_RET = layout("ftrace_graph_ret", [
  ["func", 8],
  ["retval", 8],
  ["depth", 4],
  ["overrun", 4],
  ["calltime", 8],
  ["rettime", 8],
]);

/**
 * `struct tcp_congestion_ops` (v6.x): the fast-path function pointers fill the
 * first cache line, the slow path follows; cache-line aligned.
 */
export const TCP_CONGESTION_OPS = layout("tcp_congestion_ops", [
  ["ssthresh", 8],
  ["cong_avoid", 8],
  ["set_state", 8],
  ["cwnd_event", 8],
  ["in_ack_event", 8],
  ["pkts_acked", 8],
  ["min_tso_segs", 8],
  ["cong_control", 8],
  ["undo_cwnd", 8],
  ["sndbuf_expand", 8],
  ["get_info", 8],
  ["name", 16],
  ["owner", 8],
  ["list", 16],
  ["key", 4],
  ["flags", 4],
  ["init", 8],
  ["release", 8],
], 64);

/** Every layout, for emitting `.equ` constants and for documentation. */
export const ALL_STRUCTS: readonly StructLayout[] = [
  PT_REGS,
  FTRACE_REGS,
  FTRACE_OPS_HASH,
  FTRACE_OPS,
  FTRACE_HASH,
  FTRACE_FUNC_ENTRY,
  TASK_STRUCT,
  BPF_PROG,
  RING_RECORD,
  RING_BUFFER,
  FTRACE_RET_STACK,
  FTRACE_GRAPH_ENT,
  FTRACE_GRAPH_RET,
  TCP_CONGESTION_OPS,
];

/**
 * `.equ` lines naming every offset as `STRUCT_FIELD` and size as `STRUCT_SIZE`,
 * upper case. `overrides` replaces values by name: a real kernel's layout, read
 * from its DWARF, for the harness's code that runs with that kernel.
 */
export function structConstants(
  overrides: ReadonlyMap<string, number | bigint> = new Map(),
): string {
  // The model's own constants never change: written once (a sweep asks per case).
  if (overrides.size === 0) return modelConstants ??= constantsText(overrides);
  return constantsText(overrides);
}

let modelConstants: string | undefined;

function constantsText(overrides: ReadonlyMap<string, number | bigint>): string {
  const lines: string[] = [];
  const equ = (name: string, value: number | bigint) =>
    lines.push(`.equ ${name}, ${overrides.get(name) ?? value}`);
  for (const s of ALL_STRUCTS) {
    const prefix = s.name.toUpperCase();
    equ(`${prefix}_SIZE`, s.size);
    for (const [field, offset] of Object.entries(s.offsets)) {
      equ(`${prefix}_${field.toUpperCase()}`, offset);
    }
  }
  for (const [flag, bit] of Object.entries(OPS_FLAGS)) equ(`FTRACE_OPS_FL_${flag}`, bit);
  equ("RING_SLOTS", RING_SLOTS);
  return lines.join("\n");
}
