/**
 * The aligned text table printed after a run.
 */
import type { StoredResult } from "../store/schema.ts";
import { alignTable } from "./align.ts";

const COLUMNS = ["variant", "params", "insns", "loads", "stores", "branches", "overhead", "checks"];
const RIGHT = new Set(["insns", "loads", "stores", "branches", "cycles", "overhead"]);

function paramsText(params: Record<string, unknown>): string {
  return Object.entries(params).map(([k, v]) => `${k}=${v}`).join(" ");
}

/**
 * Render one scenario's runs as an aligned table (plain text, no colour).
 * A `cycles` column appears when a timing model provided cycles.
 */
export function renderTable(result: StoredResult): string {
  const cycles = result.runs.some((r) => r.metrics?.cycles !== undefined);
  const columns = cycles ? [...COLUMNS.slice(0, 6), "cycles", ...COLUMNS.slice(6)] : COLUMNS;
  const rows = result.runs.map((r) => {
    const m = r.metrics;
    const status = r.status === "ok"
      ? "ok"
      : r.status === "n/a"
      ? `n/a: ${r.reason}`
      : `FAILED: ${r.checks.filter((c) => !c.ok).map((c) => c.name).join(", ")}`;
    const overhead = r.overhead
      ? `+${r.overhead.instructions} insns` +
        (cycles && r.overhead.cycles !== undefined ? `, +${r.overhead.cycles} cycles` : "")
      : "-";
    return [
      r.variant,
      paramsText(r.params),
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
  return [`${result.scenario}: ${result.question}${cpu}`, alignTable(columns, rows, RIGHT)].join(
    "\n",
  );
}
