/**
 * Command-line entry: `run` one scenario, or `main`, the default comparison
 * over every scenario in scenarios/.
 */
import { isParseArgsError, parseArgs } from "./parse_args.ts";
import { dirname } from "pathe";
import { RecyclingUnicornFactory } from "../engine/unicorn.ts";
import type { ParamValue, ScenarioResult } from "../runner/result.ts";
import {
  expandSweep,
  isScenario,
  type ParamSpec,
  parseParamValue,
  type Scenario,
  ScenarioError,
  scenarioVariants,
  setScenarioSource,
} from "../runner/scenario.ts";
import {
  paramsLabel,
  selectCpus,
  startFirstCaseLookups,
  sweepResults,
  toWorkload,
} from "../runner/run_scenario.ts";
import { SharedCasePool } from "../runner/case_pool.ts";
import { DEFAULT_BUDGET } from "../runner/run_case.ts";
import { validateWorkload } from "../kernel/world.ts";
import { preloadUnicorn, unicorn } from "../engine/unicorn_ffi.ts";
import { renderFailures, renderTable } from "../report/table.ts";
import { renderFidelity } from "../report/fidelity.ts";
import {
  removeStaleTemps,
  resultJson,
  ResultStream,
  writeFileAtomic,
  writeStdout,
} from "../report/results_file.ts";
import { DependencyError, describeError, exitCodeOf, UsageError } from "./errors.ts";
import { stderrProgress } from "../report/progress.ts";
import { preloadDisassembly } from "../report/disasm_cache.ts";
import { historyRecord, writeHistory } from "../store/history.ts";
import { LISTING_MODES, type ListingMode } from "../store/listing.ts";
import { fromCwd, projectState, startRunMeta } from "../store/meta.ts";
import { recordRuns } from "../store/record.ts";
import { nonEmptyOption, parseShard } from "./options.ts";
import type { CpuSelection } from "../timing/catalog.ts";
import { CpuModelError } from "../timing/cpu_file.ts";
import { fileUrl, projectPath } from "../paths.ts";

export const RUN_USAGE = `usage: deno task run <scenario file> [options]
  Run one scenario's sweep: every parameter set, every variant, plus the nop baseline.
  The table goes to stdout, every failed case's full detail to stderr.
  --variant V                 run variant V (repeatable; default: the scenario's variants)
  --param k=v[,v2...]         fix parameter k, or sweep it over a comma list (repeatable);
                              parameters left alone sweep their sweep values or take their default
  --json FILE|-               write the results to FILE (atomically), or JSON on stdout and the
                              table on stderr with -
  --cpu NAME[:cold]|FILE.json|all
                              add cycles from a timing model: cortex-a55, neoverse-n1, apple-m1,
                              a CPU file of one's own, or all the built-in ones (one result each);
                              :cold starts from a cold L1
  --kernel model|linux-6.1|linux-6.12|DIR[,...]
                              the kernel whose code runs (default model; one result each)
  --listing default|all|none  which ok runs carry their executed hot path (default: the
                              default parameter set's)
  --shard i/n                 run only the i-th of n contiguous slices of the parameter sets
                              (join the files with deno task merge)
  --workers N                 threads measuring big sweeps, 1..64: the main thread and N-1
                              workers (default: one per core, at most 8); the results are
                              identical to one thread's
  --quiet                     no table on screen and no progress bar; with --json FILE, the
                              runs go to the file as they are measured (a long sweep does
                              not hold them in memory; the file is the same)
  -h, --help                  this help; after a scenario file, also its parameters and variants`;

export const MAIN_USAGE =
  `usage: deno task bench [options]      (the same as deno run -A mod.ts main)
  The default comparison: run every scenario in scenarios/, print the tables, and write
  <out>/<scenario>.json, a history record <out>/history/<UTC date>-<commit>.json and the
  HTML report <out>/report.html.
  --cpu NAME[:cold]|FILE.json|all   add cycles from a timing model (as for run); with several,
                                    each scenario gets <out>/<scenario>.<cpu>.json
  --workers N                       threads measuring big sweeps, 1..64 (as for run)
  --out DIR                         write into DIR instead of results/
  -h, --help                        this help`;

