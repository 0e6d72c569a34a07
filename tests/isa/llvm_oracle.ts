/**
 * LLVM as an oracle for the decoder tests: batch disassembly with llvm-mc-19
 * and parsing of its text (mnemonic, operand registers, memory operand shape),
 * the mnemonic -> expected class table, and the SIMD&FP encoding space the
 * decoder leaves undecoded (`SIMD_FP_SPACE`).
 *
 * @module
 */

import { REG_NZCV, REG_SP, REG_V0 } from "../../src/isa/types.ts";
import type { Decoded, InstrClass } from "../../src/isa/types.ts";

/** The features the harness targets; the comparison test uses exactly these. */
export const BASE_ATTRS = "+bti,+pauth,+lse";

/** One word as LLVM saw it: `null` when LLVM reports an invalid encoding. */
export interface LlvmInsn {
  mnemonic: string;
  operands: string;
}

/** Deterministic 32-bit PRNG (mulberry32), so the random test is reproducible. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

/**
 * Disassemble `words` in one llvm-mc call, one word per input line. LLVM prints
 * nothing on stdout for an invalid word but warns with its input line number on
 * stderr, which is how results are re-aligned with inputs.
 */
export async function llvmDisassemble(
  words: ArrayLike<number>,
  attrs = BASE_ATTRS,
): Promise<(LlvmInsn | null)[]> {
  const lines: string[] = new Array(words.length);
  const hex = (b: number) => "0x" + b.toString(16).padStart(2, "0");
  for (let i = 0; i < words.length; i++) {
    const w = words[i] >>> 0;
    lines[i] = `${hex(w & 255)} ${hex((w >>> 8) & 255)} ${hex((w >>> 16) & 255)} ${hex(w >>> 24)}`;
  }
  const cmd = new Deno.Command("llvm-mc-19", {
    args: ["--disassemble", "-triple=aarch64", `-mattr=${attrs}`],
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  });
  const child = cmd.spawn();
  const writer = child.stdin.getWriter();
  const out = child.output();
  await writer.write(new TextEncoder().encode(lines.join("\n") + "\n"));
  await writer.close();
  const { stdout, stderr } = await out;
  const invalid = new Set<number>();
  for (
    const m of new TextDecoder().decode(stderr).matchAll(
      /^<stdin>:(\d+):\d+: warning: invalid instruction encoding$/gm,
    )
  ) {
    invalid.add(Number(m[1]) - 1);
  }
  const insns = new TextDecoder().decode(stdout).split("\n").filter((l) =>
    l.startsWith("\t") && !l.startsWith("\t.text")
  );
  if (insns.length + invalid.size !== words.length) {
    throw new Error(
      `llvm-mc output misaligned: ${insns.length} insns + ${invalid.size} invalid != ${words.length}`,
    );
  }
  const res: (LlvmInsn | null)[] = new Array(words.length);
  let k = 0;
  for (let i = 0; i < words.length; i++) {
    if (invalid.has(i)) {
      res[i] = null;
      continue;
    }
    const l = insns[k++].slice(1);
    const tab = l.indexOf("\t");
    res[i] = tab < 0
      ? { mnemonic: l.trim(), operands: "" }
      : { mnemonic: l.slice(0, tab), operands: l.slice(tab + 1).trim() };
  }
  return res;
}

// Lower-case register tokens only: LLVM prints system registers in upper case.
const REG_RE = /(?<![\w.])(x(\d+)|w(\d+)|sp|wsp|xzr|wzr|[vqdshb](\d+))(?!\w)/g;

/** Register number of one LLVM register token, -1 for xzr/wzr. */
function regNum(tok: string): number {
  if (tok === "sp" || tok === "wsp") return REG_SP;
  if (tok === "xzr" || tok === "wzr") return -1;
  const n = Number(tok.slice(1));
  return tok[0] === "x" || tok[0] === "w" ? n : REG_V0 + n;
}

