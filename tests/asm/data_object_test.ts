/**
 * Typed data and the code/data split: a world linked from its code (through
 * llvm-mc) and its typed data (laid out and bound by the loader) is the image
 * llvm-mc and the loader make of the whole unit, for every variant of every
 * scenario; units the split cannot reproduce are assembled whole; data words
 * that cannot be written are refused with their origin.
 */
import assert from "node:assert/strict";
import { assemble } from "../../src/asm/assembler.ts";
import {
  DataValueError,
  DataWriter,
  layoutData,
  layoutDefining,
  sym,
} from "../../src/asm/data_object.ts";
import { parseElf } from "../../src/asm/elf.ts";
import { link, load, type LoadedImage, type PlaceRequest } from "../../src/asm/loader.ts";
import { objectStats, unitObjects } from "../../src/asm/objects.ts";
import type { AsmUnit } from "../../src/asm/source.ts";
import { loadScenario } from "../../src/cli/main.ts";
import { defaultLayout, SectionPlacer } from "../../src/kernel/layout.ts";
import { buildWorld } from "../../src/kernel/world.ts";
import { toWorkload } from "../../src/runner/run_scenario.ts";
import { scenarioVariants } from "../../src/runner/scenario.ts";
import { scenarioFiles } from "../scenario_files.ts";

const layout = defaultLayout({});

/** Sections (name, address, bytes) and symbols of an image, comparable with deepEqual. */
function shape(image: LoadedImage) {
  return {
    sections: image.sections.filter((s) => s.size > 0)
      .map((s) => ({ name: s.name, address: s.address, bytes: [...s.bytes] }))
      .sort((a, b) => (a.name < b.name ? -1 : 1)),
    symbols: [...image.symbols].sort(([a], [b]) => (a < b ? -1 : 1)),
  };
}

async function whole(unit: AsmUnit) {
  const placer = new SectionPlacer(layout);
  return load(parseElf(await assemble(unit)), (s) => placer.place(s));
}

async function split(unit: AsmUnit) {
  const placer = new SectionPlacer(layout);
  return link(await unitObjects(unit), (s) => placer.place(s));
}

Deno.test("typed data: every variant's world links to the image of its whole unit", async () => {
  const files = scenarioFiles();
  let worlds = 0;
  const before = objectStats.split;
  for (const file of files) {
    const scenario = await loadScenario(file);
    const params = Object.fromEntries(
      Object.entries(scenario.params).map(([k, p]) => [k, p.default]),
    );
    const workload = toWorkload(scenario.workload(params as never));
    for (const variant of scenarioVariants(scenario)) {
      const world = buildWorld(variant, workload, `${scenario.name}/${variant.name}`);
      if ("notApplicable" in world) continue;
      const placed = world.workload.layout;
      const a = new SectionPlacer(placed), b = new SectionPlacer(placed);
      const assembled = load(parseElf(await assemble(world.unit)), (s) => a.place(s));
      const linked = link(await unitObjects(world.unit), (s) => b.place(s));
      assert.deepEqual(shape(linked), shape(assembled), `${scenario.name}/${variant.name}`);
      worlds++;
    }
  }
  assert.ok(worlds >= 30, `${worlds} worlds`);
  assert.equal(objectStats.split - before, worlds, "every world took the split");
});

Deno.test("typed data: a chunk renders as the assembly of the same bytes and relocations", async () => {
  const data = new DataWriter("test data");
  data.object("table", 16).quad(sym("handler")).word(-1).zero(4).quad(sym("table", 8));
  data.align(64).object("after").quad(0x1234_5678_9abcn);
  const code = {
    origin: "test code",
    text: "\t.text\n\t.globl handler\n\t.type handler, %function\nhandler:\n\tret",
  };
  const unit = { name: "render", chunks: [code, data.chunk()] };
  assert.match(unit.chunks[1].text, /\.quad table \+ 8/);
  assert.deepEqual(shape(await split(unit)), shape(await whole(unit)));
});

