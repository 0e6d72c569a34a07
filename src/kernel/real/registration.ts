/**
 * Registration on a real kernel: what register_ftrace_function() and its
 * helpers leave in memory, written into the kernel's own data and into a heap
 * the harness reserves, in the layout the kernel's DWARF gives. Each rule
 * names the kernel function it stands for.
 */
import type { LoadedImage, LoadedSection } from "../../asm/loader.ts";
import { hashIp } from "../structs.ts";
import type { OpsSpec, Workload } from "../workload.ts";
import type { RealKernel, RealLayout } from "./kernel.ts";

/** Symbols of the harness's unit that registration fills. */
export const HEAP_SYMBOL = "ftrace_bench_heap";
export const TASK_SYMBOL = "current_task";

/** How each ops is registered, decided by the variant from the kernel's rules. */
export interface Registration {
  /** Ops in ftrace_ops_list order (the workload's). */
  readonly ops: readonly OpsSpec[];
  /** ops name → its func symbol (default: the tracer's). */
  readonly funcs: ReadonlyMap<string, string>;
  /** ops name → the custom trampoline it carries in direct_call. */
  readonly directCalls: ReadonlyMap<string, string>;
  /** ops name → flags registration adds to the workload's (e.g. SAVE_REGS), without FTRACE_OPS_FL_. */
  readonly extraFlags: ReadonlyMap<string, readonly string[]>;
  /** ops name → the exact flags registration sets, replacing the workload's (direct ops). */
  readonly flags: ReadonlyMap<string, readonly string[]>;
  /** The traced function's ops literal: an ops name, or a kernel symbol (ftrace_list_ops). */
  readonly literal?: string;
  /** What `ftrace_call` is patched to call, on kernels that have that call site. */
  readonly globalCall?: string;
  /** What function_trace_op points at: an ops name or a kernel symbol. */
  readonly traceOp: string;
}

/** A value the stack protector compares against: any constant, as long as it stays put. */
const STACK_CANARY = 0x5ca1_ab1e_c0ff_ee00n;

/** Bytes the heap needs for a workload's ops (ops, its hashes, one bucket and entry each). */
export function heapSize(
  layout: RealLayout,
  workload: Workload,
  opsSize = layout.ops.size,
): number {
  const perHash = align16(layout.hash.size) + 16 + align16(layout.entry.size);
  return workload.ops.length * (align16(opsSize) + 2 * perHash) + 64;
}

/** Bytes reserved for `current`: the kernel's task_struct. */
export function taskSize(layout: RealLayout): number {
  return align16(layout.task.size);
}

function align16(n: number): number {
  return Math.ceil(n / 16) * 16;
}

/** Writes into the loaded image's sections, before they are mapped. */
class ImageWriter {
  /** The section last written, and a view of its bytes: writes come in runs (ops, hashes). */
  #section?: LoadedSection;
  #view?: DataView;

  constructor(private readonly image: LoadedImage) {}

  u64(address: bigint, value: bigint): void {
    const at = this.offset(address, 8);
    this.#view!.setBigUint64(at, BigInt.asUintN(64, value), true);
  }

  u32(address: bigint, value: number): void {
    const at = this.offset(address, 4);
    this.#view!.setUint32(at, value >>> 0, true);
  }

  read64(address: bigint): bigint {
    const at = this.offset(address, 8);
    return this.#view!.getBigUint64(at, true);
  }

  /** Where `width` bytes at `address` are in #view, made the view of the section holding them. */
  private offset(address: bigint, width: number): number {
    if (this.#section === undefined || !holds(this.#section, address, width)) {
      const s = this.image.sections.find((s) => holds(s, address, width));
      if (!s || s.bytes.length < s.size) {
        throw new Error(
          `registration writes outside the loaded image at 0x${address.toString(16)}`,
        );
      }
      this.#section = s;
      this.#view = new DataView(s.bytes.buffer, s.bytes.byteOffset, s.bytes.length);
    }
    return Number(address - this.#section.address);
  }
}

/** Whether `width` bytes at `address` are all in section `s`. */
function holds(s: LoadedSection, address: bigint, width: number): boolean {
  return address >= s.address && address + BigInt(width) <= s.address + BigInt(s.size);
}

/** A bump allocator over the reserved heap, as kmalloc would hand out zeroed memory. */
class Heap {
  private next: bigint;
  private readonly end: bigint;

