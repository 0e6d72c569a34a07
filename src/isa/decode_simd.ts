/**
 * SIMD/FP part of the A64 decoder: scalar floating point, Advanced SIMD
 * (vector and scalar), the AES/SHA1/SHA256 crypto groups, and the Advanced
 * SIMD structure loads/stores. Written from the Arm ARM encoding index for
 * "Data Processing -- Scalar Floating-Point and Advanced SIMD".
 *
 * Register effects are modelled per group: Vd is written; Vn/Vm (and Va) are
 * read; Vd is also read by accumulating, inserting and "2"-narrowing forms,
 * which only update part of the destination. Rarely used extensions (BF16,
 * I8MM, FCMA, SHA512/SHA3/SM3/SM4) come back as `Undecoded` naming the extension.
 *
 * @module
 */

import { type Decoded, REG_NZCV, REG_V0, type Undecoded } from "./types.ts";
import { mk, none, zr } from "./decode_util.ts";

const NZ = REG_NZCV;

/** V register number. */
function v(n: number): number {
  return REG_V0 + (n & 31);
}

function simd(w: number, m: string, reads: number[], writes: number[]): Decoded {
  return mk(w, m, "simd-fp", reads, writes);
}

// Table entry flags.
const ACC = 1; // reads Vd (accumulate / insert)
const N3 = 2; // size = 11 not allowed
const B8 = 4; // size = 00 only
const HS = 8; // size = 01 or 10 only
const S3 = 16; // scalar form: size = 11 only
const NARROW = 32; // "2" suffix when Q = 1, which also reads Vd (upper half written)
const WIDE = 64; // "2" suffix when Q = 1
const BH = 128; // size = 00 or 01 only

type Entry = readonly [string, number] | undefined;

/** Build a sparse table from [index, name, flags] triples. */
function table(size: number, items: readonly (readonly [number, string, number])[]): Entry[] {
  const t: Entry[] = new Array(size).fill(undefined);
  for (const [i, n, f] of items) t[i] = [n, f];
  return t;
}

/** Size constraint check for integer vector/scalar forms. */
function sizeOk(flags: number, size: number, q: number, scalar: boolean): boolean {
  if (flags & B8) return size === 0;
  if (flags & BH) return size <= 1;
  if (flags & HS) return size === 1 || size === 2;
  if (flags & N3) return size !== 3;
  if (scalar) return (flags & S3) === 0 || size === 3;
  return size !== 3 || q === 1;
}

// ---------------------------------------------------------------------------
// Advanced SIMD three same (integer part, opcode < 24), index U<<5 | opcode

const U = 32;
const THREE_SAME = table(64, [
  [0, "shadd", N3],
  [1, "sqadd", 0],
  [2, "srhadd", N3],
  [4, "shsub", N3],
  [5, "sqsub", 0],
  [6, "cmgt", S3],
  [7, "cmge", S3],
  [8, "sshl", S3],
  [9, "sqshl", 0],
  [10, "srshl", S3],
  [11, "sqrshl", 0],
  [12, "smax", N3],
  [13, "smin", N3],
  [14, "sabd", N3],
  [15, "saba", N3 | ACC],
  [16, "add", S3],
  [17, "cmtst", S3],
  [18, "mla", N3 | ACC],
  [19, "mul", N3],
  [20, "smaxp", N3],
  [21, "sminp", N3],
  [22, "sqdmulh", HS],
  [23, "addp", 0],
  [U | 0, "uhadd", N3],
  [U | 1, "uqadd", 0],
  [U | 2, "urhadd", N3],
  [U | 4, "uhsub", N3],
  [U | 5, "uqsub", 0],
  [U | 6, "cmhi", S3],
  [U | 7, "cmhs", S3],
  [U | 8, "ushl", S3],
  [U | 9, "uqshl", 0],
  [U | 10, "urshl", S3],
  [U | 11, "uqrshl", 0],
  [U | 12, "umax", N3],
  [U | 13, "umin", N3],
  [U | 14, "uabd", N3],
  [U | 15, "uaba", N3 | ACC],
  [U | 16, "sub", S3],
  [U | 17, "cmeq", S3],
  [U | 18, "mls", N3 | ACC],
  [U | 19, "pmul", B8],
  [U | 20, "umaxp", N3],
  [U | 21, "uminp", N3],
  [U | 22, "sqrdmulh", HS],
]);
// Opcodes that exist in the scalar "three same" group.
const SCALAR_THREE_SAME = new Set([1, 5, 6, 7, 8, 9, 10, 11, 16, 17, 22]);
const LOGIC3 = ["and", "bic", "orr", "orn", "eor", "bsl", "bit", "bif"];

// FP three same, index U<<4 | a<<3 | opcode<2:0>; shared by the FP16 group.
const FHM = 256; // FEAT_FHM fmlal/fmlsl: single-precision encoding slot only
const FP3 = table(32, [
  [0, "fmaxnm", 0],
  [1, "fmla", ACC],
  [2, "fadd", 0],
  [3, "fmulx", 0],
  [4, "fcmeq", 0],
  [5, "fmlal", FHM | ACC],
  [6, "fmax", 0],
  [7, "frecps", 0],
  [8, "fminnm", 0],
  [9, "fmls", ACC],
  [10, "fsub", 0],
  [13, "fmlsl", FHM | ACC],
  [14, "fmin", 0],
  [15, "frsqrts", 0],
  [16, "fmaxnmp", 0],
  [17, "fmlal2", FHM | ACC],
  [18, "faddp", 0],
  [19, "fmul", 0],
  [20, "fcmge", 0],
  [21, "facge", 0],
  [22, "fmaxp", 0],
  [23, "fdiv", 0],
  [24, "fminnmp", 0],
  [25, "fmlsl2", FHM | ACC],
  [26, "fabd", 0],
  [28, "fcmgt", 0],
  [29, "facgt", 0],
  [30, "fminp", 0],
]);
// Index bits of FP3 valid in the scalar groups.
const SCALAR_FP3 = new Set([3, 4, 7, 15, 20, 21, 26, 28, 29]);

