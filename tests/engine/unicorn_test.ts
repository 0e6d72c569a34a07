import assert from "node:assert/strict";
import { EngineError, type ExecutionLog, GPRS, type Register } from "../../src/engine/engine.ts";
import { nativeTraceHooks } from "../../src/engine/native_trace_log.ts";
import {
  abortsTranslation,
  openNativeResources,
  type UnicornEngine,
  unicornFactory,
} from "../../src/engine/unicorn.ts";

// Instruction words below come from `llvm-mc-19 -triple=aarch64 -show-encoding`.
const I = {
  nop: 0xd503201f,
  addX0_1: 0x91000400, // add x0, x0, #1
  movX0_1: 0xd2800020, // mov x0, #1
  movX1_7: 0xd28000e1, // mov x1, #7
  addX2X0X1: 0x8b010002, // add x2, x0, x1
  lslX3X2_4: 0xd37cec43, // lsl x3, x2, #4
  strX3X4: 0xf9000083, // str x3, [x4]
  strW2X4_8: 0xb9000882, // str w2, [x4, #8]
  stpFpLrPre: 0xa9bf7bfd, // stp x29, x30, [sp, #-16]!
  ldpFpLrPost: 0xa8c17bfd, // ldp x29, x30, [sp], #16
  ldrX5X4: 0xf9400085, // ldr x5, [x4]
  ldrX3X1: 0xf9400023, // ldr x3, [x1]
  strX3X1: 0xf9000023, // str x3, [x1]
  brX2: 0xd61f0040, // br x2
  udf0: 0x00000000, // udf #0
  brk0: 0xd4200000, // brk #0
  svc0: 0xd4000001, // svc #0
  subsX2_1: 0xf1000442, // subs x2, x2, #1
  bneMinus16: 0x54ffff81, // b.ne .-16
  ldaddal: 0xf8e10062, // ldaddal x1, x2, [x3]
  mrsX0SpEl0: 0xd5384100, // mrs x0, sp_el0
  mrsX1Tpidr: 0xd538d081, // mrs x1, tpidr_el1
  cbnzX0_8: 0xb5000040, // cbnz x0, .+8
  blPlus16: 0x94000004, // bl .+16
  ret: 0xd65f03c0, // ret
};

const CODE = 0xffff800008000000n; // kernel-style text address
const DATA = 0xffff800010000000n;
const STACK = 0xffff800018000000n;
const STACK_TOP = STACK + 0x4000n;
const RX = { read: true, write: false, exec: true };
const RW = { read: true, write: true, exec: false };
const RO = { read: true, write: false, exec: false };

function words(list: number[]): Uint8Array {
  const bytes = new Uint8Array(list.length * 4);
  const view = new DataView(bytes.buffer);
  list.forEach((w, i) => view.setUint32(i * 4, w, true));
  return bytes;
}

function u64(bytes: Uint8Array, offset = 0): bigint {
  return new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(offset, true);
}

/** A fresh engine with code, data and stack mapped and `program` at CODE. */
function machine(program: number[]) {
  const engine = unicornFactory.create();
  engine.map(CODE, 0x10000, RX);
  engine.map(DATA, 0x10000, RW);
  engine.map(STACK, 0x4000, RW);
  engine.write(CODE, words(program));
  engine.writeRegister("sp", STACK_TOP);
  return engine;
}

/** Address of instruction number `i` of the program. */
const at = (i: number) => CODE + BigInt(4 * i);

function catchEngineError(fn: () => unknown): EngineError {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof EngineError, `expected EngineError, got ${e}`);
    return e;
  }
  assert.fail("expected an EngineError");
}

const LOOP = [I.addX0_1, I.stpFpLrPre, I.ldpFpLrPost, I.subsX2_1, I.bneMinus16, I.nop];

