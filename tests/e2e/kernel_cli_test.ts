/**
 * `--kernel` as a user runs it: the model and the reference kernels side by
 * side, one results file per kernel, compare refusing different kernels, and
 * a kernel tree that cannot be used refused with a clear error.
 */
import assert from "node:assert/strict";

const ROOT = new URL("../../", import.meta.url).pathname;

async function cli(...args: string[]) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "mod.ts", ...args],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code: out.code, stdout: text(out.stdout), stderr: text(out.stderr) };
}

Deno.test("run --kernel model,linux-6.12,linux-6.1: a file per kernel, and the fidelity table", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ftrace-bench-kernel-" });
  try {
    const r = await cli(
      "run",
      "scenarios/single-tracer.ts",
      "--kernel",
      "model,linux-6.12,linux-6.1",
      "--param",
      "args=2",
      "--json",
      `${dir}/out.json`,
    );
    assert.equal(r.code, 0, r.stderr);
    const read = async (name: string) => JSON.parse(await Deno.readTextFile(`${dir}/${name}`));
    const model = await read("out.model.json");
    const k612 = await read("out.linux-6.12.json");
    const k61 = await read("out.linux-6.1.json");
    assert.equal(model.kernel.name, "model");
    assert.equal(k612.kernel.name, "linux-6.12");
    assert.equal(k612.kernel.config.DYNAMIC_FTRACE_WITH_CALL_OPS, "y");
    assert.match(k612.kernel.hash, /^[0-9a-f]{64}$/);
    assert.equal(k61.kernel.config.DYNAMIC_FTRACE_WITH_REGS, "y");
    const status = (res: { runs: { variant: string; status: string }[] }, v: string) =>
      res.runs.find((x) => x.variant === v)!.status;
    assert.equal(status(k612, "call-ops"), "ok");
    assert.equal(status(k612, "regs"), "n/a");
    assert.equal(status(k61, "regs"), "ok");
    assert.match(r.stdout, /\[kernel linux-6\.12 6\.12\.\d+\]/);
    // The model's call-ops is linux 6.12's, the model's regs linux 6.1's.
    assert.match(r.stdout, /single-tracer: model \/ linux-6\.12 6\.12\.\d+, cases both ran/);
    assert.match(r.stdout, /^call-ops +\d+ +\d+ +\d+ +\d+ +none$/m);
    assert.match(r.stdout, /^regs +\d+ +\d+ +\d+ +\d+ +none$/m);

    // Results of different kernels are never compared.
    const c = await cli("compare", `${dir}/out.model.json`, `${dir}/out.linux-6.12.json`);
    assert.equal(c.code, 2, c.stderr);
    assert.match(
      c.stderr,
      /ran on kernel model and .*linux-6\.12 6\.12\.\d+; results of different kernels are not compared/,
    );
    // The same kernel compares with itself.
    const same = await cli("compare", `${dir}/out.linux-6.12.json`, `${dir}/out.linux-6.12.json`);
    assert.equal(same.code, 0, same.stderr);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("bad input: --kernel DIR that is not a prepared kernel tree is refused, naming it", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ftrace-bench-not-a-tree-" });
  try {
    const r = await cli("run", "scenarios/single-tracer.ts", "--kernel", dir, "--param", "args=1");
    assert.equal(r.code, 2, r.stderr);
    assert.ok(r.stderr.includes(dir), r.stderr);
    assert.match(r.stderr, /^error: .*(not prepared|kernel tree)/m);
    assert.doesNotMatch(r.stderr, /internal error|^ {4}at /m);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("bad input: an unknown --kernel name lists the kernels there are", async () => {
  const r = await cli(
    "run",
    "scenarios/single-tracer.ts",
    "--kernel",
    "linux-2.6",
    "--param",
    "args=1",
  );
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /linux-2\.6/);
  assert.match(r.stderr, /linux-6\.1, linux-6\.12/);
});