const EXIT_CODES = `exit status: 0 ok; 1 a check or a case failed, or compare found a regression or
  missing cases; 2 a usage or input error (bad flag, parameter, scenario, file, variant, or a
  missing package); 3 an internal error (printed with its stack) or a failed kernel build`;

/**
 * The other commands, imported when used: a one-case `run` does not load the
 * report, compare, merge, kernel-build and asm modules (tens of milliseconds).
 */
const COMMANDS: Record<string, () => Promise<Command>> = {
  report: command(() => import("./report.ts"), (m) => [m.REPORT_USAGE, m.reportCommand]),
  compare: command(() => import("./compare.ts"), (m) => [m.COMPARE_USAGE, m.compareCommand]),
  merge: command(() => import("./merge.ts"), (m) => [m.MERGE_USAGE, m.mergeCommand]),
  kernel: command(() => import("./kernel.ts"), (m) => [m.KERNEL_USAGE, m.kernelCommand]),
  asm: command(() => import("./asm.ts"), (m) => [m.ASM_USAGE, m.asmCommand]),
};

/** A command whose module is imported when it is first asked for. */
function command<M>(
  load: () => Promise<M>,
  pick: (module: M) => [string, Command["run"]],
): () => Promise<Command> {
  return async () => {
    const [usage, run] = pick(await load());
    return { usage, run };
  };
}

interface Command {
  readonly usage: string;
  /** Resolves to an exit status, or to nothing for 0 (or Deno.exitCode). */
  run(args: string[]): Promise<number | void>;
}

/** The whole usage: every command's. */
async function usage(): Promise<string> {
  const [report, compare, merge, kernel, asm] = await Promise.all(
    ["report", "compare", "merge", "kernel", "asm"].map(async (c) => (await COMMANDS[c]()).usage),
  );
  return `usage: deno run -A mod.ts <command> [options]    (or deno task <command>)
commands:
  run <scenario file>   run one scenario's sweep
  main                  the default comparison over scenarios/ (deno task bench)
  report                the HTML report of results files and the history
  compare               the regression verdict between two results files
  merge                 join the shard files of one sweep
  kernel                build or list real kernels' ftrace objects
  asm <scenario file>   print the assembly of one case
Every command takes -h or --help.

${RUN_USAGE}

${MAIN_USAGE}

${report}

${compare}

${merge}

${kernel}

${asm}

${EXIT_CODES}`;
}

const PROJECT_ROOT = projectPath("");

function parseListing(mode: string | undefined): ListingMode {
  if (mode === undefined) return "default";
  if (!LISTING_MODES.includes(mode as ListingMode)) {
    throw new UsageError(`--listing ${mode}: expected one of ${LISTING_MODES.join(", ")}`);
  }
  return mode as ListingMode;
}

/** `--workers N`: threads measuring big sweeps, the main one included (default: one per core). */
function parseWorkers(raw: string | undefined): number {
  if (raw === undefined) return Math.max(1, Math.min(navigator.hardwareConcurrency ?? 1, 8));
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 64) {
    throw new UsageError(`--workers ${raw}: expected a whole number of threads from 1 to 64`);
  }
  return n;
}

/** A file or directory option: given, it must name something (`--json ""` is a mistake). */
function nonEmpty(option: string, value: string | undefined): string | undefined {
  return value === undefined ? undefined : nonEmptyOption(option, value);
}

/** How a command ends (`main`'s second argument). */
export interface CommandEnd {
  /**
   * The process exits when the command returns (the command line's own
   * process): its engines are left to the exit, which frees them all at once.
   * Closing each first (`uc_close` unmaps its 1 GB code buffer) and trimming
   * the C heap after cost a one-case run about 1 ms.
   */
  exiting?: boolean;
}

/**
 * What a command's sweeps share: `workers - 1` workers, started by the first
 * sweep big enough to use them, and this thread's engines, kept warm from one
 * sweep to the next. Disposing of it closes both (the engines only when the
 * process goes on).
 */
