/**
 * ftrace-bench: exact, reproducible figures for how an arm64 traced call
 * enters its tracer (regs-saving ftrace, minimal-regs ftrace, per-callsite
 * ops, direct calls to a BPF trampoline), measured by running each
 * mechanism's real machine code in an emulator.
 *
 * Scenario files import {@link defineScenario} and everything else they need
 * from here, and only from here. Run as a program, this module is the command
 * line (`deno task run`, `deno task bench`, `deno task asm`).
 *
 * @example
 * ```ts
 * import { argsParam, defineScenario, singleTracerOps } from "@ftrace-bench/harness";
 *
 * export default defineScenario({
 *   name: "single-tracer",
 *   question: "What does one tracer cost on a function of N arguments?",
 *   params: {
 *     args: argsParam(),
 *     tracer: { type: "enum", values: ["empty", "ringbuf"], default: "empty", doc: "tracer" },
 *   },
 *   variants: ["nop", "regs", "args", "call-ops", "direct"],
 *   workload: (p) => ({ target: { args: p.args }, ops: [singleTracerOps(p.tracer)] }),
 * });
 * ```
 *
 * @module
 */
import { main } from "./src/cli/main.ts";

export {
  /**
   * The traced function's argument count parameter (0..8, default 2, sweeping every count).
   *
   * @example
   * ```ts
   * import { argsParam } from "@ftrace-bench/harness";
   * const params = { args: argsParam({ sweep: [0, 2, 8] }) };
   * ```
   */
  argsParam,
  /**
   * A true/false parameter's spec.
   *
   * @example
   * ```ts
   * import type { BoolParamSpec } from "@ftrace-bench/harness";
   * const bti: BoolParamSpec = { type: "bool", default: false, doc: "kernel built with BTI" };
   * ```
   */
  type BoolParamSpec,
  /**
   * Validate and brand a scenario; `workload(p)` gets each parameter typed from its spec.
   *
   * @example
   * ```ts
   * import { argsParam, defineScenario, singleTracerOps } from "@ftrace-bench/harness";
   * export default defineScenario({
   *   name: "one-tracer",
   *   question: "What does one tracer cost?",
   *   params: { args: argsParam(), pac: { type: "bool", default: false, doc: "PAC" } },
   *   variants: ["nop", "args"],
   *   // p.args: number, p.pac: boolean
   *   workload: (p) => ({
   *     target: { args: p.args },
   *     ops: [singleTracerOps("empty")],
   *     codegen: { pac: p.pac },
   *   }),
   * });
   * ```
   */
  defineScenario,
  /**
   * A parameter taking one of `values`; `workload` sees their literal union.
   *
   * @example
   * ```ts
   * import type { EnumParamSpec } from "@ftrace-bench/harness";
   * const placement: EnumParamSpec<"near" | "far"> = {
   *   type: "enum", values: ["near", "far"], default: "near", doc: "where the trampoline lands",
   * };
   * ```
   */
  type EnumParamSpec,
  /**
   * An integer parameter's spec.
   *
   * @example
   * ```ts
   * import type { IntParamSpec } from "@ftrace-bench/harness";
   * const ops: IntParamSpec = { type: "int", default: 1, sweep: [1, 10], min: 0, doc: "ops" };
   * ```
   */
  type IntParamSpec,
  /**
   * The parameter set a scenario's `workload` receives, typed from its specs.
   *
   * @example
   * ```ts
   * import { argsParam, type ParamsOf } from "@ftrace-bench/harness";
   * const specs = {
   *   args: argsParam(),
   *   tracer: { type: "enum", values: ["empty", "ringbuf"], default: "empty", doc: "" },
   * } as const;
   * const p: ParamsOf<typeof specs> = { args: 2, tracer: "ringbuf" };
   * ```
   */
  type ParamsOf,
  /**
   * A parameter's type, default and sweep values.
   *
   * @example
   * ```ts
   * import type { ParamSpec } from "@ftrace-bench/harness";
   * const pac: ParamSpec = { type: "bool", default: false, doc: "kernel built with PAC" };
   * ```
   */
  type ParamSpec,
  /**
   * A scenario's parameter specs by name.
   *
   * @example
   * ```ts
   * import { argsParam, type ParamSpecs } from "@ftrace-bench/harness";
   * const params: ParamSpecs = { args: argsParam() };
   * ```
   */
  type ParamSpecs,
  /**
   * The value type one parameter spec declares.
   *
   * @example
   * ```ts
   * import type { IntParamSpec, ParamTypeOf } from "@ftrace-bench/harness";
   * const n: ParamTypeOf<IntParamSpec> = 3; // number
   * ```
   */
  type ParamTypeOf,
  /**
   * A validated scenario, as the runner passes it around (plain `Params`).
   *
   * @example
   * ```ts
   * import { loadScenario, type Scenario } from "@ftrace-bench/harness";
   * const scenario: Scenario = await loadScenario("scenarios/single-tracer.ts");
   * ```
   */
  type Scenario,
  /**
   * What a scenario file passes to `defineScenario`.
   *
   * @example
   * ```ts
   * import { argsParam, type ScenarioDefinition } from "@ftrace-bench/harness";
   * const definition: ScenarioDefinition<{ args: ReturnType<typeof argsParam> }> = {
   *   name: "bare",
   *   question: "What does a traced call cost with nothing registered?",
   *   params: { args: argsParam() },
   *   variants: ["nop"],
   *   workload: (p) => ({ target: { args: p.args }, ops: [] }),
   * };
   * ```
   */
  type ScenarioDefinition,
  /**
   * A scenario definition or parameter value is wrong.
   *
   * @example
   * ```ts
   * import { ScenarioError } from "@ftrace-bench/harness";
   * const refused = (e: unknown) => e instanceof ScenarioError;
   * ```
   */
  ScenarioError,
  /**
   * What a scenario asks the kernel model for, for one parameter set.
   *
   * @example
   * ```ts
   * import { singleTracerOps, type WorkloadSpec } from "@ftrace-bench/harness";
   * const spec: WorkloadSpec = { target: { args: 2 }, ops: [singleTracerOps("ringbuf")] };
   * ```
   */
  type WorkloadSpec,
} from "./src/runner/scenario.ts";
export {
  /**
   * Options of `runScenario`: the engine, and optionally variants, overrides, CPU model, kernel.
   *
   * @example
   * ```ts
   * import { type RunOptions, unicornFactory } from "@ftrace-bench/harness";
   * const options: RunOptions = { factory: unicornFactory, variants: ["nop", "args"] };
   * ```
   */
  type RunOptions,
  /**
   * Run a scenario's sweep and return its result (the `--json` shape).
   *
   * @example
   * ```ts
   * import { loadScenario, runScenario, unicornFactory } from "@ftrace-bench/harness";
   * const scenario = await loadScenario("scenarios/single-tracer.ts");
   * const result = await runScenario(scenario, {
   *   factory: unicornFactory,
   *   variants: ["args"],
   *   overrides: new Map([["args", [2]]]),
   * });
   * console.log(result.runs.map((r) => r.overhead?.instructions));
   * ```
   */
  runScenario,
  /**
   * Run a scenario's sweep once, timed on several CPU models: each case is emulated once and
   * its trace timed on every model; one result per model, in `cpus` order.
   *
   * @example
   * ```ts
   * import { loadScenario, runSweep, selectCpus, unicornFactory } from "@ftrace-bench/harness";
   * const scenario = await loadScenario("scenarios/single-tracer.ts");
   * const results = await runSweep(scenario, {
   *   factory: unicornFactory,
   *   variants: ["args"],
   *   overrides: new Map([["args", [2]]]),
   *   cpus: await selectCpus("all"),
   * });
   * console.log(results.map((r) => r.cpu?.name)); // cortex-a55, neoverse-n1, apple-m1
   * ```
   */
  runSweep,
  /**
   * The timing models a `--cpu` value selects (`neoverse-n1`, `all`, a CPU file; `:cold`, ...),
   * for `RunOptions.cpu` or `SweepOptions.cpus`.
   *
   * @example
   * ```ts
   * import { selectCpus } from "@ftrace-bench/harness";
   * const [n1] = await selectCpus("neoverse-n1:cold");
   * console.log(n1.info.name); // "neoverse-n1:cold"
   * ```
   */
  selectCpus,
  /**
   * Options of `runSweep`: those of `runScenario`, with `cpus` (every timing model, one result
   * each) in place of `cpu`.
   *
   * @example
   * ```ts
   * import { selectCpus, type SweepOptions, unicornFactory } from "@ftrace-bench/harness";
   * const options: SweepOptions = { factory: unicornFactory, cpus: await selectCpus("all") };
   * ```
   */
  type SweepOptions,
} from "./src/runner/run_scenario.ts";
export type {
  /**
   * One timing model to run, and how (a model, its mode, what results record of it).
   *
   * @example
   * ```ts
   * import { type CpuSelection, selectCpus } from "@ftrace-bench/harness";
   * const models: CpuSelection[] = await selectCpus("all");
   * ```
   */
  CpuSelection,
} from "./src/timing/catalog.ts";
export type {
  /**
   * One named check of a run and what it found.
   *
   * @example
   * ```ts
   * import type { CheckResult } from "@ftrace-bench/harness";
   * const check: CheckResult = { name: "return-value", ok: true, detail: "0x5eed..." };
   * ```
   */
  CheckResult,
  /**
   * One parameter set, by name.
   *
   * @example
   * ```ts
   * import type { Params } from "@ftrace-bench/harness";
   * const params: Params = { args: 2, tracer: "empty" };
   * ```
   */
  Params,
  /**
   * A parameter's value: an integer, a boolean or an enum value.
   *
   * @example
   * ```ts
   * import type { ParamValue } from "@ftrace-bench/harness";
   * const values: ParamValue[] = [2, true, "ringbuf"];
   * ```
   */
  ParamValue,
  /**
   * One variant on one parameter set: status, checks, metrics, overhead and phases.
   *
   * @example
   * ```ts
   * import type { RunResult } from "@ftrace-bench/harness";
   * const cost = (run: RunResult) => run.status === "ok" ? run.overhead?.instructions : undefined;
   * ```
   */
  RunResult,
  /**
   * A scenario's results, as `--json` writes them.
   *
   * @example
   * ```ts
   * import type { ScenarioResult } from "@ftrace-bench/harness";
   * const failed = (result: ScenarioResult) => result.runs.filter((r) => r.status === "failed");
   * ```
   */
  ScenarioResult,
} from "./src/runner/result.ts";
export type {
  /**
   * The exact counts of a run, a phase or an overhead.
   *
   * @example
   * ```ts
   * import type { Metrics } from "@ftrace-bench/harness";
   * const perLoad = (m: Metrics) => m.loadBytes / Math.max(1, m.loads);
   * ```
   */
  Metrics,
} from "./src/measure/metrics.ts";
export {
  /**
   * One registered `ftrace_ops`.
   *
   * @example
   * ```ts
   * import type { OpsSpec } from "@ftrace-bench/harness";
   * const ops: OpsSpec = {
   *   name: "my_ops", tracer: "empty", filter: "target",
   *   dynamic: true, rcu: false, recursionSafe: true,
   * };
   * ```
   */
  type OpsSpec,
  /**
   * A single built-in (not dynamic, recursion-safe) ops filtering on the traced function.
   *
   * @example
   * ```ts
   * import { singleTracerOps } from "@ftrace-bench/harness";
   * const ops = [singleTracerOps("ringbuf")];
   * ```
   */
  singleTracerOps,
  /**
   * What a tracer does: nothing, record into a ring buffer, or run a BPF program.
   *
   * @example
   * ```ts
   * import type { TracerKind } from "@ftrace-bench/harness";
   * const kinds: TracerKind[] = ["empty", "ringbuf", "bpf"];
   * ```
   */
  type TracerKind,
} from "./src/kernel/workload.ts";
export {
  /**
   * The built-in variants, by name: nop, regs, args, call-ops, direct, direct-far, coexist.
   *
   * @example
   * ```ts
   * import { VARIANTS } from "@ftrace-bench/harness";
   * console.log(VARIANTS.map((v) => v.name).join(", "));
   * ```
   */
  VARIANTS,
} from "./src/kernel/variants/index.ts";
export {
  /**
   * The function tracer (entry only, as `args`): function-graph's baseline.
   *
   * @example
   * ```ts
   * import { defineScenario, functionTracerVariant, graphTracerVariant } from "@ftrace-bench/harness";
   * export default defineScenario({
   *   name: "graph",
   *   question: "What does return tracing add?",
   *   params: {},
   *   variants: ["nop", functionTracerVariant, graphTracerVariant],
   *   workload: () => ({ target: { args: 2 }, ops: [] }),
   * });
   * ```
   */
  functionTracerVariant,
  /**
   * The function-graph tracer: entry and exit handlers, the return address rewritten.
   *
   * @example
   * ```ts
   * import { graphTracerVariant } from "@ftrace-bench/harness";
   * console.log(graphTracerVariant.name); // "graph"
   * ```
   */
  graphTracerVariant,
} from "./src/kernel/variants/graph_variants.ts";
export {
  /**
   * A struct_ops call through a BPF trampoline and JIT-style program (`bpf`).
   *
   * @example
   * ```ts
   * import { defineScenario, structOpsBpfVariant, structOpsNativeVariant } from "@ftrace-bench/harness";
   * export default defineScenario({
   *   name: "set-state",
   *   question: "What does a BPF struct_ops implementation cost?",
   *   params: {},
   *   variants: [structOpsNativeVariant, structOpsBpfVariant],
   *   workload: () => ({ target: { name: "dctcp_state", args: 2 }, ops: [] }),
   * });
   * ```
   */
  structOpsBpfVariant,
  /**
   * A struct_ops call to the native C implementation (`native`).
   *
   * @example
   * ```ts
   * import { structOpsNativeVariant } from "@ftrace-bench/harness";
   * console.log(structOpsNativeVariant.name); // "native"
   * ```
   */
  structOpsNativeVariant,
} from "./src/kernel/variants/struct_ops_variants.ts";
export type {
  /**
   * One way for a traced call to enter its tracer; scenarios may define their own.
   *
   * @example
   * ```ts
   * import { type Variant, VARIANTS } from "@ftrace-bench/harness";
   * const args: Variant = VARIANTS.find((v) => v.name === "args")!;
   * ```
   */
  Variant,
} from "./src/kernel/variants/variant.ts";
export {
  /**
   * The Unicorn 2 engine the harness measures with.
   *
   * @example
   * ```ts
   * import { unicornFactory } from "@ftrace-bench/harness";
   * const engine = unicornFactory.create();
   * engine.close();
   * ```
   */
  unicornFactory,
} from "./src/engine/unicorn.ts";
export type {
  /**
   * An arm64 CPU that can run code: one instance, one emulated machine.
   *
   * @example
   * ```ts
   * import type { Engine } from "@ftrace-bench/harness";
   * const pc = (engine: Engine) => engine.readRegister("pc");
   * ```
   */
  Engine,
  /**
   * Creates engines; `unicornFactory` is the harness's.
   *
   * @example
   * ```ts
   * import type { EngineFactory } from "@ftrace-bench/harness";
   * const describe = (factory: EngineFactory) => `engine ${factory.name}`;
   * ```
   */
  EngineFactory,
} from "./src/engine/engine.ts";
export {
  /**
   * The table `deno task run` prints for a result.
   *
   * @example
   * ```ts
   * import { loadScenario, renderTable, runScenario, unicornFactory } from "@ftrace-bench/harness";
   * const scenario = await loadScenario("scenarios/single-tracer.ts");
   * const result = await runScenario(scenario, { factory: unicornFactory, variants: ["args"] });
   * console.log(renderTable(result));
   * ```
   */
  renderTable,
} from "./src/report/table.ts";
export {
  /**
   * Import a scenario file and check that it default-exports a scenario.
   *
   * @example
   * ```ts
   * import { loadScenario } from "@ftrace-bench/harness";
   * const scenario = await loadScenario("scenarios/ftrace-ops.ts");
   * ```
   */
  loadScenario,
  /**
   * The command line: `run`, `main`, `report`, `compare`, `merge`, `kernel`; returns the exit code.
   * A caller that exits with it passes `{ exiting: true }`: the run's engines are then left to
   * the process's exit.
   *
   * @example
   * ```ts
   * import { main } from "@ftrace-bench/harness";
   * const code = await main(["run", "scenarios/single-tracer.ts", "--param", "args=2"]);
   * ```
   */
  main,
} from "./src/cli/main.ts";
export {
  /**
   * Every asm-offsets style constant the harness's assembly (and yours) can
   * use (`FTRACE_REGS_X0`, `FTRACE_OPS_FUNC`, ...), by name.
   *
   * @example
   * ```ts
   * import { asmConstants } from "@ftrace-bench/harness";
   * console.log(asmConstants().FTRACE_REGS_PC);
   * ```
   */
  asmConstants,
  /**
   * The constants as the README lists them, one line per structure.
   *
   * @example
   * ```ts
   * import { asmConstantsListing } from "@ftrace-bench/harness";
   * console.log(asmConstantsListing());
   * ```
   */
  asmConstantsListing,
  /**
   * A tracer (an ftrace ops func) of one's own, in assembly, for the `tracer`
   * of an ops: called as func(ip = x0, parent_ip = x1, op = x2, fregs = x3).
   *
   * @example
   * ```ts
   * import { defineTracer, singleTracerOps } from "@ftrace-bench/harness";
   * const early = defineTracer({ name: "bail_out", asm: "\tret" });
   * const ops = [singleTracerOps(early)];
   * ```
   */
  defineTracer,
  /**
   * A variant of one's own: the patch site's `bl` target and the trampoline's
   * assembly, with phases from `ctx.phase()`; checked and measured like the
   * built-in variants.
   *
   * @example
   * ```ts
   * import { defineVariant } from "@ftrace-bench/harness";
   * const direct = defineVariant({
   *   name: "straight",
   *   summary: "the site calls the tracer itself",
   *   target: "straight_tramp",
   *   asm: (ctx) => [
   *     "straight_tramp:", ctx.phase("dispatch"),
   *     // ...save x0-x8, frame records, call ctx.call, restore, ret x9
   *   ].join("\n"),
   * });
   * ```
   */
  defineVariant,
  /**
   * A built-in variant with its generated assembly edited.
   *
   * @example
   * ```ts
   * import { editVariant } from "@ftrace-bench/harness";
   * const noDirect = editVariant("call-ops", {
   *   name: "call-ops-nodirect",
   *   edit: (asm) => asm.replace(/^\tstr xzr, \[sp, #FTRACE_REGS_DIRECT_TRAMP\]\n/m, ""),
   * });
   * ```
   */
  editVariant,
  /**
   * What a variant's `asm(ctx)` is built from: the argument count, the ops,
   * what a global trampoline calls, BTI, and phase markers.
   *
   * @example
   * ```ts
   * import type { VariantContext } from "@ftrace-bench/harness";
   * const save = (ctx: VariantContext) => ctx.phase("save");
   * ```
   */
  type VariantContext,
  /**
   * The definition `defineVariant` takes.
   *
   * @example
   * ```ts
   * import type { VariantDefinition } from "@ftrace-bench/harness";
   * const name: VariantDefinition["name"] = "mine";
   * ```
   */
  type VariantDefinition,
} from "./src/kernel/custom.ts";
export {
  /**
   * A tracer of one's own, as `defineTracer` returns it.
   *
   * @example
   * ```ts
   * import type { CustomTracer } from "@ftrace-bench/harness";
   * const isMine = (t: CustomTracer) => t.kind === "custom";
   * ```
   */
  type CustomTracer,
} from "./src/kernel/workload.ts";
export {
  /**
   * A probe: a tracer entry the checks watch, what it is handed, how often it
   * must run and the call chain the unwinder must see there.
   *
   * @example
   * ```ts
   * import type { Probe } from "@ftrace-bench/harness";
   * const p: Probe = { symbol: "sum_args", view: "ftrace_regs", calls: 1, chain: ["sum_args"] };
   * ```
   */
  type Probe,
} from "./src/kernel/variants/variant.ts";
export {
  /**
   * The harness's name and version, recorded in every result.
   *
   * @example
   * ```ts
   * import { TOOL } from "@ftrace-bench/harness";
   * console.log(`${TOOL.name} ${TOOL.version}`);
   * ```
   */
  TOOL,
} from "./src/version.ts";

// Not awaited at top level: scenario files import this module while the CLI runs.
if (import.meta.main) main(Deno.args, { exiting: true }).then((code) => Deno.exit(code));
