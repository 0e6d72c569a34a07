/**
 * Command-line entry: `run` one scenario, or `main`, the default comparison
 * over every scenario in scenarios/.
 */
import { parseArgs } from "node:util";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { unicornFactory } from "../engine/unicorn.ts";
import type { ParamValue, ScenarioResult } from "../runner/result.ts";
import {
  isScenario,
  parseParamValue,
  type Scenario,
  setScenarioSource,
} from "../runner/scenario.ts";
import { renderFailures, renderTable } from "../report/table.ts";
import { renderFidelity } from "../report/fidelity.ts";
import { KERNEL_USAGE, kernelCommand } from "./kernel.ts";
import { resultJson, writeFileAtomic } from "../report/results_file.ts";
import { describeError, isInputError, UsageError } from "./errors.ts";
import { stderrProgress } from "../report/progress.ts";
import { historyRecord, writeHistory } from "../store/history.ts";
import { LISTING_MODES, type ListingMode } from "../store/listing.ts";
import { runMeta } from "../store/meta.ts";
import { recordRun } from "../store/record.ts";
import { COMPARE_USAGE, compareCommand } from "./compare.ts";
import { MERGE_USAGE, mergeCommand, parseShard } from "./merge.ts";
import { REPORT_USAGE, reportCommand, writeReport } from "./report.ts";
import { selectCpus } from "../timing/catalog.ts";
import { CpuModelError } from "../timing/model.ts";

const USAGE = `usage:
  deno task run <scenario file> [--variant V]... [--param k=v[,v2...]]... [--json FILE|-] [--quiet]
                [--shard i/n] [--listing default|all|none] [--cpu NAME[:cold]|FILE.json|all]
                [--kernel model|linux-6.1|linux-6.12|DIR[,...]] [--workers N]
  deno task bench [--cpu ...] run every scenario in scenarios/, write results/<scenario>.json,
                             results/history/<date>-<commit>.json and results/report.html
  ${REPORT_USAGE}
  ${COMPARE_USAGE}
  ${MERGE_USAGE}
  ${KERNEL_USAGE.replace(/^usage:\n {2}/, "")}`;

const PROJECT_ROOT = new URL("../../", import.meta.url).pathname;

function parseListing(mode: string | undefined): ListingMode {
  if (mode === undefined) return "default";
  if (!LISTING_MODES.includes(mode as ListingMode)) {
    throw new UsageError(`--listing ${mode}: expected one of ${LISTING_MODES.join(", ")}`);
  }
  return mode as ListingMode;
}

/** `--workers N`: worker threads for big sweeps (default: one per core). */
function parseWorkers(raw: string | undefined): number {
  if (raw === undefined) return Math.max(1, Math.min(navigator.hardwareConcurrency ?? 1, 8));
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 64) {
    throw new UsageError(`--workers ${raw}: expected a whole number of threads from 1 to 64`);
  }
  return n;
}

/** Import a scenario file and check it default-exports a scenario. */
export async function loadScenario(path: string): Promise<Scenario> {
  const absolute = resolve(path);
  try {
    await Deno.stat(absolute);
  } catch {
    throw new UsageError(`scenario file ${path} not found`);
  }
  let module: { default?: unknown };
  const url = pathToFileURL(absolute).href;
  try {
    module = await import(url);
  } catch (e) {
    throw new UsageError(`scenario file ${path} failed to load: ${(e as Error).message}`);
  }
  if (!isScenario(module.default)) {
    throw new UsageError(
      `scenario file ${path} must default-export a scenario made with defineScenario() from mod.ts`,
    );
  }
  setScenarioSource(module.default, url);
  return module.default;
}

function parseOverrides(scenario: Scenario, params: string[]): Map<string, ParamValue[]> {
  const overrides = new Map<string, ParamValue[]>();
  for (const p of params) {
    const eq = p.indexOf("=");
    if (eq <= 0) throw new UsageError(`--param ${p}: expected name=value[,value...]`);
    const name = p.slice(0, eq);
    const values = p.slice(eq + 1).split(",").map((raw) => parseParamValue(scenario, name, raw));
    overrides.set(name, values);
  }
  return overrides;
}