function sweepThreads(workers: number, end: CommandEnd) {
  const sharedPool = new SharedCasePool(workers - 1);
  const factory = new RecyclingUnicornFactory();
  return {
    options: { workers, sharedPool, factory },
    [Symbol.dispose]() {
      sharedPool.close();
      if (!end.exiting) factory.release();
    },
  };
}

/** Import a scenario file and check it default-exports a scenario. */
export async function loadScenario(path: string): Promise<Scenario> {
  const absolute = fromCwd(path);
  try {
    // In this thread: a stat on another thread waits for a core behind the emulator library's load.
    Deno.statSync(absolute);
  } catch {
    throw new UsageError(`scenario file ${path} not found`);
  }
  let module: { default?: unknown };
  const url = fileUrl(absolute).href;
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

/**
 * A command-line value of an int parameter that declares no `max` may be at
 * most this. The scenario's workload() runs for every parameter set before
 * anything is measured, and a workload sized by a huge value (100,000,000
 * ops) would exhaust memory building it instead of being refused.
 */
export const UNDECLARED_MAX = 1_000_000;

/** One `--param` value, with the way to raise a declared `max` when it is over it. */
function parseOverrideValue(scenario: Scenario, file: string, name: string, raw: string) {
  const spec = scenario.params[name];
  if (
    spec?.type === "int" && spec.max === undefined && /^-?\d+$/.test(raw.trim()) &&
    Number(raw) > UNDECLARED_MAX
  ) {
    throw new ScenarioError(
      `scenario ${scenario.name}: parameter ${name} = ${raw.trim()} is over ${UNDECLARED_MAX}, ` +
        `the bound of an int parameter that declares no max; declare \`max\` on the ${name} ` +
        `parameter in ${file} to allow larger values`,
    );
  }
  try {
    return parseParamValue(scenario, name, raw);
  } catch (e) {
    const over = e instanceof ScenarioError && spec?.type === "int" && spec.max !== undefined &&
      /^-?\d+$/.test(raw.trim()) && Number(raw) > spec.max;
    if (!over) throw e;
    throw new ScenarioError(
      `${e.message} (the bound is the scenario's: \`max: ${spec.max}\` on its ${name} ` +
        `parameter, in ${file}; larger values need a larger max there)`,
    );
  }
}

function parseOverrides(
  scenario: Scenario,
  file: string,
  params: string[],
): Map<string, ParamValue[]> {
  const overrides = new Map<string, ParamValue[]>();
  for (const p of params) {
    const eq = p.indexOf("=");
    if (eq <= 0) throw new UsageError(`--param ${p}: expected name=value[,value...]`);
    const name = p.slice(0, eq);
    const values = p.slice(eq + 1).split(",").map((raw) =>
      parseOverrideValue(scenario, file, name, raw)
    );
    overrides.set(name, values);
  }
  return overrides;
}

/** Environment variable raising the number of ops one workload may register. */
export const MAX_OPS_ENV = "FTRACE_BENCH_MAX_OPS";
/**
 * Registered ops one workload may hold by default. Every ops (and its filter
 * hash) is generated as assembly and assembled, loaded and mapped for each
 * case: about 30 KB of memory per ops, so 20,000 ops peak near 700 MB, and
 * 100,000 would exhaust V8's heap after a minute instead of being measured.
 */
export const DEFAULT_MAX_OPS = 20_000;

function maxOps(): number {
  const raw = Deno.env.get(MAX_OPS_ENV);
  if (raw === undefined || raw === "") return DEFAULT_MAX_OPS;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1) {
    throw new UsageError(`${MAX_OPS_ENV}=${raw}: expected a whole number of ops >= 1`);
  }
  return n;
}

const message = (e: unknown) => e instanceof Error ? e.message : String(e);

/**
 * Check every parameter set of the sweep before anything runs: the scenario's
 * workload() must return a workload the kernel model can build (argument
 * count, distinct ops names, ...), within the model's memory bound. A failure
 * here is the scenario's (an input error naming it and the parameter set),
 * not a crash minutes into the sweep.
 */
