/**
 * The scenario API: a scenario names the question it answers, declares typed
 * parameters (defaults and sweep values) and the variants it compares, and
 * turns a parameter set into a workload for the kernel model.
 */
import { VARIANTS } from "../kernel/variants/index.ts";
import type { Variant } from "../kernel/variants/variant.ts";
import type { CodegenOptions } from "../kernel/asm_writer.ts";
import type { TrampolinePlacement } from "../kernel/layout.ts";
import type { BpfAttach, OpsSpec } from "../kernel/workload.ts";
import type { Params, ParamValue } from "./result.ts";

/**
 * An integer parameter: `p.name` is a `number` in the scenario's workload.
 *
 * @example
 * ```ts
 * import type { IntParamSpec } from "@ftrace-bench/harness";
 * const irrelevant: IntParamSpec = {
 *   type: "int", default: 0, sweep: [0, 10, 100], min: 0, max: 1000,
 *   doc: "ops filtered on another function",
 * };
 * ```
 */
export interface IntParamSpec {
  /** Marks an integer parameter. */
  type: "int";
  /** The value when neither the command line nor `sweep` gives one. */
  default: number;
  /** The values a run sweeps over unless `--param` fixes them (default: just `default`). */
  sweep?: readonly number[];
  /** Smallest value accepted. */
  min?: number;
  /** Largest value accepted. */
  max?: number;
  /** What the parameter means, in a kernel developer's words. */
  doc: string;
}

/**
 * A true/false parameter: `p.name` is a `boolean` in the scenario's workload.
 *
 * @example
 * ```ts
 * import type { BoolParamSpec } from "@ftrace-bench/harness";
 * const bti: BoolParamSpec = { type: "bool", default: false, doc: "kernel built with BTI" };
 * ```
 */
export interface BoolParamSpec {
  /** Marks a true/false parameter. */
  type: "bool";
  /** The value when neither the command line nor `sweep` gives one. */
  default: boolean;
  /** The values a run sweeps over unless `--param` fixes them (default: just `default`). */
  sweep?: readonly boolean[];
  /** What the parameter means, in a kernel developer's words. */
  doc: string;
}

/**
 * A parameter taking one of `values`: `p.name` is the union of those strings
 * (`"empty" | "ringbuf"`) in the scenario's workload.
 *
 * @example
 * ```ts
 * import type { EnumParamSpec } from "@ftrace-bench/harness";
 * const placement: EnumParamSpec<"near" | "far"> = {
 *   type: "enum", values: ["near", "far"], default: "near", doc: "where the trampoline lands",
 * };
 * ```
 */
export interface EnumParamSpec<V extends string = string> {
  /** Marks a parameter taking one of `values`. */
  type: "enum";
  /** Every value accepted; the workload sees their union as the parameter's type. */
  values: readonly V[];
  /** The value when neither the command line nor `sweep` gives one. */
  default: V;
  /** The values a run sweeps over unless `--param` fixes them (default: just `default`). */
  sweep?: readonly V[];
  /** What the parameter means, in a kernel developer's words. */
  doc: string;
}

/**
 * A parameter's type, default and the values the default run sweeps over.
 *
 * @example
 * ```ts
 * import type { ParamSpec } from "@ftrace-bench/harness";
 * const tracer: ParamSpec = {
 *   type: "enum", values: ["empty", "ringbuf"], default: "empty", doc: "what the tracer does",
 * };
 * ```
 */
export type ParamSpec = IntParamSpec | BoolParamSpec | EnumParamSpec;

/**
 * A scenario's parameters by name.
 *
 * @example
 * ```ts
 * import { argsParam, type ParamSpecs } from "@ftrace-bench/harness";
 * const params: ParamSpecs = {
 *   args: argsParam(),
 *   pac: { type: "bool", default: false, doc: "kernel built with PAC" },
 * };
 * ```
 */
export type ParamSpecs = Record<string, ParamSpec>;

