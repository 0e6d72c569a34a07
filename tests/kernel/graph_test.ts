/**
 * The function-graph model: the return-address rewrite, the return stack in
 * the task, and the return path through return_to_handler. Every check
 * passes for the real code, and each damaged copy trips the check (or the
 * kernel's own frame-pointer test) that guards what it broke.
 */
import assert from "node:assert/strict";
import type { Engine, EngineFactory } from "../../src/engine/engine.ts";
import { unicornFactory } from "../../src/engine/unicorn.ts";
import { patchSiteBlOffset } from "../../src/kernel/functions.ts";
import { GRAPH } from "../../src/kernel/graph.ts";
import { FTRACE_REGS, FTRACE_RET_STACK, TASK_STRUCT } from "../../src/kernel/structs.ts";
import {
  functionTracerVariant,
  graphTracerVariant,
} from "../../src/kernel/variants/graph_variants.ts";
import type { Variant, VariantBuild } from "../../src/kernel/variants/variant.ts";
import { singleTracerOps } from "../../src/kernel/workload.ts";
import { buildWorld } from "../../src/kernel/world.ts";
import { anchor, loadWorld } from "../../src/runner/machine.ts";
import { measure, type Measurement } from "../../src/runner/run_case.ts";
import { measureCase, toWorkload } from "../../src/runner/run_scenario.ts";

const workload = (args: number, codegen: { bti?: boolean; pac?: boolean } = {}) =>
  toWorkload({ target: { args }, ops: [singleTracerOps("empty")], codegen });

async function run(variant: Variant, args = 3, codegen = {}): Promise<Measurement> {
  const m = await measureCase(
    variant,
    workload(args, codegen),
    `test/${variant.name}`,
    unicornFactory,
  );
  assert.ok(!("notApplicable" in m));
  return m;
}

const failed = (m: Measurement) => m.checks.filter((c) => !c.ok).map((c) => c.name);

/** The graph variant with `from` replaced by `to` in its generated code (exactly once). */
function damaged(name: string, from: string, to: string): Variant {
  return {
    name,
    summary: `broken: ${name}`,
    build(w) {
      const built = graphTracerVariant.build(w) as VariantBuild;
      const all = built.chunks.map((c) => c.text).join("\n");
      assert.equal(all.split(from).length, 2, `${name}: "${from}" must occur once`);
      const chunks = built.chunks.map((c) => ({ ...c, text: c.text.replace(from, to) }));
      return { ...built, chunks };
    },
  };
}

for (const codegen of [{}, { bti: true }, { pac: true }, { bti: true, pac: true }]) {
  Deno.test(`function and graph pass every check for 0, 3, 8 arguments ${JSON.stringify(codegen)}`, async () => {
    for (const args of [0, 3, 8]) {
      for (const v of [functionTracerVariant, graphTracerVariant]) {
        assert.deepEqual(failed(await run(v, args, codegen)), [], `${v.name} args=${args}`);
      }
    }
  });
}

Deno.test("both handlers run once; the return path is its own phase", async () => {
  const graph = await run(graphTracerVariant);
  const fn = await run(functionTracerVariant);
  const calls = graph.checks.find((c) => c.name === "tracer-calls")!.detail;
  assert.equal(calls, `${GRAPH.entryHandler} x1, ${GRAPH.exitHandler} x1`);
  assert.ok(graph.phases.return.instructions > 0);
  assert.equal(fn.phases.return, undefined);
  assert.ok(graph.metrics.instructions > fn.metrics.instructions);
  // Entry-side save and restore are the same trampoline's.
  assert.deepEqual(graph.phases.save, fn.phases.save);
});

Deno.test("the exit handler's expected backtrace ends at the caller, through return_to_handler", () => {
  const built = graphTracerVariant.build(workload(2)) as VariantBuild;
  const exit = built.probes.find((p) => p.symbol === GRAPH.exitHandler)!;
  assert.deepEqual(exit.chain.slice(-3), [GRAPH.returnHook, "caller", "harness_exit"]);
  assert.equal(exit.resolveReturnHook, GRAPH.returnHook);
});

/** A factory whose engines hand themselves to `inspect` before closing. */
function inspecting(inspect: (e: Engine) => void): EngineFactory {
  return {
    name: "inspecting",
    create() {
      const engine = unicornFactory.create();
      return new Proxy(engine, {
        get(target, key) {
          if (key === "close") {
            return () => {
              try {
                inspect(target);
              } finally {
                target.close();
              }
            };
          }
          const value = Reflect.get(target, key, target);
          return typeof value === "function" ? value.bind(target) : value;
        },
      });
    },
  };
}

