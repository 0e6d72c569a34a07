/**
 * A64 instruction decoder: one 32-bit word in, its class, registers, memory
 * access and branch out. Written from the Arm ARM encoding index (top-level
 * groups selected by bits 28:25), checked against LLVM by tests/isa/.
 *
 * Design: every path is bit tests on the word and constant-table lookups; the
 * only allocation is the result object and its two small register arrays.
 * Words that are not valid instructions, or valid ones from extensions this
 * decoder does not model (SVE, SME, MTE, ...), come back as `Undecoded` with a
 * reason; `decode` never throws.
 *
 * SIMD/FP is not decoded: kernel code is built with `-mgeneral-regs-only`, so no
 * instruction on the SIMD&FP register file can be on a traced path. Every word of
 * the SIMD&FP encoding space (see `SIMD_FP_REASON`) is `Undecoded` with that
 * reason: the Data Processing -- Scalar Floating-Point and Advanced SIMD groups,
 * and the loads and stores with V = 1 (`ldr q0`, `stp d0, d1`, `ld1 {v0.16b}`, ...).
 * The rule: an instruction that names a SIMD&FP register is undecoded.
 *
 * Conventions beyond types.ts:
 * - prfm/prfum/rprfm are class "load" with `prefetch: true`, `mem.bytes` 0 and no data register.
 * - ldar/ldapr/ldlar are "load" and stlr/stllr/stlur "store"; exclusives (ldxr/stxr/...),
 *   CAS and LSE atomics are "atomic" (mem.kind "load-store" for CAS/LSE, the direction for
 *   exclusives). paciasp/pacibsp report `landingPad: "c"` (they are implicit BTI c pads).
 * - eret/eretaa/drps are "exception".
 * - Only NZCV is tracked among system registers (mrs/msr nzcv, flag-setting forms);
 *   FPCR/FPSR and other PSTATE bits are not.
 *
 * Known gaps (returned as Undecoded): SIMD/FP (above), SVE, SME, MTE, MOPS, RCpc3,
 * LS64, CSSC, CPA, D128, TME, FlagM rmif/setf. Encodings from newer extensions this
 * decoder does not know at all (THE rcw*, ...) report "unallocated". LLVM also
 * decodes op0 = 0 system-register moves (`msr S0_...`), which the Arm ARM leaves
 * unallocated; they are "unallocated" here.
 *
 * @module
 */

import {
  type BranchInfo,
  type Decoded,
  type InstrClass,
  type MemoryAccess,
  type OperandForm,
  REG_NZCV,
  REG_SP,
  type Undecoded,
} from "./types.ts";
import { mk, none, sext, zr } from "./decode_util.ts";

export type { Decoded, Undecoded } from "./types.ts";

const NZ = REG_NZCV;

/**
 * The reason every word of the SIMD&FP encoding space is `Undecoded`. That space
 * (Arm ARM, A64 encoding index) is:
 * - op0 (bits 28:25) = x111: Data Processing -- Scalar Floating-Point and Advanced SIMD;
 * - Loads and Stores (op0 = x1x0) with op1 (bit 26, V) = 1 in the groups where V
 *   selects the SIMD&FP register file (`simdFpLoadStore`).
 */
export const SIMD_FP_REASON = "SIMD/FP: not decoded; kernel code is built with -mgeneral-regs-only";

/**
 * A load/store word with V = 1: whether it is a SIMD&FP one. Yes for Advanced SIMD
 * load/store multiple and single structures (bits 31:28 = 0x00), load register
 * (literal) (xx01, bit 24 = 0), LDAPUR/STLUR SIMD&FP (xx01, bit 24 = 1, bit 21 = 0,
 * bits 11:10 = 10), register pairs (xx10) and single registers (xx11: every
 * addressing form, and the FEAT_LSFE floating-point atomics). No for memory
 * copy/set (xx01, bit 24 = 1, bit 21 = 0, bits 11:10 = 01, where bit 26 is an
 * opcode bit) and unallocated encodings (1x00, the rest of xx01).
 */
function simdFpLoadStore(w: number): boolean {
  switch ((w >>> 28) & 3) {
    case 0:
      return (w >>> 31) === 0;
    case 1:
      return ((w >>> 24) & 1) === 0 || (((w >>> 21) & 1) === 0 && ((w >>> 10) & 3) === 2);
    default:
      return true;
  }
}

/** Condition-code names in encoding order (cond field value -> name). */
export const COND_NAMES: readonly string[] = [
  "eq",
  "ne",
  "hs",
  "lo",
  "mi",
  "pl",
  "vs",
  "vc",
  "hi",
  "ls",
  "ge",
  "lt",
  "gt",
  "le",
  "al",
  "nv",
];
// Built once at load so the hot path only indexes.
const B_COND = COND_NAMES.map((c) => "b." + c);
const BC_COND = COND_NAMES.map((c) => "bc." + c);

/**
 * Decode one A64 instruction word (little-endian value as a 32-bit number).
 * Returns `Undecoded` (with a reason) for unallocated encodings and for
 * extensions that are not modelled; never throws.
 */
export function decode(word: number): Decoded | Undecoded {
  const w = word >>> 0;
  try {
    switch ((w >>> 25) & 0xf) {
      case 0x0:
        // Reserved group: only UDF (bits 31:16 zero) is allocated outside SME.
        if ((w >>> 16) === 0) return mk(w, "udf", "exception", [], []);
        return none(w, (w >>> 31) !== 0 ? "SME not modelled" : "unallocated");
      case 0x1:
      case 0x3:
        return none(w, "unallocated");
      case 0x2:
        return none(w, "SVE not modelled");
      case 0x8:
      case 0x9:
        return dpImmediate(w);
      case 0xa:
      case 0xb:
        return branchSystem(w);
      case 0x5:
      case 0xd:
        return dpRegister(w);
      case 0x7:
      case 0xf:
        return none(w, SIMD_FP_REASON);
      default:
        // x1x0: loads and stores
        return loadStore(w);
    }
  } catch (e) {
    // Defensive only: a bug must not take the harness down. Tests assert this never happens.
    return none(w, "decoder error: " + String(e));
  }
}

// ---------------------------------------------------------------------------
// Data processing - immediate (bits 28:26 = 100)

const LOGIC_IMM = ["and", "orr", "eor", "ands"];