Deno.test("typed data: segments' words naming their own objects bind where the segment lands", async () => {
  // A segment whose 16-byte alignment pads differently where it is appended: its words
  // naming its own objects (bound by position) and others (by name) land alike.
  const segment = DataWriter.segment("test segment", (w) => {
    w.object("seg_head").quad(sym("seg_tail", 8)).quad(sym("handler")).quad(sym("seg_head", 4));
    w.object("seg_tail", 16).quad(sym("seg_head")).quad(sym("outside")).word(3).word(0);
  });
  assert.equal(segment.internal.length, 3 * 3, "three words name the segment's own objects");
  const code = {
    origin: "test code",
    text: "\t.text\n\t.globl handler\n\t.type handler, %function\nhandler:\n\tret",
  };
  for (const before of [0, 1, 2]) {
    const data = new DataWriter("appended");
    for (let k = 0; k < before; k++) data.object(`lead${k}`).quad(sym("seg_tail"));
    data.append(segment).object("outside").quad(sym("seg_head", 16));
    const chunk = data.chunk();
    assert.match(chunk.text, /\.quad seg_tail \+ 8/);
    const unit = { name: `segment after ${before}`, chunks: [code, chunk] };
    assert.deepEqual(shape(await split(unit)), shape(await whole(unit)), `after ${before} quads`);
    // Linked beside a second data input: every word is bound by name or by position.
    const other = new DataWriter("other").object("beside").quad(sym("seg_head")).chunk();
    const placer = new SectionPlacer(layout);
    const both = link(
      [...await unitObjects(unit), { name: "beside", data: layoutData([other]) }],
      (s) => placer.place(s),
    );
    const data0 = both.sections.find((s) => s.name === ".data" && s.bytes.length > 16)!;
    const view = new DataView(data0.bytes.buffer, data0.bytes.byteOffset, data0.bytes.length);
    const at = (name: string) => Number(both.address(name) - data0.address);
    assert.equal(view.getBigUint64(at("seg_head"), true), both.address("seg_tail") + 8n);
    assert.equal(view.getBigUint64(at("seg_tail"), true), both.address("seg_head"));
  }
});

Deno.test("typed data: a segment appended with one value word set keeps its own bytes", () => {
  const segment = DataWriter.segment("test segment", (w) => {
    w.object("patched_ops").quad(sym("handler")).quad(7).quad(sym("patched_ops", 8));
  });
  const kept = segment.content.slice();
  const data = new DataWriter("patched").object("lead").word(1);
  data.appendPatched(segment, 8, 0x8000_0000_0000_0001n).append(segment);
  const chunk = data.chunk();
  const view = new DataView(chunk.content.buffer, chunk.content.byteOffset);
  // The first copy starts at 4 (its alignment is laid out later, as for any append).
  assert.equal(view.getBigUint64(4 + 8, true), 0x8000_0000_0000_0001n);
  assert.equal(view.getBigUint64(4 + 24 + 8, true), 7n, "the next append has the segment's own");
  assert.deepEqual(segment.content, kept);
  assert.throws(
    () => new DataWriter("patched").appendPatched(segment, 20, 1n),
    /patched: a patch at offset 20 is outside a segment of 24 bytes/,
  );
  // Words the linker binds: one naming another symbol, one naming the segment's own object.
  for (const offset of [0, 16]) {
    assert.throws(
      () => new DataWriter("patched").appendPatched(segment, offset, 1n),
      new RegExp(`patched: a patch at offset ${offset} would set an address word`),
    );
  }
});

Deno.test("typed data: code that puts its own bytes in .data is assembled whole", async () => {
  const data = new DataWriter("test data");
  data.object("answer").quad(42);
  const code = {
    origin: "test code",
    text: "\t.data\nmine:\n\t.quad 7\n\t.text\n\t.globl f\nf:\n\tret",
  };
  const unit = { name: "own data", chunks: [code, data.chunk()] };
  const wholeBefore = objectStats.wholeUnits;
  assert.equal((await unitObjects(unit)).length, 1);
  assert.equal(objectStats.wholeUnits - wholeBefore, 1);
  assert.deepEqual(shape(await split(unit)), shape(await whole(unit)));
});

Deno.test("typed data: data naming a label the code does not export is assembled whole", async () => {
  const data = new DataWriter("test data");
  data.object("pointer").quad(sym("local_label"));
  const code = { origin: "test code", text: "\t.text\nlocal_label:\n\tret" };
  const unit = { name: "local", chunks: [code, data.chunk()] };
  assert.equal((await unitObjects(unit)).length, 1);
  assert.deepEqual(shape(await split(unit)), shape(await whole(unit)));
});

