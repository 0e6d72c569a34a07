/**
 * The default suite gives the same results, bit for bit (run metadata aside),
 * as the reference commit recorded in default-suite.json (see digest.ts): the
 * engine kept warm between cases, data built without the assembler and the
 * code parsed once must not move a single figure (nor a listing's word).
 */
import assert from "node:assert/strict";
import { type SuiteDigest, suiteDigest } from "./digest.ts";

const ROOT = new URL("../../", import.meta.url).pathname;

Deno.test("the default suite's results equal the reference commit's, run by run", async () => {
  const out = await Deno.makeTempDir();
  try {
    const r = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", `${ROOT}mod.ts`, "main", "--out", out],
      stdout: "null",
      stderr: "piped",
    }).output();
    assert.ok(r.success, new TextDecoder().decode(r.stderr));
    const now = await suiteDigest(out);
    const reference: SuiteDigest = JSON.parse(
      await Deno.readTextFile(`${ROOT}tests/golden/default-suite.json`),
    );
    assert.deepEqual(Object.keys(now), Object.keys(reference), "the same scenarios");
    for (const [scenario, { head, runs }] of Object.entries(reference)) {
      const differ = Object.keys({ ...runs, ...now[scenario].runs })
        .filter((run) => runs[run] !== now[scenario].runs[run]);
      assert.deepEqual(differ, [], `${scenario}: runs that differ from the reference`);
      assert.equal(now[scenario].head, head, `${scenario}: the result's head`);
    }
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});