/** DecodeBitMasks validity: N:imms must give an element size and not all-ones. */
function bitmaskValid(sf: number, n: number, imms: number): boolean {
  if (sf === 0 && n === 1) return false;
  const v = (n << 6) | (~imms & 0x3f);
  if (v === 0) return false;
  const len = 31 - Math.clz32(v);
  if (len < 1) return false;
  const levels = (1 << len) - 1;
  return (imms & levels) !== levels;
}

/**
 * Whether an ORR-immediate value could also be made by one movz/movn: LLVM then
 * prints `orr Rd, zr, #imm` rather than `mov`. Only reached for Rn = zr, so a
 * bit loop over the expanded immediate is fine.
 */
function movWideable(sf: number, n: number, imms: number, immr: number): boolean {
  const len = 31 - Math.clz32((n << 6) | (~imms & 0x3f));
  const esize = 1 << len;
  const s = imms & (esize - 1);
  const r = immr & (esize - 1);
  const width = sf ? 64 : 32;
  // 16-bit chunks that are non-zero / not all-ones.
  let nonZero = 0;
  let nonOnes = 0;
  for (let c = 0; c < width; c += 16) {
    let chunk = 0;
    for (let i = c; i < c + 16; i++) {
      // ROR(Ones(s+1), r) within the element, replicated.
      const j = ((i % esize) + r) % esize;
      if (j <= s) chunk |= 1 << (i - c);
    }
    if (chunk !== 0) nonZero++;
    if (chunk !== 0xffff) nonOnes++;
  }
  return nonZero <= 1 || nonOnes <= 1;
}

/** Arm ARM BFXPreferred(): whether ubfm/sbfm print as ubfx/sbfx. */
function bfxPreferred(sf: number, uns: number, imms: number, immr: number): boolean {
  if (imms < immr) return false;
  if (imms === (sf ? 63 : 31)) return false;
  if (immr === 0) {
    if (sf === 0 && (imms === 7 || imms === 15)) return false;
    if (sf === 1 && uns === 0 && (imms === 7 || imms === 15 || imms === 31)) return false;
  }
  return true;
}

function dpImmediate(w: number): Decoded | Undecoded {
  const sf = w >>> 31;
  const rd = w & 31;
  const rn = (w >>> 5) & 31;
  switch ((w >>> 23) & 7) {
    case 0:
    case 1: // adr / adrp
      return mk(w, sf ? "adrp" : "adr", "int-alu", [], [zr(rd)]);
    case 2: { // add/sub (immediate); Rn is sp, Rd is sp unless flag-setting
      const op = (w >>> 30) & 1;
      const s = (w >>> 29) & 1;
      if (s === 0) {
        let m = op ? "sub" : "add";
        if (op === 0 && (w & 0x7ffc00) === 0 && (rd === 31 || rn === 31)) m = "mov";
        return mk(w, m, "int-alu", [rn], [rd]);
      }
      const m = rd === 31 ? (op ? "cmp" : "cmn") : (op ? "subs" : "adds");
      return mk(w, m, "int-alu", [rn], [zr(rd), NZ]);
    }
    case 3:
      return none(
        w,
        (w >>> 22) & 1 ? "CSSC not modelled (min/max immediate)" : "MTE not modelled (addg/subg)",
      );
    case 4: { // logical (immediate)
      const n = (w >>> 22) & 1;
      const immr = (w >>> 16) & 63;
      const imms = (w >>> 10) & 63;
      if (!bitmaskValid(sf, n, imms)) return none(w, "unallocated");
      const opc = (w >>> 29) & 3;
      if (opc === 3) {
        return mk(w, rd === 31 ? "tst" : "ands", "logical", [zr(rn)], [zr(rd), NZ]);
      }
      let m = LOGIC_IMM[opc];
      if (opc === 1 && rn === 31 && !movWideable(sf, n, imms, immr)) m = "mov";
      // Non-flag-setting logical immediates may write sp.
      return mk(w, m, "logical", [zr(rn)], [rd]);
    }
    case 5: { // move wide
      const opc = (w >>> 29) & 3;
      const hw = (w >>> 21) & 3;
      if (opc === 1 || (sf === 0 && hw >= 2)) return none(w, "unallocated");
      const imm16 = (w >>> 5) & 0xffff;
      if (opc === 3) return mk(w, "movk", "move-wide", [zr(rd)], [zr(rd)]);
      let alias = !(imm16 === 0 && hw !== 0);
      if (opc === 0 && sf === 0 && imm16 === 0xffff) alias = false;
      const m = alias ? "mov" : (opc === 0 ? "movn" : "movz");
      return mk(w, m, "move-wide", [], [zr(rd)]);
    }
    case 6: { // bitfield
      const opc = (w >>> 29) & 3;
      const n = (w >>> 22) & 1;
      const immr = (w >>> 16) & 63;
      const imms = (w >>> 10) & 63;
      if (opc === 3 || n !== sf) return none(w, "unallocated");
      if (sf === 0 && ((immr | imms) & 0x20) !== 0) return none(w, "unallocated");
      const top = sf ? 63 : 31;
      let m: string;
      if (opc === 1) {
        // LLVM (without v8.2) prints bfc as bfi with wzr, so bfi/bfxil only.
        m = imms < immr ? "bfi" : "bfxil";
        return mk(w, m, "int-shift", [zr(rn), zr(rd)], [zr(rd)]);
      }
      if (opc === 0) {
        if (imms === top) m = "asr";
        else if (imms < immr) m = "sbfiz";
        else if (bfxPreferred(sf, 0, imms, immr)) m = "sbfx";
        else m = imms === 7 ? "sxtb" : imms === 15 ? "sxth" : "sxtw";
      } else {
        if (imms !== top && imms + 1 === immr) m = "lsl";
        else if (imms === top) m = "lsr";
        else if (imms < immr) m = "ubfiz";
        else if (bfxPreferred(sf, 1, imms, immr)) m = "ubfx";
        else m = imms === 7 ? "uxtb" : "uxth";
      }
      return mk(w, m, "int-shift", [zr(rn)], [zr(rd)]);
    }
    default: { // extract
      const rm = (w >>> 16) & 31;
      const n = (w >>> 22) & 1;
      if (((w >>> 29) & 3) !== 0 || n !== sf || ((w >>> 21) & 1) !== 0) {
        return none(w, "unallocated");
      }
      if (sf === 0 && ((w >>> 15) & 1) !== 0) return none(w, "unallocated");
      return mk(w, rn === rm ? "ror" : "extr", "int-shift", [zr(rn), zr(rm)], [zr(rd)]);
    }
  }
}

// ---------------------------------------------------------------------------
// Branches, exception generation and system instructions (bits 28:26 = 101)

