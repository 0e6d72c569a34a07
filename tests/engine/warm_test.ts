/**
 * A recycled engine keeps what the next case can use and nothing else: the
 * same mapping and hooks are taken back (with their translations), code that
 * changed in place runs as changed, writable memory starts as the new case
 * wrote it (not as the last run left it), and what is not taken back is gone.
 */
import assert from "node:assert/strict";
import {
  RecyclingUnicornFactory,
  reuseStats,
  type UnicornEngine,
} from "../../src/engine/unicorn.ts";
import type { Engine } from "../../src/engine/engine.ts";
import { buildWorld } from "../../src/kernel/world.ts";
import { VARIANTS } from "../../src/kernel/variants/index.ts";
import { singleTracerOps } from "../../src/kernel/workload.ts";
import { boot, type LoadedWorld, loadWorld } from "../../src/runner/machine.ts";
import { toWorkload } from "../../src/runner/run_scenario.ts";
import { measure } from "../../src/runner/run_case.ts";

const CODE = 0xffff800008000000n;
const DATA = 0xffff800010000000n;
const RX = { read: true, write: false, exec: true };
const RW = { read: true, write: true, exec: false };
const I = {
  movX0: (n: number) => 0xd2800000 | (n << 5), // mov x0, #n
  ldrX1X2: 0xf9400041, // ldr x1, [x2]
  strX0X2: 0xf9000040, // str x0, [x2]
  nop: 0xd503201f,
};

function words(list: number[]): Uint8Array {
  const bytes = new Uint8Array(list.length * 4);
  const view = new DataView(bytes.buffer);
  list.forEach((w, i) => view.setUint32(i * 4, w, true));
  return bytes;
}

/** Run `f` with a recycling factory of its own, released after. */
function recycling(f: (factory: RecyclingUnicornFactory) => void): void {
  const factory = new RecyclingUnicornFactory();
  try {
    f(factory);
  } finally {
    factory.release();
  }
}

/** One case: map code and data, write `program`, run it; x0 and x1 after, and blocks seen. */
function runCase(factory: RecyclingUnicornFactory, program: number[], data = new Uint8Array(8)) {
  const engine: Engine = factory.create("same code");
  try {
    engine.map(CODE, 0x1000, RX);
    engine.map(DATA, 0x1000, RW);
    engine.write(CODE, words(program));
    engine.write(DATA, data);
    engine.writeRegister("x2", DATA);
    let blocks = 0;
    engine.onBlock(() => blocks++);
    assert.equal(engine.run(CODE, CODE + BigInt(4 * program.length), 100), "until");
    const [x0, x1] = engine.readRegisters(["x0", "x1"]);
    return { x0, x1, blocks };
  } finally {
    engine.close();
  }
}

Deno.test("recycled engine: same code keeps mappings, hooks and translations", () =>
  recycling((factory) => {
    const program = [I.movX0(5), I.ldrX1X2, I.strX0X2];
    runCase(factory, program);
    const before = { ...reuseStats };
    const second = runCase(factory, program);
    assert.deepEqual(second, { x0: 5n, x1: 0n, blocks: 1 });
    assert.equal(reuseStats.regionsKept - before.regionsKept, 2, "code and data mappings kept");
    assert.equal(reuseStats.hooksKept - before.hooksKept, 1, "the block hook kept");
    assert.equal(reuseStats.codeBytesFlushed, before.codeBytesFlushed, "no translation dropped");
  }));

Deno.test("recycled engine: code changed in place runs as changed, only that word flushed", () =>
  recycling((factory) => {
    runCase(factory, [I.movX0(5), I.nop, I.nop]);
    const before = reuseStats.codeBytesFlushed;
    assert.equal(runCase(factory, [I.movX0(9), I.nop, I.nop]).x0, 9n);
    assert.equal(reuseStats.codeBytesFlushed - before, 4, "one word changed, one word flushed");
  }));

