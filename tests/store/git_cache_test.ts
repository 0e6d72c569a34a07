import assert from "node:assert/strict";
import { cachedFileCommit, findRepo, MAX_RECORDS } from "../../src/store/git_cache.ts";
import { gitQueries, projectState, scenarioFileState } from "../../src/store/meta.ts";

/** A repository with one commit of a.txt, and a cache directory of its own. */
async function repository() {
  const dir = await Deno.makeTempDir({ prefix: "ftrace-bench-git-" });
  const cache = { dir: `${dir}.cache`, racyMs: 0 };
  const git = async (...args: string[]) => {
    const out = await new Deno.Command("git", { args, cwd: dir, stdout: "piped" }).output();
    assert.ok(out.success, `git ${args.join(" ")}`);
    return new TextDecoder().decode(out.stdout).trim();
  };
  const commit = async (message: string) => {
    await git("add", "-A");
    await git("-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", message);
    return await git("rev-parse", "HEAD");
  };
  await git("init", "-q");
  await Deno.writeTextFile(`${dir}/a.txt`, "one\n");
  return {
    dir,
    cache,
    git,
    commit,
    head: await commit("one"),
    async [Symbol.asyncDispose]() {
      await Deno.remove(dir, { recursive: true });
      await Deno.remove(cache.dir, { recursive: true }).catch(() => {});
    },
  };
}

/** What `f` returns, and how many git processes it started. */
async function counted<T>(f: () => Promise<T>): Promise<[T, number]> {
  const before = gitQueries.count;
  const value = await f();
  return [value, gitQueries.count - before];
}

Deno.test("git cache: the project's state is asked once while nothing changes, again after a change", async () => {
  await using r = await repository();
  const state = () => counted(() => projectState(r.dir, r.cache));
  assert.deepEqual(await state(), [{ commit: r.head, dirty: false }, 2]);
  assert.deepEqual(await state(), [{ commit: r.head, dirty: false }, 0]);
  // An untracked file is not looked at, by git or by the key.
  await Deno.writeTextFile(`${r.dir}/b.txt`, "untracked\n");
  assert.deepEqual(await state(), [{ commit: r.head, dirty: false }, 0]);
  // A tracked file's change is seen; the dirty answer is kept too. (Each change here
  // changes the size: two writes within one tick of the file system's clock leave the
  // same times, which only the second's wait before keeping an answer covers.)
  await Deno.writeTextFile(`${r.dir}/a.txt`, "two!\n");
  assert.deepEqual(await state(), [{ commit: r.head, dirty: true }, 2]);
  assert.deepEqual(await state(), [{ commit: r.head, dirty: true }, 0]);
  // Put back as it was: git's answer, clean, whatever the record said.
  await Deno.writeTextFile(`${r.dir}/a.txt`, "one\n");
  assert.deepEqual(await state(), [{ commit: r.head, dirty: false }, 2]);
  // A commit moves HEAD.
  const second = await r.commit("two");
  assert.deepEqual(await state(), [{ commit: second, dirty: false }, 2]);
  // A removed tracked file.
  await Deno.remove(`${r.dir}/a.txt`);
  assert.deepEqual(await state(), [{ commit: second, dirty: true }, 2]);
  // A record that is not one (damaged, or another key's) is never used.
  for (const e of Deno.readDirSync(r.cache.dir)) {
    await Deno.writeTextFile(`${r.cache.dir}/${e.name}`, '{"key": "[]", "answer": 7}');
  }
  assert.deepEqual(await state(), [{ commit: second, dirty: true }, 2]);
});

Deno.test("git cache: a file's last commit is kept while HEAD stays", async () => {
  await using r = await repository();
  const file = `${r.dir}/a.txt`;
  const commitOf = () =>
    counted(async () => (await scenarioFileState(file, r.dir, r.cache)).commit);
  assert.deepEqual(await commitOf(), [r.head, 1]);
  assert.deepEqual(await commitOf(), [r.head, 0]);
  // Another file's commit moves HEAD: asked again, the same answer.
  await Deno.writeTextFile(`${r.dir}/c.txt`, "c\n");
  await r.commit("c");
  assert.deepEqual(await commitOf(), [r.head, 1]);
  await Deno.writeTextFile(file, "two\n");
  const touching = await r.commit("a again");
  assert.deepEqual(await commitOf(), [touching, 1]);
  assert.deepEqual(await commitOf(), [touching, 0]);
  // A new branch: HEAD names another ref.
  await r.git("checkout", "-q", "-b", "other", r.head);
  assert.deepEqual(await commitOf(), [r.head, 1]);
  // A detached HEAD names the commit itself.
  await r.git("checkout", "-q", "--detach", touching);
  assert.deepEqual(await commitOf(), [touching, 1]);
  assert.deepEqual(await commitOf(), [touching, 0]);
});

Deno.test("git cache: a project with a submodule is asked every time", async () => {
  await using r = await repository();
  await r.git("update-index", "--add", "--cacheinfo", `160000,${r.head},sub`);
  const state = () => counted(() => projectState(r.dir, r.cache));
  assert.deepEqual(await state(), [{ commit: r.head, dirty: true }, 2]);
  assert.deepEqual(await state(), [{ commit: r.head, dirty: true }, 2]);
});