Deno.test("map/write/run/read round trip", () => {
  const e = machine([
    I.movX1_7,
    I.addX2X0X1,
    I.lslX3X2_4,
    I.strX3X4,
    I.strW2X4_8,
    I.stpFpLrPre,
    I.ldpFpLrPost,
    I.ldrX5X4,
    I.nop,
  ]);
  try {
    e.writeRegister("x0", 35n);
    e.writeRegister("x4", DATA + 0x100n);
    e.writeRegister("x29", 0x1111n);
    e.writeRegister("x30", 0x2222n);
    assert.equal(e.run(CODE, at(8), 100), "until");
    const [x1, x2, x3, x5, pc, sp] = e.readRegisters(["x1", "x2", "x3", "x5", "pc", "sp"]);
    assert.deepEqual([x1, x2, x3, x5, pc, sp], [7n, 42n, 42n << 4n, 42n << 4n, at(8), STACK_TOP]);
    const data = e.read(DATA + 0x100n, 12);
    assert.equal(u64(data), 42n << 4n);
    assert.equal(new DataView(data.buffer).getUint32(8, true), 42);
    assert.equal(u64(e.read(STACK_TOP - 16n, 16), 8), 0x2222n, "stp stored x30 at sp-8");
  } finally {
    e.close();
  }
});

Deno.test("readRegisters matches readRegister for every register", () => {
  const e = machine([I.nop]);
  try {
    const all: Register[] = [...GPRS, "sp", "pc", "nzcv", "sp_el0", "tpidr_el1"];
    all.forEach((r, i) => {
      if (r !== "pc" && r !== "nzcv") e.writeRegister(r, 0x1000n * BigInt(i + 1) + 8n);
    });
    e.writeRegister("nzcv", 0x60000000n);
    const batch = e.readRegisters([...all, ...all]); // longer than one batch
    assert.deepEqual(batch, [...all, ...all].map((r) => e.readRegister(r)));
    assert.equal(e.readRegister("nzcv"), 0x60000000n);
    assert.equal(e.readRegister("x17"), 0x1000n * 18n + 8n);
  } finally {
    e.close();
  }
});

Deno.test("writeRegisters writes what writeRegister writes, in order, past one batch", () => {
  const e = machine([I.nop]);
  try {
    const all: Register[] = [...GPRS, "sp", "nzcv", "sp_el0", "tpidr_el1"];
    const value = (r: Register, i: number) =>
      r === "nzcv" ? 0x60000000n : 0x2000n * BigInt(i + 1) + 8n;
    // Longer than one batch; the second pass's later values must win.
    e.writeRegisters([
      ...all.map((r, i) => [r, value(r, i + 100)] as const),
      ...all.map((r, i) => [r, value(r, i)] as const),
      ["x3", -1n],
    ]);
    for (const [i, r] of all.entries()) {
      assert.equal(e.readRegister(r), r === "x3" ? 0xffff_ffff_ffff_ffffn : value(r, i), r);
    }
  } finally {
    e.close();
  }
});

Deno.test("unmapped data read reports kind, pc and address", () => {
  const e = machine([I.movX0_1, I.nop, I.addX0_1, I.ldrX3X1, I.addX0_1]);
  try {
    e.writeRegister("x1", 0x9999_0000n);
    const err = catchEngineError(() => e.run(CODE, at(5), 100));
    assert.equal(err.kind, "unmapped");
    assert.equal(err.pc, at(3), "pc of the ldr, not of its block");
    assert.equal(err.address, 0x9999_0000n);
    assert.match(err.libraryMessage, /UC_ERR_READ_UNMAPPED/);
    assert.equal(e.readRegister("x0"), 2n, "instructions before the fault completed");
  } finally {
    e.close();
  }
});

Deno.test("unmapped write and write to read-only memory", () => {
  const e = machine([I.addX0_1, I.strX3X1, I.nop]);
  try {
    e.writeRegister("x1", 0x9999_0008n);
    const unmapped = catchEngineError(() => e.run(CODE, at(2), 100));
    assert.equal(unmapped.kind, "unmapped");
    assert.equal(unmapped.pc, at(1));
    assert.equal(unmapped.address, 0x9999_0008n);

    e.map(0x40000n, 0x1000, RO);
    e.writeRegister("x1", 0x40010n);
    const seen: string[] = [];
    e.onInvalidMemory((access, address, size) => seen.push(`${access} ${address} ${size}`));
    const prot = catchEngineError(() => e.run(CODE, at(2), 100));
    assert.equal(prot.kind, "protection");
    assert.equal(prot.pc, at(1));
    assert.equal(prot.address, 0x40010n);
    assert.deepEqual(seen, [`write ${0x40010n} 8`]);
  } finally {
    e.close();
  }
});

Deno.test("unmapped fetch reports the fetch address as pc", () => {
  const e = machine([I.addX0_1, I.brX2]);
  try {
    e.writeRegister("x2", 0x5_0000n);
    const err = catchEngineError(() => e.run(CODE, at(2), 100));
    assert.equal(err.kind, "unmapped");
    assert.equal(err.pc, 0x5_0000n);
    assert.equal(err.address, 0x5_0000n);
  } finally {
    e.close();
  }
});