Deno.test("recycled engine: writable memory starts as the new case writes it", () =>
  recycling((factory) => {
    // The first run stores 5 at DATA; the next reads DATA before storing: it must see
    // what the second case wrote there (7), not the 5 the first run left.
    runCase(factory, [I.movX0(5), I.strX0X2]);
    const seven = new Uint8Array(8);
    seven[0] = 7;
    assert.equal(runCase(factory, [I.ldrX1X2, I.movX0(1), I.strX0X2], seven).x1, 7n);
    assert.equal(runCase(factory, [I.ldrX1X2, I.movX0(1), I.strX0X2]).x1, 0n, "zero again");
  }));

Deno.test("recycled engine: what the next case does not map or hook is gone", () =>
  recycling((factory) => {
    runCase(factory, [I.movX0(5), I.strX0X2]);
    const engine = factory.create("same code");
    try {
      // Only the code is mapped again: the old data mapping must not answer a read.
      engine.map(CODE, 0x1000, RX);
      engine.write(CODE, words([I.ldrX1X2]));
      engine.writeRegister("x2", DATA);
      assert.throws(() => engine.run(CODE, CODE + 4n, 10), /unmapped|READ_UNMAPPED/i);
    } finally {
      engine.close();
    }
  }));

Deno.test("recycling factory: code it has not run gets an idle engine, never one that has counted", () =>
  recycling((factory) => {
    // Code a runs exactly: its engine counts instructions from now on.
    const a = factory.create("code a");
    a.map(CODE, 0x1000, RX);
    a.write(CODE, words([I.nop, I.nop]));
    assert.equal(a.run(CODE, CODE + 8n, 10, "instruction"), "until");
    assert.ok((a as UnicornEngine).counting);
    a.close();
    const b = factory.create("code b");
    assert.notEqual(b, a, "a counting engine is lent to no new code");
    b.close();
    const c = factory.create("code c");
    assert.equal(c, b, "new code runs on an idle engine that has not counted");
    c.close();
    const again = factory.create("code b");
    assert.notEqual(again, c, "code run before gets an engine of its own");
    assert.notEqual(again, a);
    again.close();
  }));

/** The args variant's world with `n` ops tracing the target (more ops, more data pages). */
async function withOps(n: number): Promise<LoadedWorld> {
  const args = VARIANTS.find((v) => v.name === "args")!;
  const ops = Array.from({ length: n }, (_, k) => ({
    ...singleTracerOps("empty"),
    name: `ops_${k}`,
  }));
  const world = buildWorld(args, toWorkload({ target: { args: 1 }, ops }), "grow");
  assert.ok(!("notApplicable" in world));
  return await loadWorld(world, world.workload.layout);
}

Deno.test("recycled engine: a case whose data grows maps only its new data pages", async () => {
  const small = await withOps(1), big = await withOps(12);
  const dataPages = (w: LoadedWorld) => Math.ceil(w.image.section(".data")!.size / 0x1000);
  const grown = dataPages(big) - dataPages(small);
  assert.ok(grown >= 1, "the bigger world needs more data pages");
  const factory = new RecyclingUnicornFactory();
  try {
    boot(factory, small).engine.close();
    const before = reuseStats.pagesMapped;
    boot(factory, big).engine.close();
    // Not the stack again, nor the code: only the data's new pages (and one it may now straddle).
    const mapped = reuseStats.pagesMapped - before;
    assert.ok(mapped >= grown && mapped <= grown + 1, `${mapped} pages mapped for ${grown} more`);
  } finally {
    factory.release();
  }
});

Deno.test("recycled engine: a case whose data grows takes back its hooks (and its code's translations)", async () => {
  const small = await withOps(1), big = await withOps(12);
  const factory = new RecyclingUnicornFactory();
  try {
    const first = await measure(small, factory);
    const before = reuseStats.hooksKept;
    const second = await measure(big, factory);
    // The log's block hook and the tracer-entry hook: writing the new data page must
    // not drop them (a dropped block hook drops every translation of the code).
    assert.ok(reuseStats.hooksKept - before >= 2, `${reuseStats.hooksKept - before} hooks kept`);
    assert.ok([...first.checks, ...second.checks].every((c) => c.ok));
  } finally {
    factory.release();
  }
});
