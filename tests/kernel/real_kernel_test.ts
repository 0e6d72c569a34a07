/**
 * The reference kernels' own ftrace code, run as the variants: every check on
 * real code, the model against each kernel it claims to follow, a trap stub
 * reached, and a deliberately broken copy of a real object caught.
 */
import assert from "node:assert/strict";
import { unicornFactory } from "../../src/engine/unicorn.ts";
import { openKernel, type RealKernel } from "../../src/kernel/real/kernel.ts";
import { TASK_SYMBOL } from "../../src/kernel/real/registration.ts";
import { buildRealWorld } from "../../src/kernel/real/world.ts";
import { findVariant } from "../../src/kernel/variants/index.ts";
import { loadWorld } from "../../src/runner/machine.ts";
import { OopsError } from "../../src/runner/oops.ts";
import { measure } from "../../src/runner/run_case.ts";
import { measureCase, runScenario, toWorkload } from "../../src/runner/run_scenario.ts";
import type { ParamValue, RunResult, ScenarioResult } from "../../src/runner/result.ts";
import type { Scenario } from "../../src/runner/scenario.ts";
import { fidelityRows } from "../../src/report/fidelity.ts";
import type { StoredResult } from "../../src/store/schema.ts";
import { singleTracerOps } from "../../src/kernel/workload.ts";
import type { ElfObject } from "../../src/asm/elf.ts";

async function scenario(file: string): Promise<Scenario> {
  return (await import(`../../scenarios/${file}`)).default as Scenario;
}

function run(
  s: Scenario,
  kernel: string,
  overrides: Record<string, ParamValue[]>,
  variants?: string[],
): Promise<ScenarioResult> {
  return runScenario(s, {
    factory: unicornFactory,
    kernel,
    variants,
    overrides: new Map(Object.entries(overrides)),
  });
}

const label = (r: RunResult) => `${r.variant} ${JSON.stringify(r.params)}`;

/** Every case is measured (all checks passed) or not applicable, with a reason. */
function assertPassed(result: ScenarioResult, measured: readonly string[]): void {
  for (const r of result.runs) {
    assert.notEqual(r.status, "failed", `${label(r)} on ${result.kernel.name}: ${r.reason}`);
    if (r.status === "n/a") assert.ok(r.reason, label(r));
  }
  for (const v of measured) {
    assert.ok(
      result.runs.some((r) => r.variant === v && r.status === "ok"),
      `${v} measured on ${result.kernel.name}`,
    );
  }
}

Deno.test("linux-6.12: nop, call-ops, direct, direct-far and the list function pass every check", async () => {
  const single = await run(await scenario("single-tracer.ts"), "linux-6.12", {
    args: [0, 1, 4, 8],
    tracer: ["empty", "ringbuf"],
  });
  assertPassed(single, ["nop", "call-ops", "direct"]);
  assert.equal(single.kernel.name, "linux-6.12");
  assert.match(single.kernel.version, /^6\.12\./);
  assert.ok(single.kernel.hash, "the objects' hash is recorded");
  const ops = await run(await scenario("ftrace-ops.ts"), "linux-6.12", {
    relevant: [1, 2],
    irrelevant: [0, 3],
  });
  assertPassed(ops, ["call-ops"]);
  // Two relevant ops share the list ops: the real list function walks them all.
  const list = ops.runs.find((r) =>
    r.variant === "call-ops" && r.params.relevant === 2 && r.params.irrelevant === 3
  )!;
  // ...and the traced function and ops func are the ftrace-ops sample's own.
  assert.equal(
    list.checks.find((c) => c.name === "unwind")!.detail,
    "ops_func_nop <- arch_ftrace_ops_list_func <- ftrace_caller <- tracee_relevant <- caller <- harness_exit",
  );
  assert.match(
    list.checks.find((c) => c.name === "return-value")!.detail,
    /tracee_relevant returns void/,
  );
  const bpf = await run(await scenario("bpf-fentry.ts"), "linux-6.12", {
    args: [2, 6],
    other_tracers: [0, 1],
  });
  assertPassed(bpf, ["direct", "direct-far", "call-ops"]);
  const far = bpf.runs.find((r) => r.variant === "direct-far" && r.params.other_tracers === 0)!;
  assert.equal(far.path, "bl ftrace_caller, then br x17 to bpf_trampoline");
});