Deno.test("undefined instruction, brk and svc", () => {
  const e = machine([I.addX0_1, I.nop, I.addX0_1, I.udf0, I.brk0, I.svc0, I.nop]);
  try {
    const udf = catchEngineError(() => e.run(CODE, at(6), 100));
    assert.equal(udf.kind, "invalid-instruction");
    assert.equal(udf.pc, at(3));
    assert.match(udf.message, /undefined instruction/);

    const brk = catchEngineError(() => e.run(at(4), at(6), 100));
    assert.equal(brk.kind, "exception");
    assert.equal(brk.pc, at(4));
    assert.match(brk.message, /brk/);

    const svc = catchEngineError(() => e.run(at(5), at(6), 100));
    assert.equal(svc.kind, "exception");
    assert.equal(svc.pc, at(5), "pc of the svc itself");

    // The engine is still usable after faults.
    e.writeRegister("x0", 0n);
    assert.equal(e.run(CODE, at(3), 100), "until");
    assert.equal(e.readRegister("x0"), 2n);
  } finally {
    e.close();
  }
});

Deno.test("mapped code Unicorn 2.0.1 would abort on is refused before the run, naming the word", () => {
  // Found by fuzzing: each of these aborted the process when Unicorn translated it.
  const aborting = [0x4ec02717, 0x0e502d7f, 0x2e450d0a, 0x0e7848ad, 0x6ef87bbc, 0x5e78888e];
  for (const word of aborting) assert.ok(abortsTranslation(word), word.toString(16));
  // fadd v0.8h, v1.8h, v2.8h; fabs v0.8h, v1.8h; and an integer add: translated as usual.
  for (const word of [0x4e421420, 0x4ef8f820, I.addX0_1]) {
    assert.equal(abortsTranslation(word), false, word.toString(16));
  }
  const e = machine([I.movX0_1, aborting[0], I.addX0_1]);
  try {
    const err = catchEngineError(() => e.run(CODE, at(3), 100));
    assert.equal(err.kind, "invalid-instruction");
    assert.equal(err.pc, at(1));
    assert.match(err.detail ?? "", /^0x4ec02717 is an unallocated FP16 AdvSIMD encoding/);
    assert.equal(e.readRegister("x0"), 0n, "nothing ran");
    // The same word as data is no code: a read-only data page may hold it.
    e.map(DATA + 0x10000n, 0x1000, RO);
    e.write(DATA + 0x10000n, words([aborting[0]]));
    e.write(at(1), words([I.nop]));
    assert.equal(e.run(CODE, at(3), 100), "until");
    assert.equal(e.readRegister("x0"), 2n);
    // Code written after its page was read whole is read again where it changed.
    e.write(at(2), words([aborting[3]]));
    assert.equal(catchEngineError(() => e.run(CODE, at(3), 100)).pc, at(2));
  } finally {
    e.close();
  }
  // Every class: the vector and scalar forms alike are refused when mapped as code.
  for (const word of aborting) {
    const m = machine([I.movX0_1, I.addX0_1, word]);
    try {
      assert.equal(catchEngineError(() => m.run(CODE, at(3), 100)).pc, at(2), word.toString(16));
    } finally {
      m.close();
    }
  }
});

Deno.test("budget stops after exactly that many instructions", () => {
  const e = machine(LOOP);
  try {
    for (const budget of [1, 4, 5, 7, 23]) {
      e.writeRegister("x0", 0n);
      e.writeRegister("x2", 1000n);
      e.writeRegister("sp", STACK_TOP);
      assert.equal(e.run(CODE, at(5), budget), "budget");
      assert.equal(e.readRegister("pc"), at(budget % 5), `budget ${budget}`);
      assert.equal(e.readRegister("x0"), BigInt(Math.ceil(budget / 5)));
    }
    e.writeRegister("x2", 3n);
    assert.equal(e.run(CODE, at(5), Infinity), "until");
    assert.throws(() => e.run(CODE, at(5), 0), EngineError);
    assert.throws(() => e.run(CODE, at(5), 1.5), EngineError);
  } finally {
    e.close();
  }
});

/** The native execution-log hooks (a C compiler is part of the test setup). */
async function nativeHooks() {
  const hooks = await nativeTraceHooks();
  assert.ok(hooks, "the native execution log did not build or load (is gcc installed?)");
  return hooks;
}

