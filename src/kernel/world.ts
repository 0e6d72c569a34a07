/**
 * Puts a whole emulated kernel together for one variant and workload: the
 * assembly unit to assemble and load, and what the harness must probe.
 */
import type { AsmUnit } from "../asm/source.ts";
import { bpfHooksChunk, bpfOpsFuncChunk, bpfTrampolineChunk } from "./bpf.ts";
import { dataChunk } from "./data.ts";
import { ftraceCoreChunk } from "./ftrace_core.ts";
import {
  bpfProgsChunk,
  callerChunk,
  type PatchSite,
  tracedFunctionChunk,
  tracersChunk,
} from "./functions.ts";
import { structConstants } from "./structs.ts";
import type { NotApplicable, Probe, Variant } from "./variants/variant.ts";
import { MAX_REGISTER_ARGS, tracerCodegen, type Workload } from "./workload.ts";

export interface World {
  /** The workload as built, with the variant's layout when it replaced the workload's. */
  readonly workload: Workload;
  readonly unit: AsmUnit;
  readonly site: PatchSite;
  readonly probes: readonly Probe[];
}

/** Check what the model cannot represent before generating anything. */
export function validateWorkload(workload: Workload): void {
  const { args } = workload.target;
  if (!Number.isInteger(args) || args < 0 || args > MAX_REGISTER_ARGS) {
    throw new RangeError(
      `the traced function takes ${args} arguments; the model passes 0..${MAX_REGISTER_ARGS} ` +
        `in registers x0-x7 (stack arguments are not modelled)`,
    );
  }
  const names = new Set<string>();
  for (const op of workload.ops) {
    if (names.has(op.name)) throw new RangeError(`two ops are named ${op.name}`);
    names.add(op.name);
  }
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
  const cg = workload.codegen;
  const args = workload.target.args;
  const opsFuncBpf = workload.ops.some((op) => op.tracer === "bpf");
  const needsBpf = built.bpf !== undefined || opsFuncBpf;
  const bpfChunks = [
    ...(needsBpf ? [bpfHooksChunk(cg), bpfProgsChunk(tracerCodegen(workload), args)] : []),
    ...(opsFuncBpf ? [bpfOpsFuncChunk(cg, args)] : []),
    ...(built.bpf?.trampolineProg
      ? [bpfTrampolineChunk(cg, args, built.bpf.trampolineProg, workload.bpfAttach ?? "fentry")]
      : []),
  ];
  const chunks = [
    { origin: "src/kernel/structs.ts: offsets", text: structConstants() },
    built.caller ?? callerChunk(workload),
    tracedFunctionChunk(workload, built.site),
    ftraceCoreChunk(cg),
    tracersChunk(tracerCodegen(workload)),
    ...built.chunks,
    ...bpfChunks,
    dataChunk(workload, { ...built.data, bpfProgs: needsBpf ? ["empty", "ringbuf"] : [] }),
  ];
  return { workload, unit: { name: unitName, chunks }, site: built.site, probes: built.probes };
}
