/**
 * The kernel's data as initialised memory: the registered ops list, each
 * ops with its filter/notrace hashes, `function_trace_op`, the per-callsite
 * list and nop ops, the current task, BPF program structs and the ring buffer.
 */
import {
  type DataChunk,
  type DataSegment,
  type DataValue,
  DataWriter,
  sym,
} from "../asm/data_object.ts";
import { FTRACE_CORE } from "./ftrace_core.ts";
import { bpfProgFunction, patchSiteBlOffset, SYMBOLS, tracerFunction } from "./functions.ts";
import { bpfProgStruct } from "./bpf.ts";
import { cached, LruMap } from "../lru.ts";
import {
  BPF_PROG,
  FTRACE_FUNC_ENTRY,
  FTRACE_HASH,
  FTRACE_OPS,
  OPS_FLAGS,
  RING_BUFFER,
  type StructLayout,
  TASK_STRUCT,
} from "./structs.ts";
import type { OpsSpec, ProgKind, Workload } from "./workload.ts";

const ORIGIN = "src/kernel/data.ts";

/** A layout's fields as offset and size (up to the next field), worked out once per layout. */
const shapes = new WeakMap<StructLayout, Map<string, { offset: number; size: number }>>();

function shapeOf(layout: StructLayout): Map<string, { offset: number; size: number }> {
  let shape = shapes.get(layout);
  if (!shape) {
    const fields = Object.entries(layout.offsets).sort((x, y) => x[1] - y[1]);
    shape = new Map(fields.map(([field, offset], k) => [field, {
      offset,
      size: (k + 1 < fields.length ? fields[k + 1][1] : layout.size) - offset,
    }]));
    shapes.set(layout, shape);
  }
  return shape;
}

/** Emit a structure: given fields as 8- or 4-byte values, the rest zero. */
export function emitStruct(
  a: DataWriter,
  name: string,
  layout: StructLayout,
  values: Readonly<Record<string, DataValue>>,
): void {
  const shape = shapeOf(layout);
  // Fields given in layout order are written as they come; others are sorted first.
  let inOrder = true, last = -1;
  for (const field in values) {
    const place = shape.get(field);
    if (!place) throw new Error(`${layout.name} has no field ${field}`);
    if (place.size !== 8 && place.size !== 4) {
      throw new Error(`${layout.name}.${field}: cannot set a ${place.size}-byte field`);
    }
    if (place.offset < last) inOrder = false;
    last = place.offset;
  }
  const fields = inOrder
    ? Object.keys(values)
    : Object.keys(values).sort((x, y) => shape.get(x)!.offset - shape.get(y)!.offset);
  a.object(name);
  let at = 0;
  for (const field of fields) {
    const { offset, size } = shape.get(field)!;
    a.zero(offset - at);
    if (size === 8) a.quad(values[field]);
    else a.word(values[field]);
    at = offset + size;
  }
  a.zero(layout.size - at);
}

/** Names derived from an ops' or a hash's name, made once per name (see {@link derived}). */
interface DerivedNames {
  readonly self: string;
  readonly filter: string;
  readonly notrace: string;
  readonly buckets: string;
  readonly entries: string[];
  /** This ops' data as written before, by what it points at next (see writeData). */
  readonly segments: Map<string, OpsSegment[]>;
}

/**
 * The writings of one ops (with one next) kept at most: one per function,
 * direct call, filter and patch site a sweep gives it (its variants). With
 * one writing per set of flags too (ftrace-ops' four booleans give 16), a
 * bound of 8 rewrote about 250,000 ops per thread in the 100,800-case sweep
 * (bench/README.md), and the kept writings grew through the whole sweep.
 */
const OPS_WRITTEN_PER_NEXT = 32;

/**
 * The ops an ops has been written pointing at next, kept at most: a sweep's
 * lists keep their order, so an ops has a few. The first kept goes first (a
 * lookup, once per ops and case, does not reorder them).
 */
const NEXTS_PER_OPS = 16;

/**
 * An ops' data (the ops and its two hashes) and the values it was written
 * from. One segment serves every set of flags a sweep gives the ops: other
 * flags than those it holds are set as it is appended.
 */