/**
 * The value type a parameter spec declares: number, boolean, or an enum's literal union.
 *
 * @example
 * ```ts
 * import type { ParamTypeOf } from "@ftrace-bench/harness";
 * type Attach = ParamTypeOf<{ type: "enum"; values: ["fentry", "fexit"]; default: "fentry"; doc: "" }>;
 * const attach: Attach = "fexit"; // "fentry" | "fexit"
 * ```
 */
export type ParamTypeOf<S extends ParamSpec> = S extends { type: "int" } ? number
  : S extends { type: "bool" } ? boolean
  : S extends { type: "enum"; values: readonly (infer V)[] } ? V
  : never;

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
export type ParamsOf<P extends ParamSpecs> = { [K in keyof P]: ParamTypeOf<P[K]> };

/**
 * The traced function's argument count, 0..8 (all in registers), default 2,
 * sweeping every count unless told otherwise.
 *
 * @example
 * ```ts
 * import { argsParam } from "@ftrace-bench/harness";
 * const params = { args: argsParam({ sweep: [0, 2, 8] }) };
 * ```
 */
export function argsParam(
  options: { default?: number; sweep?: readonly number[]; doc?: string } = {},
): IntParamSpec {
  return {
    type: "int",
    default: options.default ?? 2,
    sweep: options.sweep ?? [0, 1, 2, 3, 4, 5, 6, 7, 8],
    min: 0,
    max: 8,
    doc: options.doc ?? "arguments of the traced function, passed in x0..x(N-1)",
  };
}

/**
 * What a scenario asks the kernel model for, for one parameter set.
 *
 * @example
 * ```ts
 * import { singleTracerOps, type WorkloadSpec } from "@ftrace-bench/harness";
 * const spec: WorkloadSpec = {
 *   target: { args: 2 },
 *   ops: [singleTracerOps("ringbuf")],
 *   codegen: { bti: true },
 * };
 * ```
 */
export interface WorkloadSpec {
  /** The traced function: name and number of register arguments (0..8). */
  target: { name?: string; args: number };
  /** The registered ftrace_ops, in registration order. */
  ops: OpsSpec[];
  /** BTI landing pads and PAC prologues (default: neither). */
  codegen?: Partial<CodegenOptions>;
  /** How a direct ops' BPF program is attached (default fentry). */
  bpfAttach?: BpfAttach;
  /**
   * On a real kernel that has samples/ftrace/ftrace-ops.o (v6.3+), trace its own
   * `tracee_relevant` ("other" filters: `tracee_irrelevant`) and call its
   * `ops_func_nop` for "empty" tracers, instead of the harness's functions.
   */
  kernelSample?: "ftrace-ops";
  /** Tracers and BPF programs lack landing pads (built without BTI). */
  tracersWithoutBti?: boolean;
  /** Kernel text size in bytes. */
  textSize?: number;
  /** Where dynamic (BPF) trampolines land: within BL range of the function, or 2 GiB away. */
  placement?: TrampolinePlacement;
  /** Put the caller and traced function at the far end of kernel text. */
  targetAtTextEnd?: boolean;
}

/**
 * What a scenario file passes to {@link defineScenario}. `P` is inferred from
 * `params`, so `workload(p)` sees each parameter with its own type.
 *
 * @example
 * ```ts
 * import { argsParam, type ScenarioDefinition, singleTracerOps } from "@ftrace-bench/harness";
 * const definition: ScenarioDefinition<{ args: ReturnType<typeof argsParam> }> = {
 *   name: "one-tracer",
 *   question: "What does one tracer cost?",
 *   params: { args: argsParam() },
 *   variants: ["nop", "args"],
 *   workload: (p) => ({ target: { args: p.args }, ops: [singleTracerOps("empty")] }),
 * };
 * ```
 */
export interface ScenarioDefinition<P extends ParamSpecs = ParamSpecs> {
  /** Short name, used for result files. */
  name: string;
  /** The question the scenario answers, in a kernel developer's words. */
  question: string;
  /** The parameters by name: type, default, sweep values and what each means. */
  params: P;
  /** Variants to compare: built-in names (see `VARIANTS`) or custom `Variant` objects. */
  variants: (string | Variant)[];
  /** The kernel model's setup for one parameter set (a method: the runner passes `Params`). */
  workload(params: ParamsOf<P>): WorkloadSpec;
  /** Instruction budget per traced call. */
  budget?: number;
}

