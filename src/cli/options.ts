/**
 * Option values several commands parse the same way. Kept apart from the
 * commands' modules so a `run` loads none of the others (see main.ts).
 *
 * @module
 */
import { UsageError } from "./errors.ts";

/** A file or directory option must name something (`--json ""` is a mistake). */
export function nonEmptyOption(option: string, value: string): string {
  if (value.trim() === "") throw new UsageError(`${option} "": expected a file name`);
  return value;
}

/** `--shard i/n`: the i-th of n contiguous slices of a sweep's parameter sets. */
export function parseShard(spec: string): { index: number; count: number } {
  const m = /^(\d+)\/(\d+)$/.exec(spec.trim());
  const index = m ? Number(m[1]) : NaN, count = m ? Number(m[2]) : NaN;
  if (!m || count < 1 || index < 1 || index > count) {
    throw new UsageError(
      `--shard ${spec}: expected i/n with 1 <= i <= n, e.g. --shard 2/4 runs the second of four slices`,
    );
  }
  return { index, count };
}
