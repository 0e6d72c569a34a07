/**
 * `deno task report [results.json ...] [-o FILE] [--format html|md|text|json]`:
 * the HTML report of results files (default: results/*.json) and of the
 * stored runs, or the verdict alone as markdown, plain text (80 columns, for
 * a mailing list or a commit message) or JSON.
 */
import { parseArgs } from "./parse_args.ts";
import { basename, dirname } from "pathe";
import { renderReport } from "../report/html/page.ts";
import { writeFileAtomic, writeStdout } from "../report/results_file.ts";
import { summarize, summaryMarkdown, summaryText } from "../report/summary.ts";
import { type HistoryEntry, readHistory } from "../store/history.ts";
import { readStoreFile, resultsOf, StoreError } from "../store/read.ts";
import type { StoredResult } from "../store/schema.ts";
import { UsageError } from "./errors.ts";
import { nonEmptyOption } from "./options.ts";

export const REPORT_USAGE = `usage: deno task report [results.json ...] [options]
  The HTML report of results files (default: results/*.json) and of the stored runs. A file
  name a --cpu all or --kernel run split (out.json -> out.<cpu>.json ...) reads them all.
  -o, --out FILE      write the report to FILE, - for stdout (default results/report.html;
                      stdout for md, text and json)
  --format F          html (default); md or text: the verdict of every scenario, at most 80
                      columns (a mailing list, a commit message); json: the same as data
  --all-sets          md, text, json: every parameter set, not only the default one
  --history DIR       the history records to chart (default results/history when no
                      results file is named; with named files, only when given)
  --no-history        leave the history out
  -h, --help          this help`;

const FORMATS = ["html", "md", "text", "json"] as const;
type Format = typeof FORMATS[number];

/** Results files in `dir` (not the history), sorted; missing dir: none. */
function defaultInputs(dir: string): string[] {
  try {
    return [...Deno.readDirSync(dir)]
      .filter((e) => e.isFile && e.name.endsWith(".json") && !e.name.startsWith("."))
      .map((e) => `${dir}/${e.name}`)
      .sort();
  } catch {
    return [];
  }
}

/** Store errors are the user's to fix: report them as one-paragraph usage errors. */
export async function asUsage<T>(f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (e) {
    if (e instanceof StoreError) throw new UsageError(e.message);
    throw e;
  }
}

const exists = (path: string) => {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
};

/**
 * The files a named results file stands for: itself when it exists, else the
 * files a run with several CPU models or kernels wrote for it
 * (`ops.json` -> `ops.cortex-a55.json`, `ops.neoverse-n1.json`, ...).
 */
export function expandResultsFile(file: string): string[] {
  if (exists(file) || !file.endsWith(".json")) return [file];
  const dir = dirname(file), stem = basename(file).slice(0, -5);
  let names: string[] = [];
  try {
    names = [...Deno.readDirSync(dir)]
      .filter((e) => e.isFile && e.name.startsWith(`${stem}.`) && e.name.endsWith(".json"))
      .map((e) => e.name)
      // ops.<tag>.json (one or two tags), not ops.json.bak or a history record.
      .filter((n) => /^[^.]+(\.[^.]+)?$/.test(n.slice(stem.length + 1, -5)))
      .sort();
  } catch {
    return [file];
  }
  if (names.length === 0) return [file];
  return names.map((n) => (dir === "." && !file.startsWith("./") ? n : `${dir}/${n}`));
}

/** The history entries about the reported scenarios: records of other scenarios left out. */
export function relatedHistory(
  history: readonly HistoryEntry[],
  results: readonly StoredResult[],
): { entries: HistoryEntry[]; left: number } {
  const names = new Set(results.map((r) => r.scenario));
  const entries: HistoryEntry[] = [];
  let left = 0;
  for (const h of history) {
    const mine = h.record.results.filter((r) => names.has(r.scenario));
    if (mine.length === 0) {
      left++;
      continue;
    }
    entries.push(
      mine.length === h.record.results.length
        ? h
        : { path: h.path, record: { ...h.record, results: mine } },
    );
  }
  return { entries, left };
}

/** Render and atomically write the report; every input is read and validated first. */
export async function writeReport(
  out: string,
  results: readonly StoredResult[],
  sources: readonly string[],
  historyDir: string | null,
): Promise<{ scenarios: number; stored: number }> {
  const all = historyDir ? await asUsage(() => readHistory(historyDir)) : [];
  const { entries, left } = relatedHistory(all, results);
  const html = await renderReport({
    results,
    history: entries,
    sources,
    historyNote: left
      ? `${left} stored run${left === 1 ? "" : "s"} of other scenarios left out`
      : "",
  });
  writeFileAtomic(out, html);
  return { scenarios: new Set(results.map((r) => r.scenario)).size, stored: entries.length };
}

export async function reportCommand(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      out: { type: "string", short: "o" },
      format: { type: "string", default: "html" },
      "all-sets": { type: "boolean" },
      history: { type: "string" },
      "no-history": { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    console.log(REPORT_USAGE);
    return;
  }
  const format = values.format as Format;
  if (!FORMATS.includes(format)) {
    throw new UsageError(`--format ${values.format}: expected one of ${FORMATS.join(", ")}`);
  }
  const out = nonEmptyOption(
    "--out",
    values.out ?? (format === "html" ? "results/report.html" : "-"),
  );
  if (values.history !== undefined) nonEmptyOption("--history", values.history);
  const named = positionals.length > 0;
  const files = named ? positionals.flatMap(expandResultsFile) : defaultInputs("results");
  if (files.length === 0) {
    throw new UsageError(
      `no results to report: results/ has no results files; run \`deno task bench\` or ` +
        `\`deno task run <scenario> --json FILE\` first, or name results files\n${REPORT_USAGE}`,
    );
  }
  const results: StoredResult[] = [];
  for (const file of files) {
    if (!exists(file) && named && positionals.includes(file)) {
      // Neither the file nor the files of a --cpu all / --kernel split: say what is there.
      const dir = dirname(file);
      const near = defaultInputs(dir).map((f) => basename(f)).slice(0, 8);
      throw new UsageError(
        `cannot read results file ${file}: no such file, and no ${
          basename(file).replace(/\.json$/, "")
        }.<cpu>.json or .<kernel>.json beside it` +
          (near.length ? ` (${dir}/ has ${near.join(", ")})` : ""),
      );
    }
    results.push(...resultsOf(await asUsage(() => readStoreFile(file))));
  }
  if (format !== "html") {
    const summary = summarize(results, { allSets: !!values["all-sets"] });
    const text = format === "md"
      ? summaryMarkdown(summary)
      : format === "text"
      ? summaryText(summary)
      : JSON.stringify(summary, null, 2) + "\n";
    if (out === "-") await writeStdout(text);
    else {
      writeFileAtomic(out, text);
      console.log(`report: ${out} (${summary.tables.length} tables, ${format})`);
    }
    return;
  }
  // Named files are an ad-hoc report: the history only when asked for.
  const historyDir = values["no-history"]
    ? null
    : values.history ?? (named ? null : "results/history");
  if (out === "-") throw new UsageError(`--out -: the HTML report goes to a file`);
  const { scenarios, stored } = await writeReport(out, results, files, historyDir);
  console.log(`report: ${out} (${scenarios} scenarios, ${stored} stored runs)`);
}