const SCENARIO_BRAND = Symbol.for("ftrace-bench.scenario");

/**
 * A validated scenario, as the runner stores and passes it around: its
 * parameters are plain {@link Params} there (values checked against the specs).
 *
 * @example
 * ```ts
 * import { loadScenario, type Scenario } from "@ftrace-bench/harness";
 * const scenario: Scenario = await loadScenario("scenarios/single-tracer.ts");
 * console.log(scenario.name, Object.keys(scenario.params));
 * ```
 */
export interface Scenario extends ScenarioDefinition {
  /** Set by {@link defineScenario}: a scenario file's default export is checked for it. */
  readonly [SCENARIO_BRAND]: true;
}

/**
 * A scenario definition or parameter value is wrong; the message names it.
 *
 * @example
 * ```ts
 * import { defineScenario, ScenarioError } from "@ftrace-bench/harness";
 * try {
 *   defineScenario({
 *     name: "bad",
 *     question: "?",
 *     params: {},
 *     variants: ["no-such-variant"],
 *     workload: () => ({ target: { args: 0 }, ops: [] }),
 *   });
 * } catch (e) {
 *   if (!(e instanceof ScenarioError)) throw e; // "unknown variant no-such-variant (known: ...)"
 * }
 * ```
 */
export class ScenarioError extends Error {
  /** An error whose message says what is wrong, naming the scenario and parameter. */
  constructor(message: string) {
    super(message);
    this.name = "ScenarioError";
  }
}

function checkValue(name: string, spec: ParamSpec, value: unknown, what: string): ParamValue {
  const fail = (expected: string): never => {
    throw new ScenarioError(
      `${what}: parameter ${name} expects ${expected}, got ${JSON.stringify(value)}`,
    );
  };
  switch (spec.type) {
    case "int":
      if (typeof value !== "number" || !Number.isInteger(value)) fail("an integer");
      if (spec.min !== undefined && (value as number) < spec.min) fail(`an integer >= ${spec.min}`);
      if (spec.max !== undefined && (value as number) > spec.max) fail(`an integer <= ${spec.max}`);
      return value as number;
    case "bool":
      if (typeof value !== "boolean") fail("true or false");
      return value as boolean;
    case "enum":
      if (typeof value !== "string" || !spec.values.includes(value)) {
        fail(`one of ${spec.values.join(", ")}`);
      }
      return value as string;
  }
}

/**
 * Validate and brand a scenario definition. Scenario files default-export the
 * result. Each parameter's type comes from its spec (`int` gives `number`,
 * `bool` `boolean`, `enum` the union of its `values`), so `workload(p)` needs
 * no casts.
 *
 * @example
 * ```ts
 * import { argsParam, defineScenario, singleTracerOps } from "@ftrace-bench/harness";
 * export default defineScenario({
 *   name: "single-tracer",
 *   question: "What does one tracer cost on a function of N arguments?",
 *   params: {
 *     args: argsParam(),
 *     tracer: { type: "enum", values: ["empty", "ringbuf"], default: "empty", doc: "tracer" },
 *   },
 *   variants: ["nop", "regs", "args", "call-ops", "direct"],
 *   // p.args: number, p.tracer: "empty" | "ringbuf"
 *   workload: (p) => ({ target: { args: p.args }, ops: [singleTracerOps(p.tracer)] }),
 * });
 * ```
 */
export function defineScenario<const P extends ParamSpecs>(
  definition: ScenarioDefinition<P>,
): Scenario {
  const what = `scenario ${definition.name}`;
  if (!definition.name || !definition.question) {
    throw new ScenarioError(`${what}: a scenario needs a name and the question it answers`);
  }
  for (const v of definition.variants) {
    if (typeof v === "string" && !VARIANTS.some((known) => known.name === v)) {
      throw new ScenarioError(
        `${what}: unknown variant ${v} (known: ${VARIANTS.map((k) => k.name).join(", ")})`,
      );
    }
    if (typeof v !== "string" && (typeof v?.name !== "string" || typeof v?.build !== "function")) {
      throw new ScenarioError(`${what}: a custom variant needs a name and a build() function`);
    }
  }
  for (const [name, spec] of Object.entries(definition.params)) {
    checkValue(name, spec, spec.default, `${what} default`);
    for (const v of spec.sweep ?? []) checkValue(name, spec, v, `${what} sweep`);
  }
  return Object.freeze({ ...definition, [SCENARIO_BRAND]: true as const });
}

