/**
 * Puts a whole emulated kernel together for one variant and workload: the
 * assembly unit to assemble and load, and what the harness must probe.
 */
import type { AsmUnit } from "../asm/source.ts";
import { BPF_SYMBOLS, bpfHooksChunk, bpfOpsFuncChunk, bpfTrampolineChunk } from "./bpf.ts";
import { AsmWriter } from "./asm_writer.ts";
import { siteAddress, withinBranchRange } from "./layout.ts";
import type { AsmChunk } from "../asm/source.ts";
import { dataChunk } from "./data.ts";
import { ftraceCoreChunk } from "./ftrace_core.ts";
import {
  bpfProgFunction,
  bpfProgsChunk,
  BUILTIN_TRACERS,
  callerChunk,
  customTracersChunk,
  type PatchSite,
  tracedFunctionChunk,
  tracersChunk,
} from "./functions.ts";
import { structConstants } from "./structs.ts";
import { WorkloadError } from "./contract.ts";
import { MODEL_VIEWS, type RegsViews } from "./views.ts";
import type { LinkInput, LoadedImage, NamedAddress } from "../asm/loader.ts";
import type { NotApplicable, Probe, Variant } from "./variants/variant.ts";
import {
  customTracers,
  MAX_REGISTER_ARGS,
  type OpsSpec,
  type ProgKind,
  tracerCodegen,
  type Workload,
} from "./workload.ts";

/** Trampolines that live in module space rather than kernel text. */
const MODULE_TRAMPOLINES = new Set<string>([BPF_SYMBOLS.trampoline]);

/**
 * A patch site whose BL cannot reach an in-kernel trampoline goes through a
 * veneer next to the function (as a module's PLT entry does):
 * `adrp x16, target; add x16, x16, :lo12:target; br x16`.
 */
export function withVeneer(
  workload: Workload,
  site: PatchSite,
): { site: PatchSite; veneer?: AsmChunk } {
  const target = site.target;
  if (!target || MODULE_TRAMPOLINES.has(target)) return { site };
  if (withinBranchRange(siteAddress(workload.layout), workload.layout.textBase)) return { site };
  const name = `${target}_veneer`;
  const a = new AsmWriter("src/kernel/world.ts: veneer", workload.codegen, "veneer")
    .section(".text.end.veneers");
  a.func(name).phase("patch-site").addressOf("x16", target).i("br x16");
  return { site: { ...site, target: name }, veneer: a.chunk() };
}

export interface World {
  /** The workload as built, with the variant's layout when it replaced the workload's. */
  readonly workload: Workload;
  readonly unit: AsmUnit;
  readonly site: PatchSite;
  readonly probes: readonly Probe[];
  /** How the site reaches the tracer: "bl ftrace_caller", "... via veneer", ... */
  readonly path: string;
  /** How probes read the registers a tracer was handed, in this kernel's layout. */
  readonly views: RegsViews;
  /**
   * Every tracer entry point in the world (ops funcs, BPF programs, handlers).
   * The checks watch exactly these and the probes: a tracer called that no
   * probe expects fails `tracer-calls`.
   */
  readonly tracers: readonly string[];
  /** A real kernel's objects, linked with the unit; absent for the model. */
  readonly kernel?: KernelLink;
  /** The traced function is a kernel's `void` function: its return value is not checked. */
  readonly voidTarget?: boolean;
}

/** A real kernel's objects linked with the harness's unit, and what to write once linked. */
export interface KernelLink {
  readonly inputs: readonly LinkInput[];
  /** Symbols the kernel's linker script defines as other symbols. */
  readonly aliases: ReadonlyMap<string, string>;
  /** Registration: writes the kernel's data into the linked image, before it is mapped. */
  initialize(image: LoadedImage): void;
  /** Phase markers for the kernel's own code, which has none of the harness's. */
  phaseMarkers(image: LoadedImage): NamedAddress[];
}