function withBranch(d: Decoded, b: BranchInfo): Decoded {
  d.branch = b;
  return d;
}

const EXC_OPC0 = ["", "svc", "hvc", "smc"];
const DCPS = ["", "dcps1", "dcps2", "dcps3"];

function branchSystem(w: number): Decoded | Undecoded {
  const top = w >>> 24;
  const rn = (w >>> 5) & 31;
  const rt = w & 31;
  if ((w & 0x7c000000) === 0x14000000) { // b / bl
    const off = sext(w & 0x3ffffff, 26) * 4;
    if (w >>> 31) {
      return withBranch(mk(w, "bl", "bl", [], [30]), { kind: "call", offset: off });
    }
    return withBranch(mk(w, "b", "branch", [], []), { kind: "uncond", offset: off });
  }
  if ((w & 0x7e000000) === 0x34000000) { // cbz / cbnz
    const off = sext((w >>> 5) & 0x7ffff, 19) * 4;
    const m = (w >>> 24) & 1 ? "cbnz" : "cbz";
    return withBranch(mk(w, m, "branch-cond", [zr(rt)], []), { kind: "cond", offset: off });
  }
  if ((w & 0x7e000000) === 0x36000000) { // tbz / tbnz
    const off = sext((w >>> 5) & 0x3fff, 14) * 4;
    const m = (w >>> 24) & 1 ? "tbnz" : "tbz";
    return withBranch(mk(w, m, "branch-cond", [zr(rt)], []), { kind: "cond", offset: off });
  }
  if (top === 0x54) { // b.cond / bc.cond (FEAT_HBC)
    const off = sext((w >>> 5) & 0x7ffff, 19) * 4;
    const m = ((w >>> 4) & 1 ? BC_COND : B_COND)[w & 15];
    return withBranch(mk(w, m, "branch-cond", [NZ], []), { kind: "cond", offset: off });
  }
  if (top === 0xd4) return exceptionGen(w);
  if ((w >>> 22) === 0x354) return system(w);
  if ((w >>> 22) === 0x355) return none(w, "D128 not modelled (sysp/mrrs/msrr) or unallocated");
  if ((w >>> 25) === 0x6b) { // unconditional branch (register)
    const opc = (w >>> 21) & 15;
    const op3 = (w >>> 10) & 63;
    const op4 = rt;
    if (((w >>> 16) & 31) !== 31) return none(w, "unallocated");
    // op3 = 0: plain; 2/3: pointer-authenticated with key A/B.
    const pacKey = op3 === 2 ? 0 : op3 === 3 ? 1 : -1;
    switch (opc) {
      case 0:
      case 1: {
        const call = opc === 1;
        let m: string;
        if (op3 === 0 && op4 === 0) m = call ? "blr" : "br";
        else if (pacKey >= 0 && op4 === 31) {
          m = (call ? "blra" : "bra") + (pacKey ? "bz" : "az");
        } else return none(w, "unallocated");
        const d = mk(w, m, call ? "blr" : "br", [zr(rn)], call ? [30] : []);
        return withBranch(d, {
          kind: call ? "indirect-call" : "indirect-jump",
          register: rn,
          authenticated: op3 !== 0,
        });
      }
      case 2:
        if (op3 === 0 && op4 === 0) {
          return withBranch(mk(w, "ret", "ret", [zr(rn)], []), { kind: "return", register: rn });
        }
        if (pacKey >= 0 && rn === 31 && op4 === 31) {
          // retaa/retab authenticate x30 with sp as the modifier.
          return withBranch(mk(w, pacKey ? "retab" : "retaa", "ret", [30, REG_SP], []), {
            kind: "return",
            register: 30,
            authenticated: true,
          });
        }
        return none(w, "unallocated");
      case 4:
        if (rn !== 31) return none(w, "unallocated");
        // Exception return: classed with exceptions (it changes EL/PSTATE, not a call return).
        if (op3 === 0 && op4 === 0) return mk(w, "eret", "exception", [], []);
        if (pacKey >= 0 && op4 === 31) {
          return mk(w, pacKey ? "eretab" : "eretaa", "exception", [30, REG_SP], []);
        }
        return none(w, "unallocated");
      case 5:
        if (op3 === 0 && rn === 31 && op4 === 0) return mk(w, "drps", "exception", [], []);
        return none(w, "unallocated");
      case 8:
      case 9: {
        if (pacKey < 0) return none(w, "unallocated");
        const call = opc === 9;
        const m = (call ? "blra" : "bra") + (pacKey ? "b" : "a");
        // The modifier register may be sp.
        const d = mk(w, m, call ? "blr" : "br", [zr(rn), op4], call ? [30] : []);
        return withBranch(d, {
          kind: call ? "indirect-call" : "indirect-jump",
          register: rn,
          authenticated: true,
        });
      }
      default:
        return none(w, "unallocated");
    }
  }
  return none(w, "unallocated");
}

function exceptionGen(w: number): Decoded | Undecoded {
  const opc = (w >>> 21) & 7;
  const op2 = (w >>> 2) & 7;
  const ll = w & 3;
  if (op2 !== 0) return none(w, "unallocated");
  switch (opc) {
    case 0:
      return ll ? mk(w, EXC_OPC0[ll], "exception", [], []) : none(w, "unallocated");
    case 1:
      return ll === 0 ? mk(w, "brk", "exception", [], []) : none(w, "unallocated");
    case 2:
      return ll === 0 ? mk(w, "hlt", "exception", [], []) : none(w, "unallocated");
    case 3:
      return ll === 0 ? none(w, "TME not modelled (tcancel)") : none(w, "unallocated");
    case 5:
      return ll ? mk(w, DCPS[ll], "exception", [], []) : none(w, "unallocated");
    default:
      return none(w, "unallocated");
  }
}

/** HINT #imm names (CRm:op2), as LLVM prints them with the architecture features enabled. */
const HINTS: (string | undefined)[] = [];
HINTS[0] = "nop";
HINTS[1] = "yield";
HINTS[2] = "wfe";
HINTS[3] = "wfi";
HINTS[4] = "sev";
HINTS[5] = "sevl";
HINTS[6] = "dgh";
HINTS[7] = "xpaclri";
HINTS[8] = "pacia1716";
HINTS[10] = "pacib1716";
HINTS[12] = "autia1716";
HINTS[14] = "autib1716";
HINTS[16] = "esb";
HINTS[17] = "psb";
HINTS[18] = "tsb";
HINTS[20] = "csdb";
HINTS[24] = "paciaz";
HINTS[25] = "paciasp";
HINTS[26] = "pacibz";
HINTS[27] = "pacibsp";
HINTS[28] = "autiaz";
HINTS[29] = "autiasp";
HINTS[30] = "autibz";
HINTS[31] = "autibsp";
HINTS[32] = "bti";
HINTS[34] = "bti";
HINTS[36] = "bti";
HINTS[38] = "bti";

