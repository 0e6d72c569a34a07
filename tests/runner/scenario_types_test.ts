/**
 * Typed scenario parameters: `defineScenario` infers each parameter's type
 * from its spec, so scenario files need no casts and import only `mod.ts`.
 * The typed snippet below is itself the compile-time assertion: it fails
 * `deno check` (which the first test runs on this file too) if `p.tracer`
 * were a plain `string`, or `any`.
 */
import assert from "node:assert/strict";
import { argsParam, defineScenario, singleTracerOps } from "../../mod.ts";
import { ROOT, scenarioFiles } from "../scenario_files.ts";

/** What the workload below saw, so the runtime test can look at it too. */
const seen: { tracer: "empty" | "ringbuf"; args: number; flag: boolean }[] = [];

const typed = defineScenario({
  name: "typed-params",
  question: "Does workload(p) see each parameter with its spec's type?",
  params: {
    args: argsParam({ sweep: [0, 8] }),
    tracer: {
      type: "enum",
      values: ["empty", "ringbuf"],
      default: "empty",
      doc: 'an enum: p.tracer is "empty" | "ringbuf"',
    },
    flag: { type: "bool", default: false, doc: "a bool: p.flag is boolean" },
  },
  variants: ["nop", "args"],
  workload(p) {
    // Each line fails type checking if the parameter's type were wider.
    const tracer: "empty" | "ringbuf" = p.tracer;
    const args: number = p.args;
    const flag: boolean = p.flag;
    // @ts-expect-error p.tracer is "empty" | "ringbuf": it does not fit "empty" alone (nor is it any)
    const onlyEmpty: "empty" = p.tracer;
    // @ts-expect-error p.args is a number, not a string
    const notString: string = p.args;
    // @ts-expect-error p.flag is a boolean, not a number
    const notNumber: number = p.flag;
    // @ts-expect-error the scenario has no parameter `missing`
    const missing = p.missing;
    seen.push({ tracer, args, flag });
    void [onlyEmpty, notString, notNumber, missing];
    return {
      target: { args },
      ops: [singleTracerOps(tracer)],
      codegen: { bti: flag },
    };
  },
});

/** The scenario file's code, without comments and with string contents blanked. */
function code(text: string): string {
  let out = "";
  for (let i = 0; i < text.length;) {
    const two = text.slice(i, i + 2);
    if (two === "/*") {
      const end = text.indexOf("*/", i + 2);
      i = end < 0 ? text.length : end + 2;
      out += " ";
    } else if (two === "//") {
      while (i < text.length && text[i] !== "\n") i++;
    } else if (text[i] === '"' || text[i] === "'" || text[i] === "`") {
      const quote = text[i++];
      out += quote;
      while (i < text.length && text[i] !== quote) i += text[i] === "\\" ? 2 : 1;
      out += quote;
      i++;
    } else {
      out += text[i++];
    }
  }
  return out;
}

Deno.test("scenario files and the typed snippet here pass deno check", async () => {
  const files = scenarioFiles().map((f) => f.slice(ROOT.length));
  assert.ok(files.length >= 7, files.join(", "));
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["check", ...files, "tests/runner/scenario_types_test.ts"],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
});

Deno.test("scenario files cast no parameter and import only ../mod.ts", () => {
  for (const file of scenarioFiles()) {
    const text = Deno.readTextFileSync(file);
    const lines = code(text).split("\n");
    const casts = lines.flatMap((line, i) =>
      /\sas\s+(?!const\b)/.test(line) ? [`${file}:${i + 1}: ${text.split("\n")[i].trim()}`] : []
    );
    assert.deepEqual(casts, [], `casts in ${file}`);
    const specifiers = [
      ...text.matchAll(/^\s*(?:import|export)\b[^;]*?\bfrom\s*["']([^"']+)["']/gm),
      ...text.matchAll(/^\s*import\s*["']([^"']+)["']/gm),
      ...text.matchAll(/\bimport\s*\(\s*["'`]([^"'`]+)/g),
    ].map((m) => m[1]);
    assert.ok(specifiers.length > 0, `${file} imports mod.ts`);
    assert.deepEqual(
      specifiers.filter((s) => s !== "../mod.ts"),
      [],
      `${file} imports only ../mod.ts`,
    );
  }
});

Deno.test("the cast check sees casts outside comments and strings", () => {
  const sample = [
    "/** as a kernel does */",
    "const n = p.args as number; // as said",
    'const s = "as is";',
    "const t = [1] as const;",
  ].join("\n");
  const flagged = code(sample).split("\n").flatMap((line, i) =>
    /\sas\s+(?!const\b)/.test(line) ? [i + 1] : []
  );
  assert.deepEqual(flagged, [2]);
});

Deno.test("typed parameters reach workload unchanged at run time", () => {
  seen.length = 0;
  const spec = typed.workload({ args: 8, tracer: "ringbuf", flag: true });
  assert.deepEqual(seen, [{ tracer: "ringbuf", args: 8, flag: true }]);
  assert.equal(spec.target.args, 8);
  assert.equal(spec.ops[0].tracer, "ringbuf");
  assert.deepEqual(spec.codegen, { bti: true });
  // The runner keeps handing plain Params to a stored scenario.
  assert.deepEqual(Object.keys(typed.params), ["args", "tracer", "flag"]);
});