Deno.test("git cache: an answer is not kept when what it read changed just before", async () => {
  await using r = await repository();
  // The default window: a.txt and the index were written just now.
  const fresh = { dir: r.cache.dir };
  assert.deepEqual(await counted(() => projectState(r.dir, fresh)), [{
    commit: r.head,
    dirty: false,
  }, 2]);
  assert.deepEqual(await counted(() => projectState(r.dir, fresh)), [{
    commit: r.head,
    dirty: false,
  }, 2]);
  assert.throws(() => Deno.readDirSync(r.cache.dir).next(), Deno.errors.NotFound);
});

Deno.test("git cache: a linked worktree's state is kept, and its HEAD is its own", async () => {
  await using r = await repository();
  const tree = `${r.dir}.tree`;
  await r.git("worktree", "add", "-q", "-b", "side", tree);
  try {
    const repo = findRepo(tree);
    assert.equal(repo?.root, tree);
    assert.equal(repo?.commonDir, `${r.dir}/.git`);
    const state = () => counted(() => projectState(tree, r.cache));
    assert.deepEqual(await state(), [{ commit: r.head, dirty: false }, 2]);
    assert.deepEqual(await state(), [{ commit: r.head, dirty: false }, 0]);
    // A commit in the main tree moves its branch, not the worktree's.
    await Deno.writeTextFile(`${r.dir}/a.txt`, "main\n");
    await r.commit("main");
    assert.deepEqual(await state(), [{ commit: r.head, dirty: false }, 0]);
  } finally {
    await Deno.remove(tree, { recursive: true });
  }
});

Deno.test("git cache: off where git would look elsewhere, and outside a checkout", async () => {
  const outside = await Deno.makeTempDir();
  try {
    assert.equal(findRepo(outside), null);
  } finally {
    await Deno.remove(outside);
  }
  // GIT_DIR in the environment: in a process of its own (the suite's git processes inherit it).
  const module = new URL("../../src/store/git_cache.ts", import.meta.url).href;
  const here = new URL("../../", import.meta.url).pathname;
  const run = async (env: Record<string, string>) => {
    const out = await new Deno.Command(Deno.execPath(), {
      args: [
        "eval",
        `const m = await import(${JSON.stringify(module)});
console.log(JSON.stringify(m.findRepo(${JSON.stringify(here)})?.root ?? null));`,
      ],
      env,
      stdout: "piped",
    }).output();
    return JSON.parse(new TextDecoder().decode(out.stdout));
  };
  assert.equal(await run({ GIT_DIR: "/nowhere" }), null);
  assert.equal(await run({ GIT_SSL_CAINFO: "/nowhere" }), here.replace(/\/$/, ""));
});

Deno.test("git cache: where git could not answer, nothing is kept", async () => {
  await using r = await repository();
  let asked = 0;
  const ask =
    (answer: { commit: string | null } | null) => () => (asked++, Promise.resolve(answer));
  const file = `${r.dir}/a.txt`;
  assert.equal(await cachedFileCommit(file, ask(null), r.cache), null);
  assert.equal(await cachedFileCommit(file, ask({ commit: r.head }), r.cache), r.head);
  assert.equal(await cachedFileCommit(file, ask({ commit: "other" }), r.cache), r.head);
  assert.equal(asked, 2);
  // No commit has the file: an answer, kept.
  const untracked = `${r.dir}/new.txt`;
  assert.equal(await cachedFileCommit(untracked, ask({ commit: null }), r.cache), null);
  assert.equal(await cachedFileCommit(untracked, ask({ commit: "other" }), r.cache), null);
  assert.equal(asked, 3);
});

Deno.test("git cache: an answer given while HEAD moved is not kept", async () => {
  await using r = await repository();
  // The window in the future: only HEAD's move can keep the answer out.
  const cache = { ...r.cache, racyMs: -60_000 };
  const file = `${r.dir}/a.txt`;
  let asked = 0;
  const moving = async () => {
    asked++;
    await Deno.writeTextFile(`${r.dir}/b.txt`, "b\n");
    await r.commit("b");
    return { commit: r.head };
  };
  assert.equal(await cachedFileCommit(file, moving, cache), r.head);
  const still = () => (asked++, Promise.resolve({ commit: r.head }));
  assert.equal(await cachedFileCommit(file, still, cache), r.head);
  assert.equal(await cachedFileCommit(file, still, cache), r.head);
  assert.equal(asked, 2);
});

Deno.test("git cache: records are bounded", async () => {
  await using r = await repository();
  const x = () => Promise.resolve({ commit: "x" });
  for (let i = 0; i < MAX_RECORDS + 8; i++) {
    assert.equal(await cachedFileCommit(`${r.dir}/f${i}`, x, r.cache), "x");
  }
  assert.equal([...Deno.readDirSync(r.cache.dir)].length, MAX_RECORDS);
});
