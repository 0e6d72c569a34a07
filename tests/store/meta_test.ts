import assert from "node:assert/strict";
import { runMeta, sha256Hex } from "../../src/store/meta.ts";

const ROOT = new URL("../../", import.meta.url).pathname;

Deno.test("meta: in the project checkout, commits and content hash are recorded", async () => {
  const file = `${ROOT}scenarios/single-tracer.ts`;
  const meta = await runMeta(file, ROOT, new Date("2025-01-02T03:04:05.000Z"));
  assert.equal(meta.date, "2025-01-02T03:04:05.000Z");
  assert.match(meta.project.commit ?? "", /^[0-9a-f]{40}$/);
  assert.equal(typeof meta.project.dirty, "boolean");
  assert.equal(meta.scenarioFile?.path, "scenarios/single-tracer.ts");
  assert.match(meta.scenarioFile?.commit ?? "", /^[0-9a-f]{40}$/);
  assert.equal(meta.scenarioFile?.sha256, await sha256Hex(await Deno.readFile(file)));
});

Deno.test("meta: outside a checkout or without git, commits are null and nothing fails", async () => {
  const dir = await Deno.makeTempDir();
  const file = `${dir}/s.ts`;
  await Deno.writeTextFile(file, "export default 1;\n");
  try {
    const meta = await runMeta(file, dir);
    assert.deepEqual(meta.project, { commit: null, dirty: null });
    assert.equal(meta.scenarioFile?.commit, null);
    assert.equal(meta.scenarioFile?.path, "s.ts");
    // sha256sum of the same bytes.
    assert.equal(
      meta.scenarioFile?.sha256,
      "96909e1dce85ca534fd8881f6c8369a8a87e06df5a4bf81ef44a72db195b0704",
    );
    const path = Deno.env.get("PATH")!;
    Deno.env.set("PATH", "/nonexistent");
    try {
      const noGit = await runMeta(`${ROOT}scenarios/single-tracer.ts`, ROOT);
      assert.deepEqual(noGit.project, { commit: null, dirty: null });
      assert.equal(noGit.scenarioFile?.commit, null);
    } finally {
      Deno.env.set("PATH", path);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
