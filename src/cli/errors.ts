/**
 * Turning any failure into the one-paragraph message a user sees, and the
 * exit status it gives. Every kind of failure has its own exception type;
 * nothing is classified by its message.
 *
 *   0  ok
 *   1  a check failed, a case failed or compare found a regression (never an exception)
 *   2  a usage or input error: bad flag, parameter, scenario, file, variant, CPU file,
 *      kernel tree, or a required package missing; one paragraph, no stack
 *   3  an internal error (with its stack), or a reference kernel that failed to build
 */
import { AssemblyError, ToolMissingError } from "../asm/assembler.ts";
import { LoadError } from "../asm/loader.ts";
import { ElfError } from "../asm/elf.ts";
import { ContractError, WorkloadError } from "../kernel/contract.ts";
import { ScenarioError } from "../runner/scenario.ts";
import { UndecodedInstructionError } from "../measure/recorder.ts";
import { WriteError } from "../report/results_file.ts";
import { RemoteCaseError } from "../runner/case_pool.ts";
import { CpuModelError } from "../timing/cpu_file.ts";
import { KernelBuildError } from "../kernel/real/build_error.ts";
import { DwarfError } from "../kernel/real/dwarf_error.ts";
import { StoreError } from "../store/read.ts";

/** A mistake in how the command was called. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** A required system library or package is missing; the message names the package. */
export class DependencyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DependencyError";
  }
}

/** Exit status of a usage or input error. */
export const EXIT_INPUT = 2;
/** Exit status of an internal error (a bug in the harness) or a failed kernel build. */
export const EXIT_INTERNAL = 3;

/**
 * Errors in what the user gave: the command line, a scenario (its parameters,
 * variants, workload or code, and the contracts a variant's code keeps), a
 * results, CPU or object file, a kernel tree, the output path, or a missing
 * package. Each is one paragraph that says what to fix.
 */
const INPUT_ERRORS = [
  UsageError,
  ScenarioError,
  DependencyError,
  StoreError,
  AssemblyError,
  ToolMissingError,
  LoadError,
  ElfError,
  ContractError,
  WorkloadError,
  UndecodedInstructionError,
  WriteError,
  CpuModelError,
  DwarfError,
];

/** The exit status for an error that reached the command line: 2 or 3. */
export function exitCodeOf(e: unknown): number {
  if (e instanceof RemoteCaseError) return e.internal ? EXIT_INTERNAL : EXIT_INPUT;
  if (e instanceof KernelBuildError) return e.input ? EXIT_INPUT : EXIT_INTERNAL;
  return INPUT_ERRORS.some((k) => e instanceof k) ? EXIT_INPUT : EXIT_INTERNAL;
}

/** A usage or input error (exit status 2), as opposed to a failed check (1) or a bug (3). */
export function isInputError(e: unknown): boolean {
  return exitCodeOf(e) === EXIT_INPUT;
}

/**
 * The text printed for an error: input errors and failed kernel builds as one
 * paragraph, anything else as an internal error with its stack (a RangeError or
 * TypeError from the harness is a bug to report, not a message for the user).
 */
export function describeError(e: unknown): string {
  // Already described inside a case worker.
  if (e instanceof RemoteCaseError) return e.message;
  if (isInputError(e) || e instanceof KernelBuildError) return `error: ${(e as Error).message}`;
  return `internal error: ${e instanceof Error ? e.stack ?? e.message : String(e)}`;
}
