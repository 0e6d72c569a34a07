/**
 * A real kernel as the harness uses it: its hot-path objects (built once by
 * build.ts), parsed, and the layout of every structure the hot path touches,
 * read from the objects' own DWARF. Nothing here is hard-coded per version:
 * a field the kernel lacks is an error naming the struct, field and kernel.
 */
import { parseElf } from "../../asm/elf.ts";
import type { LinkInput } from "../../asm/loader.ts";
import type { KernelBuild } from "./build.ts";
import { DwarfError, fieldAt, type KernelStruct, readDwarf, requireFields } from "./dwarf.ts";
import type { KernelInfo } from "./kernel_info.ts";

export { type KernelInfo, MODEL_KERNEL } from "./kernel_info.ts";

/** Offsets (bytes) of what the hot path reads and registration writes. */
export interface RealLayout {
  readonly ops: {
    size: number;
    func: number;
    next: number;
    flags: number;
    savedFunc?: number;
    /** The ops' own ftrace_ops_hash, which func_hash points at. */
    localHash: number;
    funcHash: number;
    directCall?: number;
  };
  /** struct ftrace_ops_hash. */
  readonly opsHash: { notrace: number; filter: number };
  readonly hash: { size: number; sizeBits: number; buckets: number; count: number; flags: number };
  readonly entry: { size: number; next: number; ip: number };
  /** What ftrace_caller saves: `__arch_ftrace_regs` (v6.2+) or `pt_regs` (regs-saving kernels). */
  readonly regs: {
    struct: string;
    size: number;
    /** Offset of x0..x30 (x0..x8 only for ftrace_regs). */
    x: readonly number[];
    fp?: number;
    lr?: number;
    sp: number;
    pc: number;
    directTramp?: number;
    origX0?: number;
  };
  readonly task: {
    size: number;
    preemptCount: number;
    /** The need-resched half of the 64-bit preempt count (stored inverted on arm64). */
    needResched: number;
    traceRecursion: number;
    stackCanary?: number;
    bpfCtx?: number;
    migrationDisabled?: number;
    rcuReadLockNesting?: number;
  };
  /** FTRACE_OPS_FL_* values. */
  readonly flags: ReadonlyMap<string, bigint>;
}

/** Mechanisms the kernel was built with, from its config and its objects' symbols. */
export interface Mechanisms {
  /** ftrace_regs_caller exists (FTRACE_WITH_REGS). */
  regsCaller: boolean;
  /** Per-callsite ops literals (DYNAMIC_FTRACE_WITH_CALL_OPS). */
  callOps: boolean;
  /** ops->direct_call (DYNAMIC_FTRACE_WITH_DIRECT_CALLS). */
  directCalls: boolean;
  /** The global call site `ftrace_call`, patched to the tracer function. */
  ftraceCall: boolean;
  /** ftrace_caller saves `ftrace_regs` (FTRACE_WITH_ARGS) rather than pt_regs. */
  withArgs: boolean;
  /** Kernel built with BTI landing pads (ARM64_BTI_KERNEL). */
  bti: boolean;
  /** Kernel built with PAC return-address signing (ARM64_PTR_AUTH_KERNEL). */
  pac: boolean;
}

export interface RealKernel {
  readonly info: KernelInfo;
  readonly build: KernelBuild;
  /** The kernel's objects, ready to link with the harness's unit. */
  readonly inputs: readonly LinkInput[];
  readonly layout: RealLayout;
  readonly has: Mechanisms;
  /** Symbols the kernel's link defines by assignment (the linker script's aliases). */
  readonly aliases: ReadonlyMap<string, string>;
  /** Short config summary for tables, e.g. "WITH_ARGS CALL_OPS DIRECT_CALLS". */
  readonly summary: string;
  /** The ftrace-ops sample, on kernels that have it. */
  readonly sample?: FtraceOpsSample;
}

/**
 * Sections of a kernel object the hot path may execute or read. Init, exit,
 * export, bug and alternative tables are left out (never mapped as code).
 */
export function hotPathSection(name: string): boolean {
  const within = (base: string) => name === base || name.startsWith(`${base}.`);
  return within(".text") || within(".noinstr.text") || within(".data") || within(".bss") ||
    within(".rodata");
}

/**
 * samples/ftrace/ftrace-ops.o (v6.3+): the experiment's own tracees and ops
 * funcs, compiled as the kernel compiles traceable code.
 */
