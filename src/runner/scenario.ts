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

/** A parameter's type, default and the values the default run sweeps over. */
export type ParamSpec =
  | {
    type: "int";
    default: number;
    sweep?: number[];
    min?: number;
    max?: number;
    doc: string;
  }
  | { type: "bool"; default: boolean; sweep?: boolean[]; doc: string }
  | { type: "enum"; values: string[]; default: string; sweep?: string[]; doc: string };

/**
 * The traced function's argument count, 0..8 (all in registers), default 2,
 * sweeping every count unless told otherwise.
 */
export function argsParam(
  options: { default?: number; sweep?: number[]; doc?: string } = {},
): ParamSpec {
  return {
    type: "int",
    default: options.default ?? 2,
    sweep: options.sweep ?? [0, 1, 2, 3, 4, 5, 6, 7, 8],
    min: 0,
    max: 8,
    doc: options.doc ?? "arguments of the traced function, passed in x0..x(N-1)",
  };
}

/** What a scenario asks the kernel model for, for one parameter set. */
export interface WorkloadSpec {
  /** The traced function: name and number of register arguments (0..8). */
  target: { name?: string; args: number };
  /** The registered ftrace_ops, in registration order. */
  ops: OpsSpec[];
  /** BTI landing pads and PAC prologues (default: neither). */
  codegen?: Partial<CodegenOptions>;
  /** How a direct ops' BPF program is attached (default fentry). */
  bpfAttach?: BpfAttach;
  /** Tracers and BPF programs lack landing pads (built without BTI). */
  tracersWithoutBti?: boolean;
  /** Kernel text size in bytes and where dynamic trampolines land. */
  textSize?: number;
  placement?: TrampolinePlacement;
  /** Put the caller and traced function at the far end of kernel text. */
  targetAtTextEnd?: boolean;
}

export interface ScenarioDefinition {
  /** Short name, used for result files. */
  name: string;
  /** The question the scenario answers, in a kernel developer's words. */
  question: string;
  params: Record<string, ParamSpec>;
  /** Variants to compare: built-in names (see `VARIANTS`) or custom `Variant` objects. */
  variants: (string | Variant)[];
  workload(params: Params): WorkloadSpec;
  /** Instruction budget per traced call. */
  budget?: number;
}

const SCENARIO_BRAND = Symbol.for("ftrace-bench.scenario");

export interface Scenario extends ScenarioDefinition {
  readonly [SCENARIO_BRAND]: true;
}

/** A scenario definition or parameter value is wrong; the message names it. */
export class ScenarioError extends Error {
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

/** Validate and brand a scenario definition. Scenario files default-export the result. */
export function defineScenario(definition: ScenarioDefinition): Scenario {
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

/** Every parameter set of the sweep: overrides replace a parameter's sweep. */
export function expandSweep(
  scenario: Scenario,
  overrides: ReadonlyMap<string, ParamValue[]> = new Map(),
): Params[] {
  let sets: Params[] = [{}];
  for (const [name, spec] of Object.entries(scenario.params)) {
    const values: ParamValue[] = overrides.get(name) ?? spec.sweep ?? [spec.default];
    sets = sets.flatMap((set) => values.map((v) => ({ ...set, [name]: v })));
  }
  return sets;
}
