/**
 * `deno task asm`: the exact assembly the harness assembles for one case of a
 * scenario (its default parameter set with `--param` overrides applied), with
 * each chunk's origin, symbols and phase markers called out in comments, so it
 * reads like entry-ftrace.S. Comments only: the text re-assembles to the same
 * object. On a real kernel, the harness's unit is followed by the kernel
 * objects it is linked with (their code is not assembly text).
 */
import { isParseArgsError, parseArgs } from "./parse_args.ts";
import { LLVM_MC, mattr, TRIPLE } from "../asm/assembler.ts";
import { writeStdout } from "../report/results_file.ts";
import type { AsmUnit } from "../asm/source.ts";
import { ANCHOR_PREFIX, PHASE_PREFIX, PHASES } from "../kernel/asm_writer.ts";
import type { RealKernel } from "../kernel/real/kernel.ts";
import { nopVariant } from "../kernel/variants/nop.ts";
import type { Variant } from "../kernel/variants/variant.ts";
import type { World } from "../kernel/world.ts";
import type { Params, ParamValue } from "../runner/result.ts";
import {
  buildCaseWorld,
  caseUnitName,
  kernelFor,
  paramsLabel,
  setWorkload,
} from "../runner/run_scenario.ts";
import {
  parseParamValue,
  type Scenario,
  ScenarioError,
  scenarioVariants,
} from "../runner/scenario.ts";
import { defaultParams } from "../store/listing.ts";
import { describeError, exitCodeOf, UsageError } from "./errors.ts";

/** The usage text of `deno task asm`. */
export const ASM_USAGE = `usage: deno task asm <scenario file> --variant V [options]
  Print the assembly the harness assembles for one case, the scenario's default parameters
  with each --param applied, as it reads in entry-ftrace.S: each chunk's origin, symbols and
  phase markers called out in comments (it re-assembles to the same object). Exit status 1
  when the case is not applicable (the reason on stderr).
  --variant V                 the variant (one; the scenario's, or nop)
  --param k=v                 set parameter k to one value (repeatable)
  --kernel model|linux-6.1|linux-6.12|DIR
                              the kernel (default model); a real kernel's own code is linked
                              from its objects, which the listing names for llvm-objdump
  -h, --help                  this help`;

/** Column where the marker comments of label lines start. */
const COMMENT_COLUMN = 40;

/** A case as the command line names it. */
interface AsmCase {
  file: string;
  scenario: Scenario;
  variant: Variant;
  params: Params;
  kernelSpec: string;
}

/**
 * `deno task asm ...`: print one case's assembly on stdout. Returns the exit
 * status: 0 printed (or --help), 1 the case is not applicable (the reason on
 * stderr), 2 a usage or input error (unknown variant or parameter, a value out
 * of range, a missing file), 3 an internal error (see src/cli/errors.ts).
 */
export async function asmCommand(args: string[]): Promise<number> {
  try {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        variant: { type: "string", multiple: true },
        param: { type: "string", multiple: true },
        kernel: { type: "string" },
        help: { type: "boolean", short: "h" },
      },
    });
    if (values.help) {
      await writeStdout(`${ASM_USAGE}\n`);
      return 0;
    }
    if (positionals.length !== 1) throw new UsageError(`expected one scenario file\n${ASM_USAGE}`);
    const file = positionals[0];
    // Imported here, not at the top: main.ts imports this module for its dispatch and
    // usage text, and a static import back would read ASM_USAGE before it is set when
    // this file is the entry point.
    const { loadScenario } = await import("./main.ts");
    const scenario = await loadScenario(file);
    const variant = pickVariant(scenario, values.variant ?? []);
    const params = caseParams(scenario, values.param ?? []);
    const kernelSpec = values.kernel ?? "model";
    if (kernelSpec.includes(",")) {
      throw new UsageError(`--kernel ${kernelSpec}: asm prints one case; name one kernel`);
    }
    const kernel = await kernelFor(kernelSpec);
    const world = await buildCaseWorld(
      variant,
      setWorkload(scenario, params),
      caseUnitName(scenario, variant, paramsLabel(params)),
      kernel,
    );
    const c: AsmCase = { file, scenario, variant, params, kernelSpec };
    if ("notApplicable" in world) {
      console.error(`${caseLabel(c)}: not applicable: ${world.notApplicable}`);
      return 1;
    }
    await writeStdout(renderCaseAsm(c, world, kernel));
    return 0;
  } catch (e) {
    const known = isParseArgsError(e) ? new UsageError(`${e.message}\n${ASM_USAGE}`) : e;
    console.error(describeError(known));
    return exitCodeOf(known);
  }
}

/** The one variant `--variant` names: the scenario's, or the `nop` baseline every run has. */
function pickVariant(scenario: Scenario, names: readonly string[]): Variant {
  const available = scenarioVariants(scenario);
  if (!available.some((v) => v.name === nopVariant.name)) available.unshift(nopVariant);
  const list = available.map((v) => v.name).join(", ");
  if (names.length !== 1) {
    throw new UsageError(
      `asm prints one case: give one --variant (scenario ${scenario.name}: ${list})\n${ASM_USAGE}`,
    );
  }
  const found = available.find((v) => v.name === names[0]);
  if (!found) {
    throw new UsageError(
      `scenario ${scenario.name} has no variant ${names[0]} (variants: ${list})`,
    );
  }
  return found;
}