// ---------------------------------------------------------------------------
// Two-register miscellaneous, integer part, index U<<5 | opcode

const TWO_MISC = table(64, [
  [0, "rev64", N3],
  [1, "rev16", B8],
  [2, "saddlp", N3],
  [3, "suqadd", ACC],
  [4, "cls", N3],
  [5, "cnt", B8],
  [6, "sadalp", N3 | ACC],
  [7, "sqabs", 0],
  [8, "cmgt", S3],
  [9, "cmeq", S3],
  [10, "cmlt", S3],
  [11, "abs", S3],
  [18, "xtn", N3 | NARROW],
  [20, "sqxtn", N3 | NARROW],
  [U | 0, "rev32", BH],
  [U | 2, "uaddlp", N3],
  [U | 3, "usqadd", ACC],
  [U | 4, "clz", N3],
  [U | 6, "uadalp", N3 | ACC],
  [U | 7, "sqneg", 0],
  [U | 8, "cmge", S3],
  [U | 9, "cmle", S3],
  [U | 11, "neg", S3],
  [U | 18, "sqxtun", N3 | NARROW],
  [U | 19, "shll", N3 | WIDE],
  [U | 20, "uqxtn", N3 | NARROW],
]);
const SCALAR_TWO_MISC = new Set([
  3,
  7,
  8,
  9,
  10,
  11,
  20,
  U | 3,
  U | 7,
  U | 8,
  U | 9,
  U | 11,
  U | 18,
  U | 20,
]);

// FP two-register misc, index U<<6 | a<<5 | opcode. Flags: NARROW/WIDE for the
// precision-changing forms, and these extra markers:
const SZ0 = 512; // single precision only (urecpe/ursqrte)
const SZ1 = 1024; // double -> single only (fcvtxn)
const NOT16 = 2048; // no FP16 form
const BF16 = 4096; // BF16 extension (not modelled)
const A = 32;
const FP_MISC = table(128, [
  [22, "fcvtn", NARROW | NOT16],
  [23, "fcvtl", WIDE | NOT16],
  [24, "frintn", 0],
  [25, "frintm", 0],
  [26, "fcvtns", 0],
  [27, "fcvtms", 0],
  [28, "fcvtas", 0],
  [29, "scvtf", 0],
  [30, "frint32z", NOT16],
  [31, "frint64z", NOT16],
  [A | 12, "fcmgt", 0],
  [A | 13, "fcmeq", 0],
  [A | 14, "fcmlt", 0],
  [A | 15, "fabs", 0],
  [A | 22, "bfcvtn", BF16],
  [A | 24, "frintp", 0],
  [A | 25, "frintz", 0],
  [A | 26, "fcvtps", 0],
  [A | 27, "fcvtzs", 0],
  [A | 28, "urecpe", SZ0 | NOT16],
  [A | 29, "frecpe", 0],
  [64 | 22, "fcvtxn", NARROW | SZ1 | NOT16],
  [64 | 24, "frinta", 0],
  [64 | 25, "frintx", 0],
  [64 | 26, "fcvtnu", 0],
  [64 | 27, "fcvtmu", 0],
  [64 | 28, "fcvtau", 0],
  [64 | 29, "ucvtf", 0],
  [64 | 30, "frint32x", NOT16],
  [64 | 31, "frint64x", NOT16],
  [64 | A | 12, "fcmge", 0],
  [64 | A | 13, "fcmle", 0],
  [64 | A | 15, "fneg", 0],
  [64 | A | 25, "frinti", 0],
  [64 | A | 26, "fcvtpu", 0],
  [64 | A | 27, "fcvtzu", 0],
  [64 | A | 28, "ursqrte", SZ0 | NOT16],
  [64 | A | 29, "frsqrte", 0],
  [64 | A | 31, "fsqrt", 0],
]);
const SCALAR_FP_MISC = new Set([
  26,
  27,
  28,
  29,
  A | 12,
  A | 13,
  A | 14,
  A | 26,
  A | 27,
  A | 29,
  A | 31, // frecpx (scalar only, see below)
  64 | 22,
  64 | 26,
  64 | 27,
  64 | 28,
  64 | 29,
  64 | A | 12,
  64 | A | 13,
  64 | A | 26,
  64 | A | 27,
  64 | A | 29,
]);

// ---------------------------------------------------------------------------
// Three different, index U<<4 | opcode

const THREE_DIFF = table(32, [
  [0, "saddl", WIDE],
  [1, "saddw", WIDE],
  [2, "ssubl", WIDE],
  [3, "ssubw", WIDE],
  [4, "addhn", NARROW],
  [5, "sabal", WIDE | ACC],
  [6, "subhn", NARROW],
  [7, "sabdl", WIDE],
  [8, "smlal", WIDE | ACC],
  [9, "sqdmlal", WIDE | ACC | HS],
  [10, "smlsl", WIDE | ACC],
  [11, "sqdmlsl", WIDE | ACC | HS],
  [12, "smull", WIDE],
  [13, "sqdmull", WIDE | HS],
  [14, "pmull", WIDE],
  [16, "uaddl", WIDE],
  [17, "uaddw", WIDE],
  [18, "usubl", WIDE],
  [19, "usubw", WIDE],
  [20, "raddhn", NARROW],
  [21, "uabal", WIDE | ACC],
  [22, "rsubhn", NARROW],
  [23, "uabdl", WIDE],
  [24, "umlal", WIDE | ACC],
  [26, "umlsl", WIDE | ACC],
  [28, "umull", WIDE],
]);

