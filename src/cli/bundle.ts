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
 * checks its index. Its manifest records the Deno that built it and the size,
 * modification and change times and inode of every source it was built from
 * and of every file it wrote. Any difference builds it again. So does a
 * source changed less than 2 s before the build, which a later stat could
 * not tell from a second edit in the same instant.
 *
 * Only `paths.ts` is imported here: the launcher loads this module before
 * the harness, on every run.
 */
import { BUNDLE_DIR, projectPath } from "../paths.ts";

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
const SCHEMA = 1;
/** A source changed this recently (ms) before the build makes the manifest untrustworthy. */
const RACY_MS = 2_000;
/**
 * Earlier builds are removed once this old (ms): a process that loaded one may still read
 * it (its workers, a command's lazily loaded modules), and each edit of a source makes one.
 */
const OLD_BUILD_MS = 3600 * 1000;

/** A file as a stat sees it: path (relative to the root), size, mtime, ctime, inode. */
type Stamp = [path: string, size: number, mtimeMs: number, ctimeMs: number, ino: number];

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

function stamp(root: string, path: string): Stamp | null {
  try {
    const s = Deno.statSync(root + path);
    return [path, s.size, s.mtime?.getTime() ?? -1, s.ctime?.getTime() ?? -1, s.ino ?? -1];
  } catch {
    return null;
  }
}

const sameStamp = (root: string) => (want: Stamp) => {
  const got = stamp(root, want[0]);
  return got !== null && want.length === got.length && got.every((v, i) => v === want[i]);
};

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
    const s = stamp(root, p);
    if (s === null) throw new BundleError(`cannot stat ${root}${p} for the CLI bundle`);
    return s;
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
        "--packages=external",
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
    replaceFile(dest + ENTRY, `export * from "./${name}/mod.js";\n`);
    const manifest: Manifest = {
      kind: KIND,
      schema: SCHEMA,
      deno: Deno.version.deno,
      sources,
      outputs: stampAll(dest, [ENTRY, ...written.map((f) => `${name}/${f}`)]),
    };
    if (sources.some((s) => s[2] > started - RACY_MS)) {
      // This run uses what it built from the files as they are now; the next one builds again.
      try {
        Deno.removeSync(dest + MANIFEST);
      } catch (e) {
        if (!(e instanceof Deno.errors.NotFound)) throw e;
      }
    } else {
      replaceFile(dest + MANIFEST, JSON.stringify(manifest));
    }
    removeOldBuilds(dest, name, started);
  } finally {
    try {
      Deno.removeSync(temp, { recursive: true });
    } catch { /* renamed into place */ }
  }
}

/** Write `text` to `path` through a temporary file beside it: readers see the old or the new. */
function replaceFile(path: string, text: string): void {
  const temp = `${path}.${Deno.pid}.tmp`;
  Deno.writeTextFileSync(temp, text);
  Deno.renameSync(temp, path);
}

/**
 * Remove earlier builds, and what a launch killed while building left (a build's
 * directory, a temporary file), once an hour old.
 */
function removeOldBuilds(dest: string, current: string, now: number): void {
  for (const e of Deno.readDirSync(dest)) {
    const ours = e.isDirectory ? /^\.?build-/.test(e.name) : /\.tmp$/.test(e.name);
    if (!ours || e.name === current) continue;
    const s = stamp(dest, e.name);
    if (s !== null && s[2] < now - OLD_BUILD_MS) {
      try {
        Deno.removeSync(dest + e.name, { recursive: true });
      } catch { /* another launch removed it */ }
    }
  }
}