/** The scenario's defaults with each `--param k=v` applied; one value per parameter. */
function caseParams(scenario: Scenario, overrides: readonly string[]): Params {
  const params = defaultParams(scenario);
  for (const p of overrides) {
    const eq = p.indexOf("=");
    if (eq <= 0) throw new UsageError(`--param ${p}: expected name=value`);
    const name = p.slice(0, eq);
    const raw = p.slice(eq + 1);
    if (raw.includes(",")) {
      throw new UsageError(`--param ${p}: asm prints one case; give ${name} one value`);
    }
    let value: ParamValue;
    try {
      value = parseParamValue(scenario, name, raw);
    } catch (e) {
      // An unknown parameter or a bad value is a mistake on the command line.
      if (e instanceof ScenarioError) throw new UsageError(e.message);
      throw e;
    }
    params[name] = value;
  }
  return params;
}

function caseLabel(c: AsmCase): string {
  const kernel = c.kernelSpec === "model" ? "" : ` on ${c.kernelSpec}`;
  return `${c.scenario.name} ${c.variant.name} ${paramsLabel(c.params)}${kernel}`;
}

/** The command that prints this case again, every parameter spelt out. */
function commandLine(c: AsmCase): string {
  const params = Object.entries(c.params).map(([k, v]) => ` --param ${k}=${v}`).join("");
  const kernel = c.kernelSpec === "model" ? "" : ` --kernel ${c.kernelSpec}`;
  return `deno task asm ${c.file} --variant ${c.variant.name}${params}${kernel}`;
}

/** `__phase.patch_site.traced.1` -> "patch-site". */
function phaseOf(marker: string): string {
  const spelt = marker.slice(PHASE_PREFIX.length).split(".")[0];
  return PHASES.find((p) => p.replace("-", "_") === spelt) ?? spelt;
}

/** Pad a label line so its marker comment starts at {@link COMMENT_COLUMN}. */
function marked(line: string, comment: string): string {
  return `${line.padEnd(COMMENT_COLUMN - 1)} // ${comment}`;
}

/**
 * A unit's text as {@link unitText} joins it, with comment lines naming each
 * chunk's origin and trailing comments on symbol, phase and anchor labels.
 * Only comments and blank lines are added, so it assembles to the same object.
 */
export function annotatedUnitText(unit: AsmUnit): string {
  const kinds = new Map<string, string>();
  for (const chunk of unit.chunks) {
    for (const m of chunk.text.matchAll(/^\s*\.type\s+([\w.$]+)\s*,\s*%(function|object)\s*$/gm)) {
      kinds.set(m[1], m[2]);
    }
  }
  const out: string[] = [];
  for (const chunk of unit.chunks) {
    out.push("", `// ---- ${chunk.origin}`);
    for (const line of chunk.text.split("\n")) {
      const label = /^([\w.$]+):\s*$/.exec(line)?.[1];
      if (label?.startsWith(PHASE_PREFIX)) {
        out.push(marked(line, `---- phase: ${phaseOf(label)} ----`));
      } else if (label?.startsWith(ANCHOR_PREFIX)) {
        out.push(marked(line, `anchor: ${label.slice(ANCHOR_PREFIX.length)}`));
      } else if (label && kinds.has(label)) {
        out.push(marked(line, `==== ${kinds.get(label)} ${label} ====`));
      } else {
        out.push(line);
      }
    }
  }
  return out.join("\n");
}

/** Where each kernel object linked with the unit lives, for llvm-objdump. */
function kernelObjects(world: World, kernel: RealKernel): { name: string; path?: string }[] {
  const paths = Object.values(kernel.build.objects).filter((p): p is string => !!p);
  return (world.kernel?.inputs ?? []).map(({ name }) => {
    const role = name.startsWith(`${kernel.info.name} `)
      ? name.slice(kernel.info.name.length + 1)
      : name;
    const base = role.slice(role.lastIndexOf("/") + 1);
    const path = paths.find((p) => p.endsWith(`/${role}`)) ??
      paths.find((p) => p.endsWith(`/${base}`));
    return { name: role, path };
  });
}

/** The whole listing of one case: header, annotated unit, and the kernel objects linked with it. */
function renderCaseAsm(c: AsmCase, world: World, kernel?: RealKernel): string {
  const header = [
    `// ${commandLine(c)}`,
    `// scenario ${c.scenario.name}, variant ${c.variant.name}, ${paramsLabel(c.params)}, ` +
    `kernel ${kernel ? `${kernel.info.name} (${kernel.summary})` : "model"}`,
    `// path: ${world.path}`,
    `// unit ${world.unit.name}: ${world.unit.chunks.length} chunks, assembled as one object by`,
    `//   ${LLVM_MC} -triple=${TRIPLE} -mattr=${mattr()} -filetype=obj`,
    `// Markers are local labels: __phase.<phase>.<tag>.<n> starts a phase (each instruction`,
    `// counts in the phase of the last marker above it), __anchor.<name> is an address the`,
    `// harness looks up. The "// ----" and "// ====" comments are added here, nothing else is.`,
  ];
  const out = [...header, annotatedUnitText(world.unit)];
  if (kernel) {
    const objects = kernelObjects(world, kernel);
    out.push(
      "",
      `// ---- linked with ${kernel.info.name} ${objects.map((o) => o.name).join(", ")}`,
      `//   the kernel's own code is not assembly text; disassemble it with:`,
      ...objects.map((o) =>
        `//   llvm-objdump-19 -d ${o.path ?? `<${o.name} of ${kernel.build.dir}>`}`
      ),
      `// Its code has no markers: its phases are derived from the linked code`,
      `// (phaseMarkers in src/kernel/real/world.ts).`,
      `// Symbols neither side defines link to trap stubs (src/runner/machine.ts) that fault.`,
    );
  }
  return out.join("\n") + "\n";
}

if (import.meta.main) asmCommand(Deno.args).then((code) => Deno.exit(code));