const sources = new WeakMap<Scenario, string>();

/** Remember the module URL a scenario was loaded from (workers import it again). */
export function setScenarioSource(scenario: Scenario, url: string): void {
  sources.set(scenario, url);
}

/** The module URL a scenario was loaded from, when known. */
export function scenarioSource(scenario: Scenario): string | undefined {
  return sources.get(scenario);
}

export function isScenario(value: unknown): value is Scenario {
  return typeof value === "object" && value !== null && SCENARIO_BRAND in value;
}

/** Parse a command-line value ("3", "true", "ringbuf") for a parameter. */
export function parseParamValue(scenario: Scenario, name: string, raw: string): ParamValue {
  const spec = scenario.params[name];
  if (!spec) {
    throw new ScenarioError(
      `scenario ${scenario.name} has no parameter ${name} (parameters: ${
        Object.keys(scenario.params).join(", ") || "none"
      })`,
    );
  }
  let value: unknown = raw;
  if (spec.type === "int") value = /^-?\d+$/.test(raw.trim()) ? Number(raw) : raw;
  if (spec.type === "bool") value = raw === "true" ? true : raw === "false" ? false : raw;
  return checkValue(name, spec, value, `scenario ${scenario.name}`);
}

/** The scenario's variants as objects, in its order. */
export function scenarioVariants(scenario: Scenario): Variant[] {
  return scenario.variants.map((v) =>
    typeof v === "string" ? VARIANTS.find((known) => known.name === v)! : v
  );
}

/** Parameter sets one backwards walk spans at most (see measureOrder). */
export const MAX_REVERSED = 64;

/**
 * The order to measure a sweep's parameter sets in (expandSweep's indexes):
 * a reflected, "snake" order, in which each set differs from the one before
 * in one parameter, by one step. A case's data grows with a parameter: in
 * sweep order it falls back at every wrap of the inner parameters, and each
 * engine then unmaps its pages and maps them again on the way back up (each
 * one costs Unicorn a rebuild of its address space). Results keep sweep order,
 * so the sets measured ahead of their turn wait: a parameter is walked
 * backwards only over at most {@link MAX_REVERSED} sets, which bounds them.
 */
export function measureOrder(
  scenario: Scenario,
  overrides: ReadonlyMap<string, ParamValue[]> = new Map(),
): number[] {
  let order = [0];
  // From the innermost parameter out: each value of the next one out walks the
  // order so far, forwards then backwards in turn.
  for (const [, values] of sweptValues(scenario, overrides).reverse()) {
    const inner = order, stride = inner.length;
    const reflect = stride <= MAX_REVERSED;
    order = [];
    for (let v = 0; v < values.length; v++) {
      const backwards = reflect && v % 2 === 1;
      for (let k = 0; k < stride; k++) {
        order.push(v * stride + inner[backwards ? stride - 1 - k : k]);
      }
    }
  }
  return order;
}

/** Every parameter set of the sweep: overrides replace a parameter's sweep. */
export function expandSweep(
  scenario: Scenario,
  overrides: ReadonlyMap<string, ParamValue[]> = new Map(),
): Params[] {
  let sets: Params[] = [{}];
  for (const [name, values] of sweptValues(scenario, overrides)) {
    sets = sets.flatMap((set) => values.map((v) => ({ ...set, [name]: v })));
  }
  return sets;
}

/** Each parameter with the values the sweep takes it through, in declaration order. */
function sweptValues(
  scenario: Scenario,
  overrides: ReadonlyMap<string, ParamValue[]>,
): [string, readonly ParamValue[]][] {
  return Object.entries(scenario.params).map((
    [name, spec],
  ) => [name, overrides.get(name) ?? spec.sweep ?? [spec.default]]);
}
