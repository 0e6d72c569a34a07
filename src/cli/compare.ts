/**
 * `deno task compare <baseline.json> <current.json>`: the delta table, and a
 * non-zero exit when a metric regresses past its threshold (CI's verdict).
 * Exit status: 0 no regression, 1 regression, 2 bad input or not comparable.
 */
import { parseArgs } from "node:util";
import {
  COMPARED_METRICS,
  type ComparedMetric,
  CompareRefused,
  compareResults,
  DEFAULT_THRESHOLDS,
  type Thresholds,
} from "../report/compare.ts";
import { renderComparison } from "../report/compare_text.ts";
import { readStoreFile, resultsOf } from "../store/read.ts";
import { UsageError } from "./errors.ts";
import { asUsage } from "./report.ts";

export const COMPARE_USAGE =
  "deno task compare <baseline.json> <current.json> [--json] [--threshold metric=percent|off]...";

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

async function writeStdout(text: string): Promise<void> {
  const bytes = new TextEncoder().encode(text);
  let written = 0;
  while (written < bytes.length) written += await Deno.stdout.write(bytes.subarray(written));
}

export async function compareCommand(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      json: { type: "boolean" },
      threshold: { type: "string", multiple: true },
      quiet: { type: "boolean" },
    },
  });
  if (positionals.length !== 2) {
    throw new UsageError(`expected a baseline and a current results file\n  ${COMPARE_USAGE}`);
  }
  const thresholds = parseThresholds(values.threshold ?? []);
  const [baseline, current] = await asUsage(() => Promise.all(positionals.map(readStoreFile)));
  let comparison;
  try {
    comparison = compareResults(
      { path: baseline.path, results: resultsOf(baseline) },
      { path: current.path, results: resultsOf(current) },
      thresholds,
    );
  } catch (e) {
    if (e instanceof CompareRefused) throw new UsageError(`not compared: ${e.message}`);
    throw e;
  }
  if (values.json) {
    if (!values.quiet) console.error(renderComparison(comparison));
    await writeStdout(JSON.stringify(comparison, null, 2) + "\n");
  } else if (!values.quiet || comparison.regressed) {
    console.log(renderComparison(comparison));
  }
  if (comparison.regressed) Deno.exitCode = 1;
}
