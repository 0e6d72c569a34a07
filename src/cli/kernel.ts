/**
 * `deno task kernel`: build (or verify) real kernels' ftrace hot-path objects
 * and list the cached ones. See src/kernel/real/build.ts.
 *
 *   deno task kernel build linux-6.12|linux-6.1|all|DIR...
 *   deno task kernel list
 *
 * Exit status: 0 ok, 2 usage or input error (an unknown kernel, a user tree
 * that is not prepared), 3 a failed build or an internal error.
 */
import { isParseArgsError, parseArgs } from "./parse_args.ts";
import {
  ensureKernel,
  hotPathConfigSummary,
  type KernelBuild,
  KernelBuildError,
  listCachedKernels,
  REFERENCE_KERNELS,
  referenceEntryDir,
  referenceKernel,
} from "../kernel/real/build.ts";

export const KERNEL_USAGE = `usage:
  deno task kernel build linux-6.1|linux-6.12|all|DIR...
      build the ftrace hot-path objects (entry-ftrace.o, ftrace.o, ftrace-ops.o) of a
      reference kernel from Debian's linux-source package, cached in .cache/kernels/, or
      verify them; DIR is a configured and prepared arm64 kernel tree of one's own
  deno task kernel list
      the cached reference kernels
  options: --cache DIR (default .cache/kernels), --quiet (no progress lines)`;

class KernelUsageError extends Error {}

/** The summary printed for a build. */
export function describeBuild(build: KernelBuild): string {
  const objects = Object.entries(build.objects).map(([role, path]) => `    ${role}: ${path}`);
  return [
    `${build.name} ${build.version}`,
    `  source:  ${build.source}`,
    `  dir:     ${build.dir}`,
    `  objects:`,
    ...objects,
    ...(build.asmOffsets ? [`  asm-offsets: ${build.asmOffsets}`] : []),
    `  hash:    ${build.hash}`,
    `  config:  ${hotPathConfigSummary(build)}`,
  ].join("\n");
}

async function buildCommand(
  specs: string[],
  cacheRoot: string | undefined,
  quiet: boolean,
): Promise<void> {
  if (specs.length === 0) throw new KernelUsageError(`expected a kernel to build`);
  const expanded = specs.flatMap((s) => s === "all" ? REFERENCE_KERNELS.map((k) => k.name) : [s]);
  const progress = quiet ? () => {} : (line: string) => console.error(line);
  for (const spec of [...new Set(expanded)]) {
    const build = await ensureKernel(spec, { cacheRoot, progress });
    console.log(describeBuild(build));
  }
}

async function listCommand(cacheRoot: string | undefined, quiet: boolean): Promise<void> {
  const progress = quiet ? () => {} : (line: string) => console.error(line);
  const current = new Map<string, string | undefined>();
  for (const k of REFERENCE_KERNELS) {
    current.set(k.name, await referenceEntryDir(k, { cacheRoot, progress }));
  }
  const entries = await listCachedKernels(cacheRoot);
  const found = new Set<string>();
  for (const { entry, check } of entries) {
    if (!check.ok) {
      console.log(`${entry}: not usable (${check.problem})`);
      continue;
    }
    const b = check.build;
    const isCurrent = current.get(b.name) === entry;
    if (isCurrent) found.add(b.name);
    console.log(
      `${b.name} ${b.version}  ${hotPathConfigSummary(b)}  ${b.hash.slice(0, 16)}` +
        (isCurrent ? "" : "  (stale: built from another tarball or recipe)"),
    );
    console.log(`  ${entry}`);
  }
  for (const k of REFERENCE_KERNELS) {
    if (found.has(k.name)) continue;
    console.log(
      current.get(k.name) === undefined
        ? `${k.name}: not built, and ${k.tarball} is missing (package ${k.debianPackage})`
        : `${k.name}: not built (deno task kernel build ${k.name})`,
    );
  }
}

/** Runs `deno task kernel ...`; returns the exit status. */
export async function kernelCommand(args: string[]): Promise<number> {
  try {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        help: { type: "boolean", short: "h" },
        quiet: { type: "boolean", short: "q" },
        cache: { type: "string" },
      },
    });
    if (values.help) {
      console.log(KERNEL_USAGE);
      return 0;
    }
    const [command, ...rest] = positionals;
    if (command === "build") await buildCommand(rest, values.cache, !!values.quiet);
    else if (command === "list") {
      if (rest.length > 0) throw new KernelUsageError(`list takes no arguments`);
      await listCommand(values.cache, !!values.quiet);
    } else if (command === undefined) throw new KernelUsageError("expected build or list");
    else if (referenceKernel(command)) {
      throw new KernelUsageError(`unknown command ${command}: did you mean build ${command}?`);
    } else throw new KernelUsageError(`unknown command ${command}: expected build or list`);
    return 0;
  } catch (e) {
    if (e instanceof KernelUsageError || isParseArgsError(e)) {
      console.error(`error: ${e.message}\n${KERNEL_USAGE}`);
      return 2;
    }
    if (e instanceof KernelBuildError) {
      console.error(`error: ${e.message}`);
      return e.input ? 2 : 3;
    }
    console.error(`internal error: ${e instanceof Error ? e.stack ?? e.message : String(e)}`);
    return 3;
  }
}

if (import.meta.main) Deno.exit(await kernelCommand(Deno.args));