/** Workloads found valid: a parameter set's variants share one, checked once. */
const validated = new WeakSet<Workload>();

/** Check what the model cannot represent before generating anything. */
export function validateWorkload(workload: Workload): void {
  if (validated.has(workload)) return;
  const { args } = workload.target;
  if (!Number.isInteger(args) || args < 0 || args > MAX_REGISTER_ARGS) {
    throw new WorkloadError(
      `the traced function takes ${args} arguments; the model passes 0..${MAX_REGISTER_ARGS} ` +
        `in registers x0-x7 (stack arguments are not modelled)`,
    );
  }
  const names = new Set<string>();
  for (const op of workload.ops) {
    if (names.has(op.name)) throw new WorkloadError(`two ops are named ${op.name}`);
    names.add(op.name);
  }
  validated.add(workload);
}

export function buildWorld(
  variant: Variant,
  requested: Workload,
  unitName: string,
): World | NotApplicable {
  validateWorkload(requested);
  const built = variant.build(requested);
  if ("notApplicable" in built) return built;
  const workload = built.layout ? { ...requested, layout: built.layout } : requested;
  const { site, veneer } = withVeneer(workload, built.site);
  const basePath = built.path ?? (built.site.target ? `bl ${built.site.target}` : "nop");
  const target = built.site.target;
  const path = veneer && target
    ? basePath.replace(`bl ${target}`, `bl ${target} via a veneer (br x16)`)
    : basePath;
  const cg = workload.codegen;
  const bpf = bpfChunks(workload, built.bpf);
  const chunks = [
    { origin: "src/kernel/structs.ts: offsets", text: structConstants() },
    built.caller ?? callerChunk(workload),
    tracedFunctionChunk(workload, site),
    ...(veneer ? [veneer] : []),
    ftraceCoreChunk(cg),
    tracersChunk(tracerCodegen(workload)),
    ...customTracersChunk(workload),
    ...built.chunks,
    ...bpf.chunks,
    dataChunk(workload, { ...built.data, bpfProgs: bpf.progs }),
  ];
  return {
    workload,
    unit: { name: unitName, chunks },
    site,
    probes: built.probes,
    path,
    views: MODEL_VIEWS,
    tracers: worldTracers(workload, bpf.progs, built.tracers),
  };
}

/** The harness's tracers, the BPF programs a world has, and a variant's own tracers. */
export function worldTracers(
  workload: Workload,
  progs: readonly ProgKind[],
  own: readonly string[] = [],
): string[] {
  return [
    ...BUILTIN_TRACERS,
    ...customTracers(workload).map((t) => t.name),
    ...progs.map(bpfProgFunction),
    ...own,
  ];
}

/** Whether an ops' func runs a BPF program (module-level: V8 keeps its optimized code). */
function runsBpf(op: OpsSpec): boolean {
  return op.tracer === "bpf";
}

/**
 * The BPF code a world needs: hooks and programs when a trampoline or an ops
 * func runs a program, the ops func itself, and the variant's trampoline.
 */
export function bpfChunks(
  workload: Workload,
  bpf: { readonly trampolineProg?: ProgKind } | undefined,
): { chunks: AsmChunk[]; progs: ProgKind[] } {
  const cg = workload.codegen;
  const args = workload.target.args;
  const opsFuncBpf = workload.ops.some(runsBpf);
  const needsBpf = bpf !== undefined || opsFuncBpf;
  return {
    chunks: [
      ...(needsBpf ? [bpfHooksChunk(cg), bpfProgsChunk(tracerCodegen(workload), args)] : []),
      ...(opsFuncBpf ? [bpfOpsFuncChunk(cg, args)] : []),
      ...(bpf?.trampolineProg
        ? [bpfTrampolineChunk(cg, args, bpf.trampolineProg, workload.bpfAttach ?? "fentry")]
        : []),
    ],
    progs: needsBpf ? ["empty", "ringbuf"] : [],
  };
}