/** Instructions a log holds (its blocks' sizes). */
const logged = (log: ExecutionLog) =>
  log.blockSize.subarray(0, log.blockCount).reduce((a, b) => a + b, 0) / 4;

Deno.test("block precision: a native log keeps the budget at block entries and logs what an exact run logs", async () => {
  const hooks = await nativeHooks();
  for (const precision of ["instruction", "block"] as const) {
    const e = machine(LOOP);
    try {
      const log = e.openNativeLog!(hooks, { accesses: false });
      // Three turns of the 5-instruction loop, up to the nop at the exit: 15 instructions.
      e.writeRegister("x2", 3n);
      assert.equal(e.run(CODE, at(5), 15, precision), "until", precision);
      assert.equal(logged(log), 15, precision);
      assert.deepEqual(
        [...log.blockStart.subarray(0, log.blockCount)],
        Array(3).fill(Number(at(0))),
        precision,
      );
      // A loop of 1,000 turns in a budget of 23: stopped by the budget at a block entry.
      log.clear();
      e.writeRegister("x0", 0n);
      e.writeRegister("x2", 1000n);
      assert.equal(e.run(CODE, at(5), 23, precision), "budget", precision);
      if (precision === "block") {
        assert.equal(e.readRegister("pc"), at(0), "stopped where the block over budget begins");
        assert.equal(e.readRegister("x0"), 4n, "four turns ran: a fifth would pass 23");
      } else {
        assert.equal(e.readRegister("pc"), at(23 % 5));
        assert.equal(e.readRegister("x0"), 5n);
      }
    } finally {
      e.close();
    }
  }
});

Deno.test("block precision is exact without a native log, and once an engine has run exactly", async () => {
  const hooks = await nativeHooks();
  const alone = machine(LOOP);
  try {
    // No log to keep the budget: Unicorn counts.
    alone.writeRegister("x2", 1000n);
    assert.equal(alone.run(CODE, at(5), 7, "block"), "budget");
    assert.equal(alone.readRegister("pc"), at(2));
  } finally {
    alone.close();
  }
  const e = machine(LOOP);
  try {
    e.openNativeLog!(hooks, { accesses: false });
    assert.equal((e as UnicornEngine).counting, false);
    // The loop translated in a run without Unicorn's count, then exact runs: blocks
    // translated before Unicorn counts are counted once it does.
    e.writeRegister("x2", 3n);
    assert.equal(e.run(CODE, at(5), 100, "block"), "until");
    for (const precision of ["instruction", "block"] as const) {
      e.writeRegister("x0", 0n);
      e.writeRegister("x2", 1000n);
      e.writeRegister("sp", STACK_TOP);
      assert.equal(e.run(CODE, at(5), 7, precision), "budget", precision);
      assert.equal(e.readRegister("pc"), at(2), `${precision}: after exactly 7 instructions`);
      assert.equal(e.readRegister("x0"), 2n, precision);
      // Dropping Unicorn's count hook took 0.1 to 3 s (it zeroes pages of its code buffer).
      assert.ok((e as UnicornEngine).counting, `${precision}: the count hook is kept`);
    }
  } finally {
    e.close();
  }
});

Deno.test("block hook sees block addresses; stop() from a hook returns 'stopped'", () => {
  // 0: cbnz x0, 2 | 1: nop | 2: bl 6 | 3: nop | 4: nop | 5: nop | 6: add x0 | 7: ret
  const e = machine([I.cbnzX0_8, I.nop, I.blPlus16, I.nop, I.nop, I.nop, I.addX0_1, I.ret]);
  try {
    const blocks: string[] = [];
    const h = e.onBlock((address, size) => {
      assert.equal(e.readRegister("pc"), address);
      blocks.push(`${address - CODE}+${size}`);
    });
    e.writeRegister("x0", 1n);
    assert.equal(e.run(CODE, at(3), 100), "until");
    // A block ends at every branch; none starts at `until`.
    assert.deepEqual(blocks, ["0+4", "8+4", "24+8"]);

    blocks.length = 0;
    const stopper = e.onBlock((address) => {
      if (address === at(6)) e.stop();
    });
    assert.equal(e.run(CODE, at(3), 100), "stopped");
    assert.equal(e.readRegister("pc"), at(6), "stopped before the block ran");
    e.removeHook(stopper);
    e.removeHook(h);
    blocks.length = 0;
    assert.equal(e.run(CODE, at(3), 100), "until", "a stopped run leaves no stale stop");
    assert.deepEqual(blocks, []);
  } finally {
    e.close();
  }
});

