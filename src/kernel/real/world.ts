/**
 * A world around a real kernel's hot path: the harness's caller, traced
 * function, tracers and BPF code (assembled with the kernel's layouts), linked
 * with the kernel's own entry-ftrace.o and ftrace.o, then registered.
 */
import { SHF_EXECINSTR } from "../../asm/elf.ts";
import type { LinkInput, LoadedImage, NamedAddress } from "../../asm/loader.ts";
import { AsmWriter, PHASE_PREFIX } from "../asm_writer.ts";
import { emitHarnessData, emitRingBuffer } from "../data.ts";
import { DataWriter } from "../../asm/data_object.ts";
import { FTRACE_CORE } from "../ftrace_core.ts";
import {
  callerChunk,
  customTracersChunk,
  patchSiteBlOffset,
  SYMBOLS,
  tracedFunctionChunk,
  tracerFunction,
  tracersChunk,
} from "../functions.ts";
import { TASK_STRUCT } from "../structs.ts";
import { structConstants } from "../structs.ts";
import type { NotApplicable, Variant } from "../variants/variant.ts";
import { makeViews, type RegsViews } from "../views.ts";
import { cached } from "../../lru.ts";
import { bpfChunks, validateWorkload, withVeneer, type World, worldTracers } from "../world.ts";
import { tracerCodegen, type Workload } from "../workload.ts";
import { patchableEntries, type RealKernel, SAMPLE_SYMBOLS } from "./kernel.ts";
import { HEAP_SYMBOL, heapSize, register, TASK_SYMBOL, taskSize } from "./registration.ts";
import { realVariantBuild } from "./variants.ts";

const ORIGIN = "src/kernel/real/world.ts";

/**
 * The harness's assembly sees the kernel's offsets: `.equ` values read from
 * DWARF replace the model's for every field the kernel has. Task fields only
 * the model has move past the end of the kernel's task_struct, so they can
 * never alias a real one.
 */
function kernelConstants(kernel: RealKernel): Map<string, number | bigint> {
  const L = kernel.layout;
  const c = new Map<string, number | bigint>();
  for (const [field, offset] of Object.entries(TASK_STRUCT.offsets)) {
    c.set(`TASK_STRUCT_${field.toUpperCase()}`, L.task.size + offset);
  }
  const task: Record<string, number | undefined> = {
    PREEMPT_COUNT: L.task.preemptCount,
    NEED_RESCHED: L.task.needResched,
    TRACE_RECURSION: L.task.traceRecursion,
    BPF_CTX: L.task.bpfCtx,
    MIGRATION_DISABLED: L.task.migrationDisabled,
    RCU_READ_LOCK_NESTING: L.task.rcuReadLockNesting,
    STACK_CANARY: L.task.stackCanary,
  };
  for (const [name, offset] of Object.entries(task)) {
    if (offset !== undefined) c.set(`TASK_STRUCT_${name}`, offset);
  }
  c.set("TASK_STRUCT_SIZE", taskSize(L) + TASK_STRUCT.size);
  const regs = kernel.has.withArgs ? "FTRACE_REGS" : "PT_REGS";
  L.regs.x.forEach((offset, i) => c.set(`${regs}_X${i}`, offset));
  c.set(`${regs}_SIZE`, L.regs.size);
  c.set(`${regs}_SP`, L.regs.sp);
  c.set(`${regs}_PC`, L.regs.pc);
  if (L.regs.fp !== undefined) c.set(`${regs}_FP`, L.regs.fp);
  if (L.regs.lr !== undefined) c.set(`${regs}_LR`, L.regs.lr);
  if (L.regs.directTramp !== undefined) c.set(`${regs}_DIRECT_TRAMP`, L.regs.directTramp);
  if (L.regs.origX0 !== undefined) c.set(`${regs}_ORIG_X0`, L.regs.origX0);
  c.set("FTRACE_OPS_FUNC", L.ops.func);
  c.set("FTRACE_OPS_NEXT", L.ops.next);
  c.set("FTRACE_OPS_FLAGS", L.ops.flags);
  c.set("FTRACE_OPS_FUNC_HASH", L.ops.funcHash);
  if (L.ops.directCall !== undefined) c.set("FTRACE_OPS_DIRECT_CALL", L.ops.directCall);
  for (const [name, value] of L.flags) c.set(name, value);
  return c;
}

