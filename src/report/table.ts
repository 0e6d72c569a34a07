/**
 * The aligned text table printed after a run.
 */
import type { ScenarioResult } from "../runner/result.ts";

const COLUMNS = ["variant", "params", "insns", "loads", "stores", "branches", "overhead", "checks"];
const RIGHT = new Set(["insns", "loads", "stores", "branches", "overhead"]);

function paramsText(params: Record<string, unknown>): string {
  return Object.entries(params).map(([k, v]) => `${k}=${v}`).join(" ");
}

/** Render one scenario's runs as an aligned table (plain text, no colour). */
export function renderTable(result: ScenarioResult): string {
  const rows = result.runs.map((r) => {
    const m = r.metrics;
    const status = r.status === "ok"
      ? "ok"
      : r.status === "n/a"
      ? `n/a: ${r.reason}`
      : `FAILED: ${r.checks.filter((c) => !c.ok).map((c) => c.name).join(", ")}`;
    return [
      r.variant,
      paramsText(r.params),
      m ? String(m.instructions) : "-",
      m ? String(m.loads) : "-",
      m ? String(m.stores) : "-",
      m ? String(m.branches) : "-",
      r.overhead ? `+${r.overhead.instructions} insns` : "-",
      status,
    ];
  });
  const widths = COLUMNS.map((c, i) => Math.max(c.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) =>
    cells.map((cell, i) =>
      i === cells.length - 1
        ? cell
        : RIGHT.has(COLUMNS[i])
        ? cell.padStart(widths[i])
        : cell.padEnd(widths[i])
    ).join("  ").trimEnd();
  return [
    `${result.scenario}: ${result.question}`,
    line(COLUMNS),
    line(widths.map((w) => "-".repeat(w))),
    ...rows.map(line),
  ].join("\n");
}
