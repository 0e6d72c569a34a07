/**
 * Every correctness check must be able to fail: each broken fixture trips
 * the check it targets, while the real variants pass all of them.
 */
import assert from "node:assert/strict";
import {
  openNativeResources,
  RecyclingUnicornFactory,
  unicornFactory,
} from "../../src/engine/unicorn.ts";
import { VARIANTS } from "../../src/kernel/variants/index.ts";
import type { Probe, Variant } from "../../src/kernel/variants/variant.ts";
import { singleTracerOps } from "../../src/kernel/workload.ts";
import { measureCase, toWorkload } from "../../src/runner/run_scenario.ts";
import { measure } from "../../src/runner/run_case.ts";
import { loadWorld } from "../../src/runner/machine.ts";
import { buildWorld } from "../../src/kernel/world.ts";
import { zeroMetrics } from "../../src/measure/metrics.ts";
import { OopsError } from "../../src/runner/oops.ts";
import { AssemblyError } from "../../src/asm/assembler.ts";
import * as broken from "../fixtures/broken_variants.ts";
import { nopVariant } from "../../src/kernel/variants/nop.ts";
import { ContractError } from "../../src/kernel/contract.ts";
import { CodeImage } from "../../src/measure/code_image.ts";

const workload = (args = 3) => toWorkload({ target: { args }, ops: [singleTracerOps("ringbuf")] });

async function failedChecks(variant: Variant, args = 3): Promise<string[]> {
  const m = await measureCase(variant, workload(args), `test/${variant.name}`, unicornFactory);
  assert.ok(!("notApplicable" in m));
  return m.checks.filter((c) => !c.ok).map((c) => c.name);
}

for (const variant of VARIANTS) {
  Deno.test(`${variant.name}: every check passes for 0, 3 and 8 arguments`, async () => {
    for (const args of [0, 3, 8]) assert.deepEqual(await failedChecks(variant, args), []);
  });
}

Deno.test("a trampoline that clobbers x19 fails callee-saved", async () => {
  assert.deepEqual(await failedChecks(broken.clobbersX19), ["callee-saved"]);
});

Deno.test("a trampoline with a misaligned sp fails sp-alignment", async () => {
  assert.ok((await failedChecks(broken.misalignedSp)).includes("sp-alignment"));
});

/** The sp-alignment check of `variant`'s case, which must have failed. */
async function failedSpCheck(variant: Variant) {
  const m = await measureCase(variant, workload(), `test/${variant.name}`, unicornFactory);
  assert.ok(!("notApplicable" in m));
  const check = m.checks.find((c) => c.name === "sp-alignment")!;
  assert.equal(check.ok, false);
  return check;
}

Deno.test("a call made with a misaligned sp fails sp-alignment at the callee", async () => {
  const check = await failedSpCheck(broken.callsWithMisalignedSp);
  assert.match(check.detail, /^sp = 0x[0-9a-f]*8 at tracer_\w+ \(call\)/);
});

Deno.test("a store through a misaligned sp fails sp-alignment, with no call to see it", async () => {
  const check = await failedSpCheck(broken.storesWithMisalignedSp);
  assert.match(check.detail, /^sp = 0x[0-9a-f]*8 at ftrace_caller\+0x[0-9a-f]+ \(str through sp\)/);
});

Deno.test("a code that keeps sp aligned is run without a stack watch; one that may not, with", async () => {
  const image = async (variant: Variant) => {
    const world = buildWorld(variant, workload(), `test/${variant.name}`);
    assert.ok(!("notApplicable" in world));
    return (await loadWorld(world, world.workload.layout)).code;
  };
  for (const variant of VARIANTS) assert.ok((await image(variant)).keepsSpAligned(), variant.name);
  assert.equal((await image(broken.storesWithMisalignedSp)).keepsSpAligned(), false);
  assert.equal((await image(broken.misalignedSp)).keepsSpAligned(), false);
  // A placement's first run watches the stack; from its second, its code's answer is used.
  const placedAnew = (code: CodeImage) =>
    new CodeImage(Object.assign(Object.create(Object.getPrototypeOf(code.image)), code.image, {
      codeKey: `test-${crypto.randomUUID()}`,
    }));
  for (const [variant, aligned] of [[VARIANTS[0], true], [broken.misalignedSp, false]] as const) {
    const code = placedAnew(await image(variant));
    assert.equal(code.keepsSpAlignedWhenRepeated(), false, `${variant.name}: first ask`);
    assert.equal(code.keepsSpAlignedWhenRepeated(), aligned, `${variant.name}: second ask`);
    assert.equal(code.keepsSpAlignedWhenRepeated(), aligned, `${variant.name}: third ask`);
  }
});