/** Each kernel's views: one object for all its cases (the case memo keys by it). */
const viewsOf = new WeakMap<RealKernel, RegsViews>();

/** Reads saved argument registers in the kernel's own layout. */
function kernelViews(kernel: RealKernel): RegsViews {
  return cached(viewsOf, kernel, () =>
    makeViews((_view, i) => {
      const offset = kernel.layout.regs.x[i];
      if (offset === undefined) {
        throw new Error(`${kernel.layout.regs.struct} of ${kernel.info.name} has no x${i}`);
      }
      return offset;
    }));
}

/** rcu_is_watching(), which the world models (RCU is always watching here). */
function rcuChunk(workload: Workload) {
  const a = new AsmWriter(ORIGIN, workload.codegen, "rcu").section(".text");
  a.func(FTRACE_CORE.rcuIsWatching).landingPad().phase("dispatch")
    .loadFrom("x0", "rcu_watching").i("and w0, w0, #1", "ret");
  return a.chunk();
}

/** The kernel's data the harness provides: a heap for registration, `current`, its own data. */
function dataChunk(
  kernel: RealKernel,
  workload: Workload,
  bpfProgs: ("empty" | "ringbuf")[],
  opsSize?: number,
) {
  const a = new DataWriter(ORIGIN);
  a.object(HEAP_SYMBOL, 16).zero(heapSize(kernel.layout, workload, opsSize));
  a.object(TASK_SYMBOL, 64).zero(taskSize(kernel.layout) + TASK_STRUCT.size);
  emitHarnessData(a, bpfProgs);
  emitRingBuffer(a);
  return a.chunk();
}

/** `sub x0, x30, #4`: where every trampoline computes ip, the start of its dispatch. */
const IP_FROM_LR = 0xd10013c0;
/** `bl imm26` or `blr xN`. */
const isCall = (word: number) =>
  ((word & 0xfc000000) >>> 0) === 0x94000000 || ((word & 0xfffffc1f) >>> 0) === 0xd63f0000;

/** A phase marker in a kernel object, by section and offset: the same for every case. */
interface SectionMarker {
  readonly input: string;
  readonly section: number;
  readonly offset: bigint;
  readonly phase: string;
}

const sectionMarkers = new WeakMap<RealKernel, SectionMarker[]>();

/**
 * Phases of the kernel's own code, which carries no markers: everything in
 * ftrace.o is dispatch; a trampoline saves from its entry, dispatches from the
 * instruction computing ip (`sub x0, x30, #4`) through its call, and restores
 * after it; the other entry-ftrace.o functions (stubs) are dispatch. Every
 * other symbol (ftrace.o's functions, entry-ftrace.o's inner labels) continues
 * the phase in effect where it starts, so that no kernel function runs outside
 * a declared phase. Worked out once per kernel, on the objects' own bytes.
 */
