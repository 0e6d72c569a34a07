/**
 * `deno task compare <baseline.json> <current.json>`: the delta table, and a
 * non-zero exit when a metric regresses past its threshold (CI's verdict).
 * Exit status: 0 no regression, 1 a regression or cases on one side only
 * (unless --allow-missing), 2 bad input or not comparable.
 */
import { parseArgs } from "./parse_args.ts";
import {
  COMPARED_METRICS,
  type ComparedMetric,
  CompareRefused,
  compareResults,
  type Comparison,
  DEFAULT_THRESHOLDS,
  type Thresholds,
} from "../report/compare.ts";
import { renderComparison } from "../report/compare_text.ts";
import { writeStdout } from "../report/results_file.ts";
import { readStoreFile, resultsOf } from "../store/read.ts";
import { UsageError } from "./errors.ts";
import { asUsage } from "./report.ts";

export const COMPARE_USAGE = `usage: deno task compare <baseline.json> <current.json> [options]
  The regression verdict between two results files or history records: exit 0 no regression,
  1 a regression, or cases on one side only; 2 not comparable (different schemas, kernels, CPU
  models, model versions or CPU files) or bad input.
  --threshold metric=percent|off  allowed increase of instructions, loads, stores, branches or
                                  cycles (default: any increase of instructions, loads or
                                  stores, cycles +0.5%, branches not judged); repeatable
  --allow-missing                 cases on one side only (added or removed) do not fail
  --json                          the comparison as JSON on stdout, the table on stderr
  --changed-only                  leave out the cases whose figures and status did not change
  --layout wide|narrow            wide: a row per case (default); narrow: at most 100 columns,
                                  the changes grouped, then a block per scenario (for a
                                  mailing list or a commit message)
  --quiet                         print the table only when the verdict fails
  -h, --help                      this help`;

/** Defaults, with `--threshold instructions=1` / `cycles=off` applied. */
export function parseThresholds(specs: readonly string[]): Thresholds {
  const thresholds: Thresholds = { ...DEFAULT_THRESHOLDS };
  for (const spec of specs) {
    const [name, value] = spec.split("=");
    if (!COMPARED_METRICS.includes(name as ComparedMetric) || value === undefined) {
      throw new UsageError(
        `--threshold ${spec}: expected metric=percent or metric=off, ` +
          `metric one of ${COMPARED_METRICS.join(", ")}`,
      );
    }
    const metric = name as ComparedMetric;
    if (value === "off") {
      delete thresholds[metric];
      continue;
    }
    const pct = Number(value);
    if (value.trim() === "" || !Number.isFinite(pct) || pct < 0) {
      throw new UsageError(`--threshold ${spec}: ${value} is not a percentage >= 0`);
    }
    thresholds[metric] = pct;
  }
  return thresholds;
}

export async function compareCommand(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      json: { type: "boolean" },
      threshold: { type: "string", multiple: true },
      quiet: { type: "boolean" },
      "allow-missing": { type: "boolean" },
      "changed-only": { type: "boolean" },
      layout: { type: "string", default: "wide" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    console.log(COMPARE_USAGE);
    return;
  }
  if (positionals.length !== 2) {
    throw new UsageError(`expected a baseline and a current results file\n${COMPARE_USAGE}`);
  }
  const thresholds = parseThresholds(values.threshold ?? []);
  const layout = values.layout!;
  if (layout !== "wide" && layout !== "narrow") {
    throw new UsageError(`--layout ${layout}: expected wide or narrow`);
  }
  const text = (c: Comparison) =>
    renderComparison(c, { layout, changedOnly: !!values["changed-only"] });
  const [baseline, current] = await asUsage(() => Promise.all(positionals.map(readStoreFile)));
  let comparison;
  try {
    comparison = compareResults(
      { path: baseline.path, results: resultsOf(baseline) },
      { path: current.path, results: resultsOf(current) },
      thresholds,
      { allowMissing: !!values["allow-missing"] },
    );
  } catch (e) {
    if (e instanceof CompareRefused) throw new UsageError(`not compared: ${e.message}`);
    throw e;
  }
  if (values.json) {
    if (!values.quiet) console.error(text(comparison));
    await writeStdout(JSON.stringify(comparison, null, 2) + "\n");
  } else if (!values.quiet || !comparison.ok) {
    console.log(text(comparison));
  }
  for (const note of comparison.notes) console.error(`note: ${note}`);
  if (comparison.incomplete) console.error(missingText(comparison));
  if (!comparison.ok) Deno.exitCode = 1;
}

/** What a comparison with cases on one side only says, and whether that fails it. */
export function missingText(c: Comparison): string {
  const only = (side: "baseline" | "current") =>
    c.cases.filter((x) => (side === "baseline" ? x.currentStatus : x.baselineStatus) === null)
      .length;
  const removed = only("baseline"), added = only("current");
  const what = `${removed} case${removed === 1 ? "" : "s"} only in ${c.baseline} (removed) and ` +
    `${added} only in ${c.current} (added)`;
  return c.allowMissing
    ? `note: ${what}; compared the common cases only (--allow-missing)`
    : `incomplete: ${what}: the two runs do not cover the same cases, so the comparison fails; ` +
      `pass --allow-missing to judge the common cases only`;
}
