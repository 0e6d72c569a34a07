import assert from "node:assert/strict";
import {
  FTRACE_OPS,
  FTRACE_REGS,
  hashIp,
  PT_REGS,
  structConstants,
} from "../../src/kernel/structs.ts";
import { argumentValues, expectedResult } from "../../src/kernel/workload.ts";

Deno.test("pt_regs of the regs-saving era is 336 bytes with x30, sp, pc in order", () => {
  assert.equal(PT_REGS.size, 336);
  assert.equal(PT_REGS.offsets.x30, 240);
  assert.equal(PT_REGS.offsets.sp, 248);
  assert.equal(PT_REGS.offsets.pc, 256);
  assert.equal(PT_REGS.size % 16, 0, "a stack frame of pt_regs keeps sp aligned");
});

Deno.test("ftrace_regs holds x0-x8, a direct-call slot, fp, lr, sp, pc: 14 slots", () => {
  assert.equal(FTRACE_REGS.size, 14 * 8);
  assert.deepEqual(
    [
      FTRACE_REGS.offsets.x8,
      FTRACE_REGS.offsets.fp,
      FTRACE_REGS.offsets.lr,
      FTRACE_REGS.offsets.pc,
    ],
    [64, 80, 88, 104],
  );
});

Deno.test("ftrace_ops keeps func first and next second (the list walk's loads)", () => {
  assert.equal(FTRACE_OPS.offsets.func, 0);
  assert.equal(FTRACE_OPS.offsets.next, 8);
  assert.equal(FTRACE_OPS.offsets.flags, 16);
});

Deno.test("offsets reach the assembly as .equ constants", () => {
  const text = structConstants();
  assert.match(text, /^\.equ PT_REGS_SIZE, 336$/m);
  assert.match(text, /^\.equ FTRACE_REGS_PC, 104$/m);
});

Deno.test("hash_long uses the top bits of ip * GOLDEN_RATIO_64", () => {
  assert.equal(hashIp(0x1234n, 0), 0);
  // (1 * 0x61c8864680b583eb) >> 60 = 6
  assert.equal(hashIp(1n, 4), 6);
});

Deno.test("the traced function's result depends on every argument and its position", () => {
  const args = argumentValues(4);
  const swapped = [args[1], args[0], args[2], args[3]];
  assert.notEqual(expectedResult(args), expectedResult(swapped));
  assert.notEqual(expectedResult(args), expectedResult(args.slice(0, 3)));
});