interface OpsSegment {
  readonly func: string;
  readonly direct: string | undefined;
  readonly flags: bigint;
  readonly filtered: string | undefined;
  readonly notrace: string | undefined;
  readonly blOffset: number;
  readonly segment: DataSegment;
}

/** Bounded: a cache, not a registry (a sweep names a few hundred objects). */
const derivedNames = new LruMap<string, DerivedNames>(4096);

/**
 * The same string objects for the same names, case after case: a sweep's
 * worlds name hundreds of objects, and a string hashes once, where it is
 * first looked up, however many tables it is looked up in after.
 */
function derived(name: string): DerivedNames {
  let names = derivedNames.get(name);
  if (!names) {
    names = {
      self: name,
      filter: `${name}_filter`,
      notrace: `${name}_notrace`,
      buckets: `${name}_buckets`,
      entries: [],
      segments: new Map(),
    };
    derivedNames.set(name, names);
  }
  return names;
}

/** `${name}_entry${k}`, once per name and k. */
function entryName(names: DerivedNames, k: number): string {
  return names.entries[k] ??= `${names.self}_entry${k}`;
}

/**
 * A filter hash holding `ips`, sized like the kernel sizes a moved hash:
 * size_bits = fls(count / 2), entries chained per bucket.
 */
function emitHash(a: DataWriter, name: string, ips: readonly DataValue[]): void {
  const bits = Math.floor(ips.length / 2) === 0 ? 0 : 32 - Math.clz32(Math.floor(ips.length / 2));
  const buckets = 1 << bits;
  // Bucket placement needs the runtime ip, which only the loader knows; with
  // one bucket every entry chains from bucket 0, larger hashes are built by the kernel model.
  if (bits !== 0) throw new Error(`hash ${name}: ${ips.length} entries need runtime placement`);
  const names = derived(name);
  emitStruct(a, names.self, FTRACE_HASH, {
    size_bits: 0,
    buckets: sym(names.buckets),
    count: ips.length,
  });
  a.object(names.buckets).quad(ips.length ? sym(entryName(names, 0)) : 0);
  for (let b = 1; b < buckets; b++) a.quad(0);
  ips.forEach((ip, k) => {
    emitStruct(a, entryName(names, k), FTRACE_FUNC_ENTRY, {
      next: k + 1 < ips.length ? sym(entryName(names, k + 1)) : 0,
      ip,
    });
  });
}

/** Where an ops' flags word is, from the start of its segment (the ops comes first). */
const FLAGS_OFFSET = FTRACE_OPS.offsets.flags;

/** Flags word of an ops as the kernel leaves it once registered. */
function opsFlags(ops: OpsSpec): bigint {
  let flags = OPS_FLAGS.ENABLED | OPS_FLAGS.INITIALIZED;
  if (ops.dynamic) flags |= OPS_FLAGS.DYNAMIC;
  if (ops.rcu) flags |= OPS_FLAGS.RCU;
  // Since v5.11 FTRACE_OPS_FL_RECURSION asks ftrace to protect a callback that does not.
  if (!ops.recursionSafe) flags |= OPS_FLAGS.RECURSION;
  if (ops.saveRegs) flags |= OPS_FLAGS.SAVE_REGS;
  return flags;
}

export interface DataOptions {
  /** What function_trace_op points at (the single ops, or the list end). */
  readonly functionTraceOp: string;
  /** ops name → custom trampoline it carries as direct_call. */
  readonly directCalls?: ReadonlyMap<string, string>;
  /** BPF programs the world contains. */
  readonly bpfProgs?: readonly ProgKind[];
  /** Ops funcs that differ from the tracer's (e.g. call_direct_funcs for a direct ops). */
  readonly opsFunc?: ReadonlyMap<string, string>;
  /** Further initial values of `current_task` fields (e.g. its function-graph return stack). */
  readonly task?: Readonly<Record<string, DataValue>>;
}

/** About what an ops and its two hashes take, for sizing the writer. */
const OPS_BYTES = 400;

