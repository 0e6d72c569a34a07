/**
 * A parameter set's variants share the data they write alike: the chunk is
 * written once per workload (src/kernel/data.ts) and laid out once
 * (layoutData, src/asm/data_object.ts), and linking binds its addresses in a copy, so the
 * shared layout stays as it was written.
 */
import assert from "node:assert/strict";
import { type DataSectionLayout, isDataChunk } from "../../src/asm/data_object.ts";
import { unitObjects } from "../../src/asm/objects.ts";
import { buildWorld, type World } from "../../src/kernel/world.ts";
import { VARIANTS } from "../../src/kernel/variants/index.ts";
import { loadUnit } from "../../src/runner/machine.ts";
import { toWorkload } from "../../src/runner/run_scenario.ts";
import { type OpsSpec, singleTracerOps } from "../../src/kernel/workload.ts";

const workload = () =>
  toWorkload({
    target: { args: 2 },
    ops: [singleTracerOps("ringbuf"), { ...singleTracerOps("empty"), name: "other_ops" }],
  });

function world(name: string, wl = workload()): World {
  const variant = VARIANTS.find((v) => v.name === name)!;
  const built = buildWorld(variant, wl, `share/${name}`);
  assert.ok(!("notApplicable" in built), name);
  return built;
}

const dataOf = (w: World) => w.unit.chunks.filter(isDataChunk);

Deno.test("variants writing the same data on one workload share its chunk and its layout", async () => {
  const wl = workload();
  const [nop, args, callOps] = ["nop", "args", "call-ops"].map((v) => world(v, wl));
  assert.equal(dataOf(nop).length, 1);
  assert.equal(dataOf(args)[0], dataOf(nop)[0]);
  assert.equal(dataOf(callOps)[0], dataOf(nop)[0]);
  // Another workload with the same parameters writes its own.
  assert.notEqual(dataOf(world("args"))[0], dataOf(args)[0]);

  const [, a] = await unitObjects(args.unit);
  const [, c] = await unitObjects(callOps.unit);
  assert.ok("data" in a && "data" in c);
  const shared: readonly DataSectionLayout[] = a.data;
  assert.equal(shared, c.data);
  const written = shared.map((layout) => layout.bytes.slice());

  // Linking both binds every address word in the image, never in the shared layout.
  for (const w of [args, callOps]) {
    const image = await loadUnit(w.unit, w.workload.layout);
    const data = image.section(".data")!;
    const layout = shared.find((l) => l.name === ".data")!;
    const word = layout.addresses.find((x) => x.symbol === "ftrace_list_end")!;
    const bound = new DataView(data.bytes.buffer, data.bytes.byteOffset).getBigUint64(
      word.offset,
      true,
    );
    assert.equal(bound, image.address("ftrace_list_end") + BigInt(word.addend));
  }
  assert.deepEqual(shared.map((layout) => layout.bytes), written);
});

Deno.test("a scenario's ops array changed between parameter sets is written again", () => {
  const ops: OpsSpec[] = [singleTracerOps("ringbuf")];
  const first = dataOf(world("args", toWorkload({ target: { args: 2 }, ops })))[0];
  // The same array, changed in place, for the next set.
  ops[0] = { ...ops[0], dynamic: true };
  const second = dataOf(world("args", toWorkload({ target: { args: 2 }, ops })))[0];
  assert.notDeepEqual(second.content, first.content, "the ops' flags word differs");
});

Deno.test("an ops written once serves every set of flags: each set's bytes are those written anew", () => {
  // Names of this test's own, so no other test's writings are found first.
  const ops = (name: string, flags: Partial<OpsSpec>): OpsSpec => ({
    ...singleTracerOps("ringbuf"),
    name,
    ...flags,
  });
  const content = (op: OpsSpec) =>
    dataOf(world("args", toWorkload({ target: { args: 2 }, ops: [op] })))[0].content;
  const plain = { dynamic: false, rcu: false, recursionSafe: true };
  const other = { rcu: true, recursionSafe: false };
  // Written with the plain flags, then appended with the others (set as it is appended),
  // then with the plain ones again: the kept writing itself is never changed.
  const first = content(ops("flags_kept_ops", plain));
  const patched = content(ops("flags_kept_ops", other));
  const again = content(ops("flags_kept_ops", plain));
  // The same ops under a name never written: written anew with the other flags.
  const fresh = content(ops("flags_fresh_ops", other));
  assert.notDeepEqual(patched, first, "the flags word differs");
  assert.deepEqual(patched, fresh);
  assert.deepEqual(again, first);
});