/**
 * `--cpu NAME[:cold]|FILE.json|all`: the timing models to run, one result each
 * (src/timing/); without --cpu, one result with counts only.
 */
function parseCpus(cpu: string | undefined): (string | undefined)[] {
  if (cpu === undefined) return [undefined];
  try {
    return selectCpus(cpu).map((s) => s.spec);
  } catch (e) {
    if (e instanceof CpuModelError) throw new UsageError(`--cpu ${cpu}: ${e.message}`);
    throw e;
  }
}

/**
 * `--kernel model|linux-6.1|linux-6.12|DIR[,...]`: the kernels whose code runs,
 * one result each; the model (the harness's own code) by default.
 */
function parseKernels(kernel: string | undefined): string[] {
  if (kernel === undefined) return ["model"];
  const specs = kernel.split(",").map((k) => k.trim());
  if (specs.some((k) => k === "")) {
    throw new UsageError(
      `--kernel ${kernel}: expected model, linux-6.1, linux-6.12 or a directory`,
    );
  }
  return [...new Set(specs)];
}

/**
 * With several kernels or CPU models, each result file gets their names:
 * x.json -> x.linux-6.12.json, x.neoverse-n1.json or x.linux-6.12.neoverse-n1.json.
 */
function resultPath(
  path: string,
  result: ScenarioResult,
  several: { kernels: boolean; cpus: boolean },
): string {
  const tags = [
    ...(several.kernels ? [result.kernel.name] : []),
    ...(several.cpus && result.cpu ? [result.cpu.name] : []),
  ].map((t) => t.replaceAll(":", "-").replaceAll("/", "-"));
  if (tags.length === 0) return path;
  const tag = tags.join(".");
  return path.endsWith(".json") ? `${path.slice(0, -5)}.${tag}.json` : `${path}.${tag}`;
}

/** Tables of every result, the fidelity view when several kernels ran, on one string. */
function renderResults(results: readonly ScenarioResult[]): string {
  const fidelity = renderFidelity(results);
  return [results.map(renderTable).join("\n\n"), ...(fidelity ? [fidelity] : [])].join("\n\n");
}

/** Full details of failed cases (an oops in full) on stderr. */
function reportFailures(results: readonly ScenarioResult[]): void {
  for (const r of results) {
    const text = renderFailures(r);
    if (text) console.error(text);
  }
}

async function runCommand(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      variant: { type: "string", multiple: true },
      param: { type: "string", multiple: true },
      json: { type: "string" },
      cpu: { type: "string" },
      kernel: { type: "string" },
      quiet: { type: "boolean" },
      shard: { type: "string" },
      workers: { type: "string" },
      listing: { type: "string" },
    },
  });
  const cpus = parseCpus(values.cpu);
  const kernels = parseKernels(values.kernel);
  if (positionals.length !== 1) throw new UsageError(`expected one scenario file\n${USAGE}`);
  const shard = values.shard === undefined ? undefined : parseShard(values.shard);
  const listing = parseListing(values.listing);
  const scenario = await loadScenario(positionals[0]);
  const progress = stderrProgress(!!values.quiet, values.json === "-");
  const results: ScenarioResult[] = [];
  const overrides = parseOverrides(scenario, values.param ?? []);
  for (const kernel of kernels) {
    for (const cpu of cpus) {
      const result = await recordRun(scenario, {
        variants: values.variant,
        overrides,
        factory: unicornFactory,
        workers: parseWorkers(values.workers),
        shard,
        onCase: progress && ((done, total) => progress.update(done, total, scenario.name)),
        file: positionals[0],
        root: PROJECT_ROOT,
        listing,
        cpu,
        kernel,
      }).finally(() => progress?.clear());
      results.push(result);
    }
  }
  const table = renderResults(results);
  const several = { kernels: kernels.length > 1, cpus: cpus.length > 1 };
  if (values.json === "-") {
    if (!values.quiet) console.error(table);
    // Several kernels or CPU models: one JSON array of their results.
    await writeStdout(
      results.length > 1 ? JSON.stringify(results, null, 2) + "\n" : resultJson(results[0]),
    );
  } else {
    if (!values.quiet) console.log(table);
    for (const result of values.json ? results : []) {
      await writeFileAtomic(resultPath(values.json!, result, several), resultJson(result));
    }
  }
  reportFailures(results);
  if (results.some((r) => r.runs.some((run) => run.status === "failed"))) Deno.exitCode = 1;
}

