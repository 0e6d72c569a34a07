/**
 * The aligned text table printed after a run.
 */
import { kernelLabel, type StoredResult, type StoredRun } from "../store/schema.ts";
import { alignTable } from "./align.ts";

const COLUMNS = ["variant", "params", "insns", "loads", "stores", "branches", "overhead", "checks"];
const RIGHT = new Set(["insns", "loads", "stores", "branches", "cycles", "overhead"]);

function paramsText(params: Record<string, unknown>, shown: ReadonlySet<string>): string {
  return Object.entries(params).filter(([k]) => shown.has(k)).map(([k, v]) => `${k}=${v}`).join(
    " ",
  );
}

/**
 * Parameters that vary between runs go in the params column; those with one
 * value across the whole table are said once, in the heading.
 */
function splitParams(runs: StoredResult["runs"]): { varying: Set<string>; fixed: string } {
  const values = new Map<string, Set<string>>();
  for (const r of runs) {
    for (const [k, v] of Object.entries(r.params)) {
      if (!values.has(k)) values.set(k, new Set());
      values.get(k)!.add(String(v));
    }
  }
  const varying = new Set([...values].filter(([, vs]) => vs.size > 1).map(([k]) => k));
  const fixed = [...values].filter(([k]) => !varying.has(k)).map(([k, vs]) => `${k}=${[...vs][0]}`);
  return { varying, fixed: fixed.join(" ") };
}

/**
 * Render one scenario's runs as an aligned table (plain text, no colour).
 * A `cycles` column appears when a timing model provided cycles.
 */
export function renderTable(result: StoredResult): string {
  const cycles = result.runs.some((r) => r.metrics?.cycles !== undefined);
  const columns = cycles ? [...COLUMNS.slice(0, 6), "cycles", ...COLUMNS.slice(6)] : COLUMNS;
  const { varying, fixed } = splitParams(result.runs);
  const rows = result.runs.map((r) => {
    const m = r.metrics;
    const status = r.status === "ok"
      ? "ok"
      : r.status === "n/a"
      ? `n/a: ${r.reason}`
      : `FAILED: ${failureSummary(r)}`;
    const overhead = r.overhead
      ? `+${r.overhead.instructions} insns` +
        (cycles && r.overhead.cycles !== undefined ? `, +${r.overhead.cycles} cycles` : "")
      : "-";
    return [
      r.variant,
      paramsText(r.params, varying),
      m ? String(m.instructions) : "-",
      m ? String(m.loads) : "-",
      m ? String(m.stores) : "-",
      m ? String(m.branches) : "-",
      ...(cycles ? [m?.cycles !== undefined ? String(m.cycles) : "-"] : []),
      overhead,
      status,
    ];
  });
  const cpu = result.cpu ? ` [${result.cpu.name} ${result.cpu.version}]` : "";
  const kernel = result.kernel && result.kernel.name !== "model"
    ? ` [kernel ${kernelLabel(result.kernel)}]`
    : "";
  const heading = `${result.scenario}: ${result.question}${kernel}${cpu}` +
    (fixed ? `\n(every run: ${fixed})` : "");
  return [heading, alignTable(columns, rows, RIGHT)].join("\n");
}

/** A failed run's checks with the first line of each detail, short enough for a table cell. */
export function failureSummary(run: Pick<StoredRun, "checks">): string {
  return run.checks.filter((c) => !c.ok).map((c) => {
    const first = c.detail.split("\n")[0].replace(/^Oops: /, "");
    return `${c.name}: ${first.length > 90 ? `${first.slice(0, 87)}...` : first}`;
  }).join("; ");
}

/** Every failed run with the full detail of each failed check (an oops in full), for stderr. */
export function renderFailures(result: StoredResult): string {
  const lines: string[] = [];
  for (const r of result.runs.filter((r) => r.status === "failed")) {
    const params = Object.entries(r.params).map(([k, v]) => `${k}=${v}`).join(" ");
    for (const c of r.checks.filter((c) => !c.ok)) {
      lines.push(`${result.scenario} ${r.variant} (${params}) failed ${c.name}: ${c.detail}`);
    }
  }
  return lines.join("\n");
}
