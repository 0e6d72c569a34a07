/**
 * The struct_ops model: kernel code calling an operation through a
 * `tcp_congestion_ops` table, implemented natively or by a BPF program behind
 * a struct_ops trampoline. Both pass every check, and the checks catch a
 * trampoline that loses an argument, the return value or a landing pad.
 */
import assert from "node:assert/strict";
import { unicornFactory } from "../../src/engine/unicorn.ts";
import { STRUCT_OPS, structOpsFrame } from "../../src/kernel/struct_ops.ts";
import { TCP_CONGESTION_OPS } from "../../src/kernel/structs.ts";
import {
  structOpsBpfVariant,
  structOpsNativeVariant,
} from "../../src/kernel/variants/struct_ops_variants.ts";
import type { Variant, VariantBuild } from "../../src/kernel/variants/variant.ts";
import { measureCase, toWorkload } from "../../src/runner/run_scenario.ts";
import type { Measurement } from "../../src/runner/run_case.ts";

const workload = (args: number, bti = false) =>
  toWorkload({ target: { name: "dctcp_state", args }, ops: [], codegen: { bti } });

async function run(variant: Variant, args: number, bti = false): Promise<Measurement> {
  const m = await measureCase(variant, workload(args, bti), `test/${variant.name}`, unicornFactory);
  assert.ok(!("notApplicable" in m));
  return m;
}

const failed = (m: Measurement) => m.checks.filter((c) => !c.ok).map((c) => c.name);

/** The bpf variant with its trampoline text passed through `edit`. */
function damaged(name: string, edit: (text: string) => string): Variant {
  return {
    name,
    summary: `broken: ${name}`,
    build(w) {
      const built = structOpsBpfVariant.build(w) as VariantBuild;
      let hit = false;
      const chunks = built.chunks.map((c) => {
        if (!c.text.includes(`${STRUCT_OPS.trampoline}:`)) return c;
        const text = edit(c.text);
        hit = text !== c.text;
        return { ...c, text };
      });
      assert.ok(hit, `${name}: the edit matched nothing`);
      return { ...built, chunks };
    },
  };
}

Deno.test("set_state is the third pointer of tcp_congestion_ops, which fills whole cache lines", () => {
  assert.equal(TCP_CONGESTION_OPS.offsets.set_state, 16);
  assert.equal(TCP_CONGESTION_OPS.size % 64, 0);
});

Deno.test("the trampoline frame keeps sp aligned and every slot apart, for 0..8 arguments", () => {
  for (let n = 0; n <= 8; n++) {
    const f = structOpsFrame(n);
    assert.equal(f.size % 16, 0);
    assert.ok(f.ctx >= f.nrArgs + 8 && f.retval === f.ctx + 8 * n);
    assert.ok(f.savedRegs >= f.retval + 8 && f.savedRegs + 16 <= f.size);
  }
});

for (const bti of [false, true]) {
  Deno.test(`native and bpf pass every check for 0, 2 and 8 arguments (bti ${bti})`, async () => {
    for (const args of [0, 2, 8]) {
      for (const v of [structOpsNativeVariant, structOpsBpfVariant]) {
        const m = await run(v, args, bti);
        assert.deepEqual(failed(m), [], `${v.name} args=${args}`);
      }
    }
  });
}

Deno.test("the prog is called once, sees its ctx, and unwinds to the caller", async () => {
  const m = await run(structOpsBpfVariant, 2);
  const detail = (name: string) => m.checks.find((c) => c.name === name)!.detail;
  assert.equal(detail("tracer-calls"), `${STRUCT_OPS.prog} x1`);
  assert.equal(
    detail("unwind"),
    `${STRUCT_OPS.prog} <- ${STRUCT_OPS.trampoline} <- caller <- harness_exit`,
  );
});

Deno.test("the BPF path costs more than the native one, and only the native one runs the body", async () => {
  for (const args of [0, 8]) {
    const native = await run(structOpsNativeVariant, args);
    const bpf = await run(structOpsBpfVariant, args);
    assert.ok(bpf.metrics.instructions > native.metrics.instructions);
    assert.ok(native.phases.body.instructions > 0);
    assert.equal(bpf.phases.body, undefined);
    // The program does the body's work: the same result from ctx loads.
    assert.ok(bpf.phases.tracer.instructions >= native.phases.body.instructions);
  }
});

Deno.test("a trampoline that leaves the last argument out of ctx fails tracer-saw and return-value", async () => {
  const drops = damaged("drops-arg", (t) => t.replace(/\tstr x2, \[sp, #\d+\]\n/, ""));
  assert.deepEqual(failed(await run(drops, 3)), ["return-value", "tracer-saw"]);
});

Deno.test("a trampoline that forgets the program's return value fails return-value", async () => {
  const loses = damaged("loses-retval", (t) => t.replace(/\tldr x0, \[sp, #\d+\]\n/, ""));
  assert.deepEqual(failed(await run(loses, 2)), ["return-value"]);
});

Deno.test("a trampoline without its landing pad fails bti when BTI is on", async () => {
  const noPad = damaged(
    "no-bti",
    (t) =>
      t.replace(
        new RegExp(`(${STRUCT_OPS.trampoline}:\n__phase\\.[^\n]*:\n)`),
        "$1\tnop\n",
      ),
  );
  // The nop goes before `bti c` (inside the trampoline's first phase), so the blr lands on a nop.
  assert.deepEqual(failed(await run(noPad, 2, true)), ["bti"]);
});