function kernelPhases(kernel: RealKernel): SectionMarker[] {
  const known = sectionMarkers.get(kernel);
  if (known) return known;
  const all: SectionMarker[] = [];
  kernel.inputs.forEach((input, k) => {
    const { obj } = input;
    for (const section of obj.sections) {
      if (!section.data || (section.flags & SHF_EXECINSTR) === 0 || !input.select?.(section)) {
        continue;
      }
      const here: { offset: bigint; phase: string }[] = [{ offset: 0n, phase: "dispatch" }];
      const symbols = obj.symbols.filter((sym) =>
        sym.sectionIndex === section.index && sym.type !== "section" && sym.name &&
        !sym.name.startsWith("$")
      );
      if (k === 0) { // entry-ftrace.o: the trampolines and the stubs
        for (const sym of symbols.filter((x) => x.binding === "global")) {
          if (sym.name === "ftrace_caller" || sym.name === "ftrace_regs_caller") {
            here.push({ offset: sym.value, phase: "save" });
          } else if (sym.type === "func" || sym.name === "return_to_handler") {
            here.push({ offset: sym.value, phase: "dispatch" });
          }
        }
      }
      const view = new DataView(section.data.buffer, section.data.byteOffset, section.size);
      for (let at = 0; at + 4 <= section.size; at += 4) {
        if (view.getUint32(at, true) !== IP_FROM_LR) continue;
        here.push({ offset: BigInt(at), phase: "dispatch" });
        for (let call = at + 4; call + 4 <= section.size; call += 4) {
          if (isCall(view.getUint32(call, true))) {
            here.push({ offset: BigInt(call + 4), phase: "restore" });
            break;
          }
        }
      }
      here.sort((x, y) => (x.offset < y.offset ? -1 : x.offset > y.offset ? 1 : 0));
      const at = (offset: bigint) => here.findLast((m) => m.offset <= offset)!.phase;
      const marked = new Set(here.map((m) => m.offset));
      const continued = symbols.filter((sym) => !marked.has(sym.value))
        .map((sym) => ({ offset: sym.value, phase: at(sym.value) }));
      for (const m of [...here, ...continued]) {
        all.push({ input: input.name, section: section.index, ...m });
      }
    }
  });
  sectionMarkers.set(kernel, all);
  return all;
}

/** The kernel's phase markers where this case's link placed its sections. */
function phaseMarkers(kernel: RealKernel, image: LoadedImage): NamedAddress[] {
  const base = new Map(image.sections.map((s) => [`${s.input}#${s.index}`, s.address]));
  return kernelPhases(kernel).flatMap((m, n) => {
    const at = base.get(`${m.input}#${m.section}`);
    const phase = m.phase.replace("-", "_");
    return at === undefined
      ? []
      : [{ name: `${PHASE_PREFIX}${phase}.kernel.${n}`, address: at + m.offset }];
  });
}

/** A kernel's `.equ` text: the same for every case on it. */
const constantsTexts = new WeakMap<RealKernel, string>();