const LANDING: ("c" | "j" | "jc" | undefined)[] = [];
LANDING[34] = "c";
LANDING[36] = "j";
LANDING[38] = "jc";
// paciasp/pacibsp are implicit BTI c landing pads (when PSTATE.BTYPE allows); report "c".
LANDING[25] = "c";
LANDING[27] = "c";

function hint(w: number): Decoded {
  const imm = (w >>> 5) & 127;
  const m = HINTS[imm] ?? "hint";
  let d: Decoded;
  switch (imm) {
    case 7: // xpaclri strips x30
    case 24:
    case 26:
    case 28:
    case 30: // pac/aut with zero modifier on x30
      d = mk(w, m, "hint", [30], [30]);
      break;
    case 8:
    case 10:
    case 12:
    case 14: // x17 signed/authenticated with x16 as modifier
      d = mk(w, m, "hint", [16, 17], [17]);
      break;
    case 25:
    case 27:
    case 29:
    case 31: // x30 with sp as modifier
      d = mk(w, m, "hint", [30, REG_SP], [30]);
      break;
    default:
      d = mk(w, m, "hint", [], []);
  }
  const lp = LANDING[imm];
  if (lp !== undefined) d.landingPad = lp;
  return d;
}

const PSTATE_FLAGS = ["cfinv", "xaflag", "axflag"];

function system(w: number): Decoded | Undecoded {
  const l = (w >>> 21) & 1;
  const op0 = (w >>> 19) & 3;
  const op1 = (w >>> 16) & 7;
  const crn = (w >>> 12) & 15;
  const crm = (w >>> 8) & 15;
  const op2 = (w >>> 5) & 7;
  const rt = w & 31;
  if (op0 === 0) {
    if (l === 1) return none(w, "unallocated or TME not modelled");
    if (crn === 2 && op1 === 3 && rt === 31) return hint(w);
    if (crn === 3 && op1 === 3 && rt === 31) return barrier(w, crm, op2);
    if (crn === 4 && rt === 31) {
      if (op1 === 0 && (op2 === 1 || op2 === 2 || (op2 === 0 && crm === 0))) {
        // Flag manipulation (FEAT_FlagM/FlagM2): rewrite NZCV in place. LLVM ignores
        // CRm for xaflag/axflag but not for cfinv; follow it.
        return mk(w, PSTATE_FLAGS[op2], "int-alu", [NZ], [NZ]);
      }
      // msr svcr* (SME streaming mode / ZA): LLVM names these smstart/smstop.
      if (op1 === 3 && op2 === 3 && crm >= 2 && crm <= 7) {
        return mk(w, crm & 1 ? "smstart" : "smstop", "system", [], []);
      }
      return mk(w, "msr", "system", [], []);
    }
    if (crn === 1 && op1 === 3 && crm === 0 && op2 <= 1) {
      return mk(w, op2 ? "wfit" : "wfet", "hint", [zr(rt)], []);
    }
    return none(w, "unallocated");
  }
  if (op0 === 1) {
    if (l) return mk(w, "sysl", "system", [], [zr(rt)]);
    const alias = sysAlias(op1, crn, crm, op2);
    // Whole-cache / whole-TLB operations take no address: Rt is ignored.
    const noReg = (alias === "ic" && op2 === 0) || (alias === "tlbi" && tlbiNoReg(op1, crm, op2));
    return mk(w, alias, "system", noReg ? [] : [zr(rt)], []);
  }
  // mrs / msr (register); NZCV is the one system register the timing model tracks.
  const isNzcv = op0 === 3 && op1 === 3 && crn === 4 && crm === 2 && op2 === 0;
  if (l) return mk(w, "mrs", "system", isNzcv ? [NZ] : [], [zr(rt)]);
  return mk(w, "msr", "system", [zr(rt)], isNzcv ? [NZ] : []);
}

/** v8.0 TLBI operations without an address operand (vmalle1, alle2is, ...). */
function tlbiNoReg(op1: number, crm: number, op2: number): boolean {
  if (crm !== 3 && crm !== 7) return false;
  if (op1 === 0 || op1 === 6) return op2 === 0;
  return op1 === 4 && (op2 === 0 || op2 === 4 || op2 === 6);
}

/** Common SYS aliases (v8.0 cache maintenance, address translation, TLB invalidation). */
function sysAlias(op1: number, crn: number, crm: number, op2: number): string {
  if (crn === 8) return "tlbi";
  if (crn !== 7) return "sys";
  if (crm === 8 || (crm === 9 && op1 === 0)) return "at";
  if ((crm === 1 || crm === 5) && op2 <= 1) {
    if ((op1 === 0 && op2 === 0) || (op1 === 3 && crm === 5 && op2 === 1)) return "ic";
    return "sys";
  }
  const key = (op1 << 7) | (crm << 3) | op2;
  switch (key) {
    case (0 << 7) | (6 << 3) | 1: // ivac
    case (0 << 7) | (6 << 3) | 2: // isw
    case (0 << 7) | (10 << 3) | 2: // csw
    case (0 << 7) | (14 << 3) | 2: // cisw
    case (3 << 7) | (4 << 3) | 1: // zva
    case (3 << 7) | (10 << 3) | 1: // cvac
    case (3 << 7) | (11 << 3) | 1: // cvau
    case (3 << 7) | (14 << 3) | 1: // civac
      return "dc";
  }
  return "sys";
}

function barrier(w: number, crm: number, op2: number): Decoded | Undecoded {
  switch (op2) {
    case 1:
      // dsb with nXS qualifier (FEAT_XS) uses CRm = xx10.
      return (crm & 3) === 2 ? mk(w, "dsb", "barrier", [], []) : none(w, "unallocated");
    case 2:
      return mk(w, "clrex", "barrier", [], []);
    case 3:
      return crm === 0 ? none(w, "TME not modelled (tcommit)") : none(w, "unallocated");
    case 4:
      return mk(w, crm === 0 ? "ssbb" : crm === 4 ? "pssbb" : "dsb", "barrier", [], []);
    case 5:
      return mk(w, "dmb", "barrier", [], []);
    case 6:
      return mk(w, "isb", "barrier", [], []);
    case 7:
      return crm === 0 ? mk(w, "sb", "barrier", [], []) : none(w, "unallocated");
    default:
      return none(w, "unallocated");
  }
}

