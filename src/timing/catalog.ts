/**
 * The built-in CPU models and the `--cpu` selector: `NAME`, `NAME:cold`
 * (cold L1: the first touch of a line misses), `all` (every built-in model),
 * or a path to a CPU file of one's own (`*.json`, optionally `:cold`).
 *
 * @module
 */
import { type CompiledModel, compileModel, CpuModelError, parseCpuFile } from "./model.ts";

/** The CPU files shipped in src/timing/cpus/, by model name. */
export const BUILTIN_CPUS: readonly string[] = ["cortex-a55", "neoverse-n1", "apple-m1"];

/** One timing model to run, and how. */
export interface CpuSelection {
  readonly model: CompiledModel;
  /** Cold L1: a line's first access misses. Default: every access hits L1. */
  readonly cold: boolean;
  /** Recorded in results: the model's name (with ":cold") and version. */
  readonly info: { name: string; version: string };
  /** The `--cpu` value that selects exactly this model (what a worker thread is sent). */
  readonly spec: string;
}

const compiled = new Map<string, CompiledModel>();

/** Read, validate and compile a CPU file (cached per path). */
export function loadCpuFile(path: string, label = path): CompiledModel {
  const cached = compiled.get(path);
  if (cached) return cached;
  let text: string;
  try {
    text = Deno.readTextFileSync(path);
  } catch (e) {
    throw new CpuModelError(`cannot read CPU file ${label}: ${(e as Error).message}`);
  }
  const model = compileModel(parseCpuFile(text, label), label);
  compiled.set(path, model);
  return model;
}

/** A built-in model by name. */
export function builtinCpu(name: string): CompiledModel {
  if (!BUILTIN_CPUS.includes(name)) {
    throw new CpuModelError(
      `unknown CPU model "${name}"; models: ${BUILTIN_CPUS.join(", ")}, all, ` +
        `or a CPU file path ending in .json (append :cold for a cold L1)`,
    );
  }
  const url = new URL(`./cpus/${name}.json`, import.meta.url);
  return loadCpuFile(url.pathname, `src/timing/cpus/${name}.json`);
}

/** Resolve a `--cpu` value into the models to run, in a fixed order. */
export function selectCpus(spec: string): CpuSelection[] {
  const cold = spec.endsWith(":cold");
  const base = cold ? spec.slice(0, -":cold".length) : spec;
  const specs = base === "all" ? BUILTIN_CPUS : [base];
  return specs.map((one) => {
    const model = one.endsWith(".json") ? loadCpuFile(one) : builtinCpu(one);
    return {
      model,
      cold,
      info: { name: model.file.name + (cold ? ":cold" : ""), version: model.file.version },
      spec: one + (cold ? ":cold" : ""),
    };
  });
}