  constructor(base: bigint, size: number) {
    this.next = base;
    this.end = base + BigInt(size);
  }

  alloc(size: number): bigint {
    const at = this.next;
    this.next += BigInt(align16(size));
    if (this.next > this.end) throw new Error("registration heap exhausted (heapSize is wrong)");
    return at;
  }
}

/** `bl` from `pc` to `target`, as ftrace_make_call() encodes it. */
export function blWord(pc: bigint, target: bigint): number {
  const offset = target - pc;
  if (offset < -(1n << 27n) || offset >= 1n << 27n) {
    throw new Error(
      `bl at 0x${pc.toString(16)} cannot reach 0x${target.toString(16)} (more than 128 MiB)`,
    );
  }
  return 0x94000000 | Number(BigInt.asUintN(26, offset >> 2n));
}

/**
 * Fill the kernel's data for `reg`: every ops and its hashes (heap), the ops
 * list, function_trace_op, the patched `ftrace_call`, the traced function's
 * ops literal, and `current`.
 */
/** What registration needs to know about the world around the kernel. */
export interface WorldSymbols {
  /** The patch site's BL address of a function. */
  siteIp(fn: string): bigint;
  /** The func of an ops, unless the registration names one. */
  tracerSymbol(op: OpsSpec): string;
  /** The function "other" filters hold. */
  readonly otherFunction: string;
  /** Bytes allocated per ops (an ftrace_ops, or a struct embedding one). */
  readonly opsSize: number;
  /**
   * Patch sites of kernel objects (their `__patchable_function_entries` records,
   * as linked), and the BL target of the traced function's site, if traced.
   */
  readonly patchSites?: { readonly records: readonly bigint[]; readonly target?: string };
}

/** `mov x9, x30`: what ftrace_init_nop() leaves in the first NOP of every patch site. */
const MOV_X9_X30 = 0xaa1e03e9;
const NOP = 0xd503201f;

export function register(
  kernel: RealKernel,
  image: LoadedImage,
  workload: Workload,
  reg: Registration,
  world: WorldSymbols,
): void {
  const { siteIp, tracerSymbol } = world;
  const L = kernel.layout;
  const w = new ImageWriter(image);
  const heap = new Heap(image.address(HEAP_SYMBOL), heapSize(L, workload, world.opsSize));
  const flagBit = (name: string) => {
    const v = L.flags.get(`FTRACE_OPS_FL_${name}`);
    if (v === undefined) throw new Error(`kernel ${kernel.info.name} has no FTRACE_OPS_FL_${name}`);
    return v;
  };

  // alloc_ftrace_hash() + add_hash_entry(): one entry per ip; a hash of n entries
  // moved into an ops has size_bits = fls(n / 2) (__ftrace_hash_move), so one ip
  // gets a single bucket. An empty hash stands for EMPTY_HASH: trace all / exclude none.
  const makeHash = (ips: readonly bigint[]): bigint => {
    const hash = heap.alloc(L.hash.size);
    const half = Math.floor(ips.length / 2);
    const bits = half === 0 ? 0 : 32 - Math.clz32(half);
    const buckets = heap.alloc(8 << bits);
    w.u64(hash + BigInt(L.hash.sizeBits), BigInt(bits));
    w.u64(hash + BigInt(L.hash.buckets), buckets);
    w.u64(hash + BigInt(L.hash.count), BigInt(ips.length));
    for (const ip of ips) {
      const entry = heap.alloc(L.entry.size);
      const head = buckets + BigInt(8 * hashIp(ip, bits));
      // hlist_add_head(): the new entry goes first in its bucket.
      const first = w.read64(head);
      w.u64(entry + BigInt(L.entry.next), first);
      w.u64(entry + BigInt(L.entry.ip), ip);
      w.u64(head, entry);
    }
    return hash;
  };

  const addresses = new Map<string, bigint>();
  for (const op of reg.ops) addresses.set(op.name, heap.alloc(world.opsSize));
  const symbolOrOps = (name: string) => addresses.get(name) ?? image.address(name);
  const listEnd = image.address("ftrace_list_end");

  reg.ops.forEach((op, k) => {
    const at = addresses.get(op.name)!;
    const func = image.address(reg.funcs.get(op.name) ?? tracerSymbol(op));
    // __register_ftrace_function(): ENABLED; ftrace_ops_init(): INITIALIZED; then the
    // ops' own flags as the workload declares them.
    let flags = flagBit("ENABLED") | flagBit("INITIALIZED");
    const exact = reg.flags.get(op.name);
    if (exact) { for (const name of exact) flags |= flagBit(name); }
    else {
      if (op.dynamic) flags |= flagBit("DYNAMIC");
      if (op.rcu) flags |= flagBit("RCU");
      // Since v5.11 FTRACE_OPS_FL_RECURSION asks ftrace to protect a callback that does not.
      if (!op.recursionSafe) flags |= flagBit("RECURSION");
      if (op.saveRegs) flags |= flagBit("SAVE_REGS");
    }
    for (const extra of reg.extraFlags.get(op.name) ?? []) flags |= flagBit(extra);
    w.u64(at + BigInt(L.ops.func), func);
    if (L.ops.savedFunc !== undefined) w.u64(at + BigInt(L.ops.savedFunc), func);
    w.u64(at + BigInt(L.ops.flags), flags);
    // add_ftrace_ops(): the list ends at &ftrace_list_end.
    const next = k + 1 < reg.ops.length ? addresses.get(reg.ops[k + 1].name)! : listEnd;
    w.u64(at + BigInt(L.ops.next), next);
    // ftrace_ops_init(): func_hash = &ops->local_hash; ftrace_set_filter_ip() fills it.
    const local = at + BigInt(L.ops.localHash);
    w.u64(at + BigInt(L.ops.funcHash), local);
    const filterIps = op.filter === "all"
      ? []
      : [siteIp(op.filter === "target" ? workload.target.name : world.otherFunction)];
    w.u64(local + BigInt(L.opsHash.filter), makeHash(filterIps));
    w.u64(
      local + BigInt(L.opsHash.notrace),
      makeHash(op.notraceTarget ? [siteIp(workload.target.name)] : []),
    );
    const direct = reg.directCalls.get(op.name);
    if (direct !== undefined) {
      if (L.ops.directCall === undefined) {
        throw new Error(`kernel ${kernel.info.name} has no ftrace_ops.direct_call`);
      }
      // register_ftrace_direct(): ops->direct_call = the custom trampoline.
      w.u64(at + BigInt(L.ops.directCall), image.address(direct));
    }
  });

  // add_ftrace_ops(): ftrace_ops_list points at the first ops.
  w.u64(
    image.address("ftrace_ops_list"),
    reg.ops.length ? addresses.get(reg.ops[0].name)! : listEnd,
  );
  // update_ftrace_function(): function_trace_op, ftrace_trace_function.
  w.u64(image.address("function_trace_op"), symbolOrOps(reg.traceOp));
  if (reg.globalCall !== undefined) {
    const target = image.address(reg.globalCall);
    if (image.symbols.has("ftrace_trace_function")) {
      w.u64(image.address("ftrace_trace_function"), target);
    }
    // ftrace_update_ftrace_func(): the `bl` at ftrace_call is patched to the function.
    if (kernel.has.ftraceCall) {
      const pc = image.address("ftrace_call");
      w.u32(pc, blWord(pc, target));
    }
  }
  // ftrace_init_nop() at boot, for every patch site of the kernel's objects: the first
  // NOP becomes `mov x9, x30`; with CALL_OPS the literal before the entry points at
  // ftrace_nop_ops (ftrace_rec_set_nop_ops()). ftrace_make_call() then turns the traced
  // function's second NOP into `bl` its trampoline.
  const traced = image.address(workload.target.name);
  for (const record of world.patchSites?.records ?? []) {
    const entry = kernel.has.callOps ? record + 8n : record;
    if (kernel.has.callOps) w.u64(record, image.address("ftrace_nop_ops"));
    w.u32(entry, MOV_X9_X30);
    const target = entry === traced ? world.patchSites?.target : undefined;
    w.u32(entry + 4n, target === undefined ? NOP : blWord(entry + 4n, image.address(target)));
  }
  // ftrace_rec_update_ops() (CALL_OPS): the literal 8 bytes before the traced function.
  if (reg.literal !== undefined && kernel.has.callOps) {
    w.u64(traced - 8n, symbolOrOps(reg.literal));
  }
  // current: preempt count 0 with need_resched stored inverted (1 = none pending),
  // no recursion bits, a fixed stack canary.
  const task = image.address(TASK_SYMBOL);
  w.u32(task + BigInt(L.task.needResched), 1);
  if (L.task.stackCanary !== undefined) w.u64(task + BigInt(L.task.stackCanary), STACK_CANARY);
}