// ---------------------------------------------------------------------------
// Shift by immediate, index U<<5 | opcode. Kinds: R right shift, L left shift,
// N narrowing, W widening, F fixed-point conversion.
const K_R = 1;
const K_L = 2;
const K_N = 3;
const K_W = 4;
const K_F = 5;
const SHIFT_IMM = table(64, [
  [0, "sshr", K_R],
  [2, "ssra", K_R | (ACC << 4)],
  [4, "srshr", K_R],
  [6, "srsra", K_R | (ACC << 4)],
  [10, "shl", K_L],
  [14, "sqshl", K_L],
  [16, "shrn", K_N],
  [17, "rshrn", K_N],
  [18, "sqshrn", K_N],
  [19, "sqrshrn", K_N],
  [20, "sshll", K_W],
  [28, "scvtf", K_F],
  [31, "fcvtzs", K_F],
  [U | 0, "ushr", K_R],
  [U | 2, "usra", K_R | (ACC << 4)],
  [U | 4, "urshr", K_R],
  [U | 6, "ursra", K_R | (ACC << 4)],
  [U | 8, "sri", K_R | (ACC << 4)],
  [U | 10, "sli", K_L | (ACC << 4)],
  [U | 12, "sqshlu", K_L],
  [U | 14, "uqshl", K_L],
  [U | 16, "sqshrun", K_N],
  [U | 17, "sqrshrun", K_N],
  [U | 18, "uqshrn", K_N],
  [U | 19, "uqrshrn", K_N],
  [U | 20, "ushll", K_W],
  [U | 28, "ucvtf", K_F],
  [U | 31, "fcvtzu", K_F],
]);
// Scalar forms that only exist for 64-bit elements (immh = 1xxx).
const SCALAR_SHIFT_D = new Set([0, 2, 4, 6, 10, U | 0, U | 2, U | 4, U | 6, U | 8, U | 10]);
const SCALAR_SHIFT_ANY = new Set([14, U | 12, U | 14]);
const SCALAR_SHIFT_N = new Set([18, 19, U | 16, U | 17, U | 18, U | 19]);

// ---------------------------------------------------------------------------
// Vector x indexed element, index U<<4 | opcode. Kinds: I integer (h/s),
// L long integer (h/s, "2" suffix), F floating point, D dot product,
// H FHM (fmlal), X not modelled.
const E_I = 1;
const E_L = 2;
const E_F = 3;
const E_D = 4;
const E_H = 5;
const E_X = 6;
const BY_ELEM = table(32, [
  [0, "fmlal", E_H | (ACC << 4)],
  [1, "fmla", E_F | (ACC << 4)],
  [2, "smlal", E_L | (ACC << 4)],
  [3, "sqdmlal", E_L | (ACC << 4)],
  [4, "fmlsl", E_H | (ACC << 4)],
  [5, "fmls", E_F | (ACC << 4)],
  [6, "smlsl", E_L | (ACC << 4)],
  [7, "sqdmlsl", E_L | (ACC << 4)],
  [8, "mul", E_I],
  [9, "fmul", E_F],
  [10, "smull", E_L],
  [11, "sqdmull", E_L],
  [12, "sqdmulh", E_I],
  [13, "sqrdmulh", E_I],
  [14, "sdot", E_D | (ACC << 4)],
  [15, "I8MM/BF16 not modelled (sudot/usdot/bfdot/bfmlal)", E_X],
  [16, "mla", E_I | (ACC << 4)],
  [17, "FCMA not modelled (fcmla)", E_X],
  [18, "umlal", E_L | (ACC << 4)],
  [19, "FCMA not modelled (fcmla)", E_X],
  [20, "mls", E_I | (ACC << 4)],
  [21, "FCMA not modelled (fcmla)", E_X],
  [22, "umlsl", E_L | (ACC << 4)],
  [23, "FCMA not modelled (fcmla)", E_X],
  [24, "fmlal2", E_H | (ACC << 4)],
  [25, "fmulx", E_F],
  [26, "umull", E_L],
  [28, "fmlsl2", E_H | (ACC << 4)],
  [29, "sqrdmlah", E_I | (ACC << 4)],
  [30, "udot", E_D | (ACC << 4)],
  [31, "sqrdmlsh", E_I | (ACC << 4)],
]);
const SCALAR_BY_ELEM = new Set([1, 3, 5, 7, 9, 11, 12, 13, 25, 29, 31]);

// ---------------------------------------------------------------------------

/** SIMD & FP data processing (bits 28:25 = x111). */
export function decodeSimdFp(w: number): Decoded | Undecoded {
  const op0 = w >>> 28;
  const op1 = (w >>> 23) & 3;
  const op2 = (w >>> 19) & 15;
  const op3 = (w >>> 10) & 0x1ff;
  if ((op0 & 5) === 1) return fpScalar(w, op1, op2);
  if (op0 === 0xc) return none(w, "SHA3/SHA512/SM3/SM4 not modelled");
  if (op0 === 4 && (op1 & 2) === 0 && (op2 & 7) === 5 && (op3 & 0x183) === 2) return cryptoAes(w);
  if (op0 === 5 && (op1 & 2) === 0) {
    if ((op2 & 4) === 0 && (op3 & 0x23) === 0) return crypto3Sha(w);
    if ((op2 & 7) === 5 && (op3 & 0x183) === 2) return crypto2Sha(w);
  }
  if ((op0 & 8) !== 0) return none(w, "unallocated");
  const scalar = (op0 & 5) === 5; // 01x1
  if (!scalar && (op0 & 1) !== 0) return none(w, "unallocated");
  if (!scalar && (op1 & 2) === 0 && (op2 & 4) === 0 && (op3 & 0x21) === 0) {
    // 0x00 / 0x10 with op3 = xxx0xxxx0: table lookup, permute, extract.
    return (op0 & 2) ? extract(w) : ((op3 & 2) ? permute(w) : tableLookup(w));
  }
  if (op1 === 3 && (op3 & 1)) return none(w, "unallocated");
  if (op1 >= 2) {
    if ((op3 & 1) === 0) return byElement(w, scalar);
    if (op1 === 2) {
      if (op2 === 0) return scalar ? none(w, "unallocated") : modifiedImm(w);
      return shiftImm(w, scalar);
    }
    return none(w, "unallocated");
  }
  // op1 = 0x
  if (op1 === 0 && (op2 & 0xc) === 0 && (op3 & 0x21) === 1) return copy(w, scalar);
  if ((op2 & 0xc) === 8 && (op3 & 0x31) === 1) return threeSameFp16(w, scalar);
  if (op2 === 15 && (op3 & 0x183) === 2) return twoMiscFp(w, scalar, true);
  if ((op2 & 4) === 0 && (op3 & 0x21) === 0x21) return threeExtension(w, scalar);
  if ((op2 & 7) === 4 && (op3 & 0x183) === 2) return twoMisc(w, scalar);
  if ((op2 & 7) === 6 && (op3 & 0x183) === 2) return scalar ? pairwise(w) : acrossLanes(w);
  if ((op2 & 4) === 4) {
    if ((op3 & 3) === 0) return threeDifferent(w, scalar);
    if (op3 & 1) return threeSame(w, scalar);
  }
  return none(w, "unallocated");
}

