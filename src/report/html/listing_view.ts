/**
 * The annotated hot-path listing of one run: address, symbol+offset, word,
 * disassembly, execution count, phase, and cycles when a timing model
 * charged them.
 */
import type { StoredRun } from "../../store/schema.ts";
import { escapeHtml as e } from "./escape.ts";

/** Index of each phase in order of appearance, for a stable colour per phase. */
function phaseIndex(runs: readonly StoredRun[]): Map<string, number> {
  const index = new Map<string, number>();
  for (const run of runs) {
    for (const entry of run.listing ?? []) {
      if (!index.has(entry.phase)) index.set(entry.phase, index.size);
    }
  }
  return index;
}

/** The listing tables of the runs that carry one, one `<details>` per variant. */
export function renderListings(runs: readonly StoredRun[]): string {
  const listed = runs.filter((r) => r.listing?.length);
  if (listed.length === 0) {
    return `<p class="note">No hot-path listing in these results (run with --listing default or all).</p>`;
  }
  const phases = phaseIndex(listed);
  return listed.map((run) => {
    const listing = run.listing!;
    const cycles = listing.some((x) => x.cycles !== undefined);
    const executed = listing.reduce((n, x) => n + x.count, 0);
    const params = Object.entries(run.params).map(([k, v]) => `${k}=${v}`).join(" ");
    const rows = listing.map((x, i) =>
      `<tr class="ph${(phases.get(x.phase) ?? 0) % 10}"><td class="num">${i + 1}</td>` +
      `<td class="mono">${e(x.address)}</td><td class="mono">${e(x.symbol)}</td>` +
      `<td class="mono">${e(x.word)}</td><td class="mono">${e(x.disasm)}</td>` +
      `<td class="num">${e(x.count)}</td><td>${e(x.phase)}</td>` +
      (cycles ? `<td class="num">${e(x.cycles ?? "")}</td>` : "") + `</tr>`
    ).join("\n");
    return `<details class="listing-block">
<summary>${e(run.variant)} <span class="muted">${
      e(params)
    }: ${listing.length} distinct instructions, ${executed} executed</span></summary>
<table class="listing" data-variant="${e(run.variant)}" data-executed="${executed}">
<thead><tr><th>#</th><th>address</th><th>symbol+offset</th><th>word</th><th>disassembly</th><th>count</th><th>phase</th>${
      cycles ? "<th>cycles</th>" : ""
    }</tr></thead>
<tbody>
${rows}
</tbody></table></details>`;
  }).join("\n");
}