/** Registers named in LLVM's operand text (zero registers dropped), sorted, deduplicated. */
export function operandRegs(operands: string): number[] {
  const s = new Set<number>();
  for (const m of operands.matchAll(REG_RE)) {
    const r = regNum(m[1]);
    if (r >= 0) s.add(r);
  }
  return [...s].sort((a, b) => a - b);
}

/** Base register and writeback mode of LLVM's memory operand, if it has one. */
export function memOperand(
  operands: string,
): { base: number; writeback: "none" | "pre" | "post" } | undefined {
  // A memory operand starts with "[" and a base register; lane indices ("v0.s[1]") do not.
  const m = /\[(x\d+|sp)[^\]]*\](!?)(,?)/.exec(operands);
  if (!m) return undefined;
  const writeback = m[2] ? "pre" : m[3] ? "post" : "none";
  return { base: regNum(m[1]), writeback };
}

/** Registers an instruction uses without naming them in LLVM's text. */
export function implicitRegs(mnemonic: string, operands: string): number[] {
  switch (mnemonic) {
    case "bl":
    case "blr":
    case "blraa":
    case "blrab":
    case "blraaz":
    case "blrabz":
    case "paciaz":
    case "pacibz":
    case "autiaz":
    case "autibz":
    case "xpaclri":
      return [30];
    case "ret":
      return operands === "" ? [30] : [];
    case "retaa":
    case "retab":
    case "eretaa":
    case "eretab":
    case "paciasp":
    case "pacibsp":
    case "autiasp":
    case "autibsp":
      return [30, REG_SP];
    case "pacia1716":
    case "pacib1716":
    case "autia1716":
    case "autib1716":
      return [16, 17];
    default:
      return [];
  }
}

/**
 * The SIMD&FP encoding space, as rows of the Arm ARM's A64 encoding index: a word is
 * in it when `(word & mask) === value` for some row. Kernel code is built with
 * `-mgeneral-regs-only`, so the decoder leaves exactly these words undecoded (with
 * its SIMD/FP reason); the oracle checks every other word against LLVM. Written
 * from the tables, independently of src/isa/decode.ts.
 * Field names: op0 = bits 28:25 at the top level; in Loads and Stores, op0 = bits
 * 31:28, op1 (V) = bit 26, op2 = bits 24:23, op3 = bits 21:16, op4 = bits 11:10.
 */
export const SIMD_FP_SPACE: readonly { mask: number; value: number; what: string }[] = [
  // Top level op0 = x111.
  {
    mask: 0x0e000000,
    value: 0x0e000000,
    what: "Data Processing -- Scalar Floating-Point and Advanced SIMD (op0 = x111)",
  },
  // Loads and Stores (op0 = x1x0) with op1 (V) = 1:
  {
    mask: 0xbe000000,
    value: 0x0c000000,
    what: "Advanced SIMD load/store multiple and single structures, with post-index (0x00, V = 1)",
  },
  {
    mask: 0x3f000000,
    value: 0x1c000000,
    what: "Load register (literal), SIMD&FP (xx01, V = 1, op2 = 0x)",
  },
  {
    mask: 0x3f200c00,
    value: 0x1d000800,
    what: "LDAPUR/STLUR (SIMD&FP) (xx01, V = 1, op2 = 1x, op3 = 0xxxxx, op4 = 10)",
  },
  {
    mask: 0x3e000000,
    value: 0x2c000000,
    what: "Load/store register pair, SIMD&FP, every addressing form (xx10, V = 1)",
  },
  {
    mask: 0x3e000000,
    value: 0x3c000000,
    what: "Load/store register, SIMD&FP, every addressing form and the FEAT_LSFE atomics " +
      "(xx11, V = 1)",
  },
];