/**
 * Chunks written for a workload's ops (the same array for every variant of a
 * parameter set: toWorkload makes it), by the rest of what they are written
 * from: a set's variants mostly write the same data, which is then written
 * and laid out once for all of them (a chunk is not changed after it is
 * taken; a workload's ops, read-only, are not changed after it is made).
 * Kept for the two most recent ops arrays (a set's, and its baseline's), in
 * plain slots rather than a WeakMap: V8's young-generation collections treat
 * a WeakMap's values as live while their entries last, so each chunk, and
 * all it holds, outlived one such collection more and was moved to the old
 * generation, whose full collections then came more often (bench/README.md).
 */
let recent: [readonly OpsSpec[], Map<string, DataChunk>][] = [];

function writtenFor(ops: readonly OpsSpec[]): Map<string, DataChunk> {
  const hit = recent.find(([o]) => o === ops);
  if (hit) return hit[1];
  const written = new Map<string, DataChunk>();
  recent = [[ops, written], ...recent.slice(0, 1)];
  return written;
}

/** Everything else a data chunk is written from, as text (`statics`: staticKey's). */
function dataKey(workload: Workload, options: DataOptions, statics: string): string {
  const pairs = (m: Iterable<[string, string]> | undefined) => [...m ?? []].join(";");
  return [
    workload.target.name,
    patchSiteBlOffset(workload.codegen),
    options.functionTraceOp,
    pairs(options.directCalls),
    pairs(options.opsFunc),
    statics,
  ].join("|");
}

/** The world's data: the ops list and hashes, task, BPF structs and ring buffer. */
export function dataChunk(workload: Workload, options: DataOptions): DataChunk {
  const written = writtenFor(workload.ops);
  const statics = staticKey(options);
  return cached(
    written,
    dataKey(workload, options, statics),
    () => writeData(workload, options, statics),
  );
}

function writeData(workload: Workload, options: DataOptions, statics: string): DataChunk {
  const a = new DataWriter(ORIGIN, ".data", 2048 + OPS_BYTES * workload.ops.length, true);
  const blOffset = patchSiteBlOffset(workload.codegen);
  const siteIp = (fn: string) => sym(fn, blOffset);
  const ops = workload.ops;

  // The kernel's static objects (the list's end, the stub ops, the task, the harness's
  // data) come first, at addresses no ops count moves: the code that names them is then
  // the same in every parameter set, and an engine keeps its translations from one set to
  // the next. They end on a DATA_HEAD_ALIGN boundary, so the list starts where it would at
  // the section's start, in any cache line.
  a.append(staticSegment(options, statics));
  a.object("function_trace_op").quad(sym(options.functionTraceOp));
  // Loops, not closures: a closure made per call takes its optimized code with it when it
  // dies, and V8 compiled this body again after nearly every full collection (bench/README.md).
  const opsNames: DerivedNames[] = [];
  for (const op of ops) opsNames.push(derived(op.name));
  a.object("ftrace_ops_list").quad(sym(ops.length ? opsNames[0].self : "ftrace_list_end"));
  for (let k = 0; k < ops.length; k++) {
    const op = ops[k];
    const names = opsNames[k];
    const filtered = op.filter === "all"
      ? undefined
      : op.filter === "target"
      ? workload.target.name
      : SYMBOLS.otherFunction;
    const func = options.opsFunc?.get(op.name) ?? tracerFunction(op.tracer);
    const direct = options.directCalls?.get(op.name);
    const next = k + 1 < ops.length ? opsNames[k + 1].self : "ftrace_list_end";
    const flags = opsFlags(op);
    const notrace = op.notraceTarget ? workload.target.name : undefined;
    // A sweep writes the same ops, by name, case after case: written once, appended after
    // (looked up by the names it was written from, then by its few other values).
    const kept = names.segments.get(next);
    const written = kept ?? [];
    let segment: DataSegment | undefined, segmentFlags = flags;
    for (const w of written) {
      if (
        w.func !== func || w.direct !== direct || w.filtered !== filtered ||
        w.notrace !== notrace || w.blOffset !== blOffset
      ) continue;
      segment = w.segment;
      segmentFlags = w.flags;
      break;
    }
    if (!segment) {
      segment = DataWriter.segment(ORIGIN, (w) => {
        emitStruct(w, names.self, FTRACE_OPS, {
          func: sym(func),
          next: sym(next),
          flags,
          saved_func: sym(func),
          // An empty hash (count 0) stands for the kernel's EMPTY_HASH: trace all / exclude none.
          local_hash_notrace: sym(names.notrace),
          local_hash_filter: sym(names.filter),
          // func_hash points at the ops' own local_hash, as for every non-subop ops.
          func_hash: sym(names.self, FTRACE_OPS.offsets.local_hash_notrace),
          direct_call: direct ? sym(direct) : 0,
        });
        emitHash(w, names.filter, filtered === undefined ? [] : [siteIp(filtered)]);
        emitHash(w, names.notrace, notrace === undefined ? [] : [siteIp(notrace)]);
      });
      if (written.length >= OPS_WRITTEN_PER_NEXT) written.shift(); // bounded, as the names are
      written.push({ func, direct, flags, filtered, notrace, blOffset, segment });
      if (!kept) {
        if (names.segments.size >= NEXTS_PER_OPS) {
          names.segments.delete(names.segments.keys().next().value!);
        }
        names.segments.set(next, written);
      }
    }
    if (segmentFlags === flags) a.append(segment);
    else a.appendPatched(segment, FLAGS_OFFSET, flags);
  }
  return a.chunk();
}

