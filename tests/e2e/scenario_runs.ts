/**
 * Shared by the scenario end-to-end tests: run a scenario through the CLI
 * as a user would (`--json -`) and pick runs out of its result.
 */
import assert from "node:assert/strict";

const ROOT = new URL("../../", import.meta.url).pathname;

type Counts = {
  instructions: number;
  loads: number;
  stores: number;
  branches: number;
  cycles?: number;
};

/** The fields of a result run the tests read. */
export interface Run {
  variant: string;
  params: Record<string, unknown>;
  status: string;
  ok: boolean;
  reason?: string;
  path?: string;
  checks: { name: string; ok: boolean; detail: string }[];
  metrics: Counts | null;
  overhead: Counts | null;
  phases: Record<string, Counts> | null;
  /** With a timing model: cycles by cause per pc. */
  cycleCausesByPc?: Record<string, unknown>;
}

/** `deno run -A mod.ts run scenarios/<file> ... --json - --quiet` from the repository root. */
export async function runScenarioCli(
  file: string,
  ...args: string[]
): Promise<{ code: number; runs: Run[]; stderr: string }> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "mod.ts", "run", `scenarios/${file}`, ...args, "--json", "-", "--quiet"],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(out.stderr);
  assert.ok(out.stdout.length > 0, stderr);
  return { code: out.code, runs: JSON.parse(new TextDecoder().decode(out.stdout)).runs, stderr };
}

/** The run of `variant` whose parameters include `params`. */
export function findRun(runs: Run[], variant: string, params: Record<string, unknown>): Run {
  const run = runs.find((r) =>
    r.variant === variant && Object.entries(params).every(([k, v]) => r.params[k] === v)
  );
  assert.ok(run, `no run ${variant} ${JSON.stringify(params)}`);
  return run;
}