Deno.test("code and memory hooks see instructions, accesses, pc and sp", () => {
  const e = machine([I.addX0_1, I.addX0_1, I.stpFpLrPre, I.addX0_1, I.ldpFpLrPost, I.nop]);
  try {
    e.writeRegister("x29", 0xf00dn);
    e.writeRegister("x30", 0x8000_0000_0000_0001n);
    const code: bigint[] = [];
    e.onCode(
      (address, size) => {
        assert.equal(size, 4);
        code.push(address);
      },
      at(1),
      at(3),
    );
    const mem: string[] = [];
    e.onMemory((access, address, size, value) => {
      const [pc, sp] = e.readRegisters(["pc", "sp"]);
      mem.push(
        `${access} ${address - STACK_TOP} ${size} ${value} pc=${pc - CODE} sp=${sp - STACK_TOP}`,
      );
    });
    assert.equal(e.run(CODE, at(5), 100), "until");
    assert.deepEqual(code, [at(1), at(2), at(3)]);
    assert.deepEqual(mem, [
      // Hooks run before the access; sp is still the pre-writeback value.
      `write -16 8 ${0xf00dn} pc=8 sp=0`,
      `write -8 8 ${0x8000_0000_0000_0001n} pc=8 sp=0`,
      `read -16 8 0 pc=16 sp=-16`,
      `read -8 8 0 pc=16 sp=-16`,
    ]);
  } finally {
    e.close();
  }
});

Deno.test("onDataAccess sees the same accesses as onMemory, addresses as numbers", () => {
  const e = machine([I.addX0_1, I.stpFpLrPre, I.ldpFpLrPost, I.nop]);
  try {
    const full: string[] = [];
    const lean: string[] = [];
    // This machine's stack is above 2^53, so compare as numbers (the harness maps below 2^40).
    e.onMemory((access, address, size) =>
      full.push(`${access === "write"} ${Number(address)} ${size}`)
    );
    e.onDataAccess((write, address, size) => {
      assert.equal(typeof address, "number");
      lean.push(`${write} ${address} ${size}`);
    });
    assert.equal(e.run(CODE, at(3), 100), "until");
    assert.equal(lean.length, 4);
    assert.deepEqual(lean, full);
  } finally {
    e.close();
  }
});

Deno.test("an error thrown by a hook stops the run and is rethrown", () => {
  const e = machine(LOOP);
  try {
    const h = e.onCode((address) => {
      if (address === at(2)) throw new Error("hook failed");
    });
    e.writeRegister("x2", 3n);
    assert.throws(() => e.run(CODE, at(5), 100), /hook failed/);
    e.removeHook(h);
    e.writeRegister("x2", 3n);
    e.writeRegister("sp", STACK_TOP);
    assert.equal(e.run(CODE, at(5), 100), "until");
  } finally {
    e.close();
  }
});

Deno.test("sp_el0 and tpidr_el1 are separate registers readable by mrs", () => {
  const e = machine([I.mrsX0SpEl0, I.mrsX1Tpidr, I.nop]);
  try {
    e.writeRegister("sp_el0", 0xffff0000_12345000n);
    e.writeRegister("tpidr_el1", 0xffff0000_abcd0000n);
    assert.equal(e.readRegister("sp_el0"), 0xffff0000_12345000n);
    assert.equal(e.readRegister("tpidr_el1"), 0xffff0000_abcd0000n);
    assert.equal(e.run(CODE, at(2), 10), "until");
    assert.deepEqual(e.readRegisters(["x0", "x1", "sp"]), [
      0xffff0000_12345000n,
      0xffff0000_abcd0000n,
      STACK_TOP,
    ]);
  } finally {
    e.close();
  }
});

Deno.test("LSE ldaddal works on the max CPU", () => {
  const e = machine([I.ldaddal, I.nop]);
  try {
    e.write(DATA, words([40, 0]));
    e.writeRegister("x1", 2n);
    e.writeRegister("x3", DATA);
    assert.equal(e.run(CODE, at(1), 10), "until");
    assert.equal(e.readRegister("x2"), 40n, "old value");
    assert.equal(u64(e.read(DATA, 8)), 42n);
  } finally {
    e.close();
  }
});

