/**
 * The struct-ops and function-graph scenarios end to end, run as a user
 * runs them (`deno run -A mod.ts run scenarios/<file> --param ... --json -`
 * from the repository root), on a reduced sweep, with the relations their
 * questions are about.
 */
import assert from "node:assert/strict";

import { findRun as find, type Run, runScenarioCli } from "./scenario_runs.ts";

/** Run a reduced sweep; every run must pass its checks. */
async function runScenario(file: string, ...args: string[]): Promise<Run[]> {
  const { code, runs, stderr } = await runScenarioCli(file, ...args);
  assert.equal(code, 0, stderr);
  for (const r of runs) {
    assert.equal(r.status, "ok", `${r.variant} ${JSON.stringify(r.params)}: ${r.reason}`);
    assert.ok(r.checks.every((c) => c.ok));
  }
  return runs;
}

const insns = (r: Run) => r.metrics!.instructions;

Deno.test("struct-ops: the BPF implementation costs more than the native one, growing with arguments", async () => {
  const runs = await runScenario("struct-ops.ts", "--param", "args=0,2,8");
  assert.equal(runs.length, 3 * 2);
  for (const args of [0, 2, 8]) {
    const native = find(runs, "native", { args });
    const bpf = find(runs, "bpf", { args });
    assert.ok(insns(bpf) > insns(native), `args=${args}`);
    // native: the indirect call costs a few instructions over a direct bl.
    assert.ok(native.overhead!.instructions > 0 && native.overhead!.instructions < 10);
    // bpf: the conversion happens in the trampoline (save) and the hooks (dispatch).
    assert.ok(bpf.phases!.save.instructions > 0 && bpf.phases!.dispatch.instructions > 0);
    const prog = bpf.checks.find((c) => c.name === "unwind")!.detail;
    assert.equal(
      prog,
      "bpf_prog_dctcp_state <- bpf__tcp_congestion_ops_set_state <- caller <- harness_exit",
    );
  }
  // Each argument is one more ctx store in the trampoline and one more load in the program.
  const extra = (v: string) =>
    insns(find(runs, v, { args: 8 })) - insns(find(runs, v, { args: 0 }));
  assert.ok(extra("bpf") > extra("native"));
});

Deno.test("struct-ops: with BTI every indirect call lands on bti c", async () => {
  const runs = await runScenario("struct-ops.ts", "--param", "args=2", "--param", "bti=false,true");
  for (const v of ["native", "bpf"]) {
    const bti = find(runs, v, { bti: true });
    assert.match(bti.checks.find((c) => c.name === "bti")!.detail, /every br\/blr landed/);
    // Landing pads are instructions too.
    assert.ok(insns(bti) > insns(find(runs, v, { bti: false })));
  }
});

Deno.test("function-graph: graph costs more than function, which costs more than nop", async () => {
  const runs = await runScenario("function-graph.ts", "--param", "args=0,3,8");
  assert.equal(runs.length, 3 * 3);
  for (const args of [0, 3, 8]) {
    const nop = find(runs, "nop", { args });
    const fn = find(runs, "function", { args });
    const graph = find(runs, "graph", { args });
    assert.ok(insns(graph) > insns(fn) && insns(fn) > insns(nop), `args=${args}`);
    // Only the graph tracer has a return path, and its own phase shows it.
    assert.ok(graph.phases!.return.instructions > 0);
    assert.equal(fn.phases!.return, undefined);
    // Entry-side register saving is the same ftrace_caller for both.
    assert.deepEqual(graph.phases!.save, fn.phases!.save);
    assert.equal(
      graph.checks.find((c) => c.name === "tracer-calls")!.detail,
      "tracer_graph_entry x1, tracer_graph_return x1",
    );
  }
  // Neither tracer copies arguments beyond ftrace_regs: the overheads do not grow with them.
  for (const v of ["function", "graph"]) {
    assert.equal(
      find(runs, v, { args: 0 }).overhead!.instructions,
      find(runs, v, { args: 8 }).overhead!.instructions,
    );
  }
});

Deno.test("function-graph: with PAC the rewritten return address survives signing", async () => {
  // The body signs x30 after the rewrite, so it signs return_to_handler: checks still hold.
  const runs = await runScenario(
    "function-graph.ts",
    "--param",
    "args=2",
    "--param",
    "pac=false,true",
  );
  assert.ok(insns(find(runs, "graph", { pac: true })) > insns(find(runs, "graph", { pac: false })));
});