function threeSame(w: number, scalar: boolean): Decoded | Undecoded {
  const q = (w >>> 30) & 1;
  const u = (w >>> 29) & 1;
  const size = (w >>> 22) & 3;
  const opc = (w >>> 11) & 31;
  const rd = w & 31;
  const rn = (w >>> 5) & 31;
  const rm = (w >>> 16) & 31;
  if (opc >= 24) {
    const idx = (u << 4) | ((size >> 1) << 3) | (opc & 7);
    const e = FP3[idx];
    if (!e) return none(w, "unallocated");
    const sz = size & 1;
    if (scalar) {
      if (!SCALAR_FP3.has(idx)) return none(w, "unallocated");
    } else if (e[1] & FHM) {
      if (sz !== 0) return none(w, "unallocated");
    } else if (sz === 1 && q === 0) return none(w, "unallocated");
    const reads = e[1] & ACC ? [v(rn), v(rm), v(rd)] : [v(rn), v(rm)];
    return simd(w, e[0], reads, [v(rd)]);
  }
  if (opc === 3) {
    if (scalar) return none(w, "unallocated");
    const m = LOGIC3[(u << 2) | size];
    if (u === 0 && size === 2 && rn === rm) return simd(w, "mov", [v(rn)], [v(rd)]);
    return simd(w, m, u && size ? [v(rn), v(rm), v(rd)] : [v(rn), v(rm)], [v(rd)]);
  }
  const idx = (u << 5) | opc;
  const e = THREE_SAME[idx];
  if (!e) return none(w, "unallocated");
  if (scalar && !SCALAR_THREE_SAME.has(opc)) return none(w, "unallocated");
  if (!sizeOk(e[1], size, q, scalar)) return none(w, "unallocated");
  const reads = e[1] & ACC ? [v(rn), v(rm), v(rd)] : [v(rn), v(rm)];
  return simd(w, e[0], reads, [v(rd)]);
}

function threeSameFp16(w: number, scalar: boolean): Decoded | Undecoded {
  const u = (w >>> 29) & 1;
  const a = (w >>> 23) & 1;
  const opc = (w >>> 11) & 7;
  const idx = (u << 4) | (a << 3) | opc;
  const e = FP3[idx];
  if (!e || (e[1] & FHM)) return none(w, "unallocated");
  if (scalar && !SCALAR_FP3.has(idx)) return none(w, "unallocated");
  const rd = w & 31;
  const reads = [v((w >>> 5) & 31), v((w >>> 16) & 31)];
  if (e[1] & ACC) reads.push(v(rd));
  return simd(w, e[0], reads, [v(rd)]);
}

function threeExtension(w: number, scalar: boolean): Decoded | Undecoded {
  const u = (w >>> 29) & 1;
  const size = (w >>> 22) & 3;
  const opc = (w >>> 11) & 15;
  const rd = w & 31;
  const ops = [v((w >>> 5) & 31), v((w >>> 16) & 31), v(rd)];
  if (u === 1 && opc <= 1) { // sqrdmlah / sqrdmlsh (FEAT_RDM)
    if (size !== 1 && size !== 2) return none(w, "unallocated");
    return simd(w, opc ? "sqrdmlsh" : "sqrdmlah", ops, [v(rd)]);
  }
  if (scalar) return none(w, "unallocated");
  if (opc === 2 && size === 2) return simd(w, u ? "udot" : "sdot", ops, [v(rd)]);
  if (opc >= 8) {
    return u && size !== 0 ? none(w, "FCMA not modelled (fcmla/fcadd)") : none(w, "unallocated");
  }
  return none(w, "I8MM/BF16 not modelled or unallocated");
}

function twoMisc(w: number, scalar: boolean): Decoded | Undecoded {
  const u = (w >>> 29) & 1;
  const size = (w >>> 22) & 3;
  const opc = (w >>> 12) & 31;
  const q = (w >>> 30) & 1;
  const rd = w & 31;
  const rn = (w >>> 5) & 31;
  // FP forms: opcode 12..15 with size 1x, and 22..31 (except integer urecpe/ursqrte use sz).
  if ((opc >= 12 && opc <= 15 && size >= 2) || opc >= 22) return twoMiscFp(w, scalar, false);
  if (opc >= 12 && opc <= 15) return none(w, "unallocated");
  if (u === 1 && opc === 5) { // not (mvn) / rbit
    if (scalar || size >= 2) return none(w, "unallocated");
    return simd(w, size ? "rbit" : "mvn", [v(rn)], [v(rd)]);
  }
  const idx = (u << 5) | opc;
  const e = TWO_MISC[idx];
  if (!e) return none(w, "unallocated");
  const f = e[1];
  if (scalar) {
    if (!SCALAR_TWO_MISC.has(idx)) return none(w, "unallocated");
    if (!sizeOk(f, size, 1, true)) return none(w, "unallocated");
    return simd(w, e[0], f & ACC ? [v(rn), v(rd)] : [v(rn)], [v(rd)]);
  }
  if (!sizeOk(f, size, q, false)) return none(w, "unallocated");
  // rev64/saddlp-style forms on 2d do not exist; rev32 checked by BH; rev16 by B8.
  let m = e[0];
  const reads = [v(rn)];
  if ((f & ACC) || ((f & NARROW) && q)) reads.push(v(rd));
  if ((f & (NARROW | WIDE)) && q) m += "2";
  return simd(w, m, reads, [v(rd)]);
}