async function writeStdout(text: string): Promise<void> {
  const bytes = new TextEncoder().encode(text);
  let written = 0;
  while (written < bytes.length) written += await Deno.stdout.write(bytes.subarray(written));
}

/** The default comparison: every scenario, tables on screen, JSON under results/. */
async function mainCommand(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      workers: { type: "string" },
      cpu: { type: "string" },
      out: { type: "string", default: "results" },
    },
  });
  const cpus = parseCpus(values.cpu);
  const root = new URL("../../", import.meta.url).pathname;
  const files = [...Deno.readDirSync(`${root}scenarios`)]
    .filter((e) => e.isFile && e.name.endsWith(".ts"))
    .map((e) => e.name)
    .sort();
  const outDir = resolve(values.out!);
  await Deno.mkdir(outDir, { recursive: true }).catch((e) => {
    throw new UsageError(`cannot create ${outDir}: ${e.message}`);
  });
  const started = performance.now();
  let cases = 0, instructions = 0, failed = 0;
  const results: ScenarioResult[] = [];
  const progress = stderrProgress(false, false);
  for (const file of files) {
    const scenario = await loadScenario(`${root}scenarios/${file}`);
    for (const cpu of cpus) {
      const result = await recordRun(scenario, {
        factory: unicornFactory,
        workers: parseWorkers(values.workers),
        onCase: progress && ((done, total) => progress.update(done, total, scenario.name)),
        file: `${root}scenarios/${file}`,
        root,
        listing: "default",
        cpu,
      }).finally(() => progress?.clear());
      results.push(result);
      console.log(renderTable(result) + "\n");
      reportFailures([result]);
      for (const r of result.runs) {
        cases++;
        instructions += r.metrics?.instructions ?? 0;
        if (r.status === "failed") failed++;
      }
    }
  }
  // With several CPU models (--cpu all), each gets its own file: <scenario>.<cpu>.json.
  const sources = results.map((r) =>
    resultPath(`${outDir}/${r.scenario}.json`, r, { kernels: false, cpus: cpus.length > 1 })
  );
  for (const [i, result] of results.entries()) {
    await writeFileAtomic(sources[i], resultJson(result));
  }
  // The run joins the history, then the report covers this run and every stored one.
  const stored = await writeHistory(
    `${outDir}/history`,
    historyRecord(results, await runMeta(null, root)),
  );
  await writeReport(`${outDir}/report.html`, results, sources, `${outDir}/history`);
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.log(
    `${files.length} scenarios, ${cases} cases (${failed} failed), ` +
      `${instructions} emulated instructions measured, ${seconds} s; results in ${outDir}/, ` +
      `this run in ${stored}, report in ${outDir}/report.html`,
  );
  if (failed) Deno.exitCode = 1;
}

/** Dispatch a command line; prints one-paragraph errors and sets the exit code. */
export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (command === "run") await runCommand(rest);
    else if (command === "main") await mainCommand(rest);
    else if (command === "report") await reportCommand(rest);
    else if (command === "compare") await compareCommand(rest);
    else if (command === "merge") await mergeCommand(rest);
    else if (command === "kernel") return await kernelCommand(rest);
    else throw new UsageError(USAGE);
  } catch (e) {
    const known =
      e instanceof TypeError && (e as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")
        ? new UsageError(`${e.message}\n${USAGE}`)
        : e;
    console.error(describeError(known));
    return isInputError(known) ? 2 : 1;
  }
  return typeof Deno.exitCode === "number" ? Deno.exitCode : 0;
}