/** Whether a word is in the SIMD&FP encoding space (`SIMD_FP_SPACE`). */
export function isSimdFpWord(word: number): boolean {
  const w = word >>> 0;
  return SIMD_FP_SPACE.some((r) => ((w & r.mask) >>> 0) === r.value);
}

const C = (...cls: InstrClass[]) => cls;
const ADDSUB = C("int-alu", "int-shift");

/** Exact mnemonic -> acceptable classes for the general-register (part A) instructions. */
const TABLE: Record<string, InstrClass[]> = {};
function put(names: string, cls: InstrClass[]): void {
  for (const n of names.split(" ")) TABLE[n] = cls;
}
put("add adds sub subs cmp cmn neg negs", ADDSUB);
put("mov", C("int-alu", "logical", "move-wide"));
put(
  "adr adrp csel csinc csinv csneg cset csetm cinc cinv cneg ccmp ccmn adc adcs sbc sbcs ngc ngcs " +
    "rbit rev rev16 rev32 clz cls cfinv xaflag axflag " +
    "crc32b crc32h crc32w crc32x crc32cb crc32ch crc32cw crc32cx",
  C("int-alu"),
);
put(
  "lsl lsr asr ror ubfx ubfiz sbfx sbfiz bfi bfxil bfc sxtb sxth sxtw uxtb uxth extr",
  C("int-shift"),
);
put("movz movn movk", C("move-wide"));
put("and ands orr orn eor eon bic bics tst mvn", C("logical"));
put(
  "madd msub mul mneg smaddl smsubl smull smnegl smulh umaddl umsubl umull umnegl umulh",
  C("multiply"),
);
put("sdiv udiv", C("divide"));
put("prfm prfum rprfm", C("load"));
put("ldp ldpsw ldnp", C("load-pair"));
put("stp stnp", C("store-pair"));
put("b", C("branch"));
put("bl", C("bl"));
put("br braa brab braaz brabz", C("br"));
put("blr blraa blrab blraaz blrabz", C("blr"));
put("ret retaa retab", C("ret"));
put(
  "nop yield wfe wfi sev sevl dgh hint bti xpaclri pacia1716 pacib1716 autia1716 autib1716 " +
    "paciaz pacibz autiaz autibz paciasp pacibsp autiasp autibsp esb csdb psb tsb wfet wfit",
  C("hint"),
);
put(
  "pacia pacib pacda pacdb autia autib autda autdb paciza pacizb pacdza pacdzb autiza autizb " +
    "autdza autdzb xpaci xpacd pacga",
  C("pac"),
);
put("dmb dsb isb sb clrex ssbb pssbb", C("barrier"));
put("mrs msr sys sysl dc ic at tlbi smstart smstop", C("system"));
put(
  "brk svc hvc smc hlt udf dcps1 dcps2 dcps3 eret eretaa eretab drps",
  C("exception"),
);

const ATOMIC_RE =
  /^(ldx|ldax|stx|stlx|casp?|swp|(ld|st)(add|clr|eor|set|smax|smin|umax|umin))[a-z]*$/;

/**
 * Classes acceptable for an LLVM mnemonic of a general-register instruction.
 * Returns undefined for mnemonics the table does not know.
 */
export function expectedClasses(mnemonic: string): InstrClass[] | undefined {
  if (mnemonic.startsWith("b.") || mnemonic.startsWith("bc.")) return C("branch-cond");
  if (/^(cbn?z|tbn?z)$/.test(mnemonic)) return C("branch-cond");
  if (ATOMIC_RE.test(mnemonic)) return C("atomic");
  const t = TABLE[mnemonic];
  if (t) return t;
  if (/^(ld|prfu?m)/.test(mnemonic)) return C("load");
  if (/^st/.test(mnemonic)) return C("store");
  return undefined;
}

/** Whether LLVM's text is a part-A instruction (general-register forms the decoder must model). */
export function isPartA(mnemonic: string, hasV: boolean): boolean {
  if (hasV) return false;
  return expectedClasses(mnemonic) !== undefined;
}