Deno.test("linux-6.1: nop and regs pass every check; what 6.1 lacks is n/a with the reason", async () => {
  const single = await run(await scenario("single-tracer.ts"), "linux-6.1", { args: [0, 3, 8] });
  assertPassed(single, ["nop", "regs"]);
  const reasons = new Map(
    single.runs.filter((r) => r.status === "n/a").map((r) => [
      r.variant,
      r.reason!,
    ]),
  );
  assert.match(reasons.get("call-ops")!, /without DYNAMIC_FTRACE_WITH_CALL_OPS/);
  assert.match(reasons.get("args")!, /no FTRACE_WITH_ARGS/);
  const ops = await run(await scenario("ftrace-ops.ts"), "linux-6.1", {
    relevant: [1, 2],
    irrelevant: [0, 3],
  });
  assertPassed(ops, ["regs"]);
});

/** Model and kernel results of one scenario, for the fidelity rows. */
async function modelAndKernel(
  file: string,
  kernel: string,
  overrides: Record<string, ParamValue[]>,
  variants: string[],
) {
  const s = await scenario(file);
  return [await run(s, "model", overrides, variants), await run(s, kernel, overrides, variants)];
}

Deno.test("fidelity: the model's regs is linux 6.1's, call-ops/direct/direct-far are 6.12's, phase by phase", async () => {
  const cases: [string, string, Record<string, ParamValue[]>, string[]][] = [
    ["single-tracer.ts", "linux-6.1", { args: [0, 2, 5, 8], tracer: ["empty", "ringbuf"] }, [
      "regs",
    ]],
    ["single-tracer.ts", "linux-6.12", { args: [0, 2, 5, 8], tracer: ["empty", "ringbuf"] }, [
      "call-ops",
      "direct",
    ]],
    ["bpf-fentry.ts", "linux-6.12", { args: [1, 6], other_tracers: [0] }, [
      "direct",
      "direct-far",
      "call-ops",
    ]],
  ];
  for (const [file, kernel, overrides, variants] of cases) {
    const [model, real] = await modelAndKernel(file, kernel, overrides, variants);
    const rows = fidelityRows(model as StoredResult, real as StoredResult);
    const expected = real.runs.filter((r) => r.status === "ok").length;
    assert.ok(expected > 0, `${file} on ${kernel} measured something`);
    assert.equal(rows.length, expected, `${file}: every case ran on both`);
    for (const row of rows) {
      const what = `${file} ${row.variant} ${JSON.stringify(row.params)} on ${kernel}`;
      for (const [metric, [m, k]] of Object.entries(row.metrics)) {
        assert.equal(m, k, `${what}: ${metric} model ${m}, kernel ${k}`);
      }
      for (const [phase, [m, k]] of Object.entries(row.phases)) {
        assert.equal(m, k, `${what}: ${phase} instructions model ${m}, kernel ${k}`);
      }
    }
  }
});

/** The single-tracer workload with two ops, so the list function runs. */
function listWorkload() {
  const base = singleTracerOps("empty");
  return toWorkload({
    target: { args: 2 },
    ops: [base, { ...base, name: "second_ops" }],
  });
}

Deno.test("the kernel's sections keep their places whatever the size of the harness's data", async () => {
  const kernel = await openKernel("linux-6.12");
  const base = singleTracerOps("empty");
  // 1 and 40 ops: the harness's data (ops, hashes, heap) grows by kilobytes.
  const placed = async (ops: number) => {
    const workload = toWorkload({
      target: { args: 2 },
      ops: Array.from({ length: ops }, (_, k) => ({ ...base, name: `ops_${k}` })),
    });
    const world = buildRealWorld(kernel, findVariant("call-ops")!, workload, "placement-test");
    assert.ok(!("notApplicable" in world));
    const { image } = await loadWorld(world, world.workload.layout);
    const kernelSections = image.sections
      .filter((s) => s.input?.startsWith("linux-6.12 ") && s.size > 0)
      .map((s) => `${s.input} ${s.name} @${s.address.toString(16)}`);
    const data = image.sections.find((s) => s.input?.endsWith(": data"))!;
    return { image, kernelSections, data };
  };
  const one = await placed(1), many = await placed(40);
  assert.ok(many.data.size > one.data.size + 1024, "the harness's data grew");
  assert.ok(one.kernelSections.some((s) => s.includes(".data")), "the kernel has data sections");
  assert.deepEqual(many.kernelSections, one.kernelSections);
  // So both links have one code key: what is worked out from the code is kept between them.
  assert.equal(many.image.codeKey, one.image.codeKey);
  // The harness's data comes after every kernel section of the data region.
  const kernelData = one.image.sections.filter((s) =>
    s.input?.startsWith("linux-6.12 ") && !s.exec && s.size > 0
  );
  for (const s of kernelData) assert.ok(s.address < one.data.address, `${s.input} ${s.name}`);
});