Deno.test("after the call the return stack is empty again; its entry held ret, func, fp", async () => {
  const w = workload(2);
  const world = buildWorld(graphTracerVariant, w, "test/graph-stack");
  assert.ok(!("notApplicable" in world));
  const loaded = await loadWorld(world, w.layout);
  const img = loaded.image;
  let seen: Record<string, bigint> = {};
  const u64 = (e: Engine, at: bigint) => new DataView(e.read(at, 8).buffer).getBigUint64(0, true);
  const i32 = (e: Engine, at: bigint) => new DataView(e.read(at, 4).buffer).getInt32(0, true);
  const m = await measure(
    loaded,
    inspecting((e) => {
      const task = img.address("current_task");
      const entry = img.address(GRAPH.retStack);
      const field = (f: string) => u64(e, entry + BigInt(FTRACE_RET_STACK.offsets[f]));
      seen = {
        currRetStack: BigInt(i32(e, task + BigInt(TASK_STRUCT.offsets.curr_ret_stack))),
        currRetDepth: BigInt(i32(e, task + BigInt(TASK_STRUCT.offsets.curr_ret_depth))),
        ret: field("ret"),
        func: field("func"),
        fp: field("fp"),
        retp: field("retp"),
      };
    }),
  );
  assert.deepEqual(failed(m), []);
  const stackTop = w.layout.stackBase + BigInt(w.layout.stackSize);
  assert.deepEqual(seen, {
    currRetStack: -1n,
    currRetDepth: -1n,
    ret: anchor(img, "caller_ret"),
    func: img.address("traced_fn") + BigInt(patchSiteBlOffset(w.codegen)),
    // The caller's frame record sits just below the harness's final one.
    fp: stackTop - 32n,
    retp: stackTop - 32n,
  });
});

Deno.test("unlinked, return_to_handler's frame record leaves the caller out of the backtrace", async () => {
  // The record is stored but x29 never points at it: the kernel's situation.
  const unlinked = damaged(
    "unlinked-record",
    `\tadd x29, sp, #${FTRACE_REGS.size}\n\tmov x0, sp\n`,
    "\tmov x0, sp\n",
  );
  assert.deepEqual(failed(await run(unlinked)), ["unwind"]);
});

Deno.test("an entry that records the wrong frame pointer sends the return into panic", async () => {
  const wrongFp = damaged(
    "wrong-fp",
    "stp x2, x3, [x6, #FTRACE_RET_STACK_FP]",
    "stp xzr, x3, [x6, #FTRACE_RET_STACK_FP]",
  );
  // The fault is the case's failure: one "fault" check carrying the oops.
  const m = await run(wrongFp);
  assert.deepEqual(failed(m), ["fault"]);
  const oops = m.checks[0].detail;
  assert.match(oops, /is at panic \(/);
  assert.match(oops, /brk #0x800/);
});

Deno.test("an exit handler handed the wrong register as return value fails tracer-saw", async () => {
  const wrongRet = damaged(
    "wrong-retval",
    "ldr x10, [x0, #FTRACE_REGS_X0]",
    "ldr x10, [x0, #FTRACE_REGS_X1]",
  );
  assert.deepEqual(failed(await run(wrongRet)), ["tracer-saw"]);
});

Deno.test("a return_to_handler that does not restore x0 fails return-value", async () => {
  // return_to_handler's reload is the one followed by the fp reload.
  const lost = damaged(
    "lost-x0",
    "\tldp x0, x1, [sp, #FTRACE_REGS_X0]\n\tldp x2, x3, [sp, #FTRACE_REGS_X2]\n" +
      "\tldp x4, x5, [sp, #FTRACE_REGS_X4]\n\tldp x6, x7, [sp, #FTRACE_REGS_X6]\n\tldr x29",
    "\tldp x9, x1, [sp, #FTRACE_REGS_X0]\n\tldp x2, x3, [sp, #FTRACE_REGS_X2]\n" +
      "\tldp x4, x5, [sp, #FTRACE_REGS_X4]\n\tldp x6, x7, [sp, #FTRACE_REGS_X6]\n\tldr x29",
  );
  assert.deepEqual(failed(await run(lost)), ["return-value"]);
});

Deno.test("a graph entry that never rewrites the return address never reaches the exit handler", async () => {
  const noHook = damaged(
    "no-hook",
    "str x4, [x19, #FTRACE_REGS_LR]",
    "str x4, [x19, #FTRACE_REGS_X8]",
  );
  assert.deepEqual(failed(await run(noHook)), ["tracer-calls"]);
});
