/**
 * The command line's parser: Node's `util.parseArgs`, from its npm polyfill
 * (`@pkgjs/parseargs`, by Node's package maintainers, with the same options,
 * results and error messages), typed as `node:util`'s.
 *
 * Not from `node:util` itself: the first `node:` module a Deno process loads
 * starts Deno's Node compatibility layer (6 to 9 ms in a bare process), and
 * nothing else on a run's path needs it (`tests/e2e/bundle_test.ts` checks
 * that the bundle's run path loads no `node:` module).
 */
import type { parseArgs as nodeParseArgs } from "node:util";
import { parseArgs as polyfill } from "@pkgjs/parseargs";

/** `util.parseArgs` (see Node's documentation); `args` is always passed. */
export const parseArgs: typeof nodeParseArgs = polyfill;

/**
 * Whether `e` is parseArgs refusing the command line (an unknown option, a
 * missing value, an unexpected positional): a usage error. Node's errors
 * are TypeErrors, the polyfill's plain Errors; both carry Node's code.
 */
export function isParseArgsError(e: unknown): e is Error {
  return e instanceof Error && String((e as { code?: unknown }).code).startsWith("ERR_PARSE_ARGS");
}