/**
 * The kernel's static objects (the list's end and stub ops, the task, the
 * harness's data) do not depend on the ops: a sweep writes them once per
 * task and set of BPF programs, and puts them before the ops list.
 */
const staticSegments = new LruMap<string, DataSegment>(16);

/**
 * What the static objects are padded to a multiple of: the largest cache line of
 * the CPU models (apple-m1's 128 bytes) and then some, so that every ops
 * keeps its place in a line, and no access to one crosses a line it did not
 * cross at the section's start.
 */
export const DATA_HEAD_ALIGN = 256;

/** What the static objects are written from, as text. */
function staticKey(options: DataOptions): string {
  const value = (v: DataValue) => typeof v === "object" ? `${v.symbol}+${v.addend}` : `${v}`;
  return [
    (options.bpfProgs ?? []).join(";"),
    ...Object.entries(options.task ?? {}).map(([k, v]) => `${k}=${value(v)}`),
  ].join("|");
}

function staticSegment(options: DataOptions, key: string): DataSegment {
  return cached(staticSegments, key, () =>
    DataWriter.segment(ORIGIN, (a) => {
      // The ring buffer, 16-byte aligned, at the section's start; every object after it
      // is 8 bytes aligned and sized, so nothing is padded: the writer's length is where
      // the list's head will be.
      emitRingBuffer(a);
      const stubFlags = OPS_FLAGS.STUB | OPS_FLAGS.INITIALIZED;
      emitStruct(a, "ftrace_list_end", FTRACE_OPS, {
        func: sym(FTRACE_CORE.stub),
        flags: stubFlags,
      });
      // Per-callsite ops targets for sites traced by several ops, or by none.
      emitStruct(a, "ftrace_list_ops", FTRACE_OPS, {
        func: sym(FTRACE_CORE.listFunc),
        flags: stubFlags,
      });
      emitStruct(a, "ftrace_nop_ops", FTRACE_OPS, {
        func: sym(FTRACE_CORE.stub),
        flags: stubFlags,
      });
      emitStruct(a, "current_task", TASK_STRUCT, {
        need_resched: 1, // inverted: set means no reschedule pending
        ...options.task,
      });
      emitHarnessData(a, options.bpfProgs ?? []);
      const pad = (DATA_HEAD_ALIGN - a.length % DATA_HEAD_ALIGN) % DATA_HEAD_ALIGN;
      if (pad > 0) a.object("data_head_pad").zero(pad);
    }));
}

/**
 * Data of the harness's own code, the same on every kernel: rcu_is_watching()'s
 * answer and the BPF program structs; with {@link emitRingBuffer}, all of it.
 */
export function emitHarnessData(a: DataWriter, bpfProgs: readonly ProgKind[]): void {
  a.object("rcu_watching").quad(1);
  for (const kind of bpfProgs) {
    emitStruct(a, bpfProgStruct(kind), BPF_PROG, { bpf_func: sym(bpfProgFunction(kind)) });
  }
}

/** The tracers' ring buffer (16-byte aligned, zeroed). */
export function emitRingBuffer(a: DataWriter): void {
  a.object("ring_buffer", 16).zero(RING_BUFFER.size);
}