// ---------------------------------------------------------------------------
// Data processing - register (bits 27:25 = 101)

const LOGIC_REG = ["and", "bic", "orr", "orn", "eor", "eon", "ands", "bics"];
const ADC = ["adc", "adcs", "sbc", "sbcs"];
const SHIFT_V = ["lsl", "lsr", "asr", "ror"];
const CRC = ["crc32b", "crc32h", "crc32w", "crc32x", "crc32cb", "crc32ch", "crc32cw", "crc32cx"];
const ONE_SRC = ["rbit", "rev16", "rev", "rev", "clz", "cls"];
const PAC_OPS = [
  "pacia",
  "pacib",
  "pacda",
  "pacdb",
  "autia",
  "autib",
  "autda",
  "autdb",
  "paciza",
  "pacizb",
  "pacdza",
  "pacdzb",
  "autiza",
  "autizb",
  "autdza",
  "autdzb",
];

function dpRegister(w: number): Decoded | Undecoded {
  const sf = w >>> 31;
  const rd = w & 31;
  const rn = (w >>> 5) & 31;
  const rm = (w >>> 16) & 31;
  const op = (w >>> 30) & 1;
  const s = (w >>> 29) & 1;
  if (((w >>> 28) & 1) === 0) {
    if (((w >>> 24) & 1) === 0) { // logical (shifted register)
      const imm6 = (w >>> 10) & 63;
      if (sf === 0 && imm6 >= 32) return none(w, "unallocated");
      const opcN = (((w >>> 29) & 3) << 1) | ((w >>> 21) & 1);
      let m = LOGIC_REG[opcN];
      if (opcN === 2 && rn === 31 && imm6 === 0 && ((w >>> 22) & 3) === 0) m = "mov";
      else if (opcN === 3 && rn === 31) m = "mvn";
      else if (opcN === 6 && rd === 31) m = "tst";
      const writes = opcN >= 6 ? [zr(rd), NZ] : [zr(rd)];
      return withOperand(mk(w, m, "logical", [zr(rn), zr(rm)], writes), shiftForm(w));
    }
    const imm6 = (w >>> 10) & 63;
    if (((w >>> 21) & 1) === 0) { // add/sub (shifted register)
      if (((w >>> 22) & 3) === 3 || (sf === 0 && imm6 >= 32)) return none(w, "unallocated");
      let m: string;
      if (s === 0) m = op ? (rn === 31 ? "neg" : "sub") : "add";
      else if (rd === 31) m = op ? "cmp" : "cmn";
      else m = op ? (rn === 31 ? "negs" : "subs") : "adds";
      return withOperand(
        mk(w, m, imm6 ? "int-shift" : "int-alu", [zr(rn), zr(rm)], s ? [zr(rd), NZ] : [zr(rd)]),
        shiftForm(w),
      );
    }
    // add/sub (extended register): Rn is sp, Rd is sp unless flag-setting.
    const imm3 = (w >>> 10) & 7;
    if (((w >>> 22) & 3) !== 0 || imm3 > 4) return none(w, "unallocated");
    const cls: InstrClass = imm3 ? "int-shift" : "int-alu";
    if (s === 0) return withOperand(mk(w, op ? "sub" : "add", cls, [rn, zr(rm)], [rd]), "extended");
    const m = rd === 31 ? (op ? "cmp" : "cmn") : (op ? "subs" : "adds");
    return withOperand(mk(w, m, cls, [rn, zr(rm)], [zr(rd), NZ]), "extended");
  }
  const op2 = (w >>> 21) & 15;
  const op3 = (w >>> 10) & 63;
  if (op2 >= 8) { // data processing (3 source)
    if (((w >>> 29) & 3) !== 0) return none(w, "unallocated");
    const ra = (w >>> 10) & 31;
    const o0 = (w >>> 15) & 1;
    const op31 = (w >>> 21) & 7;
    const ops = [zr(rn), zr(rm), zr(ra)];
    if (op31 === 0) {
      const m = o0 ? (ra === 31 ? "mneg" : "msub") : (ra === 31 ? "mul" : "madd");
      return mk(w, m, "multiply", ops, [zr(rd)]);
    }
    if (sf === 0) return none(w, "unallocated");
    switch ((op31 << 1) | o0) {
      case 2:
        return mk(w, ra === 31 ? "smull" : "smaddl", "multiply", ops, [zr(rd)]);
      case 3:
        return mk(w, ra === 31 ? "smnegl" : "smsubl", "multiply", ops, [zr(rd)]);
      case 4: // Ra is ignored by smulh/umulh
        return mk(w, "smulh", "multiply", [zr(rn), zr(rm)], [zr(rd)]);
      case 10:
        return mk(w, ra === 31 ? "umull" : "umaddl", "multiply", ops, [zr(rd)]);
      case 11:
        return mk(w, ra === 31 ? "umnegl" : "umsubl", "multiply", ops, [zr(rd)]);
      case 12:
        return mk(w, "umulh", "multiply", [zr(rn), zr(rm)], [zr(rd)]);
      case 6:
        return none(w, "CPA not modelled (maddpt)");
      case 7:
        return none(w, "CPA not modelled (msubpt)");
      default:
        return none(w, "unallocated");
    }
  }
  switch (op2) {
    case 0:
      if (op3 === 0) {
        const idx = (op << 1) | s;
        let m = ADC[idx];
        if (op === 1 && rn === 31) m = s ? "ngcs" : "ngc";
        return mk(w, m, "int-alu", [zr(rn), zr(rm), NZ], s ? [zr(rd), NZ] : [zr(rd)]);
      }
      if ((op3 & 31) === 1 || (op3 & 15) === 2) return none(w, "FlagM not modelled (rmif/setf)");
      return none(w, "unallocated");
    case 2: { // conditional compare (register / immediate)
      if (s === 0 || ((w >>> 10) & 1) !== 0 || ((w >>> 4) & 1) !== 0) {
        return none(w, "unallocated");
      }
      const isImm = (w >>> 11) & 1;
      const reads = isImm ? [zr(rn), NZ] : [zr(rn), zr(rm), NZ];
      return mk(w, op ? "ccmp" : "ccmn", "int-alu", reads, [NZ]);
    }
    case 4: { // conditional select
      const o2 = (w >>> 10) & 3;
      if (s === 1 || o2 >= 2) return none(w, "unallocated");
      const cond = (w >>> 12) & 15;
      const inv = (cond >>> 1) !== 7;
      let m: string;
      switch ((op << 1) | o2) {
        case 0:
          m = "csel";
          break;
        case 1:
          m = inv && rm !== 31 && rn !== 31 && rn === rm
            ? "cinc"
            : inv && rm === 31 && rn === 31
            ? "cset"
            : "csinc";
          break;
        case 2:
          m = inv && rm !== 31 && rn !== 31 && rn === rm
            ? "cinv"
            : inv && rm === 31 && rn === 31
            ? "csetm"
            : "csinv";
          break;
        default:
          m = inv && rn === rm ? "cneg" : "csneg";
      }
      return mk(w, m, "int-alu", [zr(rn), zr(rm), NZ], [zr(rd)]);
    }
    case 6:
      return op ? dp1Source(w, sf, s, rd, rn) : dp2Source(w, sf, s, rd, rn, rm, op3);
    default:
      return none(w, "unallocated");
  }
}

