import assert from "node:assert/strict";
import { projectState, runMeta } from "../../src/store/meta.ts";
import { sha256Hex } from "../../src/hash.ts";
import { GIT_CACHE_ENV } from "../../src/store/git_cache.ts";

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
    // Without git on PATH, in a process of its own: PATH is the whole process's, and the
    // suite's other modules run beside this one and start llvm-mc and git from it. Its git
    // cache is empty: a record of an earlier run would answer without git.
    const metaModule = new URL("../../src/store/meta.ts", import.meta.url).href;
    const scenario = `${ROOT}scenarios/single-tracer.ts`;
    const script = [
      `const { runMeta } = await import(${JSON.stringify(metaModule)});`,
      `const m = await runMeta(${JSON.stringify(scenario)}, ${JSON.stringify(ROOT)});`,
      "console.log(JSON.stringify({ project: m.project, commit: m.scenarioFile?.commit }));",
    ].join("\n");
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["eval", script],
      env: { PATH: "/nonexistent", [GIT_CACHE_ENV]: dir },
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.ok(out.success, new TextDecoder().decode(out.stderr));
    const noGit = JSON.parse(new TextDecoder().decode(out.stdout));
    assert.deepEqual(noGit.project, { commit: null, dirty: null });
    assert.equal(noGit.commit, null);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("meta: the project's commit, and dirty only when a tracked file changed", async () => {
  const dir = await Deno.makeTempDir();
  const git = async (...args: string[]) => {
    const out = await new Deno.Command("git", { args, cwd: dir, stdout: "piped" }).output();
    assert.ok(out.success, `git ${args.join(" ")}`);
    return new TextDecoder().decode(out.stdout).trim();
  };
  try {
    await git("init", "-q");
    // A repository without a commit has no commit to record.
    assert.deepEqual(await projectState(dir), { commit: null, dirty: null });
    await Deno.writeTextFile(`${dir}/a.txt`, "one\n");
    await git("add", "a.txt");
    await git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "one");
    const head = await git("rev-parse", "HEAD");
    assert.deepEqual(await projectState(dir), { commit: head, dirty: false });
    // An untracked file does not make the tree dirty; a changed tracked one does.
    await Deno.writeTextFile(`${dir}/b.txt`, "untracked\n");
    assert.deepEqual(await projectState(dir), { commit: head, dirty: false });
    await Deno.writeTextFile(`${dir}/a.txt`, "two\n");
    assert.deepEqual(await projectState(dir), { commit: head, dirty: true });
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
