/**
 * ftrace-bench: exact, reproducible figures for how an arm64 traced call
 * enters its tracer (regs-saving ftrace, minimal-regs ftrace, per-callsite
 * ops, direct calls to a BPF trampoline), measured by running each
 * mechanism's real machine code in an emulator.
 *
 * Scenario files import {@link defineScenario} from here. Run as a program,
 * this module is the command line (`deno task run`, `deno task bench`).
 *
 * @module
 */
import { main } from "./src/cli/main.ts";

export {
  argsParam,
  defineScenario,
  type ParamSpec,
  type Scenario,
  type ScenarioDefinition,
  ScenarioError,
  type WorkloadSpec,
} from "./src/runner/scenario.ts";
export { type RunOptions, runScenario } from "./src/runner/run_scenario.ts";
export type {
  CheckResult,
  Params,
  ParamValue,
  RunResult,
  ScenarioResult,
} from "./src/runner/result.ts";
export type { Metrics } from "./src/measure/metrics.ts";
export { type OpsSpec, singleTracerOps, type TracerKind } from "./src/kernel/workload.ts";
export { VARIANTS } from "./src/kernel/variants/index.ts";
export type { Variant } from "./src/kernel/variants/variant.ts";
export { unicornFactory } from "./src/engine/unicorn.ts";
export type { Engine, EngineFactory } from "./src/engine/engine.ts";
export { renderTable } from "./src/report/table.ts";
export { loadScenario, main } from "./src/cli/main.ts";
export { TOOL } from "./src/version.ts";

// Not awaited at top level: scenario files import this module while the CLI runs.
if (import.meta.main) main(Deno.args).then((code) => Deno.exit(code));
