/**
 * The timing model in a measured case: time the run's trace with one CPU
 * model and add `cycles` to the case's figures. The runner calls this after
 * the counting core (run_case.ts) has measured the case.
 *
 * @module
 */
import type { TimingTrace } from "./trace.ts";
import { type CpuSelection, selectCpus } from "./catalog.ts";
import { CpuModelError } from "./model.ts";
import { type CodeSource, type PhaseSource, simulate } from "./simulate.ts";
import { type CycleCauses, hexPc } from "./causes.ts";
import type { CaseTiming } from "./figures.ts";

export type { CycleCauses } from "./causes.ts";
export type { Mispredicts } from "./simulate.ts";

const selections = new Map<string, CpuSelection>();

/** The one model a `--cpu` value other than `all` selects (parsed once per process). */
export async function singleCpu(spec: string): Promise<CpuSelection> {
  const known = selections.get(spec);
  if (known) return known;
  const selected = await selectCpus(spec);
  if (selected.length !== 1) {
    throw new CpuModelError(`--cpu ${spec} selects ${selected.length} models; a case takes one`);
  }
  selections.set(spec, selected[0]);
  return selected[0];
}

/** Times one case from the trace `measure` returns with `{ trace: true }`. */
export class CaseTimer {
  /** One model: a selection from `selectCpus()` (`--cpu`, parsed once). */
  constructor(readonly selection: CpuSelection) {}

  /** Time the captured run. */
  time(trace: TimingTrace, code: CodeSource, phases: PhaseSource): CaseTiming {
    const { model, mode, bimodal, info } = this.selection;
    const r = simulate(model, trace, code, phases, { mode, bimodal });
    const byPc: Record<string, number> = {};
    const causesByPc: Record<string, CycleCauses> = {};
    const { ascending, pc, cycles } = r.slots;
    for (let k = 0; k < ascending.length; k++) {
      const slot = ascending[k], at = hexPc(pc[slot]);
      byPc[at] = cycles[slot];
      // A pc charged no cycle has no cause: left out.
      if (cycles[slot] !== 0) causesByPc[at] = r.slots.causes(slot);
    }
    return {
      cpu: info,
      cycles: r.cycles,
      phases: r.phases,
      byPc,
      causesByPc,
      phaseCauses: r.phaseCauses,
      summary: { passes: r.passes, mispredicts: r.mispredicts },
    };
  }
}