function twoMiscFp(w: number, scalar: boolean, fp16: boolean): Decoded | Undecoded {
  const u = (w >>> 29) & 1;
  const a = (w >>> 23) & 1;
  const sz = (w >>> 22) & 1;
  const opc = (w >>> 12) & 31;
  const q = (w >>> 30) & 1;
  const rd = w & 31;
  const rn = (w >>> 5) & 31;
  const idx = (u << 6) | (a << 5) | opc;
  // frecpx is scalar-only and has no vector slot in the table.
  if (scalar && idx === (A | 31)) {
    return simd(w, "frecpx", [v(rn)], [v(rd)]);
  }
  const e = FP_MISC[idx];
  if (!e) return none(w, "unallocated");
  const f = e[1];
  if (f & BF16) {
    return sz === 0 && !scalar && !fp16
      ? none(w, "BF16 not modelled (bfcvtn)")
      : none(w, "unallocated");
  }
  if (fp16 && (f & NOT16)) return none(w, "unallocated");
  if (scalar && !SCALAR_FP_MISC.has(idx)) return none(w, "unallocated");
  if (!fp16) {
    if ((f & SZ0) && sz !== 0) return none(w, "unallocated");
    if ((f & SZ1) && sz !== 1) return none(w, "unallocated");
    if (!scalar && !(f & (NARROW | WIDE)) && sz === 1 && q === 0) return none(w, "unallocated");
  }
  let m = e[0];
  const reads = [v(rn)];
  if (!scalar) {
    if ((f & NARROW) && q) reads.push(v(rd));
    if ((f & (NARROW | WIDE)) && q) m += "2";
  }
  return simd(w, m, reads, [v(rd)]);
}

function acrossLanes(w: number): Decoded | Undecoded {
  const q = (w >>> 30) & 1;
  const u = (w >>> 29) & 1;
  const size = (w >>> 22) & 3;
  const opc = (w >>> 12) & 31;
  const ops = [v((w >>> 5) & 31)];
  const out = [v(w & 31)];
  if (opc === 12 || opc === 15) {
    // FP: U=0 half precision (FP16), U=1 single precision (4s only).
    if ((size & 1) !== 0 || (u === 1 && q === 0)) return none(w, "unallocated");
    const m = opc === 12 ? (size ? "fminnmv" : "fmaxnmv") : (size ? "fminv" : "fmaxv");
    return simd(w, m, ops, out);
  }
  if (size === 3 || (size === 2 && q === 0)) return none(w, "unallocated");
  let m: string | undefined;
  switch (opc) {
    case 3:
      m = u ? "uaddlv" : "saddlv";
      break;
    case 10:
      m = u ? "umaxv" : "smaxv";
      break;
    case 26:
      m = u ? "uminv" : "sminv";
      break;
    case 27:
      m = u ? undefined : "addv";
  }
  return m ? simd(w, m, ops, out) : none(w, "unallocated");
}

function pairwise(w: number): Decoded | Undecoded {
  const u = (w >>> 29) & 1;
  const size = (w >>> 22) & 3;
  const opc = (w >>> 12) & 31;
  const ops = [v((w >>> 5) & 31)];
  const out = [v(w & 31)];
  if (opc === 27) return u === 0 && size === 3 ? simd(w, "addp", ops, out) : none(w, "unallocated");
  // FP: U=0 is the FP16 form (sz must be 0); U=1 single/double.
  if (u === 0 && (size & 1)) return none(w, "unallocated");
  const a = size >> 1;
  let m: string | undefined;
  switch (opc) {
    case 12:
      m = a ? "fminnmp" : "fmaxnmp";
      break;
    case 13:
      m = a ? undefined : "faddp";
      break;
    case 15:
      m = a ? "fminp" : "fmaxp";
  }
  return m ? simd(w, m, ops, out) : none(w, "unallocated");
}

function threeDifferent(w: number, scalar: boolean): Decoded | Undecoded {
  const q = (w >>> 30) & 1;
  const u = (w >>> 29) & 1;
  const size = (w >>> 22) & 3;
  const opc = (w >>> 12) & 15;
  const rd = w & 31;
  const idx = (u << 4) | opc;
  const e = THREE_DIFF[idx];
  if (!e) return none(w, "unallocated");
  const f = e[1];
  const reads = [v((w >>> 5) & 31), v((w >>> 16) & 31)];
  if (scalar) {
    if (idx !== 9 && idx !== 11 && idx !== 13) return none(w, "unallocated");
    if (size !== 1 && size !== 2) return none(w, "unallocated");
    if (f & ACC) reads.push(v(rd));
    return simd(w, e[0], reads, [v(rd)]);
  }
  if (idx === 14) { // pmull: 8b->8h, or 1d->1q (FEAT_PMULL)
    if (size === 1 || size === 2) return none(w, "unallocated");
  } else if (size === 3 || ((f & HS) && size === 0)) return none(w, "unallocated");
  if ((f & ACC) || ((f & NARROW) && q)) reads.push(v(rd));
  return simd(w, q ? e[0] + "2" : e[0], reads, [v(rd)]);
}

function copy(w: number, scalar: boolean): Decoded | Undecoded {
  const q = (w >>> 30) & 1;
  const op = (w >>> 29) & 1;
  const imm5 = (w >>> 16) & 31;
  const imm4 = (w >>> 11) & 15;
  const rd = w & 31;
  const rn = (w >>> 5) & 31;
  const size = imm5 & 1 ? 0 : imm5 & 2 ? 1 : imm5 & 4 ? 2 : imm5 & 8 ? 3 : 4;
  if (size === 4) return none(w, "unallocated");
  if (scalar) {
    if (op !== 0 || imm4 !== 0) return none(w, "unallocated");
    return simd(w, "mov", [v(rn)], [v(rd)]);
  }
  if (op === 1) {
    // ins (element): only part of Vd changes.
    return q ? simd(w, "mov", [v(rn), v(rd)], [v(rd)]) : none(w, "unallocated");
  }
  switch (imm4) {
    case 0:
      return size === 3 && q === 0 ? none(w, "unallocated") : simd(w, "dup", [v(rn)], [v(rd)]);
    case 1:
      return size === 3 && q === 0 ? none(w, "unallocated") : simd(w, "dup", [zr(rn)], [v(rd)]);
    case 3:
      return q ? simd(w, "mov", [zr(rn), v(rd)], [v(rd)]) : none(w, "unallocated");
    case 5:
      if (size === 3 || (size === 2 && q === 0)) return none(w, "unallocated");
      return simd(w, "smov", [v(rn)], [zr(rd)]);
    case 7:
      if (q ? size !== 3 : size === 3) return none(w, "unallocated");
      return simd(w, size >= 2 ? "mov" : "umov", [v(rn)], [zr(rd)]);
    default:
      return none(w, "unallocated");
  }
}

