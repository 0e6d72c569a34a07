/**
 * The verdict: for each scenario (and kernel) and each parameter set shown,
 * its variants sorted by cost, cheapest first. Cost is the overhead per
 * traced call over the `nop` run of the same parameters: instructions (exact,
 * the sort key), and cycles for each CPU model the results were timed with,
 * one column per model (the results of `--cpu all` are one file per model).
 * Δ and × compare each variant's instructions with the cheapest one's; a
 * failed or not applicable variant is listed after the measured ones, with
 * its reason.
 *
 * Plain data (the JSON of `deno task report --format json` and the page's
 * verdict tables) and the text renderings for mailing lists and commit
 * messages: plain text and markdown, both at most 80 columns.
 */
import type { Params } from "../runner/result.ts";
import { focusParams, paramsText, sameParams } from "../store/params.ts";
import { cpuLabel, kernelLabel, type StoredResult, type StoredRun } from "../store/schema.ts";
import { failureSummary } from "./table.ts";
import { BUILTIN_CPUS } from "../timing/catalog.ts";

/** The baseline every overhead is measured against: never a row of the verdict. */
export const BASELINE_VARIANT = "nop";

/** One variant of a verdict table. */
export interface SummaryRow {
  variant: string;
  status: StoredRun["status"];
  /** Why a variant is failed or n/a. */
  reason?: string;
  /** Overhead instructions over nop; null when not measured. */
  instructions: number | null;
  /** Overhead cycles per CPU model, in the table's `cpus` order; null where not timed. */
  cycles: (number | null)[];
  /** Instructions more than the cheapest variant's. */
  delta: number | null;
  /** Instructions as a multiple of the cheapest variant's (null when that is 0). */
  ratio: number | null;
}

/** One scenario, kernel and parameter set: its variants, cheapest first. */
export interface SummaryTable {
  scenario: string;
  question: string;
  /** "model" or the real kernel's name and version. */
  kernel: string;
  params: Params;
  /** The parameters with one value in the whole sweep (said once, not per set). */
  fixed: Params;
  /** Whether this is the scenario's focus set (its defaults, or the first set run). */
  focus: boolean;
  /** The nop run's instructions at this set (what every overhead is over). */
  baseline: number | null;
  /** CPU models (`cpuLabel`) whose cycles the rows carry, one column each. */
  cpus: string[];
  rows: SummaryRow[];
}

export interface Summary {
  kind: "ftrace-bench-summary";
  schema: 1;
  tables: SummaryTable[];
}

/** Results of one scenario on one kernel: one per CPU model (or one without a model). */
export interface ResultGroup {
  scenario: string;
  question: string;
  kernel: string;
  results: StoredResult[];
}

/**
 * Group results by scenario and kernel (in order of first appearance); the
 * results of different CPU models of one scenario and kernel join one group.
 * Two results of the same scenario, kernel and model start a new group.
 */
export function resultGroups(results: readonly StoredResult[]): ResultGroup[] {
  const groups: ResultGroup[] = [];
  for (const r of results) {
    const kernel = kernelLabel(r.kernel);
    const g = groups.find((g) =>
      g.scenario === r.scenario && g.kernel === kernel &&
      !g.results.some((x) => cpuLabel(x.cpu) === cpuLabel(r.cpu))
    );
    if (g) g.results.push(r);
    else groups.push({ scenario: r.scenario, question: r.question, kernel, results: [r] });
  }
  return groups;
}

/** Built-in models in `--cpu all` order, then other models by name. */
function cpuOrder(r: StoredResult): [number, string] {
  const name = r.cpu?.name ?? "";
  const i = BUILTIN_CPUS.indexOf(name.split(":")[0]);
  return [i < 0 ? BUILTIN_CPUS.length : i, name];
}

/** The results of a group that carry cycles, one per model, in `--cpu all` order. */
export function timedResults(g: ResultGroup): StoredResult[] {
  return g.results.filter((r) => r.cpu && r.runs.some((run) => run.metrics?.cycles !== undefined))
    .sort((a, b) => {
      const [x, y] = [cpuOrder(a), cpuOrder(b)];
      return x[0] - y[0] || x[1].localeCompare(y[1]);
    });
}

/** Parameters with one value over all of `runs`, and their value. */
export function fixedParams(runs: readonly { params: Params }[]): Params {
  const fixed: Params = {};
  for (const k of Object.keys(runs[0]?.params ?? {})) {
    const v = runs[0].params[k];
    if (runs.every((r) => r.params[k] === v)) fixed[k] = v;
  }
  return fixed;
}

/** `params` without the fixed ones. */
export function varyingParams(params: Params, fixed: Params): Params {
  return Object.fromEntries(Object.entries(params).filter(([k]) => !(k in fixed)));
}

/** Every parameter set of a result, in run order. */
export function parameterSets(r: StoredResult): Params[] {
  const sets: Params[] = [];
  for (const run of r.runs) if (!sets.some((s) => sameParams(s, run.params))) sets.push(run.params);
  return sets;
}

