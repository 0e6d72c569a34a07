/**
 * Each scenario end to end through the CLI, on a reduced sweep, with the
 * relations its question is about.
 */
import assert from "node:assert/strict";

import { findRun as find, type Run, runScenarioCli as runScenario } from "./scenario_runs.ts";

const insns = (r: Run) => r.overhead!.instructions;

Deno.test("ftrace-ops: irrelevant ops cost the list walk, but not per-callsite ops with one tracer", async () => {
  const { code, runs } = await runScenario(
    "ftrace-ops.ts",
    "--param",
    "relevant=0,1,2",
    "--param",
    "irrelevant=0,10",
  );
  assert.equal(code, 0);
  for (const r of runs) assert.equal(r.status, "ok", `${r.variant} ${JSON.stringify(r.params)}`);
  // Nothing traces the function: the patch site stays a NOP for every variant.
  for (const v of ["regs", "args", "call-ops"]) {
    assert.equal(insns(find(runs, v, { relevant: 0, irrelevant: 10 })), 0);
  }
  // The list walk grows with irrelevant ops...
  assert.ok(
    insns(find(runs, "args", { relevant: 1, irrelevant: 10 })) >
      insns(find(runs, "args", { relevant: 1, irrelevant: 0 })),
  );
  // ...which per-callsite ops skips when one ops traces the site,
  assert.equal(
    insns(find(runs, "call-ops", { relevant: 1, irrelevant: 10 })),
    insns(find(runs, "call-ops", { relevant: 1, irrelevant: 0 })),
  );
  // but not when two do (they share the list ops).
  assert.ok(
    insns(find(runs, "call-ops", { relevant: 2, irrelevant: 10 })) >
      insns(find(runs, "call-ops", { relevant: 2, irrelevant: 0 })),
  );
  // regs saves more registers than args on the same path.
  assert.ok(
    insns(find(runs, "regs", { relevant: 1, irrelevant: 0 })) >
      insns(find(runs, "args", { relevant: 1, irrelevant: 0 })),
  );
});

Deno.test("ftrace-ops: SAVE_REGS cannot be registered on a minimal-regs kernel", async () => {
  const { runs } = await runScenario(
    "ftrace-ops.ts",
    "--param",
    "save_regs=true",
    "--param",
    "relevant=1",
    "--param",
    "irrelevant=0",
  );
  assert.equal(find(runs, "regs", {}).status, "ok");
  for (const v of ["args", "call-ops"]) {
    const r = find(runs, v, {});
    assert.equal(r.status, "n/a");
    assert.match(r.reason!, /FTRACE_OPS_FL_SAVE_REGS/);
  }
});

Deno.test("bpf-fentry: every way of reaching the program passes its checks", async () => {
  const { code, runs } = await runScenario("bpf-fentry.ts", "--param", "args=0,3,8");
  assert.equal(code, 0);
  for (const r of runs.filter((r) => r.status !== "n/a")) {
    assert.equal(r.status, "ok", `${r.variant} ${JSON.stringify(r.params)}: ${r.reason}`);
  }
  const alone = { args: 3, attach: "fentry", other_tracers: 0 };
  // Alone and in range, the direct call is the cheapest way in; out of range it pays for ftrace_caller.
  assert.ok(insns(find(runs, "direct", alone)) < insns(find(runs, "call-ops", alone)));
  assert.ok(insns(find(runs, "direct-far", alone)) > insns(find(runs, "direct", alone)));
  // fexit and fmod_ret need the trampoline: ops funcs cannot do them.
  for (const attach of ["fexit", "fmod_ret"]) {
    assert.equal(find(runs, "args", { ...alone, attach }).status, "n/a");
    assert.equal(find(runs, "direct", { ...alone, attach }).status, "ok");
  }
  // The fexit program saw the return value.
  const fexit = find(runs, "direct", { ...alone, attach: "fexit" });
  assert.ok(fexit.checks.find((c) => c.name === "tracer-saw")!.ok);
});

Deno.test("bti-pac: a tracer without a landing pad faults only where it is reached by blr", async () => {
  const { code, runs } = await runScenario(
    "bti-pac.ts",
    "--param",
    "args=2",
    "--param",
    "tracer_bti=false",
  );
  assert.equal(code, 1, "a BTI fault fails the run");
  assert.equal(find(runs, "args", {}).status, "ok");
  assert.equal(find(runs, "regs", {}).status, "ok");
  const callOps = find(runs, "call-ops", {});
  assert.equal(callOps.status, "failed");
  assert.match(
    callOps.reason!,
    /BTI fault: blr at ftrace_caller\+0x[0-9a-f]+ landed on tracer_empty/,
  );
});

Deno.test("branch-range: out of BL range, each mechanism takes its fallback or is unsupported", async () => {
  const { code, runs } = await runScenario("branch-range.ts");
  assert.equal(code, 0);
  const path = (variant: string, text_mib: number, placement: string) =>
    find(runs, variant, { text_mib, placement }).path;
  assert.equal(path("args", 30, "near"), "bl ftrace_caller");
  assert.equal(path("args", 200, "near"), "bl ftrace_caller via a veneer (br x16)");
  assert.equal(path("direct", 30, "near"), "bl bpf_trampoline");
  assert.equal(path("direct", 30, "far"), "bl ftrace_caller, then br x17 to bpf_trampoline");
  const refused = find(runs, "coexist", { text_mib: 30, placement: "far" });
  assert.equal(refused.status, "n/a");
  assert.match(refused.reason!, /unsupported: .*-ENOTSUPP/);
  // The veneer costs instructions; so does the ftrace_caller detour of a far direct call.
  assert.ok(
    insns(find(runs, "args", { text_mib: 200, placement: "near" })) >
      insns(find(runs, "args", { text_mib: 30, placement: "near" })),
  );
  assert.ok(
    insns(find(runs, "direct", { text_mib: 30, placement: "far" })) >
      insns(find(runs, "direct", { text_mib: 30, placement: "near" })),
  );
});

Deno.test("worker threads give the same runs, in the same order, as one thread", async () => {
  const parallel = await runScenario("bpf-fentry.ts", "--workers", "2");
  const serial = await runScenario("bpf-fentry.ts", "--workers", "1");
  assert.equal(parallel.runs.length, 9 * 3 * 2 * 7);
  assert.deepEqual(parallel.runs, serial.runs);
});

Deno.test("with a timing model, worker threads and repeated runs give the same cycles, causes and steady state", async () => {
  const args = ["--param", "args=2,6", "--cpu", "neoverse-n1"];
  const parallel = await runScenario("bpf-fentry.ts", ...args, "--workers", "2");
  const serial = await runScenario("bpf-fentry.ts", ...args, "--workers", "1");
  const again = await runScenario("bpf-fentry.ts", ...args, "--workers", "1");
  assert.ok(parallel.runs.some((r) => r.metrics?.cycles !== undefined), "cycles measured");
  assert.ok(parallel.runs.some((r) => r.cycleCausesByPc !== undefined), "causes recorded");
  assert.deepEqual(parallel.runs, serial.runs);
  assert.deepEqual(serial.runs, again.runs);
});