function modifiedImm(w: number): Decoded | Undecoded {
  const q = (w >>> 30) & 1;
  const op = (w >>> 29) & 1;
  const cmode = (w >>> 12) & 15;
  const o2 = (w >>> 11) & 1;
  const rd = w & 31;
  if (o2) return cmode === 15 && op === 0 ? simd(w, "fmov", [], [v(rd)]) : none(w, "unallocated");
  let m: string;
  let acc = false;
  if (cmode < 12) {
    // 0xx0 / 10x0: movi/mvni shifted; 0xx1 / 10x1: orr/bic (read-modify-write)
    if (cmode & 1) {
      m = op ? "bic" : "orr";
      acc = true;
    } else m = op ? "mvni" : "movi";
  } else if (cmode < 14) m = op ? "mvni" : "movi";
  else if (cmode === 14) m = "movi";
  else {
    if (op === 1 && q === 0) return none(w, "unallocated");
    m = "fmov";
  }
  return simd(w, m, acc ? [v(rd)] : [], [v(rd)]);
}

function shiftImm(w: number, scalar: boolean): Decoded | Undecoded {
  const q = (w >>> 30) & 1;
  const u = (w >>> 29) & 1;
  const immh = (w >>> 19) & 15;
  const opc = (w >>> 11) & 31;
  const rd = w & 31;
  const rn = (w >>> 5) & 31;
  const idx = (u << 5) | opc;
  const e = SHIFT_IMM[idx];
  if (!e) return none(w, "unallocated");
  const kind = e[1] & 15;
  const acc = (e[1] >> 4) & ACC;
  const reads = acc ? [v(rn), v(rd)] : [v(rn)];
  if (scalar) {
    if (kind === K_F) {
      if (immh < 2) return none(w, "unallocated");
    } else if (SCALAR_SHIFT_D.has(idx)) {
      if (immh < 8) return none(w, "unallocated");
    } else if (SCALAR_SHIFT_N.has(idx)) {
      if (immh >= 8) return none(w, "unallocated");
    } else if (!SCALAR_SHIFT_ANY.has(idx)) return none(w, "unallocated");
    return simd(w, e[0], reads, [v(rd)]);
  }
  let m = e[0];
  switch (kind) {
    case K_R:
    case K_L:
      if (immh >= 8 && q === 0) return none(w, "unallocated");
      break;
    case K_N:
      if (immh >= 8) return none(w, "unallocated");
      if (q) {
        reads.push(v(rd));
        m += "2";
      }
      break;
    case K_W:
      if (immh >= 8) return none(w, "unallocated");
      if (q) m += "2";
      break;
    default: // K_F
      if (immh < 2 || (immh >= 8 && q === 0)) return none(w, "unallocated");
  }
  return simd(w, m, reads, [v(rd)]);
}

function byElement(w: number, scalar: boolean): Decoded | Undecoded {
  const q = (w >>> 30) & 1;
  const u = (w >>> 29) & 1;
  const size = (w >>> 22) & 3;
  const l = (w >>> 21) & 1;
  const opc = (w >>> 12) & 15;
  const rd = w & 31;
  const rn = (w >>> 5) & 31;
  const idx = (u << 4) | opc;
  const e = BY_ELEM[idx];
  if (!e) return none(w, "unallocated");
  const kind = e[1] & 15;
  if (kind === E_X) {
    if (scalar) return none(w, "unallocated");
    return none(w, e[0]);
  }
  if (scalar && !SCALAR_BY_ELEM.has(idx)) return none(w, "unallocated");
  // Rm is 4 bits for 16-bit elements (M is then an index bit), else M:Rm.
  let rm = (w >>> 16) & 31;
  let m = e[0];
  switch (kind) {
    case E_I:
    case E_L:
      if (size !== 1 && size !== 2) return none(w, "unallocated");
      if (size === 1) rm &= 15;
      if (kind === E_L && q && !scalar) m += "2";
      break;
    case E_F:
      if (size === 1) return none(w, "unallocated");
      if (size === 0) rm &= 15;
      if (size === 3 && (l === 1 || (!scalar && q === 0))) return none(w, "unallocated");
      break;
    case E_D:
      if (size !== 2 || scalar) return none(w, "unallocated");
      break;
    default: // E_H: fmlal/fmlsl by element (FEAT_FHM)
      if (size !== 2 || scalar) return none(w, "unallocated");
      rm &= 15;
  }
  const reads = (e[1] >> 4) & ACC ? [v(rn), v(rm), v(rd)] : [v(rn), v(rm)];
  return simd(w, m, reads, [v(rd)]);
}

function tableLookup(w: number): Decoded | Undecoded {
  if (((w >>> 22) & 3) !== 0) return none(w, "unallocated");
  const len = (w >>> 13) & 3;
  const rn = (w >>> 5) & 31;
  const rd = w & 31;
  const tbx = (w >>> 12) & 1;
  const reads = [v((w >>> 16) & 31)];
  for (let i = 0; i <= len; i++) reads.push(v(rn + i));
  if (tbx) reads.push(v(rd));
  return simd(w, tbx ? "tbx" : "tbl", reads, [v(rd)]);
}

