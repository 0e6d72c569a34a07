/**
 * Puts a whole emulated kernel together for one variant and workload: the
 * assembly unit to assemble and load, and what the harness must probe.
 */
import type { AsmUnit } from "../asm/source.ts";
import { dataChunk } from "./data.ts";
import { ftraceCoreChunk } from "./ftrace_core.ts";
import { callerChunk, type PatchSite, tracedFunctionChunk, tracersChunk } from "./functions.ts";
import { structConstants } from "./structs.ts";
import type { NotApplicable, Probe, Variant } from "./variants/variant.ts";
import { MAX_REGISTER_ARGS, tracerCodegen, type Workload } from "./workload.ts";

export interface World {
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
  workload: Workload,
  unitName: string,
): World | NotApplicable {
  validateWorkload(workload);
  const built = variant.build(workload);
  if ("notApplicable" in built) return built;
  const cg = workload.codegen;
  const chunks = [
    { origin: "src/kernel/structs.ts: offsets", text: structConstants() },
    built.caller ?? callerChunk(workload),
    tracedFunctionChunk(workload, built.site),
    ftraceCoreChunk(cg),
    tracersChunk(tracerCodegen(workload)),
    ...built.chunks,
    dataChunk(workload, built.data),
  ];
  return { workload, unit: { name: unitName, chunks }, site: built.site, probes: built.probes };
}
