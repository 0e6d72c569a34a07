/**
 * Shared by the robustness tests: the command line as a user runs it, from
 * the repository root, and a fresh temporary directory.
 */
import assert from "node:assert/strict";

export const ROOT = new URL("../../", import.meta.url).pathname;

export interface Outcome {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * How long (ms) a command of the tests may take before it is killed as hung:
 * a run that never ends fails its test, naming the command, rather than
 * holding the whole suite until CI's time is up.
 */
export const COMMAND_TIME_LIMIT_MS = 300_000;

/** `deno <args>` (this Deno), from the repository root unless `cwd` says otherwise. */
export async function deno(
  args: string[],
  options: { env?: Record<string, string>; cwd?: string } = {},
): Promise<Outcome> {
  const limit = AbortSignal.timeout(COMMAND_TIME_LIMIT_MS);
  const out = await new Deno.Command(Deno.execPath(), {
    args,
    cwd: options.cwd ?? ROOT,
    env: options.env,
    stdout: "piped",
    stderr: "piped",
    stdin: "null",
    signal: limit,
  }).output();
  if (limit.aborted) {
    throw new Error(
      `\`deno ${args.join(" ")}\` was still running after ${COMMAND_TIME_LIMIT_MS} ms`,
    );
  }
  const text = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code: out.code, stdout: text(out.stdout), stderr: text(out.stderr) };
}

/** Copy the files git would ship (tracked and untracked-but-not-ignored) into a temp dir. */
export async function freshCopy(): Promise<string> {
  const list = await new Deno.Command("git", {
    args: ["ls-files", "-z", "--cached", "--others", "--exclude-standard"],
    cwd: ROOT,
    stdout: "piped",
  }).output();
  assert.ok(list.success, "git ls-files failed");
  const dir = await Deno.makeTempDir({ prefix: "ftrace-bench-clone-" });
  for (const file of new TextDecoder().decode(list.stdout).split("\0").filter(Boolean)) {
    try {
      const data = await Deno.readFile(`${ROOT}${file}`);
      const slash = file.lastIndexOf("/");
      if (slash > 0) await Deno.mkdir(`${dir}/${file.slice(0, slash)}`, { recursive: true });
      await Deno.writeFile(`${dir}/${file}`, data);
    } catch (e) {
      if (!(e instanceof Deno.errors.NotFound)) throw e; // deleted but not yet committed
    }
  }
  return dir;
}

/** `deno run -A mod.ts <args>` from the repository root. */
export function harness(
  args: string[],
  options: { env?: Record<string, string>; cwd?: string } = {},
): Promise<Outcome> {
  return deno(["run", "-A", `${ROOT}mod.ts`, ...args], options);
}

/** Exit status 2 with a one-paragraph `error:` naming the problem, and no stack. */
export function assertInputError(r: Outcome, message: RegExp): void {
  assert.equal(r.code, 2, `expected exit 2, got ${r.code}:\n${r.stderr}`);
  assert.match(r.stderr, /^error: /m);
  assert.match(r.stderr, message);
  assert.doesNotMatch(r.stderr, /^internal error|^ {4}at /m, "no stack trace");
}

/** Run `f` with a fresh temporary directory, removed afterwards. */
export async function withTempDir<T>(f: (dir: string) => Promise<T>): Promise<T> {
  const dir = await Deno.makeTempDir({ prefix: "ftrace-bench-robust-" });
  try {
    return await f(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}