const PERMUTE = ["", "uzp1", "trn1", "zip1", "", "uzp2", "trn2", "zip2"];

function permute(w: number): Decoded | Undecoded {
  const m = PERMUTE[(w >>> 12) & 7];
  if (m === "" || (((w >>> 22) & 3) === 3 && ((w >>> 30) & 1) === 0)) {
    return none(w, "unallocated");
  }
  return simd(w, m, [v((w >>> 5) & 31), v((w >>> 16) & 31)], [v(w & 31)]);
}

function extract(w: number): Decoded | Undecoded {
  if (((w >>> 22) & 3) !== 0) return none(w, "unallocated");
  if (((w >>> 30) & 1) === 0 && ((w >>> 14) & 1) !== 0) return none(w, "unallocated");
  return simd(w, "ext", [v((w >>> 5) & 31), v((w >>> 16) & 31)], [v(w & 31)]);
}

const AES = ["aese", "aesd", "aesmc", "aesimc"];

function cryptoAes(w: number): Decoded | Undecoded {
  const opc = (w >>> 12) & 31;
  if (((w >>> 22) & 3) !== 0 || opc < 4 || opc > 7) return none(w, "unallocated");
  const rd = w & 31;
  const rn = (w >>> 5) & 31;
  // aese/aesd combine the state in Vd with the round key in Vn.
  return simd(w, AES[opc - 4], opc < 6 ? [v(rn), v(rd)] : [v(rn)], [v(rd)]);
}

const SHA3 = ["sha1c", "sha1p", "sha1m", "sha1su0", "sha256h", "sha256h2", "sha256su1"];

function crypto3Sha(w: number): Decoded | Undecoded {
  const opc = (w >>> 12) & 7;
  if (((w >>> 22) & 3) !== 0 || opc === 7) return none(w, "unallocated");
  const rd = w & 31;
  return simd(w, SHA3[opc], [v((w >>> 5) & 31), v((w >>> 16) & 31), v(rd)], [v(rd)]);
}

function crypto2Sha(w: number): Decoded | Undecoded {
  const opc = (w >>> 12) & 31;
  if (((w >>> 22) & 3) !== 0 || opc > 2) return none(w, "unallocated");
  const rd = w & 31;
  const rn = (w >>> 5) & 31;
  const m = opc === 0 ? "sha1h" : opc === 1 ? "sha1su1" : "sha256su0";
  return simd(w, m, opc ? [v(rn), v(rd)] : [v(rn)], [v(rd)]);
}

// ---------------------------------------------------------------------------
// Scalar floating point (op0 = x0x1)

const FP1 = [
  "fmov",
  "fabs",
  "fneg",
  "fsqrt",
  "fcvt",
  "fcvt",
  "",
  "fcvt",
  "frintn",
  "frintp",
  "frintm",
  "frintz",
  "frinta",
  "",
  "frintx",
  "frinti",
  "frint32z",
  "frint32x",
  "frint64z",
  "frint64x",
];
const FP2 = ["fmul", "fdiv", "fadd", "fsub", "fmax", "fmin", "fmaxnm", "fminnm", "fnmul"];
const FP3SRC = ["fmadd", "fmsub", "fnmadd", "fnmsub"];
const FCVT_INT = ["fcvtns", "fcvtnu", "scvtf", "ucvtf", "fcvtas", "fcvtau"];

function fpScalar(w: number, op1: number, op2: number): Decoded | Undecoded {
  const ftype = (w >>> 22) & 3;
  const rd = w & 31;
  const rn = (w >>> 5) & 31;
  const rm = (w >>> 16) & 31;
  const sf = w >>> 31;
  if (((w >>> 29) & 1) !== 0) return none(w, "unallocated");
  if (op1 >= 2) { // data-processing (3 source)
    if (sf || ftype === 2) return none(w, "unallocated");
    const idx = (((w >>> 21) & 1) << 1) | ((w >>> 15) & 1);
    return simd(w, FP3SRC[idx], [v(rn), v(rm), v((w >>> 10) & 31)], [v(rd)]);
  }
  if ((op2 & 4) === 0) return fpFixed(w, ftype, sf, rd, rn);
  const op3 = (w >>> 10) & 63;
  if (op3 === 0) return fpInt(w, ftype, sf, rd, rn);
  if (sf) return none(w, "unallocated");
  if (ftype === 2) {
    // bfcvt lives at ftype=01; ftype=10 is unallocated throughout the scalar FP groups.
    return none(w, "unallocated");
  }
  if ((op3 & 31) === 16) { // 1 source
    const opc = (w >>> 15) & 63;
    const m = opc < FP1.length ? FP1[opc] : "";
    if (opc === 6) {
      return ftype === 1 ? none(w, "BF16 not modelled (bfcvt)") : none(w, "unallocated");
    }
    if (m === "") return none(w, "unallocated");
    if ((opc === 4 && ftype === 0) || (opc === 5 && ftype === 1) || (opc === 7 && ftype === 3)) {
      return none(w, "unallocated");
    }
    if (opc >= 16 && ftype === 3) return none(w, "unallocated");
    return simd(w, m, [v(rn)], [v(rd)]);
  }
  if ((op3 & 15) === 8) { // compare
    if (((w >>> 14) & 3) !== 0 || (rd & 7) !== 0) return none(w, "unallocated");
    const withZero = (rd & 8) !== 0;
    const m = rd & 16 ? "fcmpe" : "fcmp";
    return simd(w, m, withZero ? [v(rn)] : [v(rn), v(rm)], [NZ]);
  }
  if ((op3 & 7) === 4) { // immediate
    if (rn !== 0) return none(w, "unallocated");
    return simd(w, "fmov", [], [v(rd)]);
  }
  switch (op3 & 3) {
    case 1: // conditional compare
      return simd(w, (w >>> 4) & 1 ? "fccmpe" : "fccmp", [v(rn), v(rm), NZ], [NZ]);
    case 2: { // 2 source
      const opc = (w >>> 12) & 15;
      if (opc > 8) return none(w, "unallocated");
      return simd(w, FP2[opc], [v(rn), v(rm)], [v(rd)]);
    }
    case 3: // conditional select
      return simd(w, "fcsel", [v(rn), v(rm), NZ], [v(rd)]);
    default:
      return none(w, "unallocated");
  }
}

