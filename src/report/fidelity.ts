/**
 * Model against reality: the same cases run on two kernels (the harness's
 * model and a real kernel, or two real kernels), side by side, with the
 * difference per metric and per phase. A view of the results, like the table.
 */
import { PHASES } from "../kernel/asm_writer.ts";
import { cpuLabel, kernelLabel, type StoredResult, type StoredRun } from "../store/schema.ts";
import { alignTable } from "./align.ts";

/** One case run on both kernels. */
export interface FidelityRow {
  variant: string;
  params: StoredRun["params"];
  /** metric → [reference, other]. */
  metrics: Record<string, [number, number]>;
  /** phase → [reference, other] instructions, for every phase either side ran. */
  phases: Record<string, [number, number]>;
}

/** Cases measured (status ok) on both the reference and the other kernel, in run order. */
export function fidelityRows(reference: StoredResult, other: StoredResult): FidelityRow[] {
  const key = (r: StoredRun) => `${r.variant}|${JSON.stringify(r.params)}`;
  const refRuns = new Map(reference.runs.map((r) => [key(r), r]));
  const rows: FidelityRow[] = [];
  for (const run of other.runs) {
    const ref = refRuns.get(key(run));
    if (!ref?.metrics || !run.metrics || run.status !== "ok" || ref.status !== "ok") continue;
    const metrics: FidelityRow["metrics"] = {};
    for (const m of ["instructions", "loads", "stores", "branches", "cycles"] as const) {
      const a = ref.metrics[m];
      const b = run.metrics[m];
      if (a !== undefined && b !== undefined) metrics[m] = [a, b];
    }
    const phases: FidelityRow["phases"] = {};
    for (const phase of PHASES) {
      const a = ref.phases?.[phase]?.instructions ?? 0;
      const b = run.phases?.[phase]?.instructions ?? 0;
      if (a || b) phases[phase] = [a, b];
    }
    rows.push({ variant: run.variant, params: run.params, metrics, phases });
  }
  return rows;
}

const pair = (
  [a, b]: [number, number],
) => (a === b ? `${a}` : `${a}/${b} (${b > a ? "+" : ""}${b - a})`);

/**
 * The side-by-side table of every result against the reference: the model
 * when it is among the results, else the first. Results of one scenario and
 * one CPU model are compared; "" when there is nothing to compare.
 */
export function renderFidelity(results: readonly StoredResult[]): string {
  const out: string[] = [];
  const groups = new Map<string, StoredResult[]>();
  for (const r of results) {
    const k = `${r.scenario}|${cpuLabel(r.cpu)}`;
    groups.set(k, [...(groups.get(k) ?? []), r]);
  }
  for (const group of groups.values()) {
    if (group.length < 2) continue;
    const reference = group.find((r) => kernelLabel(r.kernel) === "model") ?? group[0];
    for (const other of group.filter((r) => r !== reference)) {
      const rows = fidelityRows(reference, other);
      if (rows.length === 0) continue;
      const fixed = new Set(
        Object.keys(rows[0].params).filter((p) =>
          rows.every((r) => r.params[p] === rows[0].params[p])
        ),
      );
      const cycles = rows.some((r) => r.metrics.cycles);
      const header = ["variant", "params", "insns", "loads", "stores", "branches"];
      if (cycles) header.push("cycles");
      header.push("phases that differ (instructions)");
      const table = rows.map((r) => [
        r.variant,
        Object.entries(r.params).filter(([k]) => !fixed.has(k)).map(([k, v]) => `${k}=${v}`)
          .join(" "),
        ...["instructions", "loads", "stores", "branches", ...(cycles ? ["cycles"] : [])].map((m) =>
          r.metrics[m] ? pair(r.metrics[m]) : "-"
        ),
        Object.entries(r.phases).filter(([, [a, b]]) => a !== b)
          .map(([p, v]) => `${p} ${pair(v)}`).join(", ") || "none",
      ]);
      const cpu = reference.cpu ? ` [${cpuLabel(reference.cpu)}]` : "";
      out.push(
        `${reference.scenario}: ${kernelLabel(reference.kernel)} / ${
          kernelLabel(other.kernel)
        }${cpu}, cases both ran` +
          (fixed.size
            ? `\n(every case: ${[...fixed].map((k) => `${k}=${rows[0].params[k]}`).join(" ")})`
            : "") +
          "\n" + alignTable(header, table, new Set(["insns", "loads", "stores", "branches"])),
      );
    }
  }
  return out.join("\n\n");
}
