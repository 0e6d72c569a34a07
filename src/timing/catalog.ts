/**
 * The built-in CPU models and the `--cpu` selector: a model (`NAME`, `all` for
 * every built-in model, or a path to a CPU file of one's own, `*.json`), then
 * options after colons:
 * - `:cold`: predictors in steady state, cold L1 (the first touch of a line misses);
 * - `:first-call`: one pass, untrained predictors, cold L1;
 * - `:bimodal`: predictors without history (per-pc counters and last targets).
 * Without a mode the case is timed in steady state (see simulate.ts).
 *
 * @module
 */
import { sha256Hex } from "../hash.ts";
import { projectPath } from "../paths.ts";
import { type CompiledModel, compileModel, CpuModelError, parseCpuFile } from "./model.ts";
import type { TimingMode } from "./simulate.ts";

/** The CPU files shipped in src/timing/cpus/, by model name. */
export const BUILTIN_CPUS: readonly string[] = ["cortex-a55", "neoverse-n1", "apple-m1"];

/** Modes a `--cpu` value may append (after a colon). */
const MODES: readonly TimingMode[] = ["cold", "first-call"];

/** One timing model to run, and how. */
export interface CpuSelection {
  readonly model: CompiledModel;
  /** How the measured pass starts: steady state (default), cold L1, or a first call. */
  readonly mode: TimingMode;
  /** Cold L1 (modes cold and first-call): a line's first access misses. */
  readonly cold: boolean;
  /** Predictors without history. */
  readonly bimodal: boolean;
  /**
   * Recorded in results: the model's name with its options (":cold",
   * ":first-call", ":bimodal"), version and the sha256 of the CPU file's
   * bytes, so an edit without a new version shows.
   */
  readonly info: { name: string; version: string; sha256: string };
  /** The `--cpu` value that selects exactly this model (what a worker thread is sent). */
  readonly spec: string;
}

interface LoadedCpu {
  readonly model: CompiledModel;
  /** The sha256 of the file's bytes, hashed on first need (Web Crypto is asynchronous). */
  sha256?: Promise<string>;
  readonly bytes: Uint8Array;
}

const compiled = new Map<string, LoadedCpu>();

/** Read, validate and compile a CPU file (cached per path). */
function loadCpu(path: string, label: string): LoadedCpu {
  const cached = compiled.get(path);
  if (cached) return cached;
  let bytes: Uint8Array;
  try {
    bytes = Deno.readFileSync(path);
  } catch (e) {
    throw new CpuModelError(`cannot read CPU file ${label}: ${(e as Error).message}`);
  }
  const text = new TextDecoder().decode(bytes);
  const model = compileModel(parseCpuFile(text, label), label);
  const entry: LoadedCpu = { model, bytes };
  compiled.set(path, entry);
  return entry;
}

/** Read, validate and compile a CPU file (cached per path). */
export function loadCpuFile(path: string, label = path): CompiledModel {
  return loadCpu(path, label).model;
}

function builtinPath(name: string): { path: string; label: string } {
  if (!BUILTIN_CPUS.includes(name)) {
    throw new CpuModelError(
      `unknown CPU model "${name}"; models: ${BUILTIN_CPUS.join(", ")}, all, ` +
        `or a CPU file path ending in .json (append :cold for a cold L1, :first-call for an ` +
        `untrained first call, :bimodal for predictors without history)`,
    );
  }
  const label = `src/timing/cpus/${name}.json`;
  return { path: projectPath(label), label };
}

/** A built-in model by name. */
export function builtinCpu(name: string): CompiledModel {
  const { path, label } = builtinPath(name);
  return loadCpuFile(path, label);
}

/**
 * Resolve a `--cpu` value into the models to run, in a fixed order. Asynchronous
 * only to hash the CPU files with Web Crypto: node:crypto costs a one-case run
 * ~15 ms of start-up.
 */
export async function selectCpus(spec: string): Promise<CpuSelection[]> {
  const parts = spec.split(":");
  let mode: TimingMode = "steady";
  let bimodal = false;
  // Options are the trailing parts that name one (a path may contain colons).
  while (parts.length > 1) {
    const option = parts[parts.length - 1];
    if ((MODES as readonly string[]).includes(option) && mode === "steady") {
      mode = option as TimingMode;
    } else if (option === "bimodal" && !bimodal) bimodal = true;
    else break;
    parts.pop();
  }
  const base = parts.join(":");
  const suffix = (mode === "steady" ? "" : `:${mode}`) + (bimodal ? ":bimodal" : "");
  const specs = base === "all" ? BUILTIN_CPUS : [base];
  const loaded = specs.map((one) => {
    const { path, label } = one.endsWith(".json") ? { path: one, label: one } : builtinPath(one);
    const cpu = loadCpu(path, label);
    cpu.sha256 ??= sha256Hex(cpu.bytes);
    return { one, model: cpu.model, sha256: cpu.sha256 };
  });
  return await Promise.all(loaded.map(async ({ one, model, sha256 }) => ({
    model,
    mode,
    cold: mode !== "steady",
    bimodal,
    info: { name: model.file.name + suffix, version: model.file.version, sha256: await sha256 },
    spec: one + suffix,
  })));
}
