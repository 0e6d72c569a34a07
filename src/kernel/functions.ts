/**
 * The kernel functions around the traced call: the caller, the traced
 * function with its patch site, other traceable functions, and the tracers
 * (ftrace callbacks and JIT-style BPF programs).
 */
import { AsmWriter, chunkOnce, codegenKey, type CodegenOptions } from "./asm_writer.ts";
import {
  argumentRotation,
  type CustomTracer,
  customTracers,
  type ProgKind,
  RESULT_SEED,
  tracerCodegen,
  type TracerKind,
  type Workload,
} from "./workload.ts";
import type { AsmChunk } from "../asm/source.ts";

const ORIGIN = "src/kernel/functions.ts";

/** Well-known symbols of the world around the traced call. */
export const SYMBOLS = {
  caller: "caller",
  /** Anchor at the caller's return site: the parent ip every tracer must see. */
  callerReturn: "caller_ret",
  /** Where the harness stops: the caller returns here. Never executed. */
  harnessExit: "harness_exit",
  otherFunction: "other_fn",
} as const;

/** How the patch site at the traced function's entry is left. */
export interface PatchSite {
  /** The BL target, or undefined for tracing off (`mov x9, x30; nop`). */
  readonly target?: string;
  /** Per-callsite ops: symbol the 8-byte literal before the entry points at. */
  readonly opsLiteral?: string;
}

/** Bytes from a function's symbol to its patch-site BL (after `bti c` and `mov x9, x30`). */
export function patchSiteBlOffset(options: CodegenOptions): number {
  return (options.bti ? 4 : 0) + 4;
}

/** Kernel text section of the caller and traced function: its start, or its far end. */
export function targetSection(workload: Workload): string {
  return workload.layout.targetAtTextEnd ? ".text.end" : ".text";
}

/** The caller: a frame, one `bl` to the traced function, return to the harness. */
export function callerChunk(workload: Workload): AsmChunk {
  const section = targetSection(workload), target = workload.target.name;
  return chunkOnce(`caller ${codegenKey(workload.codegen)} ${section} ${target}`, () => {
    const a = new AsmWriter(ORIGIN, workload.codegen, "caller").section(section);
    a.func(SYMBOLS.caller).phase("caller").landingPad().prologue()
      .i(`bl ${target}`).anchor(SYMBOLS.callerReturn).epilogue();
    a.func(SYMBOLS.harnessExit).i("brk #0x4242");
    return a.chunk();
  });
}

/** A traceable function: 8-byte aligned (per-callsite ops), patch site, then its body. */
function traceable(a: AsmWriter, name: string, site: PatchSite): AsmWriter {
  a.raw("\t.balign 8");
  if (site.opsLiteral !== undefined) a.raw(`\t.quad ${site.opsLiteral}`);
  a.func(name, 8).phase("body").landingPad().phase("patch-site")
    .i("mov x9, x30", site.target ? `bl ${site.target}` : "nop");
  return a.phase("body");
}

/**
 * x10 = RESULT_SEED xor each argument rotated by a position-dependent amount
 * (what `expectedResult` predicts), so a lost, swapped or corrupted argument
 * changes the result. `argument(i)` names the register holding argument i and
 * may first emit the load that fetches it (a BPF program reads ctx[i]).
 */
export function emitResult(
  a: AsmWriter,
  args: number,
  argument: (i: number) => string = (i) => `x${i}`,
): AsmWriter {
  a.movConst("x10", RESULT_SEED);
  for (let i = 0; i < args; i++) {
    const reg = argument(i);
    a.i(`eor x10, x10, ${reg}, ror #${argumentRotation(i)}`);
  }
  return a;
}

/** The traced function: returns what {@link emitResult} computes from its arguments. */
export function tracedFunctionChunk(workload: Workload, site: PatchSite): AsmChunk {
  const section = targetSection(workload), { name, args } = workload.target;
  const key = `traced ${codegenKey(workload.codegen)} ${section} ${name}/${args} ` +
    `site=${site.target ?? ""} literal=${site.opsLiteral ?? ""}`;
  return chunkOnce(key, () => {
    const a = new AsmWriter(ORIGIN, workload.codegen, "traced").section(section);
    emitResult(traceable(a, name, site).prologue(), args);
    a.i("mov x0, x10").epilogue();
    // Another traceable function, never called: the ip that "irrelevant" ops filter on.
    traceable(a, SYMBOLS.otherFunction, {
      opsLiteral: site.opsLiteral ? "ftrace_nop_ops" : undefined,
    })
      .i("mov x0, #0", "ret");
    return a.chunk();
  });
}