export interface FtraceOpsSample {
  readonly input: LinkInput;
  /** sizeof(struct sample_ops): an ftrace_ops followed by the count ops_func_count bumps. */
  readonly opsSize: number;
}

/** The sample's symbols the ftrace-ops scenario uses (all static in the sample). */
export const SAMPLE_SYMBOLS = {
  relevant: "tracee_relevant",
  irrelevant: "tracee_irrelevant",
  nop: "ops_func_nop",
  count: "ops_func_count",
} as const;

/**
 * Patch sites of an object, from its `__patchable_function_entries` records:
 * the address of each record's first NOP, as the section and offset the
 * record's relocation names (records of sections not loaded are left out).
 */
export function patchableEntries(input: LinkInput): { section: number; offset: bigint }[] {
  const { obj } = input;
  const records = obj.sections.find((s) => s.name === "__patchable_function_entries");
  if (!records) return [];
  return obj.relocations.filter((r) => r.section === records.index).map((r) => {
    const sym = obj.symbols[r.symbol];
    return { section: sym.sectionIndex, offset: sym.value + r.addend };
  });
}

/**
 * A kernel object as every case links it: only its hot-path sections, and only
 * their relocations (most of an object's relocations are its debug info's),
 * dropped once here rather than walked again by every case's link.
 */
async function hotPathInput(name: string, path: string): Promise<LinkInput> {
  const obj = parseElf(await Deno.readFile(path));
  const select = (s: { name: string }) => hotPathSection(s.name);
  // The patch-site records are read from their relocations (patchableEntries()).
  const kept = new Set(
    obj.sections.filter((s) => select(s) || s.name === "__patchable_function_entries")
      .map((s) => s.index),
  );
  return {
    name,
    obj: { ...obj, relocations: obj.relocations.filter((r) => kept.has(r.section)) },
    select,
  };
}

const opened = new Map<string, Promise<RealKernel>>();

/** Build (once, cached) and open a real kernel: `linux-6.1`, `linux-6.12` or a tree's directory. */
export function openKernel(spec: string, progress?: (line: string) => void): Promise<RealKernel> {
  let kernel = opened.get(spec);
  if (!kernel) {
    kernel = open(spec, progress);
    opened.set(spec, kernel);
    kernel.catch(() => opened.delete(spec));
  }
  return kernel;
}

async function open(spec: string, progress?: (line: string) => void): Promise<RealKernel> {
  // Loaded here, not with the module: a run on the model needs none of the build.
  const { ensureKernel, hotPathConfigSummary } = await import("./build.ts");
  const build = await ensureKernel(spec, progress ? { progress } : {});
  const objects = [
    { role: "arch/arm64/kernel/entry-ftrace.o", path: build.objects.entryFtrace },
    { role: "kernel/trace/ftrace.o", path: build.objects.ftrace },
  ];
  const inputs: LinkInput[] = await Promise.all(
    objects.map(({ role, path }) => hotPathInput(`${build.name} ${role}`, path)),
  );
  const entrySymbols = new Set(inputs[0].obj.symbols.map((s) => s.name));
  const cfg = (option: string) => build.config[option] === "y";
  const has: Mechanisms = {
    regsCaller: entrySymbols.has("ftrace_regs_caller"),
    callOps: cfg("DYNAMIC_FTRACE_WITH_CALL_OPS"),
    directCalls: cfg("DYNAMIC_FTRACE_WITH_DIRECT_CALLS"),
    ftraceCall: entrySymbols.has("ftrace_call"),
    withArgs: cfg("DYNAMIC_FTRACE_WITH_ARGS"),
    bti: cfg("ARM64_BTI_KERNEL"),
    pac: cfg("ARM64_PTR_AUTH_KERNEL"),
  };
  if (!entrySymbols.has("ftrace_caller")) {
    throw new DwarfError(
      `${build.objects.entryFtrace} (kernel ${build.name}) defines no ftrace_caller: ` +
        `was it built with CONFIG_DYNAMIC_FTRACE?`,
    );
  }
  const layout = await readLayout(build, has);
  const sample = build.objects.ftraceOps
    ? await openSample(build.name, build.objects.ftraceOps, layout)
    : undefined;
  return {
    sample,
    info: { name: build.name, version: build.version, config: build.config, hash: build.hash },
    build,
    inputs,
    layout,
    has,
    // include/asm-generic/vmlinux.lds.h: ftrace_ops_list_func = arch_ftrace_ops_list_func.
    // ftrace_ops_assist_func is static: the harness's own trampolines reach it by name.
    aliases: new Map([
      ["ftrace_ops_list_func", "arch_ftrace_ops_list_func"],
      ["ftrace_ops_assist_func", "ftrace_ops_assist_func"],
    ]),
    summary: hotPathConfigSummary(build),
  };
}

