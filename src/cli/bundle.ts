/**
 * The CLI bundle: mod.ts and the sweep's worker built by `deno bundle` into
 * a few JavaScript chunks under `.cache/bundle/`, which the tasks run
 * (`src/cli/launch.ts`). Deno loads those chunks in less time than the
 * TypeScript modules they come from: about 12 ms of a one-case run
 * (bench/README.md).
 *
 * Each build is a directory of its own (`build-*`), and `.cache/bundle/mod.js`
 * a one-line module that re-exports the newest: the task's import map sends
 * mod.ts there.
 *
 * The bundle is a cache of the sources, checked at every launch as git
 * checks its index. Its manifest records the Deno that built it and the
 * status (src/store/file_status.ts) of every source it was built from and of
 * every file it wrote. Any difference builds it again. So does a source
 * changed less than 2 s before the build, which a later stat could not tell
 * from a second edit in the same instant.
 *
 * The launcher loads this module from the sources before the harness, on
 * every run: what it imports is kept to a few modules that import no others.
 */
import { BUNDLE_DIR, projectPath } from "../paths.ts";
import { type FileStatus, fileStatus, RACY_MS, sameStatus } from "../store/file_status.ts";
import { writeFileAtomic } from "../report/results_file.ts";

/** The bundle's entries: the command line, and the sweep's worker (`src/runner/case_pool.ts`). */
const ENTRIES = ["mod.ts", "src/runner/case_worker.ts"];
/** What the bundle is built from: the entries' modules (under src/) and the project's config. */
const SOURCE_DIR = "src";
const SOURCE_FILE = /\.(ts|js|json)$/;
const CONFIG = ["mod.ts", "deno.json", "deno.lock"];

const MANIFEST = "manifest.json";
/** What the task's import map sends mod.ts to (src/cli/bundle.importmap.json). */
const ENTRY = "mod.js";
const KIND = "ftrace-bench-cli-bundle";
const SCHEMA = 2;
/**
 * Earlier builds are removed once this old (ms): a process that loaded one may still read
 * it (its workers, a command's lazily loaded modules), and each edit of a source makes one.
 */
const OLD_BUILD_MS = 3600 * 1000;

/** A file (its path relative to a directory) and its status. */
type Stamp = [path: string, status: FileStatus];

interface Manifest {
  kind: typeof KIND;
  schema: typeof SCHEMA;
  deno: string;
  sources: Stamp[];
  outputs: Stamp[];
}

const WAY_AROUND = "The sources run without it: deno run -A mod.ts <command>.";

/** The bundle could not be built; the message says why and what to run instead. */
export class BundleError extends Error {
  override name = "BundleError";
}

/**
 * Make the bundle under `root` match its sources: "fresh" if it did,
 * "built" if it was built now.
 */
export async function ensureBundle(root = projectPath("")): Promise<"fresh" | "built"> {
  if (isFresh(root)) return "fresh";
  try {
    await build(root);
  } catch (e) {
    if (e instanceof BundleError) throw e;
    // A checkout it cannot write, a full disk: the machine's, not the harness's.
    throw new BundleError(
      `cannot build the CLI bundle in ${root}${BUNDLE_DIR}: ${(e as Error).message}. ${WAY_AROUND}`,
    );
  }
  return "built";
}

const sameStamp = (root: string) => ([path, status]: Stamp) =>
  status !== null && sameStatus(fileStatus(root + path), status);

/** True when the manifest is this schema's and Deno's and every file in it is as stamped. */
export function isFresh(root = projectPath("")): boolean {
  try {
    const m: Manifest = JSON.parse(Deno.readTextFileSync(root + BUNDLE_DIR + MANIFEST));
    return m.kind === KIND && m.schema === SCHEMA && m.deno === Deno.version.deno &&
      m.sources.every(sameStamp(root)) && m.outputs.every(sameStamp(root + BUNDLE_DIR));
  } catch {
    // None, or not one this harness wrote (a stamp that is not an array, ...): built again.
    return false;
  }
}

/** Every file under `dir` (relative to `base`), sorted. */
function walk(base: string, dir: string, keep: (name: string) => boolean = () => true): string[] {
  const found: string[] = [];
  for (const e of Deno.readDirSync(base + dir)) {
    if (e.name.startsWith(".")) continue;
    const path = dir === "" ? e.name : `${dir}/${e.name}`;
    if (e.isDirectory) found.push(...walk(base, path, keep));
    else if (keep(e.name)) found.push(path);
  }
  return found.sort();
}