function dp2Source(
  w: number,
  sf: number,
  s: number,
  rd: number,
  rn: number,
  rm: number,
  opc: number,
): Decoded | Undecoded {
  if (s === 1) {
    return sf && opc === 0 ? none(w, "MTE not modelled (subps)") : none(w, "unallocated");
  }
  if (opc === 2 || opc === 3) {
    return mk(w, opc === 2 ? "udiv" : "sdiv", "divide", [zr(rn), zr(rm)], [zr(rd)]);
  }
  if (opc >= 8 && opc <= 11) {
    return mk(w, SHIFT_V[opc - 8], "int-shift", [zr(rn), zr(rm)], [zr(rd)]);
  }
  if (opc >= 16 && opc <= 23) {
    // crc32x/crc32cx need sf=1, the narrower forms sf=0.
    if ((((opc & 3) === 3) ? 1 : 0) !== sf) return none(w, "unallocated");
    return mk(w, CRC[opc - 16], "int-alu", [zr(rn), zr(rm)], [zr(rd)]);
  }
  if (sf === 1) {
    if (opc === 12) return mk(w, "pacga", "pac", [zr(rn), rm], [zr(rd)]);
    if (opc === 0 || opc === 4 || opc === 5) return none(w, "MTE not modelled (subp/irg/gmi)");
  }
  if (opc >= 24 && opc <= 27) return none(w, "CSSC not modelled (smax/umin...)");
  return none(w, "unallocated");
}

function dp1Source(w: number, sf: number, s: number, rd: number, rn: number): Decoded | Undecoded {
  const opc2 = (w >>> 16) & 31;
  const opc = (w >>> 10) & 63;
  if (s === 1) return none(w, "unallocated");
  if (opc2 === 0) {
    if (opc <= 5) {
      if (opc === 3 && sf === 0) return none(w, "unallocated");
      const m = opc === 2 && sf === 1 ? "rev32" : ONE_SRC[opc];
      return mk(w, m, "int-alu", [zr(rn)], [zr(rd)]);
    }
    if (opc <= 8) return none(w, "CSSC not modelled (ctz/cnt/abs)");
    return none(w, "unallocated");
  }
  if (opc2 === 1 && sf === 1) {
    if (opc < 8) return mk(w, PAC_OPS[opc], "pac", [zr(rd), rn], [zr(rd)]);
    if (opc < 16) {
      return rn === 31 ? mk(w, PAC_OPS[opc], "pac", [zr(rd)], [zr(rd)]) : none(w, "unallocated");
    }
    if ((opc === 16 || opc === 17) && rn === 31) {
      return mk(w, opc === 16 ? "xpaci" : "xpacd", "pac", [zr(rd)], [zr(rd)]);
    }
  }
  return none(w, "unallocated");
}

// ---------------------------------------------------------------------------
// Loads and stores (bits 27 = 1, 25 = 0)

function withMem(d: Decoded, m: MemoryAccess): Decoded {
  d.mem = m;
  return d;
}

/**
 * Single-register load/store operation from size:opc (V = 0), shared by every
 * addressing mode. Packed as bytes | isLoad<<5 | kind<<6 (kind: 0 plain, 1 signed, 2 prefetch);
 * 0 = unallocated.
 */
function singleOp(size: number, opc: number): number {
  switch (opc) {
    case 0:
      return 1 << size;
    case 1:
      return (1 << size) | 32;
    case 2:
      return size === 3 ? 0 | (2 << 6) : (1 << size) | 32 | 64;
    default:
      return size <= 1 ? (1 << size) | 32 | 64 : 0;
  }
}

// Mnemonic stems indexed by [size][opc].
const LDST_NAMES = [
  ["strb", "ldrb", "ldrsb", "ldrsb"],
  ["strh", "ldrh", "ldrsh", "ldrsh"],
  ["str", "ldr", "ldrsw", ""],
  ["str", "ldr", "prfm", ""],
];
const LDUR_NAMES = [
  ["sturb", "ldurb", "ldursb", "ldursb"],
  ["sturh", "ldurh", "ldursh", "ldursh"],
  ["stur", "ldur", "ldursw", ""],
  ["stur", "ldur", "prfum", ""],
];
const LDTR_NAMES = [
  ["sttrb", "ldtrb", "ldtrsb", "ldtrsb"],
  ["sttrh", "ldtrh", "ldtrsh", "ldtrsh"],
  ["sttr", "ldtr", "ldtrsw", ""],
  ["sttr", "ldtr", "", ""],
];
const LDST_EXT: MemoryAccess["indexExtend"][] = [
  undefined,
  undefined,
  "uxtw",
  "lsl",
  undefined,
  undefined,
  "sxtw",
  "sxtx",
];

const ATOMIC_OPS = ["ldadd", "ldclr", "ldeor", "ldset", "ldsmax", "ldsmin", "ldumax", "ldumin"];
const ORDER_SUFFIX = ["", "l", "a", "al"]; // indexed by A<<1 | R
const SIZE_SUFFIX = ["b", "h", "", ""];

/**
 * Loads and stores. SIMD&FP ones (V = 1, see `simdFpLoadStore`) are undecoded here,
 * so every path below has a general-purpose data register.
 */
