/**
 * Digests of the default suite's results, minus their run metadata (date,
 * commits): one sha256 per scenario head and per run, so a change that
 * alters any figure names the runs it altered. `default_suite_test.ts`
 * compares a fresh main job with `default-suite.json`, made by
 *
 *   deno run -A mod.ts main --out DIR && deno run -A tests/golden/digest.ts DIR
 *
 * at the commit whose results are the reference: first the one before the
 * sweep speed work (its engine, assembler and loader were replaced, its
 * numbers were not allowed to move); then the one that put the model's data
 * that no ops count moves before the ops list (src/kernel/data.ts). That
 * changed the hot-path listings of 23 runs, the data offsets their adrp, add
 * and ldr words encode (92 disassembly texts, 47 words), and nothing else:
 * the two commits' results were compared field by field.
 */
import { sha256Hex } from "../../src/hash.ts";

/** Scenario -> its head's digest and each run's, by variant and parameters. */
export type SuiteDigest = Record<string, { head: string; runs: Record<string, string> }>;

const encode = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));

/** The digests of every `<scenario>.json` in `dir` (the main job's output). */
export async function suiteDigest(dir: string): Promise<SuiteDigest> {
  const digest: SuiteDigest = {};
  const files = [...Deno.readDirSync(dir)].filter((e) => e.isFile && e.name.endsWith(".json"))
    .map((e) => e.name).sort();
  for (const file of files) {
    const { meta: _meta, runs, ...head } = JSON.parse(await Deno.readTextFile(`${dir}/${file}`));
    const byRun: Record<string, string> = {};
    for (const run of runs as { variant: string; params: Record<string, unknown> }[]) {
      const key = `${run.variant} ${
        Object.entries(run.params).map(([k, v]) => `${k}=${v}`).join(",")
      }`;
      byRun[key] = await sha256Hex(encode(run));
    }
    digest[head.scenario] = { head: await sha256Hex(encode(head)), runs: byRun };
  }
  return digest;
}

if (import.meta.main) {
  console.log(JSON.stringify(await suiteDigest(Deno.args[0]), null, 1));
}
