/**
 * The CLI bundle the tasks run (src/cli/bundle.ts, src/cli/launch.ts): built
 * when a source changed, trusted only while every source and output is as its
 * manifest stamps it, and giving what the sources give.
 */
import assert from "node:assert/strict";
import { ensureBundle, isFresh } from "../../src/cli/bundle.ts";
import { deno, freshCopy, ROOT } from "../robustness/cli.ts";
import { taskCommand } from "../../bench/sweep.bench.ts";

/** `path`, or every file under it, dated an hour back, so that none looks changed just now. */
function age(path: string): void {
  if (Deno.statSync(path).isDirectory) {
    for (const e of Deno.readDirSync(path)) age(`${path}/${e.name}`);
  } else {
    const past = new Date(Date.now() - 3600_000);
    Deno.utimeSync(path, past, past);
  }
}

/** What the bundle is built from, dated an hour back (not the bundle, whose stamps would change). */
const ageSources = (root: string) =>
  ["src", "mod.ts", "deno.json", "deno.lock"].forEach((p) => age(root + p));

/** A result file without its date, which is all two runs of one tree may differ in. */
function undated(path: string): unknown {
  const result = JSON.parse(Deno.readTextFileSync(path));
  delete result.meta.date;
  return result;
}

Deno.test("the bundle is built once, then trusted until a source, an output or Deno changes", async () => {
  const dir = await freshCopy();
  const root = `${dir}/`;
  const manifest = `${root}.cache/bundle/manifest.json`;
  try {
    ageSources(root);
    assert.equal(isFresh(root), false, "a fresh copy has no bundle");
    assert.equal(await ensureBundle(root), "built");
    // mod.js sends mod.ts's importers to the build, which holds the worker's entry where
    // src/runner/case_pool.ts looks for it.
    const build = Deno.readTextFileSync(`${root}.cache/bundle/mod.js`).match(/"\.\/(build-[^/]+)\//)
      ?.[1];
    assert.ok(build, "mod.js names its build");
    assert.ok(Deno.statSync(`${root}.cache/bundle/${build}/mod.js`).isFile);
    assert.ok(Deno.statSync(`${root}.cache/bundle/${build}/src/runner/case_worker.js`).isFile);
    assert.equal(await ensureBundle(root), "fresh");

    const changes: [string, () => void][] = [
      [
        "a source's text",
        () => Deno.writeTextFileSync(`${root}src/report/table.ts`, "\n", { append: true }),
      ],
      [
        "a source's time alone",
        () => Deno.utimeSync(`${root}mod.ts`, new Date(), new Date(Date.now() - 1800_000)),
      ],
      ["deno.lock", () => Deno.writeTextFileSync(`${root}deno.lock`, " ", { append: true })],
      ["a chunk of the bundle", () => {
        const m = JSON.parse(Deno.readTextFileSync(manifest));
        const chunk = (m.outputs as string[][]).find(([path]) => /\/chunk-/.test(path))![0];
        Deno.writeTextFileSync(`${root}.cache/bundle/${chunk}`, "\n", { append: true });
      }],
      ["the Deno that built it", () => {
        const m = JSON.parse(Deno.readTextFileSync(manifest));
        Deno.writeTextFileSync(manifest, JSON.stringify({ ...m, deno: "0.0.0" }));
      }],
    ];
    for (const [what, change] of changes) {
      change();
      if (!what.startsWith("a source's time")) ageSources(root);
      assert.equal(isFresh(root), false, `${what} changed: the bundle is stale`);
      assert.equal(await ensureBundle(root), "built", `${what} changed`);
      assert.equal(await ensureBundle(root), "fresh", `built again after ${what} changed`);
    }

    // A source written just now: this build is used once, and the next launch builds again,
    // as a stat could not tell a second edit in the same instant.
    Deno.writeTextFileSync(`${root}src/report/table.ts`, "\n", { append: true });
    assert.equal(await ensureBundle(root), "built");
    assert.equal(isFresh(root), false, "no manifest for a build of files changed just now");

    // Builds an hour old go, with the directory of a build a killed launch left; younger
    // ones stay, for processes that may still read them.
    const bundleDir = `${root}.cache/bundle`;
    const builds = () =>
      [...Deno.readDirSync(bundleDir)].filter((e) => e.isDirectory).map((e) => e.name).sort();
    const before = builds();
    assert.ok(before.length >= 3, `builds kept: ${before}`);
    const [aged, young] = before;
    const killed = `${bundleDir}/.build-killed`;
    Deno.mkdirSync(killed);
    const hoursAgo = new Date(Date.now() - 2 * 3600_000);
    for (const path of [`${bundleDir}/${aged}`, killed]) Deno.utimeSync(path, hoursAgo, hoursAgo);
    ageSources(root);
    assert.equal(await ensureBundle(root), "built");
    const after = builds();
    assert.ok(!after.includes(aged), `${aged}, two hours old, was removed`);
    assert.ok(after.includes(young), `${young}, just made, was kept`);
    assert.ok(!after.includes(".build-killed"), "a killed build's directory was removed");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the run task gives the sources' results, in one thread and with workers", async () => {
  const dir = await freshCopy();
  try {
    const sweeps = [
      ["scenarios/single-tracer.ts"],
      // Big enough that workers pay (src/runner/run_scenario.ts): they run the bundle's worker.
      [
        "scenarios/ftrace-ops.ts",
        ...["--param", `relevant=${[...Array(25).keys()]}`],
        ...["--param", `irrelevant=${[...Array(10).keys()]}`],
        ...["--workers", "2"],
      ],
    ];
    for (const [i, sweep] of sweeps.entries()) {
      const fromTask = `${dir}/task-${i}.json`, fromSources = `${dir}/sources-${i}.json`;
      const task = await deno([
        ...taskCommand("run", `${dir}/`),
        ...sweep,
        "--quiet",
        "--json",
        fromTask,
      ], {
        cwd: dir,
      });
      assert.equal(task.code, 0, task.stderr);
      const sources = await deno(
        ["run", "-A", "mod.ts", "run", ...sweep, "--quiet", "--json", fromSources],
        { cwd: dir },
      );
      assert.equal(sources.code, 0, sources.stderr);
      assert.deepEqual(undated(fromTask), undated(fromSources), sweep.join(" "));
    }
    assert.ok(Deno.statSync(`${dir}/.cache/bundle/mod.js`).isFile, "the task ran the bundle");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a bundle that cannot be built is an error (exit 3) that names it and the way around", async () => {
  const dir = await freshCopy();
  try {
    Deno.writeTextFileSync(`${dir}/src/report/table.ts`, "\nexport const = ;\n", { append: true });
    const r = await deno([...taskCommand("run", `${dir}/`), "scenarios/single-tracer.ts"], {
      cwd: dir,
    });
    assert.equal(r.code, 3, r.stderr);
    assert.match(r.stderr, /cannot build the CLI bundle in .*\.cache\/bundle\//);
    assert.match(r.stderr, /deno run -A mod\.ts <command>/);

    // A .cache/ it cannot write in (here a file, which root cannot write in either).
    Deno.writeTextFileSync(
      `${dir}/src/report/table.ts`,
      Deno.readTextFileSync(`${ROOT}src/report/table.ts`),
    );
    Deno.removeSync(`${dir}/.cache`, { recursive: true });
    Deno.writeTextFileSync(`${dir}/.cache`, "");
    const unwritable = await deno(
      [...taskCommand("run", `${dir}/`), "scenarios/single-tracer.ts"],
      {
        cwd: dir,
      },
    );
    assert.equal(unwritable.code, 3, unwritable.stderr);
    assert.match(unwritable.stderr, /^cannot build the CLI bundle in .*\.cache\/bundle\/: /);
    assert.match(unwritable.stderr, /deno run -A mod\.ts <command>/);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("without the task's import map, the launcher runs the sources and builds nothing", async () => {
  const dir = await freshCopy();
  try {
    const r = await deno(["run", "-A", "src/cli/launch.ts", "--help"], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /usage: deno run -A mod\.ts <command>/);
    assert.throws(() => Deno.statSync(`${dir}/.cache/bundle`), Deno.errors.NotFound);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the task's import map sends mod.ts to the bundle and maps what deno.json maps", () => {
  const root = new URL("../../", import.meta.url);
  const config = JSON.parse(Deno.readTextFileSync(new URL("deno.json", root)));
  const mapUrl = new URL("src/cli/bundle.importmap.json", root);
  const { imports } = JSON.parse(Deno.readTextFileSync(mapUrl));
  const { "../../mod.ts": mod, ...packages } = imports;
  assert.equal(new URL(mod, mapUrl).href, new URL(".cache/bundle/mod.js", root).href);
  // The map replaces deno.json's own when given: a package missing here would not resolve.
  assert.deepEqual(packages, config.imports);
  for (const task of ["run", "bench", "report", "compare", "merge", "kernel", "asm"]) {
    const words = taskCommand(task);
    assert.ok(words.includes("--import-map=src/cli/bundle.importmap.json"), task);
    assert.equal(words[words.indexOf("src/cli/launch.ts") + 1], task === "bench" ? "main" : task);
  }
});

Deno.test("a checkout under a directory named .cache/bundle runs from its sources as such", async () => {
  const dir = await freshCopy();
  const nested = `${dir}/.cache/bundle/checkout`;
  try {
    Deno.mkdirSync(`${dir}/.cache/bundle`, { recursive: true });
    Deno.renameSync(`${dir}/src`, `${dir}/src-moved`);
    Deno.mkdirSync(nested);
    for (const name of ["src-moved", "mod.ts", "deno.json", "deno.lock", "scenarios"]) {
      Deno.renameSync(`${dir}/${name}`, `${nested}/${name === "src-moved" ? "src" : name}`);
    }
    const r = await deno([
      "run",
      "-A",
      "mod.ts",
      "run",
      "scenarios/single-tracer.ts",
      "--param",
      "args=2",
    ], {
      cwd: nested,
    });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^args +\d+/m);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a checkout under a directory whose name a URL escapes finds its own files", async () => {
  const dir = await freshCopy();
  // A space and a percent sign: a path taken from a URL undecoded names another directory.
  const nested = `${dir}/a b%20c`;
  try {
    Deno.mkdirSync(nested);
    for (const e of [...Deno.readDirSync(dir)]) {
      if (e.name !== "a b%20c") Deno.renameSync(`${dir}/${e.name}`, `${nested}/${e.name}`);
    }
    const r = await deno([
      ...taskCommand("run", `${nested}/`),
      "scenarios/single-tracer.ts",
      ...["--variant", "args", "--param", "args=2", "--cpu", "neoverse-n1"],
      ...["--quiet", "--json", `${nested}/one.json`],
    ], { cwd: nested });
    assert.equal(r.code, 0, r.stderr);
    const run = JSON.parse(Deno.readTextFileSync(`${nested}/one.json`)).runs[0];
    assert.equal(run.status, "ok");
    assert.ok(run.timing, "timed on the CPU file under the checkout");
    const gcc = await new Deno.Command("gcc", {
      args: ["--version"],
      stdout: "null",
      stderr: "null",
    })
      .output().then((o) => o.success, () => false);
    if (gcc) {
      assert.ok(Deno.statSync(`${nested}/.cache/native`).isDirectory, "the native log's cache");
    }
    assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["a b%20c"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

/** The modules a bundle file imports statically ("./chunk-x.js", "node:util", ...). */
function staticImports(file: string): string[] {
  const text = Deno.readTextFileSync(file);
  return [...text.matchAll(/^(?:import|export)\b[^;"]*?(?:from\s*)?"([^"]+)";/gms)].map((m) =>
    m[1]
  );
}

Deno.test("a one-case run from the bundle loads no Node module and never reads `process`", async () => {
  const dir = await freshCopy();
  try {
    // Deno's Node layer costs a process 6 to 9 ms when its first module loads (src/cli/parse_args.ts).
    const trap = `${dir}/trap.js`;
    Deno.writeTextFileSync(
      trap,
      'Object.defineProperty(globalThis, "process", { get() { throw new Error("process was read"); } });',
    );
    const [run, ...rest] = taskCommand("run", `${dir}/`);
    const r = await deno([
      run,
      `--preload=${trap}`,
      ...rest,
      "scenarios/single-tracer.ts",
      ...["--variant", "args", "--param", "args=2", "--quiet", "--json", `${dir}/one.json`],
    ], { cwd: dir });
    assert.equal(r.code, 0, r.stderr);
    const runs = JSON.parse(Deno.readTextFileSync(`${dir}/one.json`)).runs;
    assert.deepEqual(runs.map((x: { status: string }) => x.status), ["ok"]);

    const stub = Deno.readTextFileSync(`${dir}/.cache/bundle/mod.js`);
    const build = `${dir}/.cache/bundle/${stub.match(/"\.\/(build-[^/]+)\//)![1]}/`;
    const loaded = new Set<string>(), outside = new Set<string>();
    for (const todo = ["mod.js"]; todo.length > 0;) {
      const file = todo.pop()!;
      if (loaded.has(file)) continue;
      loaded.add(file);
      for (const spec of staticImports(build + file)) {
        if (spec.startsWith("./")) todo.push(spec.slice(2));
        else outside.add(spec);
      }
    }
    // The walk sees the run path: the emulator's chunk is among what mod.js loads.
    assert.ok(
      [...loaded].some((f) =>
        Deno.readTextFileSync(build + f).includes("// src/engine/unicorn.ts")
      ),
      [...loaded].join(", "),
    );
    assert.deepEqual([...outside], []);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