Deno.test("typed data: one data linked at one place, another, then the first binds each time", async () => {
  const data = new DataWriter("moving data");
  data.object("head").quad(sym("node", 8)).quad(sym("fn"));
  data.object("node").quad(sym("head")).quad(sym("node", -8)).word(7).word(0);
  const code = { origin: "test code", text: "\t.text\n\t.globl fn\nfn:\n\tret" };
  const unit = { name: "moving", chunks: [code, data.chunk()] };
  const at = (base: bigint) => (s: PlaceRequest) => s.name === ".text" ? 0x10000n : base;
  // Kept (pre-bound) bytes must follow the data when it moves, and come back with it.
  for (const base of [0x20000n, 0x31000n, 0x20000n]) {
    const linked = link(await unitObjects(unit), at(base));
    const assembled = load(parseElf(await assemble(unit)), at(base));
    assert.deepEqual(shape(linked), shape(assembled), `data at ${base.toString(16)}`);
  }
});

Deno.test("typed data: more datas than the loader keeps bound, linked in turn, each bind right", async () => {
  // Twelve datas of different sizes (more than the loader's kept bound copies, whose
  // buffers go to the next data), each linked at two places, forwards then backwards.
  const code = { origin: "test code", text: "\t.text\n\t.globl fn\nfn:\n\tret" };
  const units = Array.from({ length: 12 }, (_, k) => {
    const data = new DataWriter(`data ${k}`);
    for (let i = 0; i <= (k * 7) % 12; i++) {
      data.object(`obj${i}`).quad(sym(i ? `obj${i - 1}` : "fn", 8 * k)).zero(8 * k).word(k);
    }
    data.object("last").quad(sym("obj0"));
    return { name: `turn ${k}`, chunks: [code, data.chunk()] };
  });
  const at = (base: bigint) => (s: PlaceRequest) => s.name === ".text" ? 0x10000n : base;
  for (const order of [units, [...units].reverse()]) {
    for (const unit of order) {
      for (const base of [0x20000n, 0x48000n]) {
        const linked = link(await unitObjects(unit), at(base));
        const assembled = load(parseElf(await assemble(unit)), at(base));
        assert.deepEqual(shape(linked), shape(assembled), `${unit.name} at ${base.toString(16)}`);
      }
    }
  }
});

Deno.test("typed data: two data inputs in one link name each other's objects", () => {
  const a = new DataWriter("data a");
  a.object("a_obj").quad(sym("b_obj", 4)).quad(sym("a_obj"));
  const b = new DataWriter("data b");
  b.object("b_obj").quad(sym("a_obj")).quad(sym("b_obj", 8));
  const bases: Record<string, bigint> = { a: 0x40000n, b: 0x50000n };
  let next = "a";
  const image = link(
    [{ name: "a", data: layoutData([a.chunk()]) }, { name: "b", data: layoutData([b.chunk()]) }],
    () => {
      const base = bases[next];
      next = "b";
      return base;
    },
  );
  const quads = (name: string) => {
    const bytes = image.sections.find((s) => s.address === bases[name])!.bytes;
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
    return [view.getBigUint64(0, true), view.getBigUint64(8, true)];
  };
  assert.deepEqual(quads("a"), [0x50004n, 0x40000n]);
  assert.deepEqual(quads("b"), [0x40000n, 0x50008n]);
});

Deno.test("typed data: the layout defining a name is found by position, or -1", () => {
  const first = new DataWriter("data", ".data");
  first.object("first_obj").quad(sym("second_obj"));
  const second = new DataWriter("data", ".data.other");
  second.object("second_obj").quad(0n);
  const data = layoutData([first.chunk(), second.chunk()]);
  assert.deepEqual(data.map((l) => l.name), [".data", ".data.other"]);
  assert.equal(layoutDefining(data, "first_obj"), 0);
  assert.equal(layoutDefining(data, "second_obj"), 1);
  assert.equal(layoutDefining(data, "elsewhere"), -1);
});

Deno.test("typed data: words that cannot be written are refused with their origin", () => {
  assert.throws(
    () => new DataWriter("src/kernel/data.ts").object("x").word(0x1_0000_0000),
    (e: unknown) =>
      e instanceof DataValueError &&
      /src\/kernel\/data\.ts: 4294967296 does not fit a 4-byte/.test(e.message),
  );
  const twice = new DataWriter("twice");
  twice.object("same").quad(1).object("same").quad(2);
  assert.throws(() => layoutData([twice.chunk()]), /twice: data object same is defined twice/);
  const missing = new DataWriter("dangling");
  missing.object("p").quad(sym("nowhere"));
  assert.throws(
    () => link([{ name: "data", data: layoutData([missing.chunk()]) }], () => 0x1000n),
    /undefined symbol in data: nowhere, referenced by data from dangling/,
  );
});