/** Hex string of a word, for messages. */
export function hex32(w: number): string {
  return "0x" + (w >>> 0).toString(16).padStart(8, "0");
}

const SYS_ALIASES = new Set(["sys", "sysl", "dc", "ic", "at", "tlbi"]);

/** Whether the decoder's mnemonic matches LLVM's, allowing for feature-dependent names. */
export function mnemonicMatches(ours: string, ourCls: InstrClass, llvm: string): boolean {
  if (ours === llvm) return true;
  // LLVM prints "hint #n" for hints whose feature is not enabled (esb, psb, ...).
  if (llvm === "hint" && ourCls === "hint") return true;
  // LLVM only uses dc/ic/at/tlbi for operations it knows by name.
  return ourCls === "system" && SYS_ALIASES.has(ours) && SYS_ALIASES.has(llvm);
}

/** Whether any SIMD/FP register appears in LLVM's operand text. */
export function hasVReg(operands: string): boolean {
  return operandRegs(operands).some((r) => r >= REG_V0);
}

/** LLVM decodes op0 = 0 system-register moves (S0_...) that the Arm ARM leaves unallocated. */
export function isLlvmOnlySysreg(insn: LlvmInsn): boolean {
  return (insn.mnemonic === "mrs" || insn.mnemonic === "msr") && /\bS0_/.test(insn.operands);
}

/**
 * Differences between a decoded word and LLVM's text: register set (union of reads
 * and writes without NZCV, against named plus implicit registers), class, memory
 * operand base/writeback and mnemonic. Empty when they agree.
 */
export function differences(d: Decoded, l: LlvmInsn): string[] {
  const out: string[] = [];
  const exp = [...new Set([...operandRegs(l.operands), ...implicitRegs(l.mnemonic, l.operands)])]
    .sort((a, b) => a - b);
  const got = [...new Set([...d.reads, ...d.writes])].filter((r) => r !== REG_NZCV)
    .sort((a, b) => a - b);
  if (exp.join() !== got.join()) out.push(`registers: llvm [${exp}] ours [${got}]`);
  if (hasVReg(l.operands)) out.push("decoded an instruction that names a SIMD&FP register");
  const cls = expectedClasses(l.mnemonic);
  if (!cls) out.push(`no expected class for ${l.mnemonic}`);
  else if (!cls.includes(d.cls)) out.push(`class: ours ${d.cls}, expected ${cls.join("|")}`);
  const mo = memOperand(l.operands);
  if (mo) {
    if (!d.mem) out.push("no mem");
    else if (d.mem.base !== mo.base || d.mem.writeback !== mo.writeback) {
      out.push(`mem: llvm ${mo.base}/${mo.writeback} ours ${d.mem.base}/${d.mem.writeback}`);
    }
  } else if (d.mem && d.mem.base !== -1) out.push("unexpected mem");
  if (!mnemonicMatches(d.mnemonic, d.cls, l.mnemonic)) out.push(`mnemonic: ours ${d.mnemonic}`);
  if (d.operand) {
    const form = operandForm(l.operands);
    // LLVM prints an extended form that involves sp as a plain or lsl-shifted register.
    const extendedViaSp = d.operand === "extended" && /\b(w?sp)\b/.test(l.operands);
    if (form !== d.operand && !extendedViaSp) {
      out.push(`operand form: llvm ${form}, ours ${d.operand}`);
    }
  }
  return out;
}

/** The operand form LLVM's text shows for a register data-processing instruction. */
function operandForm(operands: string): string {
  if (/\b[us]xt[bhwx]\b/.test(operands)) return "extended";
  const shift = /\b(lsl|lsr|asr|ror) #(\d+)\s*$/.exec(operands);
  if (!shift || Number(shift[2]) === 0) return "register";
  return shift[1] === "lsl" && Number(shift[2]) <= 4 ? "lsl-1-4" : "shifted";
}