export function checkSweep(
  scenario: Scenario,
  file: string,
  overrides: ReadonlyMap<string, ParamValue[]>,
): void {
  const limit = maxOps();
  for (const params of expandSweep(scenario, overrides)) {
    const where = `scenario ${scenario.name} (${file}), parameter set ${
      paramsLabel(params) || "(no parameters)"
    }`;
    let spec;
    try {
      spec = scenario.workload(params);
    } catch (e) {
      throw new ScenarioError(`${where}: workload() threw: ${message(e)}`);
    }
    const ops = Array.isArray(spec?.ops) ? spec.ops.length : 0;
    if (ops > limit) {
      throw new ScenarioError(
        `${where}: the workload registers ${ops} ftrace_ops, more than the ${limit} the kernel ` +
          `model builds (each is assembled and loaded for every case: about 30 KB of memory ` +
          `per ops, ${Math.ceil(ops * 30 / 1024)} MB here); run fewer ops, or raise the bound ` +
          `with ${MAX_OPS_ENV}=${ops} if the machine has the memory`,
      );
    }
    try {
      validateWorkload(toWorkload(spec));
    } catch (e) {
      throw new ScenarioError(`${where}: the kernel model cannot run this workload: ${message(e)}`);
    }
  }
}

/**
 * The emulator library must load before anything runs; a missing one names
 * its package. It has been loading since `preloadUnicorn()` was called.
 */
async function requireEmulator(): Promise<void> {
  await preloadUnicorn();
  try {
    unicorn();
  } catch (e) {
    throw new DependencyError(message(e));
  }
}

/** `run <scenario> --help`: the scenario's question, parameters and variants. */
export function scenarioHelp(scenario: Scenario, file: string): string {
  const spec = (s: ParamSpec): string => {
    const range = s.type === "int"
      ? `int${s.min !== undefined || s.max !== undefined ? ` ${s.min ?? ""}..${s.max ?? ""}` : ""}`
      : s.type === "enum"
      ? `enum ${s.values.join("|")}`
      : "bool";
    const sweep = s.sweep?.length ? `, sweep ${s.sweep.join(",")}` : "";
    return `${range}, default ${s.default}${sweep}`;
  };
  const params = Object.entries(scenario.params);
  const width = Math.max(8, ...params.map(([n]) => n.length)) + 2;
  const variants = scenarioVariants(scenario);
  const vwidth = Math.max(8, ...variants.map((v) => v.name.length)) + 2;
  return [
    `scenario ${scenario.name} (${file})`,
    `  ${scenario.question}`,
    `parameters (--param name=value[,value...]):`,
    ...(params.length ? [] : ["  none"]),
    ...params.flatMap((
      [name, s],
    ) => [`  ${name.padEnd(width)}${spec(s)}`, `  ${"".padEnd(width)}${s.doc}`]),
    `variants (--variant NAME; default: all of them, in this order):`,
    ...variants.map((v) => `  ${v.name.padEnd(vwidth)}${v.summary}`),
    `instruction budget per traced call: ${scenario.budget ?? DEFAULT_BUDGET}` +
    (scenario.budget === undefined
      ? " (the default; a scenario raises it with its budget field)"
      : " (the scenario's budget field)"),
    ``,
    RUN_USAGE,
  ].join("\n");
}

/**
 * `--cpu NAME[:cold]|FILE.json|all`: the timing models to run, one result each
 * (src/timing/); none without --cpu: one result with counts only.
 */