Deno.test("a trampoline that corrupts x0 fails return-value", async () => {
  assert.deepEqual(await failedChecks(broken.corruptsX0), ["return-value"]);
});

Deno.test("a trampoline without the callsite frame record fails unwind", async () => {
  assert.deepEqual(await failedChecks(broken.breaksFrameChain), ["unwind"]);
});

/**
 * A case whose run faults: measureCase returns it failed, with a single
 * "fault" check whose detail is the oops that measure() throws, and zero counts.
 */
async function faultedCase(variant: Variant, budget?: number): Promise<string> {
  const m = await measureCase(variant, workload(), `test/${variant.name}`, unicornFactory, budget);
  assert.ok(!("notApplicable" in m));
  assert.equal(m.checks.length, 1, JSON.stringify(m.checks));
  const [check] = m.checks;
  assert.equal(check.name, "fault");
  assert.equal(check.ok, false);
  assert.deepEqual(m.metrics, zeroMetrics());
  assert.deepEqual(m.phases, {});
  // measure() itself still throws the oops: measureCase turns it into the result.
  const world = buildWorld(variant, workload(), `test/${variant.name}`);
  assert.ok(!("notApplicable" in world));
  assert.equal(m.path, world.path);
  const e = await measure(await loadWorld(world, world.workload.layout), unicornFactory, budget)
    .catch((e) => e);
  assert.ok(e instanceof OopsError, String(e));
  assert.equal(check.detail, e.message);
  return check.detail;
}

Deno.test("an emulated fault fails the case's fault check with an oops: pc, symbol+offset, code, registers", async () => {
  const oops = await faultedCase(broken.faults);
  assert.match(oops, /^Oops: unmapped fault accessing 0x10/);
  assert.match(oops, /is at ftrace_caller\+0x[0-9a-f]+/);
  assert.match(
    oops,
    /> 0x[0-9a-f]+ ftrace_caller\+0x[0-9a-f]+ +0x[0-9a-f]{8} +ldr x4, \[x4\]/,
  );
  assert.match(oops, /x19: 0x/);
});

Deno.test("a run over its budget fails the case's fault check with an oops naming the budget and last pcs", async () => {
  const oops = await faultedCase(broken.spins, 3000);
  assert.match(oops, /^Oops: instruction budget of 3000 exhausted/);
  assert.match(oops, /Last branch targets.*ftrace_caller\+0x[0-9a-f]+ x\d+/);
});

Deno.test("a run over its budget on an engine other code ran first stops at the budget", async () => {
  // A recycling factory lends the nop baseline's engine to the spinning variant's code; its exact
  // run (where the run stopped) must count the loop translated while Unicorn did not count.
  const factory = new RecyclingUnicornFactory();
  try {
    await measureCase(nopVariant, workload(), "test/nop", factory, 3000);
    const m = await measureCase(broken.spins, workload(), "test/spins", factory, 3000);
    assert.ok(!("notApplicable" in m));
    assert.match(m.checks[0].detail, /^Oops: instruction budget of 3000 exhausted/);
  } finally {
    factory.release();
  }
});

Deno.test("an assembly error names the code's origin and line", async () => {
  const e = await measureCase(broken.syntaxError, workload(), "test/syntax", unicornFactory)
    .catch((e) => e);
  assert.ok(e instanceof AssemblyError, String(e));
  assert.equal(e.origin, "tests/fixtures/broken_variants.ts");
  assert.equal(e.sourceLine?.trim(), "mov x1, x9, x10");
});

Deno.test("nine register arguments are refused with the reason", async () => {
  await assert.rejects(
    () => measureCase(VARIANTS[2], workload(9), "test/nine", unicornFactory),
    /takes 9 arguments; the model passes 0..8/,
  );
});

Deno.test("a probe on a symbol the world lacks is a contract error, and its engine is closed", async () => {
  const world = buildWorld(nopVariant, workload(), "test/missing-probe");
  assert.ok(!("notApplicable" in world));
  const loaded = await loadWorld(world, world.workload.layout);
  const probe: Probe = { symbol: "no_such_fn", view: "pt_regs", chain: [], calls: 1 };
  const missing = { ...loaded, world: { ...loaded.world, probes: [probe] } };
  const before = openNativeResources().engines;
  // Without a memo: the checks find the name missing once the engine is booted.
  await assert.rejects(() => measure(missing, unicornFactory), ContractError);
  assert.equal(openNativeResources().engines, before, "the booted engine was closed");
});
