/**
 * Long sweeps must not leak: engines and FFI callbacks are closed after
 * every case, failed ones included, and memory does not grow with the
 * number of cases. The sweep runs in its own process (hygiene_child.ts):
 * resident memory is per process, and other tests run beside this one.
 */
import assert from "node:assert/strict";

Deno.test("3,000 cases, one in fifty faulting: no engine or callback left open, flat memory", async () => {
  const child = new URL("./hygiene_child.ts", import.meta.url).pathname;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--v8-flags=--expose-gc", child],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(out.stderr);
  assert.ok(out.success, `hygiene_child.ts failed: ${stderr}`);
  const result = JSON.parse(new TextDecoder().decode(out.stdout).trim().split("\n").at(-1)!);
  // A fault is its case's result, failed with the oops; it does not stop the sweep.
  assert.deepEqual(result.unexpected, [], "every case came back as expected (first 10 shown)");
  assert.equal(result.faults, 60, "every faulting case came back failed with its fault check");
  assert.equal(result.ok, 2940, "every other case was measured with all checks passing");
  assert.deepEqual(result.after, result.before);
  assert.ok(result.grownMiB < 64, `RSS grew ${result.grownMiB.toFixed(1)} MiB over 2,000 cases`);
});