async function openSample(
  kernel: string,
  path: string,
  layout: RealLayout,
): Promise<FtraceOpsSample> {
  const info = await readDwarf(path);
  const sampleOps = requireFields(info, path, kernel, "sample_ops", ["ops", "count"]);
  const input = await hotPathInput(`${kernel} samples/ftrace/ftrace-ops.o`, path);
  const names = new Set(input.obj.symbols.map((s) => s.name));
  for (const symbol of Object.values(SAMPLE_SYMBOLS)) {
    if (!names.has(symbol)) {
      throw new DwarfError(`${path} (kernel ${kernel}) defines no ${symbol}`);
    }
  }
  return { input, opsSize: Math.max(sampleOps.size, layout.ops.size) };
}

async function readLayout(build: KernelBuild, has: Mechanisms): Promise<RealLayout> {
  const path = build.objects.ftrace;
  const info = await readDwarf(path);
  const need = (struct: string, fields: string[]) =>
    requireFields(info, path, build.name, struct, fields);
  const at = (s: KernelStruct, field: string) => fieldAt(s, field)!.offset;
  const opt = (s: KernelStruct, field: string) => fieldAt(s, field)?.offset;

  const ops = need("ftrace_ops", [
    "func",
    "next",
    "flags",
    "local_hash",
    "func_hash",
    ...(has.directCalls ? ["direct_call"] : []),
  ]);
  const opsHash = need("ftrace_ops_hash", ["notrace_hash", "filter_hash"]);
  const hash = need("ftrace_hash", ["size_bits", "buckets", "count", "flags"]);
  const entry = need("ftrace_func_entry", ["hlist.next", "ip"]);
  const task = need("task_struct", [
    "thread_info.preempt.count",
    "thread_info.preempt.need_resched",
    "trace_recursion",
  ]);
  const regs = has.withArgs
    ? need("__arch_ftrace_regs", ["regs", "fp", "lr", "sp", "pc"])
    : need("pt_regs", ["regs", "sp", "pc", "orig_x0"]);
  const xs = has.withArgs ? 9 : 31;
  const flags = info.enumerators("FTRACE_OPS_FL_");
  for (const flag of ["ENABLED", "DYNAMIC", "SAVE_REGS", "RECURSION", "STUB", "RCU"]) {
    if (!flags.has(`FTRACE_OPS_FL_${flag}`)) {
      throw new DwarfError(
        `enumerator FTRACE_OPS_FL_${flag} not found in the DWARF of ${path} (kernel ${build.name})`,
      );
    }
  }
  return {
    ops: {
      size: ops.size,
      func: at(ops, "func"),
      next: at(ops, "next"),
      flags: at(ops, "flags"),
      savedFunc: opt(ops, "saved_func"),
      localHash: at(ops, "local_hash"),
      funcHash: at(ops, "func_hash"),
      directCall: opt(ops, "direct_call"),
    },
    opsHash: { notrace: at(opsHash, "notrace_hash"), filter: at(opsHash, "filter_hash") },
    hash: {
      size: hash.size,
      sizeBits: at(hash, "size_bits"),
      buckets: at(hash, "buckets"),
      count: at(hash, "count"),
      flags: at(hash, "flags"),
    },
    entry: { size: entry.size, next: at(entry, "hlist.next"), ip: at(entry, "ip") },
    regs: {
      struct: regs.name,
      size: regs.size,
      x: Array.from({ length: xs }, (_, i) => at(regs, `regs[${i}]`)),
      fp: opt(regs, "fp"),
      lr: opt(regs, "lr"),
      sp: at(regs, "sp"),
      pc: at(regs, "pc"),
      directTramp: opt(regs, "direct_tramp"),
      origX0: opt(regs, "orig_x0"),
    },
    task: {
      size: task.size,
      preemptCount: at(task, "thread_info.preempt.count"),
      needResched: at(task, "thread_info.preempt.need_resched"),
      traceRecursion: at(task, "trace_recursion"),
      stackCanary: opt(task, "stack_canary"),
      bpfCtx: opt(task, "bpf_ctx"),
      migrationDisabled: opt(task, "migration_disabled"),
      rcuReadLockNesting: opt(task, "rcu_read_lock_nesting"),
    },
    flags,
  };
}