function loadStore(w: number): Decoded | Undecoded {
  const v = (w >>> 26) & 1;
  if (v && simdFpLoadStore(w)) return none(w, SIMD_FP_REASON);
  switch ((w >>> 28) & 3) {
    case 0:
      if (v === 0 && ((w >>> 24) & 1) === 0) return exclusiveOrdered(w);
      return none(w, "unallocated");
    case 1:
      if (((w >>> 24) & 1) === 0) return literal(w);
      if ((w >>> 24) === 0xd9 && ((w >>> 21) & 1) === 1) return none(w, "MTE not modelled");
      if (((w >>> 21) & 1) === 0) {
        const op4 = (w >>> 10) & 3;
        if (op4 === 0 && v === 0) return rcpcUnscaled(w);
        if (op4 === 1) return none(w, "MOPS not modelled (cpy*/set*)");
        if (op4 === 2) return none(w, "RCpc3 not modelled");
      }
      return none(w, "unallocated");
    case 2:
      return pair(w);
    default:
      if ((w >>> 24) & 1) return singleReg(w, 3);
      if (((w >>> 21) & 1) === 0) return singleReg(w, (w >>> 10) & 3);
      switch ((w >>> 10) & 3) {
        case 0:
          return atomic(w);
        case 2:
          return singleReg(w, 4);
        default:
          return pacLoad(w);
      }
  }
}

/**
 * Single register load/store. mode: 0 unscaled, 1 post-index, 2 unprivileged,
 * 3 unsigned immediate, 4 register offset. (Pre-index arrives as mode 3 from
 * bits 11:10 only when bit 24 = 0; see the caller.)
 */
function singleReg(w: number, mode: number): Decoded | Undecoded {
  const size = w >>> 30;
  const opc = (w >>> 22) & 3;
  const rt = w & 31;
  const rn = (w >>> 5) & 31;
  const bit24 = (w >>> 24) & 1;
  const info = singleOp(size, opc);
  if (info === 0) return none(w, "unallocated");
  const bytes = info & 31;
  const load = (info >>> 5) & 1;
  const prefetch = (info >>> 6) === 2;
  // Mode 3 with bit 24 clear is pre-index; with bit 24 set it is the unsigned-offset form.
  const pre = mode === 3 && bit24 === 0;
  const post = mode === 1;
  if (prefetch && (pre || post || mode === 2)) return none(w, "unallocated");
  let m: string;
  if (mode === 2) m = LDTR_NAMES[size][opc];
  else if (mode === 0) m = LDUR_NAMES[size][opc];
  else m = LDST_NAMES[size][opc];
  const data = zr(rt);
  const reads: number[] = [rn];
  const writes: number[] = [];
  if (prefetch) {
    // no register data
  } else if (load) writes.push(data);
  else reads.push(data);
  if (mode === 4 && (((w >>> 13) & 2) === 0)) return none(w, "unallocated");
  if (prefetch && mode === 4 && (rt & 0x18) === 0x18) {
    // Range prefetch (FEAT_RPRFM): Rm carries range metadata, not an index.
    const d = mk(w, "rprfm", "load", [rn, zr((w >>> 16) & 31)], []);
    d.prefetch = true;
    return withMem(d, { kind: "load", bytes: 0, base: rn, writeback: "none" });
  }
  const mem: MemoryAccess = {
    kind: load || prefetch ? "load" : "store",
    bytes: prefetch ? 0 : bytes,
    base: rn,
    writeback: pre ? "pre" : post ? "post" : "none",
  };
  if (mode === 4) {
    const option = (w >>> 13) & 7;
    const rm = (w >>> 16) & 31;
    reads.push(zr(rm));
    if (rm !== 31) mem.index = rm;
    mem.indexExtend = LDST_EXT[option];
    if ((w >>> 12) & 1) mem.indexShift = prefetch ? 3 : 31 - Math.clz32(bytes);
    else mem.indexShift = 0;
  } else if (mode === 3 && bit24) {
    const scale = prefetch ? 8 : bytes;
    mem.offset = ((w >>> 10) & 0xfff) * scale;
  } else {
    mem.offset = sext((w >>> 12) & 0x1ff, 9);
  }
  if (pre || post) writes.push(rn);
  const d = mk(w, m, load || prefetch ? "load" : "store", reads, writes);
  if (prefetch) d.prefetch = true;
  return withMem(d, mem);
}

function literal(w: number): Decoded | Undecoded {
  const opc = w >>> 30;
  const rt = w & 31;
  const offset = sext((w >>> 5) & 0x7ffff, 19) * 4;
  if (opc === 3) {
    const d = mk(w, "prfm", "load", [], []);
    d.prefetch = true;
    return withMem(d, { kind: "load", bytes: 0, base: -1, offset, writeback: "none" });
  }
  const d = mk(w, opc === 2 ? "ldrsw" : "ldr", "load", [], [zr(rt)]);
  return withMem(d, {
    kind: "load",
    bytes: opc === 1 ? 8 : 4,
    base: -1,
    offset,
    writeback: "none",
  });
}

// ldapur/stlur (unscaled, FEAT_LRCPC2) indexed by size:opc.
const RCPC_NAMES = [
  ["stlurb", "ldapurb", "ldapursb", "ldapursb"],
  ["stlurh", "ldapurh", "ldapursh", "ldapursh"],
  ["stlur", "ldapur", "ldapursw", ""],
  ["stlur", "ldapur", "", ""],
];

function rcpcUnscaled(w: number): Decoded | Undecoded {
  const size = w >>> 30;
  const opc = (w >>> 22) & 3;
  const m = RCPC_NAMES[size][opc];
  if (m === "") return none(w, "unallocated");
  const rt = w & 31;
  const rn = (w >>> 5) & 31;
  const offset = sext((w >>> 12) & 0x1ff, 9);
  const load = opc !== 0;
  const d = load ? mk(w, m, "load", [rn], [zr(rt)]) : mk(w, m, "store", [rn, zr(rt)], []);
  return withMem(d, {
    kind: load ? "load" : "store",
    bytes: 1 << size,
    base: rn,
    offset,
    writeback: "none",
  });
}

function pair(w: number): Decoded | Undecoded {
  const opc = w >>> 30;
  const mode = (w >>> 23) & 3; // 0 no-allocate, 1 post, 2 offset, 3 pre
  const l = (w >>> 22) & 1;
  const rt = w & 31;
  const rn = (w >>> 5) & 31;
  const rt2 = (w >>> 10) & 31;
  let elem: number;
  let m: string;
  if (opc === 1) {
    if (mode === 0) return none(w, "unallocated");
    if (l === 0) return none(w, "MTE not modelled (stgp)");
    elem = 4;
    m = "ldpsw";
  } else if (opc === 3) {
    return none(w, "unallocated");
  } else {
    elem = opc ? 8 : 4;
    m = mode === 0 ? (l ? "ldnp" : "stnp") : (l ? "ldp" : "stp");
  }
  const r1 = zr(rt);
  const r2 = zr(rt2);
  const wb = mode === 1 || mode === 3;
  const d = l
    ? mk(w, m, "load-pair", [rn], wb ? [r1, r2, rn] : [r1, r2])
    : mk(w, m, "store-pair", [rn, r1, r2], wb ? [rn] : []);
  return withMem(d, {
    kind: l ? "load" : "store",
    bytes: elem * 2,
    base: rn,
    offset: sext((w >>> 15) & 0x7f, 7) * elem,
    writeback: mode === 1 ? "post" : mode === 3 ? "pre" : "none",
  });
}

