/**
 * `deno bench -A bench/main_job.bench.ts`: the main job's wall time, the way
 * a user runs it (the `bench` task's command with `--out <tmpdir>`: every
 * scenario, the results, a history record and the HTML report), start-up
 * included.
 *
 * With `FTRACE_BENCH_BASELINE=<dir>` naming another checkout of the project
 * (e.g. `git worktree add /tmp/base HEAD~1`, or `git archive HEAD | tar -x
 * -C /tmp/base`), that tree runs in the same bench run, as the baseline, so
 * a change is measured against the code before it on the same machine at the
 * same time. Each tree writes into its own temporary directory.
 */
import { taskParts } from "./sweep.bench.ts";

const ROOT = new URL("../", import.meta.url).pathname;
const baseline = Deno.env.get("FTRACE_BENCH_BASELINE");

async function mainJob(tree: string): Promise<void> {
  const out = await Deno.makeTempDir({ prefix: "ftrace-bench-main-" });
  const task = taskParts("bench", tree.endsWith("/") ? tree : `${tree}/`);
  try {
    const r = await new Deno.Command(Deno.execPath(), {
      args: [...task.args, "--out", out],
      cwd: tree,
      env: { CI: "true", ...task.env },
      stdout: "null",
      stderr: "piped",
    }).output();
    if (!r.success) {
      throw new Error(`main job in ${tree} failed: ${new TextDecoder().decode(r.stderr)}`);
    }
  } finally {
    await Deno.remove(out, { recursive: true });
  }
}

const trees: [string, string][] = [
  ...(baseline ? [["baseline (FTRACE_BENCH_BASELINE)", baseline] as [string, string]] : []),
  ["this tree", ROOT],
];
for (const [name, tree] of trees) {
  Deno.bench({
    name: `main job: ${name}`,
    group: "main job",
    baseline: trees.length > 1 && tree === baseline,
    n: 4,
    warmup: 1,
    async fn() {
      await mainJob(tree);
    },
  });
}
