/**
 * Plain-text table alignment shared by the text reports.
 */

/** Align `rows` under `header`; columns named in `right` are right-aligned, the last is free. */
export function alignTable(
  header: readonly string[],
  rows: readonly (readonly string[])[],
  right: ReadonlySet<string> = new Set(),
): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: readonly string[]) =>
    cells.map((cell, i) =>
      i === cells.length - 1
        ? cell
        : right.has(header[i])
        ? cell.padStart(widths[i])
        : cell.padEnd(widths[i])
    ).join("  ").trimEnd();
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}
