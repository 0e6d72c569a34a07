/**
 * What the harness needs to know about one A64 instruction word: its class,
 * the registers it reads and writes, its memory access and its branch.
 * Produced by `decode.ts`, consumed by the measurement core and the timing model.
 */

/** Register numbers used in `reads` / `writes`. */
export const REG_SP = 31; // the stack pointer (encoding 31 in base/Rd-of-add positions)
export const REG_NZCV = 32; // condition flags
/**
 * v0..v31 would be 64..95. The decoder leaves every instruction on the SIMD&FP
 * register file undecoded (kernel code is built with -mgeneral-regs-only), so no
 * decoded instruction names them.
 */
export const REG_V0 = 64;
// x0..x30 are 0..30 (w-register forms map to the same number); xzr/wzr never appear.

export type InstrClass =
  | "int-alu" // add/sub immediate or unshifted register, adr/adrp, conditional select, cmp/cmn
  | "int-shift" // shifted/extended-register operands with a non-zero shift, variable shifts, bitfield/extract
  | "move-wide" // movz/movn/movk
  | "logical" // and/orr/eor/bic/orn/eon/tst, mov (register) alias
  | "multiply" // madd/msub/smaddl/umulh/...
  | "divide" // sdiv/udiv
  | "load" // single-register loads, incl. literal loads
  | "store" // single-register stores
  | "load-pair" // ldp/ldpsw/ldnp
  | "store-pair" // stp/stnp
  | "atomic" // exclusive and LSE atomics, load-acquire/store-release pairs that both read and write
  | "branch-cond" // b.cond, cbz/cbnz, tbz/tbnz
  | "branch" // b
  | "bl" // bl
  | "br" // br, braa, ...
  | "blr" // blr, blraa, ...
  | "ret" // ret, retaa, ...
  | "hint" // nop, bti, paciasp/autiasp and other HINT-space instructions, yield, ...
  | "pac" // non-hint pointer-auth data ops: pacia/autia/xpaci on general registers
  | "barrier" // dmb, dsb, isb, sb, clrex
  | "system" // mrs, msr, sys/sysl, cache maintenance
  | "exception"; // brk, svc, hvc, smc, hlt, udf

export interface MemoryAccess {
  kind: "load" | "store" | "load-store";
  /** Total bytes transferred (ldp x0, x1 = 16). */
  bytes: number;
  /** Base register (REG_SP for sp); -1 for pc-relative literal loads. */
  base: number;
  /** Register offset index, when the address is base + register. */
  index?: number;
  /** Immediate offset in bytes (already scaled), when the form has one. */
  offset?: number;
  /** Base-register writeback mode. */
  writeback: "none" | "pre" | "post";
  /** Register-offset forms: how the index register is extended ("lsl" = 64-bit, unextended). */
  indexExtend?: "uxtw" | "lsl" | "sxtw" | "sxtx";
  /** Register-offset forms: left shift applied to the index (0 when unscaled). */
  indexShift?: number;
}

export interface BranchInfo {
  kind: "cond" | "uncond" | "call" | "indirect-jump" | "indirect-call" | "return";
  /** pc-relative byte offset of a direct branch target. */
  offset?: number;
  /** Target register of an indirect branch or return. */
  register?: number;
  /** Pointer-authenticated form (braa, retaa, ...). */
  authenticated?: boolean;
}

export interface Decoded {
  word: number;
  /** Lower-case mnemonic as LLVM prints it, preferred alias (e.g. "mov", "cmp", "ret"). */
  mnemonic: string;
  cls: InstrClass;
  /** Registers read, deduplicated, ascending. */
  reads: number[];
  /** Registers written, deduplicated, ascending (includes a written-back base). */
  writes: number[];
  mem?: MemoryAccess;
  branch?: BranchInfo;
  /** BTI landing-pad kind when this is a `bti` (or paciasp/pacibsp, which act as `bti c`). */
  landingPad?: "c" | "j" | "jc";
  /** Prefetch (prfm/prfum): classed "load" with `mem.bytes` 0 and no data register. */
  prefetch?: boolean;
  /** Data processing with a register second operand: its form (cores time some forms differently). */
  operand?: OperandForm;
}

/**
 * The second operand's form in register data-processing instructions:
 * - "register": a plain register (the shifted-register form, shift 0);
 * - "lsl-1-4": shifted left by 1 to 4 (cheap on several cores);
 * - "shifted": any other non-zero shift (lsl > 4, lsr, asr, ror);
 * - "extended": the extended-register form (uxtw, sxtw, uxtx..., with or without a shift).
 */
export type OperandForm = "register" | "lsl-1-4" | "shifted" | "extended";

/** A word the decoder does not model. Never thrown by `decode`; callers decide. */
export interface Undecoded {
  word: number;
  cls: null;
  reason: string;
}