/** Build the world of `variant` on a real kernel, or say why the kernel cannot run it. */
export function buildRealWorld(
  kernel: RealKernel,
  variant: Variant,
  requested: Workload,
  unitName: string,
): World | NotApplicable {
  validateWorkload(requested);
  if (requested.codegen.bti && !kernel.has.bti) {
    return {
      notApplicable: `${kernel.info.name} was built without ARM64_BTI_KERNEL ` +
        `(${kernel.summary}): it has no landing pads to check`,
    };
  }
  // The harness's own code (caller, traced function, tracers, BPF) is built as the
  // scenario says, so model and kernel differ only in the kernel's code; with landing
  // pads whenever the kernel has BTI, since its trampolines reach tracers with blr.
  const codegen = { ...requested.codegen, bti: requested.codegen.bti || kernel.has.bti };
  // The ftrace-ops experiment on a kernel that has its sample: the sample's own tracee.
  const sample = requested.kernelSample === "ftrace-ops" ? kernel.sample : undefined;
  const target = sample ? { ...requested.target, name: SAMPLE_SYMBOLS.relevant } : requested.target;
  const withCodegen = { ...requested, codegen, target };
  const built = realVariantBuild(kernel, variant, withCodegen);
  if ("notApplicable" in built) return built;
  // ...and its ops_func_nop as the "empty" tracer.
  const rename = (symbol: string) =>
    sample && symbol === tracerFunction("empty") ? SAMPLE_SYMBOLS.nop : symbol;
  const workload = built.layout ? { ...withCodegen, layout: built.layout } : withCodegen;
  const { site, veneer } = withVeneer(workload, built.site);
  const siteTarget = built.site.target;
  const basePath = built.path ?? (siteTarget ? `bl ${siteTarget}` : "nop");
  const path = veneer && siteTarget
    ? basePath.replace(`bl ${siteTarget}`, `bl ${siteTarget} via a veneer (br x16)`)
    : basePath;
  const bpf = bpfChunks(workload, built.bpf);
  const chunks = [
    {
      origin: `${ORIGIN}: ${kernel.info.name} offsets`,
      text: cached(constantsTexts, kernel, () => structConstants(kernelConstants(kernel))),
    },
    callerChunk(workload),
    ...(sample ? [] : [tracedFunctionChunk(workload, site)]),
    ...(veneer ? [veneer] : []),
    tracersChunk(tracerCodegen(workload)),
    ...customTracersChunk(workload),
    rcuChunk(workload),
    ...(built.chunks ?? []),
    ...bpf.chunks,
    dataChunk(kernel, workload, bpf.progs, sample?.opsSize),
  ];
  const blOffset = BigInt(patchSiteBlOffset(workload.codegen));
  // The sample's functions are static: the harness reaches them as the linker would
  // through an assignment, by name.
  const aliases = sample
    ? new Map([
      ...kernel.aliases,
      ...Object.values(SAMPLE_SYMBOLS).map((s): [string, string] => [s, s]),
    ])
    : kernel.aliases;
  return {
    workload,
    unit: { name: `${unitName}@${kernel.info.name}`, chunks },
    site,
    probes: built.probes.map((p) => ({
      ...p,
      symbol: rename(p.symbol),
      chain: p.chain.map(rename),
    })),
    path,
    views: kernelViews(kernel),
    tracers: worldTracers(
      workload,
      bpf.progs,
      sample ? [SAMPLE_SYMBOLS.nop, SAMPLE_SYMBOLS.count] : [],
    ),
    ...(sample ? { voidTarget: true } : {}),
    kernel: {
      inputs: sample ? [...kernel.inputs, sample.input] : kernel.inputs,
      aliases,
      initialize: (image) =>
        register(kernel, image, workload, built.registration, {
          siteIp: (fn) => image.address(fn) + blOffset,
          tracerSymbol: (op) => rename(tracerFunction(op.tracer)),
          otherFunction: sample ? SAMPLE_SYMBOLS.irrelevant : SYMBOLS.otherFunction,
          opsSize: sample?.opsSize ?? kernel.layout.ops.size,
          patchSites: sample
            ? { records: linkedRecords(image, sample.input), target: site.target }
            : undefined,
        }),
      phaseMarkers: (image) => [
        ...phaseMarkers(kernel, image),
        ...(sample ? sampleMarkers(image) : []),
      ],
    },
  };
}

/** Where an input's patch-site records landed in the linked image. */
function linkedRecords(image: LoadedImage, input: LinkInput): bigint[] {
  return patchableEntries(input).flatMap(({ section, offset }) => {
    const s = image.sections.find((s) => s.input === input.name && s.index === section);
    return s ? [s.address + offset] : [];
  });
}

/** The sample's phases: a tracee's two patch-site instructions, then its body; ops funcs trace. */
function sampleMarkers(image: LoadedImage): NamedAddress[] {
  const markers: NamedAddress[] = [];
  const mark = (phase: string, address: bigint) =>
    markers.push({ name: `${PHASE_PREFIX}${phase}.sample.${markers.length}`, address });
  for (const name of [SAMPLE_SYMBOLS.relevant, SAMPLE_SYMBOLS.irrelevant]) {
    const entry = image.address(name);
    mark("patch_site", entry);
    mark("body", entry + 8n);
  }
  for (const name of [SAMPLE_SYMBOLS.nop, SAMPLE_SYMBOLS.count]) {
    mark("tracer", image.address(name));
  }
  return markers;
}