async function parseCpus(cpu: string | undefined): Promise<CpuSelection[]> {
  if (cpu === undefined) return [];
  try {
    return await selectCpus(cpu);
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

async function runCommand(args: string[], end: CommandEnd): Promise<void> {
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
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    if (positionals.length === 1) {
      console.log(scenarioHelp(await loadScenario(positionals[0]), positionals[0]));
    } else console.log(RUN_USAGE);
    return;
  }
  // The emulator library loads on another thread while the input is read.
  preloadUnicorn();
  const json = nonEmpty("--json", values.json);
  const cpus = await parseCpus(values.cpu);
  const kernels = parseKernels(values.kernel);
  if (positionals.length !== 1) throw new UsageError(`expected one scenario file\n${RUN_USAGE}`);
  const shard = values.shard === undefined ? undefined : parseShard(values.shard);
  const listing = parseListing(values.listing);
  const workers = parseWorkers(values.workers);
  const file = positionals[0];
  // The run's git lookups (the project's state, the scenario file's commit: records of
  // an earlier run, checked on this thread) go on while the scenario file is imported,
  // which leaves this thread waiting: 1.5 ms less of a one-case run.
  const loading = loadScenario(file);
  const meta = startRunMeta(file, PROJECT_ROOT);
  const scenario = await loading;
  const overrides = parseOverrides(scenario, file, values.param ?? []);
  checkSweep(scenario, file, overrides);
  // The input is good (a refused one leaves no first build behind): the first case's
  // lookups go on while the emulator library finishes loading and the cases run.
  startFirstCaseLookups();
  if (listing !== "none") preloadDisassembly();
  // Leftovers of a killed earlier run (temp files of atomic writes) go before this one starts.
  if (json && json !== "-") removeStaleTemps(dirname(fromCwd(json)));
  await requireEmulator();
  const progress = stderrProgress(!!values.quiet, json === "-");
  const results: ScenarioResult[] = [];
  const several = { kernels: kernels.length > 1, cpus: cpus.length > 1 };
  // Quiet, into files: nothing shows the runs, so they go to their file as they are
  // measured and only the failed ones are kept (a long sweep runs in flat memory).
  const streamed = !!values.quiet && json !== undefined && json !== "-";
  // One set of workers, and this thread's engines, for every kernel and CPU model.
  using threads = sweepThreads(workers, end);
  for (const kernel of kernels) {
    // One stream per CPU model's result: the sweep runs once for all of them.
    const streams = streamed ? sweepResults(cpus).map(() => ResultStream.open(json)) : undefined;
    try {
      const kernelResults = await recordRuns(scenario, {
        variants: values.variant,
        overrides,
        ...threads.options,
        shard,
        onCase: progress && ((done, total) => progress.update(done, total, scenario.name)),
        file,
        root: PROJECT_ROOT,
        meta,
        listing,
        cpus,
        kernel,
        ...(streams
          ? {
            onRuns: (runs, result) => streams[result].add(runs),
            keepRun: (run) => run.status === "failed",
          }
          : {}),
      }).finally(() => progress?.clear());
      for (const [i, result] of kernelResults.entries()) {
        streams?.[i].finish(result, resultPath(json!, result, several));
      }
      results.push(...kernelResults);
    } catch (e) {
      for (const stream of streams ?? []) stream.abort();
      throw e;
    }
  }
  if (json === "-") {
    if (!values.quiet) console.error(renderResults(results));
    // Several kernels or CPU models: one JSON array of their results.
    await writeStdout(
      results.length > 1 ? JSON.stringify(results, null, 2) + "\n" : resultJson(results[0]),
    );
  } else {
    if (!values.quiet) console.log(renderResults(results));
    for (const result of json && !streamed ? results : []) {
      writeFileAtomic(resultPath(json!, result, several), resultJson(result));
    }
  }
  reportFailures(results);
  if (results.some((r) => r.runs.some((run) => run.status === "failed"))) Deno.exitCode = 1;
}

/** The default comparison: every scenario, tables on screen, JSON under results/. */
async function mainCommand(args: string[], end: CommandEnd): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      workers: { type: "string" },
      cpu: { type: "string" },
      out: { type: "string", default: "results" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    console.log(MAIN_USAGE);
    return;
  }
  preloadUnicorn();
  const cpus = await parseCpus(values.cpu);
  const workers = parseWorkers(values.workers);
  const root = PROJECT_ROOT;
  const files = [...Deno.readDirSync(`${root}scenarios`)]
    .filter((e) => e.isFile && e.name.endsWith(".ts"))
    .map((e) => e.name)
    .sort();
  const outDir = fromCwd(nonEmpty("--out", values.out)!);
  // Every scenario loads and every parameter set is checked before the first case runs.
  const scenarios: { file: string; scenario: Scenario }[] = [];
  for (const file of files) {
    const path = `${root}scenarios/${file}`;
    const scenario = await loadScenario(path);
    checkSweep(scenario, `scenarios/${file}`, new Map());
    scenarios.push({ file: path, scenario });
  }
  startFirstCaseLookups();
  preloadDisassembly();
  // The project's git state, once for the job, looked up while the first cases run.
  const project = projectState(root);
  await requireEmulator();
  await Deno.mkdir(outDir, { recursive: true }).catch((e) => {
    throw new UsageError(`cannot create ${outDir}: ${e.message}`);
  });
  removeStaleTemps(outDir);
  removeStaleTemps(`${outDir}/history`);
  const started = performance.now();
  let cases = 0, instructions = 0, failed = 0;
  const results: ScenarioResult[] = [];
  const progress = stderrProgress(false, false);
  {
    // One set of workers for every scenario that is big enough to use them, and this
    // thread's engines kept warm from one scenario to the next.
    using threads = sweepThreads(workers, end);
    for (const { file, scenario } of scenarios) {
      // Each case emulated once, its trace timed on every CPU model: one result per model.
      const timed = await recordRuns(scenario, {
        ...threads.options,
        onCase: progress && ((done, total) => progress.update(done, total, scenario.name)),
        file,
        root,
        listing: "default",
        cpus,
        meta: startRunMeta(file, root, project),
      }).finally(() => progress?.clear());
      for (const result of timed) {
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
  }
  // With several CPU models (--cpu all), each gets its own file: <scenario>.<cpu>.json.
  const sources = results.map((r) =>
    resultPath(`${outDir}/${r.scenario}.json`, r, { kernels: false, cpus: cpus.length > 1 })
  );
  for (const [i, result] of results.entries()) {
    writeFileAtomic(sources[i], resultJson(result));
  }
  // The run joins the history, then the report covers this run and every stored one.
  const stored = await writeHistory(
    `${outDir}/history`,
    historyRecord(results, await startRunMeta(null, root, project)()),
  );
  const { writeReport } = await import("./report.ts");
  await writeReport(`${outDir}/report.html`, results, sources, `${outDir}/history`);
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.log(
    `${files.length} scenarios, ${cases} cases (${failed} failed), ` +
      `${instructions} emulated instructions measured, ${seconds} s; results in ${outDir}/, ` +
      `this run in ${stored}, report in ${outDir}/report.html`,
  );
  if (failed) Deno.exitCode = 1;
}

/**
 * Dispatch a command line; prints one-paragraph errors and returns the exit
 * status: 0 ok, 1 a failed check, case or comparison, 2 a usage or input
 * error, 3 an internal error (with its stack). With `exiting`, the caller
 * exits the process with the status, which closes the command's engines.
 */
export async function main(argv: string[], end: CommandEnd = {}): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (command === "--help" || command === "-h" || command === "help") {
      console.log(await usage());
      return 0;
    }
    if (command === "run") await runCommand(rest, end);
    else if (command === "main") await mainCommand(rest, end);
    else if (command !== undefined && Object.hasOwn(COMMANDS, command)) {
      const status = await (await COMMANDS[command]()).run(rest);
      if (typeof status === "number") return status;
    } else if (command === undefined) throw new UsageError(`expected a command\n${await usage()}`);
    else throw new UsageError(`unknown command ${command}\n${await usage()}`);
  } catch (e) {
    const known = isParseArgsError(e)
      ? new UsageError(`${e.message}\n${await usageOf(command)}`)
      : e;
    console.error(describeError(known));
    return exitCodeOf(known);
  }
  return typeof Deno.exitCode === "number" ? Deno.exitCode : 0;
}

/** The usage text of one command (for a bad flag), or the whole usage. */
async function usageOf(command: string | undefined): Promise<string> {
  if (command === "run") return RUN_USAGE;
  if (command === "main") return MAIN_USAGE;
  // kernel and asm report their own flags (they return a status).
  if (command === "report" || command === "compare" || command === "merge") {
    return (await COMMANDS[command]()).usage;
  }
  return await usage();
}