function fpInt(w: number, ftype: number, sf: number, rd: number, rn: number): Decoded | Undecoded {
  const rmode = (w >>> 19) & 3;
  const opc = (w >>> 16) & 7;
  if (opc >= 6) {
    // fmov between general and FP registers.
    const toGpr = opc === 6;
    if (rmode === 0) {
      if (ftype === 2 || (ftype === 0 && sf === 1) || (ftype === 1 && sf === 0)) {
        return none(w, "unallocated");
      }
      return toGpr ? simd(w, "fmov", [v(rn)], [zr(rd)]) : simd(w, "fmov", [zr(rn)], [v(rd)]);
    }
    if (rmode === 1 && sf === 1 && ftype === 2) {
      // Top half of a 128-bit register: writing it keeps the low half.
      return toGpr ? simd(w, "fmov", [v(rn)], [zr(rd)]) : simd(w, "fmov", [zr(rn), v(rd)], [v(rd)]);
    }
    if (rmode === 3 && opc === 6 && sf === 0 && ftype === 1) {
      return simd(w, "fjcvtzs", [v(rn)], [zr(rd), NZ]);
    }
    return none(w, "unallocated");
  }
  if (ftype === 2) return none(w, "unallocated");
  let m: string;
  if (rmode === 0) {
    m = FCVT_INT[opc];
  } else {
    if (opc >= 2) return none(w, "unallocated");
    m = (rmode === 1 ? "fcvtp" : rmode === 2 ? "fcvtm" : "fcvtz") + (opc ? "u" : "s");
  }
  // scvtf/ucvtf read a general register; the rest write one.
  if (opc === 2 || opc === 3) return simd(w, m, [zr(rn)], [v(rd)]);
  return simd(w, m, [v(rn)], [zr(rd)]);
}

function fpFixed(
  w: number,
  ftype: number,
  sf: number,
  rd: number,
  rn: number,
): Decoded | Undecoded {
  const rmode = (w >>> 19) & 3;
  const opc = (w >>> 16) & 7;
  if (ftype === 2 || (sf === 0 && ((w >>> 15) & 1) === 0)) return none(w, "unallocated");
  if (rmode === 0 && (opc === 2 || opc === 3)) {
    return simd(w, opc === 2 ? "scvtf" : "ucvtf", [zr(rn)], [v(rd)]);
  }
  if (rmode === 3 && opc <= 1) return simd(w, opc ? "fcvtzu" : "fcvtzs", [v(rn)], [zr(rd)]);
  return none(w, "unallocated");
}

// ---------------------------------------------------------------------------
// Advanced SIMD load/store structures

// Multiple structures: opcode -> [registers, structure elements] (0 = unallocated).
const MULTI_REGS = [4, 0, 4, 0, 3, 0, 3, 1, 2, 0, 2, 0, 0, 0, 0, 0];
const MULTI_SELEM = [4, 0, 1, 0, 3, 0, 1, 1, 2, 0, 1, 0, 0, 0, 0, 0];

/** Advanced SIMD load/store structures (ld1..ld4, st1..st4, ld1r..ld4r). */
export function decodeSimdStructLdSt(w: number): Decoded | Undecoded {
  const q = (w >>> 30) & 1;
  const post = (w >>> 23) & 1;
  const single = (w >>> 24) & 1;
  const l = (w >>> 22) & 1;
  const rm = (w >>> 16) & 31;
  const rn = (w >>> 5) & 31;
  const rt = w & 31;
  if (!post && rm !== 0) return none(w, "unallocated");
  let nregs: number;
  let bytes: number;
  let m: string;
  let partial = false; // single-lane loads keep the other lanes
  if (!single) {
    if ((w >>> 21) & 1) return none(w, "unallocated");
    const opc = (w >>> 12) & 15;
    const size = (w >>> 10) & 3;
    nregs = MULTI_REGS[opc];
    const selem = MULTI_SELEM[opc];
    if (nregs === 0 || (selem > 1 && size === 3 && q === 0)) return none(w, "unallocated");
    bytes = nregs * (q ? 16 : 8);
    m = (l ? "ld" : "st") + selem;
  } else {
    const opc = (w >>> 13) & 7;
    const r = (w >>> 21) & 1;
    const s = (w >>> 12) & 1;
    const size = (w >>> 10) & 3;
    const selem = (((opc & 1) << 1) | r) + 1;
    const scale = opc >> 1;
    let esize: number;
    switch (scale) {
      case 0:
        esize = 1;
        break;
      case 1:
        if (size & 1) return none(w, "unallocated");
        esize = 2;
        break;
      case 2:
        if (size >= 2 || (size === 1 && s === 1)) return none(w, "unallocated");
        esize = size ? 8 : 4;
        break;
      default: // load and replicate
        if (l === 0 || s === 1) return none(w, "unallocated");
        esize = 1 << size;
    }
    nregs = selem;
    bytes = selem * esize;
    m = (l ? "ld" : "st") + selem + (scale === 3 ? "r" : "");
    partial = scale !== 3;
  }
  const regs: number[] = [];
  for (let i = 0; i < nregs; i++) regs.push(v(rt + i));
  const reads = [rn];
  const writes: number[] = [];
  if (l) {
    writes.push(...regs);
    if (partial) reads.push(...regs);
  } else reads.push(...regs);
  const mem: NonNullable<Decoded["mem"]> = {
    kind: l ? "load" : "store",
    bytes,
    base: rn,
    writeback: post ? "post" : "none",
  };
  if (post) {
    writes.push(rn);
    // Rm = 31 means "post-increment by the transfer size"; otherwise by Rm.
    if (rm === 31) mem.offset = bytes;
    else {
      reads.push(rm);
      mem.index = rm;
    }
  }
  const d = mk(w, m, l ? "load" : "store", reads, writes);
  d.mem = mem;
  return d;
}