/** The verdict table of one group at one parameter set. */
export function summaryTable(g: ResultGroup, params: Params, focus: boolean): SummaryTable {
  const first = g.results[0];
  const timed = timedResults(g);
  const at = (r: StoredResult) => r.runs.filter((run) => sameParams(run.params, params));
  const runs = at(first);
  const rows: SummaryRow[] = runs.filter((run) => run.variant !== BASELINE_VARIANT).map((run) => {
    const cycles = timed.map((r) => {
      const same = at(r).find((x) => x.variant === run.variant);
      return same?.status === "ok" ? same.overhead?.cycles ?? null : null;
    });
    const instructions = run.status === "ok" ? run.overhead?.instructions ?? null : null;
    const reason = run.status === "failed"
      ? (failureSummary(run) || run.reason || "a check failed")
      : run.status === "n/a"
      ? run.reason ?? ""
      : undefined;
    return {
      variant: run.variant,
      status: run.status,
      ...(reason !== undefined ? { reason } : {}),
      instructions,
      cycles,
      delta: null,
      ratio: null,
    };
  });
  const order = new Map(rows.map((r, i) => [r, i]));
  const rank = (r: SummaryRow) => r.instructions === null ? (r.status === "failed" ? 1 : 2) : 0;
  rows.sort((a, b) =>
    rank(a) - rank(b) ||
    (a.instructions ?? 0) - (b.instructions ?? 0) ||
    (a.cycles[0] ?? 0) - (b.cycles[0] ?? 0) ||
    order.get(a)! - order.get(b)!
  );
  const cheapest = rows.find((r) => r.instructions !== null)?.instructions ?? null;
  for (const r of rows) {
    if (r.instructions === null || cheapest === null) continue;
    r.delta = r.instructions - cheapest;
    r.ratio = cheapest === 0 ? null : r.instructions / cheapest;
  }
  const nop = runs.find((run) => run.variant === BASELINE_VARIANT);
  return {
    scenario: g.scenario,
    question: g.question,
    kernel: g.kernel,
    params,
    fixed: fixedParams(first.runs),
    focus,
    baseline: nop?.metrics?.instructions ?? null,
    cpus: timed.map((r) => cpuLabel(r.cpu)),
    rows,
  };
}

/** The focus parameter set of a group (the scenario's defaults, or the first set run). */
export function groupFocus(g: ResultGroup): Params | undefined {
  return focusParams(g.results[0].runs, g.results[0].defaults);
}

/** The verdict of every scenario: its focus set, or every set with `allSets`. */
export function summarize(
  results: readonly StoredResult[],
  options: { allSets?: boolean } = {},
): Summary {
  const tables: SummaryTable[] = [];
  for (const g of resultGroups(results)) {
    const focus = groupFocus(g);
    if (!focus) continue;
    const sets = options.allSets ? parameterSets(g.results[0]) : [focus];
    for (const params of sets) tables.push(summaryTable(g, params, sameParams(params, focus)));
  }
  return { kind: "ftrace-bench-summary", schema: 1, tables };
}

// ---- text renderings ---------------------------------------------------------------------

/** Text width of the summaries: a mailing-list post or a commit message. */
export const TEXT_WIDTH = 80;

/** "1.67x", or "-" */
export function ratioText(ratio: number | null): string {
  return ratio === null ? "-" : `${ratio.toFixed(2)}x`;
}

/** "+24", "0" or "-" */
export function deltaText(delta: number | null): string {
  return delta === null ? "-" : delta === 0 ? "0" : `+${delta}`;
}

/**
 * Break `text` into lines of at most `width` columns: the first line starts
 * with `first`, the others with `indent`; a word longer than a line is cut.
 */
export function wrap(text: string, width: number, indent = "", first = indent): string[] {
  const lines: string[] = [];
  let line = "";
  const lead = () => (lines.length ? indent : first);
  for (let word of text.split(/\s+/).filter(Boolean)) {
    for (;;) {
      const room = width - (line ? line.length + 1 : lead().length);
      if (word.length <= room) {
        line = line ? `${line} ${word}` : lead() + word;
        break;
      }
      if (line) {
        lines.push(line);
        line = "";
        continue;
      }
      const cut = Math.max(1, width - lead().length);
      lines.push(lead() + word.slice(0, cut));
      word = word.slice(cut);
      if (word === "") break;
    }
  }
  if (line) lines.push(line);
  return lines.length ? lines : [first.trimEnd()];
}

/** CPU column headings: the model names, or c1, c2... with a legend (`short`). */
function cpuHeadings(t: SummaryTable, short: boolean): { names: string[]; legend: string[] } {
  if (!short) return { names: t.cpus.map((c) => c.replace(/ \S+$/, "")), legend: [] };
  const names = t.cpus.map((_, i) => `c${i + 1}`);
  return { names, legend: t.cpus.map((c, i) => `${names[i]}: ${c} (overhead cycles)`) };
}

/**
 * Column widths of a table whose lines add `gap` per column and `edge` once:
 * the CPU names are shortened first, then the variant column gives way.
 */