Deno.test("a trap stub reached is that run's failure, naming the symbol and its caller", async () => {
  const kernel = await openKernel("linux-6.12");
  const world = buildRealWorld(kernel, findVariant("call-ops")!, listWorkload(), "trap-test");
  assert.ok(!("notApplicable" in world));
  // A reschedule pending (need_resched stored inverted: 0) when the list function
  // re-enables preemption: it calls preempt_schedule_notrace, which the world lacks.
  const link = world.kernel!;
  const resched = {
    ...world,
    kernel: {
      ...link,
      initialize(image: Parameters<typeof link.initialize>[0]) {
        link.initialize(image);
        const at = image.address(TASK_SYMBOL) + BigInt(kernel.layout.task.needResched);
        const s = image.sections.find((s) => at >= s.address && at < s.address + BigInt(s.size))!;
        new DataView(s.bytes.buffer, s.bytes.byteOffset).setUint32(Number(at - s.address), 0, true);
      },
    },
  };
  const loaded = await loadWorld(resched, resched.workload.layout);
  const e = await measure(loaded, unicornFactory).then(() => undefined, (e) => e);
  assert.ok(e instanceof OopsError, String(e));
  assert.match(
    e.message,
    /^Oops: trap stub reached: preempt_schedule_notrace is a kernel function the harness's world does not provide \(called from arch_ftrace_ops_list_func\+0x[0-9a-f]+\)/,
  );
  assert.match(e.message, /Last branch targets/);
});

/** A copy of the kernel whose entry-ftrace.o has its first `from` word (in ftrace_caller) replaced. */
function patchedKernel(kernel: RealKernel, from: number, to: number): RealKernel {
  const [entry, ...rest] = kernel.inputs;
  const caller = entry.obj.symbols.find((s) => s.name === "ftrace_caller")!;
  let patched: number | undefined;
  const sections = entry.obj.sections.map((s) => {
    if (s.index !== caller.sectionIndex || !s.data) return s;
    const data = s.data.slice();
    const view = new DataView(data.buffer);
    for (let at = Number(caller.value); at + 4 <= data.length && patched === undefined; at += 4) {
      if (view.getUint32(at, true) === from) {
        view.setUint32(at, to, true);
        patched = at;
      }
    }
    return { ...s, data };
  });
  assert.ok(
    patched !== undefined && patched < Number(caller.value) + caller.size,
    `0x${from.toString(16)} found inside ftrace_caller`,
  );
  const obj: ElfObject = { ...entry.obj, sections };
  return { ...kernel, inputs: [{ ...entry, obj }, ...rest] };
}

Deno.test("a broken copy of linux 6.12's ftrace_caller (x6/x7 not saved) fails the checks that watch them", async () => {
  const kernel = await openKernel("linux-6.12");
  const STP_X6_X7 = 0xa9031fe6; // stp x6, x7, [sp, #0x30]
  const NOP = 0xd503201f;
  const broken = patchedKernel(kernel, STP_X6_X7, NOP);
  const workload = toWorkload({ target: { args: 8 }, ops: [singleTracerOps("empty")] });
  const m = await measureCase(
    findVariant("call-ops")!,
    workload,
    "broken-6.12",
    unicornFactory,
    undefined,
    undefined,
    broken,
  );
  assert.ok(!("notApplicable" in m));
  const failed = new Map(m.checks.filter((c) => !c.ok).map((c) => [c.name, c.detail]));
  assert.match(failed.get("tracer-saw") ?? "", /arg6 = 0x[0-9a-f]+, expected 0xa000000700007777/);
  assert.match(failed.get("return-value") ?? "", /expected/);
  // The unbroken kernel passes the same case.
  const good = await measureCase(
    findVariant("call-ops")!,
    workload,
    "good-6.12",
    unicornFactory,
    undefined,
    undefined,
    kernel,
  );
  assert.ok(!("notApplicable" in good));
  assert.deepEqual(good.checks.filter((c) => !c.ok), []);
});

Deno.test("the model's struct ftrace_ops is laid out as linux 6.12's DWARF says", async () => {
  const { FTRACE_OPS } = await import("../../src/kernel/structs.ts");
  const kernel = await openKernel("linux-6.12");
  const L = kernel.layout.ops;
  assert.equal(FTRACE_OPS.size, L.size);
  assert.equal(FTRACE_OPS.offsets.func, L.func);
  assert.equal(FTRACE_OPS.offsets.next, L.next);
  assert.equal(FTRACE_OPS.offsets.flags, L.flags);
  assert.equal(FTRACE_OPS.offsets.func_hash, L.funcHash);
  assert.equal(FTRACE_OPS.offsets.direct_call, L.directCall);
  assert.equal(FTRACE_OPS.offsets.local_hash_notrace, L.localHash);
});