/** Exclusives, load-acquire/store-release, compare-and-swap (bits 29:24 = 001000). */
function exclusiveOrdered(w: number): Decoded | Undecoded {
  const size = w >>> 30;
  const o2 = (w >>> 23) & 1;
  const l = (w >>> 22) & 1;
  const o1 = (w >>> 21) & 1;
  const rs = (w >>> 16) & 31;
  const o0 = (w >>> 15) & 1;
  const rt2 = (w >>> 10) & 31;
  const rn = (w >>> 5) & 31;
  const rt = w & 31;
  const bytes = 1 << size;
  const sfx = SIZE_SUFFIX[size];
  if (o2 === 0 && o1 === 0) { // ldxr / ldaxr / stxr / stlxr
    const m = (l ? (o0 ? "ldaxr" : "ldxr") : (o0 ? "stlxr" : "stxr")) + sfx;
    const d = l ? mk(w, m, "atomic", [rn], [zr(rt)]) : mk(w, m, "atomic", [rn, zr(rt)], [zr(rs)]);
    return withMem(d, { kind: l ? "load" : "store", bytes, base: rn, writeback: "none" });
  }
  if (o2 === 0) {
    if (size >= 2) { // exclusive pair
      const m = l ? (o0 ? "ldaxp" : "ldxp") : (o0 ? "stlxp" : "stxp");
      const d = l
        ? mk(w, m, "atomic", [rn], [zr(rt), zr(rt2)])
        : mk(w, m, "atomic", [rn, zr(rt), zr(rt2)], [zr(rs)]);
      return withMem(d, {
        kind: l ? "load" : "store",
        bytes: bytes * 2,
        base: rn,
        writeback: "none",
      });
    }
    // CASP: register pairs must start at an even register; Rt2 is fixed at 11111.
    if ((rs & 1) || (rt & 1) || rt2 !== 31) return none(w, "unallocated");
    const m = "casp" + ORDER_SUFFIX[(l << 1) | o0];
    const pb = (size ? 8 : 4) * 2;
    const d = mk(w, m, "atomic", [rn, zr(rs), zr(rs + 1), zr(rt), zr(rt + 1)], [
      zr(rs),
      zr(rs + 1),
    ]);
    return withMem(d, { kind: "load-store", bytes: pb, base: rn, writeback: "none" });
  }
  if (o1 === 0) { // ldar / stlr (and LOR ldlar / stllr)
    const m = (l ? (o0 ? "ldar" : "ldlar") : (o0 ? "stlr" : "stllr")) + sfx;
    const d = l ? mk(w, m, "load", [rn], [zr(rt)]) : mk(w, m, "store", [rn, zr(rt)], []);
    return withMem(d, { kind: l ? "load" : "store", bytes, base: rn, writeback: "none" });
  }
  // CAS: compares Rs with memory, stores Rt, returns the old value in Rs.
  if (rt2 !== 31) return none(w, "unallocated");
  const m = "cas" + ORDER_SUFFIX[(l << 1) | o0] + sfx;
  const d = mk(w, m, "atomic", [rn, zr(rs), zr(rt)], [zr(rs)]);
  return withMem(d, { kind: "load-store", bytes, base: rn, writeback: "none" });
}

/** LSE atomic memory operations (ldadd..., swp, and ldapr which lives in this space). */
function atomic(w: number): Decoded | Undecoded {
  const size = w >>> 30;
  const ar = (w >>> 22) & 3; // A:R
  const rs = (w >>> 16) & 31;
  const o3 = (w >>> 15) & 1;
  const opc = (w >>> 12) & 7;
  const rn = (w >>> 5) & 31;
  const rt = w & 31;
  const bytes = 1 << size;
  const sfx = SIZE_SUFFIX[size];
  if (o3 === 0 || opc === 0) {
    let m: string;
    if (o3) m = "swp" + ORDER_SUFFIX[ar] + sfx;
    else if (rt === 31 && (ar & 2) === 0) {
      // st<op> alias: result discarded, no acquire semantics.
      m = "st" + ATOMIC_OPS[opc].slice(2) + (ar ? "l" : "") + sfx;
    } else m = ATOMIC_OPS[opc] + ORDER_SUFFIX[ar] + sfx;
    const d = mk(w, m, "atomic", [rn, zr(rs)], [zr(rt)]);
    return withMem(d, { kind: "load-store", bytes, base: rn, writeback: "none" });
  }
  if (opc === 4 && ar === 2 && rs === 31) {
    const d = mk(w, "ldapr" + sfx, "load", [rn], [zr(rt)]);
    return withMem(d, { kind: "load", bytes, base: rn, writeback: "none" });
  }
  return none(w, "unallocated or LS64/LSE128 not modelled");
}

function pacLoad(w: number): Decoded | Undecoded {
  if ((w >>> 30) !== 3) return none(w, "unallocated");
  const m = (w >>> 23) & 1 ? "ldrab" : "ldraa";
  const rn = (w >>> 5) & 31;
  const rt = w & 31;
  const pre = ((w >>> 11) & 1) === 1;
  const off = sext((((w >>> 22) & 1) << 9) | ((w >>> 12) & 0x1ff), 10) * 8;
  const d = mk(w, m, "load", [rn], pre ? [zr(rt), rn] : [zr(rt)]);
  return withMem(d, {
    kind: "load",
    bytes: 8,
    base: rn,
    offset: off,
    writeback: pre ? "pre" : "none",
  });
}

/** The operand form of a shifted-register word (shift type in bits 23:22, amount in 15:10). */
function shiftForm(w: number): OperandForm {
  const amount = (w >>> 10) & 63;
  if (amount === 0) return "register";
  return ((w >>> 22) & 3) === 0 && amount <= 4 ? "lsl-1-4" : "shifted";
}

function withOperand(d: Decoded, form: OperandForm): Decoded {
  d.operand = form;
  return d;
}