Deno.test("a new until inside an already translated block is honoured", () => {
  const e = machine([...Array(15).fill(I.addX0_1), I.nop]);
  try {
    assert.equal(e.run(CODE, at(15), 100), "until");
    e.writeRegister("x0", 0n);
    assert.equal(e.run(CODE, at(5), 100), "until");
    assert.deepEqual(e.readRegisters(["x0", "pc"]), [5n, at(5)]);
    e.writeRegister("x0", 0n);
    assert.equal(e.run(at(2), at(15), 100), "until");
    assert.equal(e.readRegister("x0"), 13n);
  } finally {
    e.close();
  }
});

Deno.test("hooks added or removed after code ran take effect", () => {
  const e = machine(LOOP);
  try {
    const runLoop = () => {
      e.writeRegister("x2", 3n);
      e.writeRegister("sp", STACK_TOP);
      assert.equal(e.run(CODE, at(5), 100), "until");
    };
    let first = 0;
    let second = 0;
    const a = e.onBlock(() => first++);
    runLoop();
    const b = e.onCode(() => second++);
    runLoop();
    assert.equal(first, 6);
    assert.equal(second, 15);
    e.removeHook(a);
    e.removeHook(b);
    runLoop();
    assert.deepEqual([first, second], [6, 15]);
  } finally {
    e.close();
  }
});

Deno.test("run with begin == until does not poison the next run", () => {
  const e = machine([I.addX0_1, I.addX0_1, I.nop]);
  try {
    assert.equal(e.run(CODE, CODE, 10), "until");
    assert.equal(e.run(CODE, at(2), 10), "until");
    assert.equal(e.readRegister("x0"), 2n);
  } finally {
    e.close();
  }
});

Deno.test("closed engine: close is idempotent and use throws kind 'api'", () => {
  const before = openNativeResources();
  const e = machine([I.nop]);
  e.onBlock(() => {});
  e.close();
  e.close();
  assert.deepEqual(openNativeResources(), before);
  const err = catchEngineError(() => e.readRegister("x0"));
  assert.equal(err.kind, "api");
  assert.equal(catchEngineError(() => e.run(CODE, at(1), 1)).kind, "api");
  assert.equal(catchEngineError(() => e.onCode(() => {})).kind, "api");
});

Deno.test("bad mapping and bad register are 'api' errors", () => {
  const e = unicornFactory.create();
  try {
    assert.equal(catchEngineError(() => e.map(0x1001n, 0x1000, RW)).kind, "api");
    assert.equal(catchEngineError(() => e.readRegister("x31" as Register)).kind, "api");
    const unmapped = catchEngineError(() => e.read(0x7000n, 4));
    assert.equal(unmapped.kind, "unmapped");
  } finally {
    e.close();
  }
});

/** Set in the child process that runs the RSS test on its own. */
const RSS_CHILD = "FTRACE_BENCH_RSS_CHILD";

Deno.test("2,000 open/run/close cycles with hooks: flat RSS, nothing left open", async () => {
  if (Deno.env.get(RSS_CHILD) !== "1") {
    // RSS is the whole process's: measured in a process of its own, not beside the
    // other test files `deno test --parallel` runs (and their engines).
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["test", "-A", "--filter", "2,000 open/run/close", new URL(import.meta.url).pathname],
      env: { [RSS_CHILD]: "1" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
    assert.ok(out.success, text);
    assert.match(text, /1 passed/);
    return;
  }
  const before = openNativeResources();
  const cycle = () => {
    const e = machine(LOOP);
    try {
      let n = 0;
      e.onBlock(() => n++);
      e.onMemory(() => n++);
      e.onCode(() => n++, CODE, CODE);
      e.onInvalidMemory(() => n++);
      e.writeRegister("x2", 40n);
      assert.equal(e.run(CODE, at(5), 1000), "until");
      assert.equal(n, 40 + 160 + 40); // blocks + accesses + first-instruction executions
    } finally {
      e.close();
    }
  };
  for (let i = 0; i < 200; i++) cycle(); // warm up allocators
  const rss0 = Deno.memoryUsage().rss;
  for (let i = 0; i < 2000; i++) cycle();
  const grown = Deno.memoryUsage().rss - rss0;
  assert.ok(grown < 50 * 2 ** 20, `RSS grew by ${(grown / 2 ** 20).toFixed(1)} MiB`);
  assert.deepEqual(openNativeResources(), before);
});
