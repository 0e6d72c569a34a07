/**
 * The long fuzz run: `deno task fuzz [--cases N] [--seed S]`. Each target
 * runs N cases (scaled per target); a failure names the seed to replay it.
 */
import { parseArgs } from "node:util";
import { loadScenario } from "../../src/cli/main.ts";
import {
  fuzzDecoder,
  fuzzExecution,
  fuzzLoader,
  fuzzScenario,
  sampleObject,
} from "./fuzz_cases.ts";

const { values } = parseArgs({
  args: Deno.args,
  options: { cases: { type: "string", default: "20000" }, seed: { type: "string", default: "7" } },
});
const cases = Number(values.cases);
const seed = Number(values.seed);
if (!Number.isInteger(cases) || cases <= 0 || !Number.isInteger(seed)) {
  console.error("error: --cases and --seed take positive integers");
  Deno.exit(2);
}
const started = performance.now();
fuzzDecoder(cases * 50, seed);
fuzzLoader(await sampleObject(), cases, seed + 1);
fuzzExecution(Math.ceil(cases / 4), seed + 2);
const root = new URL("../../scenarios/", import.meta.url).pathname;
for (
  const file of [...Deno.readDirSync(root)].map((e) => e.name).filter((n) => n.endsWith(".ts"))
) {
  const ran = await fuzzScenario(await loadScenario(`${root}${file}`), cases, seed + 3);
  console.log(`${file}: ${ran} random parameter sets ran`);
}
console.log(
  `fuzz: ${cases * 50} words decoded, ${cases} objects loaded, ${Math.ceil(cases / 4)} pages ` +
    `executed, seed ${seed}, ${((performance.now() - started) / 1000).toFixed(1)} s, no failures`,
);
