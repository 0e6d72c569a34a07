/**
 * The kernel build's error, apart from the build (src/kernel/real/build.ts):
 * the CLI tells it from others without loading the build's module.
 *
 * @module
 */

/**
 * A kernel could not be built or used. `input` is true when the cause is what
 * was asked for (an unknown spec, a user tree that is not prepared or lacks an
 * option), false when the machine or the build failed.
 */
export class KernelBuildError extends Error {
  /** The step that failed, e.g. "make prepare", "check tree". */
  readonly step: string;
  /** True for a problem with the spec or the user's tree (a usage error). */
  readonly input: boolean;
  constructor(message: string, step: string, input = false) {
    super(message);
    this.name = "KernelBuildError";
    this.step = step;
    this.input = input;
  }
}
