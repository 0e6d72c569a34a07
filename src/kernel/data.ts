/**
 * The kernel's data as initialised memory: the registered ops list, each
 * ops with its filter/notrace hashes, `function_trace_op`, the per-callsite
 * list and nop ops, the current task, BPF program structs and the ring buffer.
 */
import { AsmWriter, type CodegenOptions } from "./asm_writer.ts";
import { FTRACE_CORE } from "./ftrace_core.ts";
import { bpfProgFunction, patchSiteBlOffset, SYMBOLS, tracerFunction } from "./functions.ts";
import { bpfProgStruct } from "./bpf.ts";
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
import type { AsmChunk } from "../asm/source.ts";

const ORIGIN = "src/kernel/data.ts";

/** Emit a structure: given fields as `.quad`/`.word` expressions, the rest zero. */
export function emitStruct(
  a: AsmWriter,
  name: string,
  layout: StructLayout,
  values: Record<string, string>,
): void {
  a.object(name);
  const fields = Object.entries(layout.offsets).sort((x, y) => x[1] - y[1]);
  let at = 0;
  for (let k = 0; k < fields.length; k++) {
    const [field, offset] = fields[k];
    const end = k + 1 < fields.length ? fields[k + 1][1] : layout.size;
    if (offset > at) a.i(`.zero ${offset - at}`);
    const value = values[field];
    if (value === undefined) a.i(`.zero ${end - offset}`);
    else {
      const size = end - offset;
      if (size !== 8 && size !== 4) {
        throw new Error(`${layout.name}.${field}: cannot set a ${size}-byte field`);
      }
      a.i(`${size === 8 ? ".quad" : ".word"} ${value}`);
    }
    at = end;
  }
  for (const field of Object.keys(values)) {
    if (!(field in layout.offsets)) throw new Error(`${layout.name} has no field ${field}`);
  }
}

/**
 * A filter hash holding `ips`, sized like the kernel sizes a moved hash:
 * size_bits = fls(count / 2), entries chained per bucket.
 */
function emitHash(a: AsmWriter, name: string, ips: readonly string[]): void {
  const bits = Math.floor(ips.length / 2) === 0 ? 0 : 32 - Math.clz32(Math.floor(ips.length / 2));
  const buckets = 1 << bits;
  // Bucket placement needs the runtime ip, which only the loader knows; with
  // one bucket every entry chains from bucket 0, larger hashes are built by the kernel model.
  if (bits !== 0) throw new Error(`hash ${name}: ${ips.length} entries need runtime placement`);
  emitStruct(a, name, FTRACE_HASH, {
    size_bits: "0",
    buckets: `${name}_buckets`,
    count: String(ips.length),
  });
  a.object(`${name}_buckets`).i(`.quad ${ips.length ? `${name}_entry0` : "0"}`);
  for (let b = 1; b < buckets; b++) a.i(".quad 0");
  ips.forEach((ip, k) => {
    emitStruct(a, `${name}_entry${k}`, FTRACE_FUNC_ENTRY, {
      next: k + 1 < ips.length ? `${name}_entry${k + 1}` : "0",
      ip,
    });
  });
}

/** Flags word of an ops as the kernel leaves it once registered. */
function opsFlags(ops: OpsSpec): string {
  let flags = OPS_FLAGS.ENABLED | OPS_FLAGS.INITIALIZED;
  if (ops.dynamic) flags |= OPS_FLAGS.DYNAMIC;
  if (ops.rcu) flags |= OPS_FLAGS.RCU;
  // Since v5.11 FTRACE_OPS_FL_RECURSION asks ftrace to protect a callback that does not.
  if (!ops.recursionSafe) flags |= OPS_FLAGS.RECURSION;
  if (ops.saveRegs) flags |= OPS_FLAGS.SAVE_REGS;
  return `0x${flags.toString(16)}`;
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
  readonly task?: Readonly<Record<string, string>>;
}

export function dataChunk(workload: Workload, options: DataOptions): AsmChunk {
  const cg: CodegenOptions = workload.codegen;
  const a = new AsmWriter(ORIGIN, cg, "data").section(".data", "data");
  const blOffset = patchSiteBlOffset(cg);
  const siteIp = (fn: string) => `${fn} + ${blOffset}`;
  const ops = workload.ops;

  a.object("function_trace_op").i(`.quad ${options.functionTraceOp}`);
  a.object("ftrace_ops_list").i(`.quad ${ops.length ? ops[0].name : "ftrace_list_end"}`);
  ops.forEach((op, k) => {
    const filterIps = op.filter === "all"
      ? []
      : [siteIp(op.filter === "target" ? workload.target.name : SYMBOLS.otherFunction)];
    emitStruct(a, op.name, FTRACE_OPS, {
      func: options.opsFunc?.get(op.name) ?? tracerFunction(op.tracer),
      next: k + 1 < ops.length ? ops[k + 1].name : "ftrace_list_end",
      flags: opsFlags(op),
      saved_func: options.opsFunc?.get(op.name) ?? tracerFunction(op.tracer),
      // An empty hash (count 0) stands for the kernel's EMPTY_HASH: trace all / exclude none.
      local_hash_notrace: `${op.name}_notrace`,
      local_hash_filter: `${op.name}_filter`,
      // func_hash points at the ops' own local_hash, as for every non-subop ops.
      func_hash: `${op.name} + FTRACE_OPS_LOCAL_HASH_NOTRACE`,
      direct_call: options.directCalls?.get(op.name) ?? "0",
    });
    emitHash(a, `${op.name}_filter`, filterIps);
    emitHash(a, `${op.name}_notrace`, op.notraceTarget ? [siteIp(workload.target.name)] : []);
  });
  emitStruct(a, "ftrace_list_end", FTRACE_OPS, {
    func: FTRACE_CORE.stub,
    flags: `0x${(OPS_FLAGS.STUB | OPS_FLAGS.INITIALIZED).toString(16)}`,
  });
  // Per-callsite ops targets for sites traced by several ops, or by none.
  emitStruct(a, "ftrace_list_ops", FTRACE_OPS, {
    func: FTRACE_CORE.listFunc,
    flags: `0x${(OPS_FLAGS.STUB | OPS_FLAGS.INITIALIZED).toString(16)}`,
  });
  emitStruct(a, "ftrace_nop_ops", FTRACE_OPS, {
    func: FTRACE_CORE.stub,
    flags: `0x${(OPS_FLAGS.STUB | OPS_FLAGS.INITIALIZED).toString(16)}`,
  });
  emitStruct(a, "current_task", TASK_STRUCT, {
    need_resched: "1", // inverted: set means no reschedule pending
    ...options.task,
  });
  emitHarnessData(a, options.bpfProgs ?? []);
  return a.chunk();
}

/**
 * Data of the harness's own code, the same on every kernel: rcu_is_watching()'s
 * answer, the BPF program structs and the tracers' ring buffer.
 */
export function emitHarnessData(a: AsmWriter, bpfProgs: readonly ProgKind[]): void {
  a.object("rcu_watching").i(".quad 1");
  for (const kind of bpfProgs) {
    emitStruct(a, bpfProgStruct(kind), BPF_PROG, { bpf_func: bpfProgFunction(kind) });
  }
  a.object("ring_buffer", 16).i(`.zero ${RING_BUFFER.size}`);
}
