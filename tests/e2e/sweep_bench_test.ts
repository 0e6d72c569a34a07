/**
 * The sweep bench's children report what the README quotes: cases, wall
 * time, peak memory and CPU time. CPU time is read from /proc/self/stat,
 * whose fields a wrong index would turn into nonsense (a start time, a page
 * count): it must fall between nothing and every core busy the whole time.
 */
import assert from "node:assert/strict";
import { taskV8Flags } from "../../bench/sweep.bench.ts";

const ROOT = new URL("../../", import.meta.url);

Deno.test("a sweep bench child reports its cases, time, peak memory and CPU time", async () => {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", ...taskV8Flags("run"), "bench/sweep.bench.ts", "--child", "one"],
    cwd: ROOT,
    env: { CI: "true" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(out.stderr);
  assert.ok(out.success, `the bench's child failed: ${stderr}`);
  const lines = new TextDecoder().decode(out.stdout).trim().split("\n");
  const report = JSON.parse(lines[lines.length - 1]);
  assert.equal(report.cases, 1);
  assert.ok(report.ms > 0, `wall time ${report.ms} ms`);
  assert.ok(report.hwmKb > 10_000, `peak RSS ${report.hwmKb} kB`);
  // /proc counts CPU in 10 ms ticks: allow one tick per thread that may round up.
  const cores = navigator.hardwareConcurrency;
  assert.ok(Number.isInteger(report.cpuMs) && report.cpuMs >= 0, `CPU time ${report.cpuMs} ms`);
  assert.ok(
    report.cpuMs <= report.ms * cores + 100,
    `CPU time ${report.cpuMs} ms in ${report.ms} ms of wall time on ${cores} cores`,
  );
});

Deno.test("the sweep bench refuses a --baseline that is no checkout of the project", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ftrace-bench-not-a-checkout-" });
  try {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "bench/sweep.bench.ts", "--baseline", dir],
      cwd: ROOT,
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(out.code, 2);
    const stderr = new TextDecoder().decode(out.stderr);
    assert.match(stderr, new RegExp(`--baseline ${dir}: not a checkout`));
    assert.equal(new TextDecoder().decode(out.stdout), "", "nothing was measured");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
