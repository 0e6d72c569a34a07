/**
 * The command line's parser (`src/cli/parse_args.ts`) against Node's own
 * `util.parseArgs`, whose shape it keeps: what both accept they read alike,
 * and what Node refuses it refuses too, with its own message.
 */
import assert from "node:assert/strict";
import { parseArgs as nodeParseArgs } from "node:util";
import { isParseArgsError, parseArgs } from "../src/cli/parse_args.ts";

// The shapes the commands declare: strings, repeated strings, flags, short names, defaults.
const options = {
  variant: { type: "string", multiple: true },
  json: { type: "string" },
  quiet: { type: "boolean", short: "q" },
  help: { type: "boolean", short: "h" },
  out: { type: "string", short: "o", default: "results" },
  layout: { type: "string", default: "wide" },
} as const;

Deno.test("parseArgs reads what Node's parseArgs accepts as Node does", () => {
  const lines = [
    [],
    ["scenarios/a.ts"],
    ["scenarios/a.ts", "--variant", "args", "--variant=regs", "--json", "-", "--quiet"],
    ["--json=out.json", "a.ts", "b.ts"],
    ["--json", "a=b=c", "-q", "-o", "dir", "--layout=narrow"],
    ["-hq", "x"],
    ["a.ts", "--", "--variant", "-q"],
    ["-", "--json="],
    ["--variant", "with space", "--variant", ""],
  ];
  for (const args of lines) {
    const mine = parseArgs({ args, options, allowPositionals: true });
    const node = nodeParseArgs({ args, options, allowPositionals: true });
    assert.deepEqual(
      { values: { ...mine.values }, positionals: mine.positionals },
      { values: { ...node.values }, positionals: node.positionals },
      JSON.stringify(args),
    );
  }
});

Deno.test("parseArgs refuses what Node's refuses, naming the option or argument", () => {
  const refused: [string[], boolean, RegExp][] = [
    [["--bogus"], true, /^unknown option --bogus$/],
    [["-x"], true, /^unknown option -x$/],
    [["--json"], true, /^option --json needs a value$/],
    [["a.ts", "-o"], true, /^option -o \(alias for --out\) needs a value$/],
    [["--quiet=1"], true, /^option --quiet takes no value \(given --quiet=1\)$/],
    [["extra"], false, /^unexpected argument extra: this command takes none$/],
  ];
  for (const [args, allowPositionals, message] of refused) {
    assert.throws(() => nodeParseArgs({ args, options, allowPositionals }), JSON.stringify(args));
    let caught: unknown;
    try {
      parseArgs({ args, options, allowPositionals });
    } catch (e) {
      caught = e;
    }
    assert.ok(isParseArgsError(caught), `${JSON.stringify(args)}: ${caught}`);
    assert.match((caught as Error).message, message);
  }
  assert.equal(isParseArgsError(new Error("other")), false);
});
