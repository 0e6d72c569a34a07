/**
 * Turning any failure into the one-paragraph message a user sees.
 */
import { AssemblyError, ToolMissingError } from "../asm/assembler.ts";
import { LoadError } from "../asm/loader.ts";
import { EngineError } from "../engine/engine.ts";
import { OopsError } from "../runner/oops.ts";
import { ScenarioError } from "../runner/scenario.ts";
import { UndecodedInstructionError } from "../measure/recorder.ts";
import { WriteError } from "../report/results_file.ts";
import { RemoteCaseError } from "../runner/case_pool.ts";
import { CpuModelError } from "../timing/model.ts";
import { KernelBuildError } from "../kernel/real/build.ts";
import { DwarfError } from "../kernel/real/dwarf.ts";

/** A mistake in how the command was called. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

const KNOWN = [
  UsageError,
  ScenarioError,
  AssemblyError,
  ToolMissingError,
  LoadError,
  EngineError,
  OopsError,
  UndecodedInstructionError,
  WriteError,
  RangeError,
  CpuModelError,
  KernelBuildError,
  DwarfError,
];

/**
 * A problem with what the user asked for (exit 2), as opposed to a failed
 * check (1) or a broken harness: a usage error, a kernel tree that is not
 * prepared or lacks an option, objects without the debug info the layout needs.
 */
export function isInputError(e: unknown): boolean {
  return e instanceof UsageError || (e instanceof KernelBuildError && e.input) ||
    e instanceof DwarfError;
}

/** The text printed for an error: known errors without a stack trace. */
export function describeError(e: unknown): string {
  // Already described inside a case worker.
  if (e instanceof RemoteCaseError) return e.message;
  if (KNOWN.some((k) => e instanceof k)) return `error: ${(e as Error).message}`;
  if (e instanceof Error && /libunicorn/.test(e.message)) return `error: ${e.message}`;
  return `internal error: ${e instanceof Error ? e.stack ?? e.message : String(e)}`;
}