/** Symbol of the ftrace callback implementing a tracer kind. */
export function tracerFunction(kind: TracerKind | CustomTracer): string {
  if (typeof kind === "object") return kind.name;
  // The "bpf" ops func only dispatches to the program; it lives with the BPF code.
  return kind === "bpf" ? "bpf_ftrace_func" : `tracer_${kind}`;
}

/** The tracers of one's own a workload uses, each a function in the tracer phase. */
export function customTracersChunk(workload: Workload): AsmChunk[] {
  return customTracers(workload).map((t) => {
    const a = new AsmWriter(t.origin, tracerCodegen(workload), `tracer_${t.name}`)
      .section(".text");
    a.func(t.name).phase("tracer").landingPad().raw(t.asm);
    return a.chunk();
  });
}

/** The ftrace callbacks every world has (tracersChunk). */
export const BUILTIN_TRACERS: readonly string[] = [
  tracerFunction("empty"),
  tracerFunction("ringbuf"),
];

/** Symbol of the JIT-compiled BPF program implementing a tracer kind. */
export function bpfProgFunction(kind: ProgKind): string {
  return `bpf_prog_${kind}`;
}

/** Claim the next ring-buffer record: x2 = ring, x3 = head, x4 = record address. */
function ringClaim(a: AsmWriter): void {
  a.addressOf("x2", "ring_buffer").i(
    "ldr x3, [x2, #RING_BUFFER_HEAD]",
    "and x4, x3, #(RING_SLOTS - 1)",
    "mov x5, #RING_RECORD_SIZE",
    "madd x4, x4, x5, x2",
    "add x4, x4, #RING_BUFFER_RECORDS",
  );
}

function ringCommit(a: AsmWriter): void {
  a.i("add x3, x3, #1", "str x3, [x2, #RING_BUFFER_HEAD]");
}

/**
 * ftrace callbacks, called as func(ip, parent_ip, op, fregs): leaf functions.
 * "ringbuf" records ip and parent ip.
 */
export function tracersChunk(options: CodegenOptions): AsmChunk {
  return chunkOnce(`tracers ${codegenKey(options)}`, () => {
    const a = new AsmWriter(ORIGIN, options, "tracers").section(".text");
    a.func(tracerFunction("empty")).phase("tracer").landingPad().i("ret");
    a.func(tracerFunction("ringbuf")).phase("tracer").landingPad();
    ringClaim(a);
    a.i("stp x0, x1, [x4, #RING_RECORD_IP]");
    ringCommit(a);
    a.i("ret");
    return a.chunk();
  });
}

/**
 * BPF programs as the arm64 JIT lays them out: a frame, the callee-saved
 * registers that hold BPF R6-R9 and the BPF frame pointer, the body, `mov x0, #0`.
 * They take one argument, ctx; the arguments are ctx[0..n-1] and ctx[-2] is the ip.
 */
export function bpfProgsChunk(options: CodegenOptions, args: number): AsmChunk {
  const a = new AsmWriter(ORIGIN, options, "progs").section(".module.text");
  const prog = (kind: ProgKind, body: () => void) => {
    a.func(bpfProgFunction(kind)).phase("tracer").landingPad().prologue().i(
      "stp x19, x20, [sp, #-16]!",
      "stp x25, x26, [sp, #-16]!",
      "mov x25, sp",
    );
    body();
    a.i("mov x0, #0", "ldp x25, x26, [sp], #16", "ldp x19, x20, [sp], #16").epilogue();
  };
  prog("empty", () => {});
  prog("ringbuf", () => {
    ringClaim(a);
    a.i("ldr x5, [x0, #-16]", "str x5, [x4, #RING_RECORD_IP]");
    for (let i = 0; i < args; i++) {
      a.i(`ldr x5, [x0, #${8 * i}]`, `str x5, [x4, #RING_RECORD_ARG${i}]`);
    }
    ringCommit(a);
  });
  return a.chunk();
}
