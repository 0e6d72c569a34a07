/**
 * The command line's parser: Vercel's `arg` (npm), behind the shape of
 * Node's `util.parseArgs` (an options object in, `{ values, positionals }`
 * out, typed as `node:util`'s), which every command declares its options in.
 *
 * Not Node's own: `node:util` starts Deno's Node compatibility layer (6 to 9
 * ms in a bare process), and its npm polyfill (`@pkgjs/parseargs`) copies
 * every JavaScript builtin into its primordials when loaded (3 ms of a
 * one-case run). `tests/e2e/bundle_test.ts` checks that the bundle's run path
 * loads no `node:` module.
 */
import type { parseArgs as nodeParseArgs } from "node:util";
import arg from "arg";

/** One option as a command declares it (a subset of node:util's). */
interface OptionConfig {
  type: "string" | "boolean";
  multiple?: boolean;
  short?: string;
  default?: string | boolean | string[] | boolean[];
}

/** A refusal of the command line: its message names the option or argument at fault. */
class ParseArgsError extends Error {
  override name = "ParseArgsError";
}

function parse(config: {
  args?: string[];
  options?: Record<string, OptionConfig>;
  allowPositionals?: boolean;
}): { values: Record<string, unknown>; positionals: string[] } {
  const options = config.options ?? {};
  const args = config.args ?? [];
  const spec: arg.Spec = {};
  for (const [name, o] of Object.entries(options)) {
    const type = o.type === "boolean" ? Boolean : String;
    spec[`--${name}`] = o.multiple ? [type] : type;
    if (o.short) spec[`-${o.short}`] = `--${name}`;
  }
  // `arg` takes `--quiet=x` as `--quiet`; Node's parser refuses a value given to a flag.
  for (const a of args) {
    if (a === "--") break;
    const eq = a.indexOf("=");
    if (a.startsWith("--") && eq > 2 && options[a.slice(2, eq)]?.type === "boolean") {
      throw new ParseArgsError(`option ${a.slice(0, eq)} takes no value (given ${a})`);
    }
  }
  let parsed: arg.Result<arg.Spec>;
  try {
    parsed = arg(spec, { argv: args });
  } catch (e) {
    const code = (e as { code?: string }).code;
    const at = (e as Error).message.replace(/^.*: /, "");
    if (code === "ARG_UNKNOWN_OPTION") {
      throw new ParseArgsError(`unknown option ${at}`);
    }
    if (code?.startsWith("ARG_MISSING_REQUIRED")) {
      throw new ParseArgsError(`option ${at} needs a value`);
    }
    throw e;
  }
  const values: Record<string, unknown> = {};
  for (const [name, o] of Object.entries(options)) {
    const value = parsed[`--${name}`] ?? o.default;
    if (value !== undefined) values[name] = value;
  }
  const positionals = parsed._;
  if (!config.allowPositionals && positionals.length > 0) {
    throw new ParseArgsError(`unexpected argument ${positionals[0]}: this command takes none`);
  }
  return { values, positionals };
}

/** `util.parseArgs`'s shape (see Node's documentation); `args` is always passed. */
export const parseArgs = parse as unknown as typeof nodeParseArgs;

/**
 * Whether `e` is parseArgs refusing the command line (an unknown option, a
 * missing value, an unexpected positional): a usage error.
 */
export function isParseArgsError(e: unknown): e is Error {
  return e instanceof ParseArgsError;
}