function layout(
  t: SummaryTable,
  width: number,
  gap: number,
  edge: number,
  min = 1,
  escape = (s: string) => s,
) {
  const rows = t.rows.map((r) => cells(r).map(escape));
  for (const short of [false, true]) {
    const { names, legend } = cpuHeadings(t, short);
    const header = ["variant", "insns", "delta", "ratio", ...names];
    const widths = header.map((h, i) => Math.max(min, h.length, ...rows.map((r) => r[i].length)));
    const total = widths.reduce((a, b) => a + b + gap, edge - gap);
    if (total <= width || short) {
      if (total > width) widths[0] = Math.max(8, widths[0] - (total - width));
      return { header, rows, widths, legend };
    }
  }
  throw new Error("unreachable");
}

/** A variant name cut to `w` columns ("call-ops-nodi~"): only when nothing else gives way. */
const fitCell = (c: string, w: number) => (c.length > w ? `${c.slice(0, w - 1)}~` : c);

function heading(t: SummaryTable): string {
  const kernel = t.kernel === "model" ? "" : ` [kernel ${t.kernel}]`;
  const set = paramsText(varyingParams(t.params, t.fixed));
  return `${t.scenario}${kernel}${set ? ` (${set})` : ""}`;
}

function basis(t: SummaryTable): string {
  const fixed = paramsText(t.fixed);
  return `Overhead per traced call over nop` +
    (t.baseline !== null ? ` (${t.baseline} insns)` : "") +
    `, cheapest first${t.cpus.length ? "; cycles per CPU model" : ""}` +
    (fixed ? `; every run: ${fixed}` : "") + ".";
}

/** The cells of a row: variant, instructions, delta, ratio, one per CPU model. */
function cells(r: SummaryRow): string[] {
  if (r.instructions === null) {
    const what = r.status === "failed" ? "FAILED" : "n/a";
    return [r.variant, what, "", "", ...r.cycles.map(() => "")];
  }
  return [
    r.variant,
    String(r.instructions),
    deltaText(r.delta),
    ratioText(r.ratio),
    ...r.cycles.map((c) => (c === null ? "-" : String(c))),
  ];
}

/** One table as plain text, at most `width` columns. */
export function tableText(t: SummaryTable, width = TEXT_WIDTH): string[] {
  const { header, rows, widths, legend } = layout(t, width, 2, 0);
  const line = (cs: string[]) =>
    cs.map((c, i) => i === 0 ? fitCell(c, widths[0]).padEnd(widths[0]) : c.padStart(widths[i]))
      .join("  ").trimEnd();
  const out = [
    ...wrap(heading(t), width),
    ...wrap(t.question, width),
    ...wrap(basis(t), width),
    ...legend.flatMap((l) => wrap(l, width, "    ", "  ")),
    line(header),
  ];
  for (const [i, r] of t.rows.entries()) {
    out.push(line(rows[i]));
    if (r.reason !== undefined) out.push(...wrap(r.reason, width, "    "));
  }
  return out;
}

/** The summary as plain text: one block per table, at most `width` columns a line. */
export function summaryText(s: Summary, width = TEXT_WIDTH): string {
  if (s.tables.length === 0) return "No results.\n";
  return s.tables.map((t) => tableText(t, width).join("\n")).join("\n\n") + "\n";
}

/** Markdown cell text: pipes escaped. */
const md = (s: string) => s.replace(/\\/g, "\\\\").replace(/\|/g, "\\|");

/** One table as markdown (GitHub tables), at most `width` columns a line. */
export function tableMarkdown(t: SummaryTable, width = TEXT_WIDTH): string[] {
  const { header, rows, widths, legend } = layout(t, width, 3, 4, 3, md);
  const line = (cs: string[]) =>
    `| ${
      cs.map((c, i) => i === 0 ? fitCell(c, widths[0]).padEnd(widths[0]) : c.padStart(widths[i]))
        .join(" | ")
    } |`;
  const rule = `| ${
    widths.map((w, i) => i === 0 ? "-".repeat(w) : `${"-".repeat(w - 1)}:`).join(" | ")
  } |`;
  const notes = t.rows.filter((r) => r.reason !== undefined).flatMap((r) =>
    wrap(
      `- **${md(r.variant)}** ${r.status === "failed" ? "FAILED" : "n/a"}: ${md(r.reason!)}`,
      width,
      "  ",
      "",
    )
  );
  return [
    ...wrap(`### ${md(heading(t))}`, width),
    "",
    ...wrap(md(t.question), width),
    ...wrap(md(basis(t)), width),
    ...legend.flatMap((l) => wrap(`- ${l}`, width, "  ", "")),
    "",
    line(header),
    rule,
    ...rows.map(line),
    ...(notes.length ? ["", ...notes] : []),
  ];
}

/** The summary as markdown, at most `width` columns a line. */
export function summaryMarkdown(s: Summary, width = TEXT_WIDTH): string {
  if (s.tables.length === 0) return "No results.\n";
  return s.tables.map((t) => tableMarkdown(t, width).join("\n")).join("\n\n") + "\n";
}