function stampAll(root: string, paths: readonly string[]): Stamp[] {
  return paths.map((p) => {
    const status = fileStatus(root + p);
    if (status === null) throw new BundleError(`cannot stat ${root}${p} for the CLI bundle`);
    return [p, status];
  });
}

async function build(root: string): Promise<void> {
  const started = Date.now();
  const sources = stampAll(root, [
    ...CONFIG,
    ...walk(root, SOURCE_DIR, (n) => SOURCE_FILE.test(n)),
  ]);
  const dest = root + BUNDLE_DIR;
  Deno.mkdirSync(dest, { recursive: true });
  // Each build has a directory of its own, which nothing overwrites: a process that loaded
  // one keeps reading it (its workers, its later imports) while another launch builds anew.
  const temp = Deno.makeTempDirSync({ dir: dest, prefix: ".build-" });
  try {
    const out = await new Deno.Command(Deno.execPath(), {
      args: [
        "bundle",
        "--quiet",
        "--platform=deno",
        // The npm packages on a run's path (arg, pathe) are bundled: loaded as npm
        // packages, they would start Deno's Node layer. chart.js, which only a report needs,
        // is left to its import (src/report/html/chartjs.ts).
        "--external=chart.js",
        "--code-splitting",
        `--outdir=${temp}`,
        ...ENTRIES,
      ],
      cwd: root,
      env: { NO_COLOR: "1" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    if (!out.success) {
      // Its message, without the backtrace: the source line at fault is in its first lines.
      const said = new TextDecoder().decode(out.stderr).split("Stack backtrace")[0];
      const why = said.replace(/\s+/g, " ").trim();
      throw new BundleError(
        `cannot build the CLI bundle in ${dest}: deno bundle ${
          ENTRIES.join(" ")
        } exited with ${out.code} (${why}). ${WAY_AROUND}`,
      );
    }
    const written = walk(`${temp}/`, "");
    const missing = ENTRIES.map((e) => e.replace(/\.ts$/, ".js")).filter((e) =>
      !written.includes(e)
    );
    if (missing.length > 0) {
      throw new BundleError(
        `deno bundle wrote no ${missing.join(", ")} in ${temp}: the CLI bundle's layout ` +
          `(src/cli/bundle.ts) does not match this Deno ${Deno.version.deno}.`,
      );
    }
    const name = `build-${temp.slice(temp.lastIndexOf("/.build-") + "/.build-".length)}`;
    Deno.renameSync(temp, dest + name);
    // The import map's mod.js: one line that sends mod.ts's importers to this build.
    writeFileAtomic(dest + ENTRY, `export * from "./${name}/mod.js";\n`);
    const manifest: Manifest = {
      kind: KIND,
      schema: SCHEMA,
      deno: Deno.version.deno,
      sources,
      outputs: stampAll(dest, [ENTRY, ...written.map((f) => `${name}/${f}`)]),
    };
    // By mtime, which every change of a source's text moves; not ctime, which a fresh
    // clone's files all have from the moment of the clone.
    if (sources.some(([, status]) => status![1] > started - RACY_MS)) {
      // This run uses what it built from the files as they are now; the next one builds again.
      try {
        Deno.removeSync(dest + MANIFEST);
      } catch (e) {
        if (!(e instanceof Deno.errors.NotFound)) throw e;
      }
    } else {
      writeFileAtomic(dest + MANIFEST, JSON.stringify(manifest));
    }
    removeOldBuilds(dest, name, started);
  } finally {
    try {
      Deno.removeSync(temp, { recursive: true });
    } catch { /* renamed into place */ }
  }
}

/**
 * Remove earlier builds, and the directory of a build a killed launch left,
 * once an hour old (a killed write's temp file goes with writeFileAtomic's sweep).
 */
function removeOldBuilds(dest: string, current: string, now: number): void {
  for (const e of Deno.readDirSync(dest)) {
    if (!e.isDirectory || !/^\.?build-/.test(e.name) || e.name === current) continue;
    const status = fileStatus(dest + e.name);
    if (status !== null && status[1] < now - OLD_BUILD_MS) {
      try {
        Deno.removeSync(dest + e.name, { recursive: true });
      } catch { /* another launch removed it */ }
    }
  }
}
