/**
 * `deno task report [results.json ...] [-o FILE] [--history DIR]`: the HTML
 * report of results files (default: results/*.json) and of the stored runs.
 */
import { parseArgs } from "node:util";
import { renderReport } from "../report/html/page.ts";
import { writeFileAtomic } from "../report/results_file.ts";
import { readHistory } from "../store/history.ts";
import { readStoreFile, resultsOf, StoreError } from "../store/read.ts";
import type { StoredResult } from "../store/schema.ts";
import { UsageError } from "./errors.ts";

export const REPORT_USAGE = `usage: deno task report [results.json ...] [options]
  The HTML report of results files (default: results/*.json) and of the stored runs.
  -o, --out FILE      write the report to FILE (default results/report.html)
  --history DIR       the history records to chart (default results/history)
  --no-history        leave the history out
  -h, --help          this help`;

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

/** A file or directory option must name something: `-o ""` is a usage error. */
export function nonEmptyOption(option: string, value: string): string {
  if (value.trim() === "") throw new UsageError(`${option} "": expected a file name`);
  return value;
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

/** Render and atomically write the report; every input is read and validated first. */
export async function writeReport(
  out: string,
  results: readonly StoredResult[],
  sources: readonly string[],
  historyDir: string | null,
): Promise<{ scenarios: number; stored: number }> {
  const history = historyDir ? await asUsage(() => readHistory(historyDir)) : [];
  const html = await renderReport({ results, history, sources });
  await writeFileAtomic(out, html);
  return { scenarios: new Set(results.map((r) => r.scenario)).size, stored: history.length };
}

export async function reportCommand(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      out: { type: "string", short: "o", default: "results/report.html" },
      history: { type: "string", default: "results/history" },
      "no-history": { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    console.log(REPORT_USAGE);
    return;
  }
  const out = nonEmptyOption("--out", values.out!);
  const history = nonEmptyOption("--history", values.history!);
  const files = positionals.length ? positionals : defaultInputs("results");
  if (files.length === 0) {
    throw new UsageError(
      `no results to report: results/ has no results files; run \`deno task bench\` or ` +
        `\`deno task run <scenario> --json FILE\` first, or name results files\n${REPORT_USAGE}`,
    );
  }
  const results: StoredResult[] = [];
  for (const file of files) results.push(...resultsOf(await asUsage(() => readStoreFile(file))));
  const historyDir = values["no-history"] ? null : history;
  const { scenarios, stored } = await writeReport(out, results, files, historyDir);
  console.log(`report: ${out} (${scenarios} scenarios, ${stored} stored runs)`);
}
