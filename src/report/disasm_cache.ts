/**
 * Disassembly for listings, cached per instruction word, in memory for the
 * process and on disk beside the assembler's objects (keyed by llvm-mc's
 * version and features, with a hash of its content checked on every read).
 * LLVM's text of a word does not depend on where it lives, except the
 * pc-relative operand that src/asm/disasm.ts makes absolute: words are
 * disassembled once, as if at address 0, and that operand is moved to each
 * address they are listed at. Only words never seen before reach llvm-mc,
 * all of one request in a single spawn.
 */
import { disassemble, UNDEFINED } from "../asm/disasm.ts";
import { cacheDir, cacheNotice, llvmMcVersion, mattr, readRecord } from "../asm/assembler.ts";
import { sha256Hex } from "../hash.ts";
import { writeFileAtomic } from "./results_file.ts";

/** Word -> its text at address 0. */
const texts = new Map<number, string>();

/** How many llvm-mc processes listings started, and how many words they decoded. */
export const disasmStats = { spawns: 0, words: 0, diskWords: 0, damaged: 0 };

/** The disk file's content: what made it, the texts, and their hash. */
interface DiskCache {
  format: 1;
  llvmMc: string;
  mattr: string;
  /** Hex word -> its text at address 0. */
  words: Record<string, string>;
  /** sha256 of `JSON.stringify(words)`. */
  sha256: string;
}

let disk: Promise<{ path: string; head: Omit<DiskCache, "words" | "sha256"> } | null> | undefined;

/** The disk cache's path and inputs; its words join the memory cache (once per process). */
function openDisk() {
  return disk ??= (async () => {
    const dir = cacheDir();
    if (dir === null) return null;
    const head = { format: 1 as const, llvmMc: await llvmMcVersion(), mattr: mattr() };
    const key = (await sha256Hex(JSON.stringify(head))).slice(0, 16);
    const path = `${dir}/disasm-${key}.json`;
    let text: string;
    try {
      text = await Deno.readTextFile(path);
    } catch {
      return { path, head }; // not there yet
    }
    const problem = await diskProblem(text, head);
    if (problem) {
      disasmStats.damaged++;
      cacheNotice(`note: disassembly cache ${path} is damaged: ${problem}; rebuilt, not used`);
    } else {
      for (const [hex, t] of Object.entries((JSON.parse(text) as DiskCache).words)) {
        texts.set(parseInt(hex, 16) >>> 0, t);
        disasmStats.diskWords++;
      }
    }
    return { path, head };
  })();
}

async function diskProblem(text: string, head: Omit<DiskCache, "words" | "sha256">) {
  const read = readRecord<DiskCache>(text, head);
  if ("problem" in read) return read.problem;
  const words = read.record.words ?? {};
  const actual = await sha256Hex(JSON.stringify(words));
  return actual === read.record.sha256 ? undefined : "its words do not match their hash";
}

/** Every text known, written back (atomically; a lost race only costs a later spawn). */
async function saveDisk(): Promise<void> {
  const d = await openDisk();
  if (d === null) return;
  const words = Object.fromEntries(
    [...texts].sort(([a], [b]) => a - b).map(([w, t]) => [w.toString(16).padStart(8, "0"), t]),
  );
  const sha256 = await sha256Hex(JSON.stringify(words));
  const content: DiskCache = { ...d.head, words, sha256 };
  await Deno.mkdir(d.path.slice(0, d.path.lastIndexOf("/")), { recursive: true })
    .then(() => writeFileAtomic(d.path, JSON.stringify(content)))
    .catch(() => {}); // the cache is an optimisation
}

/** Mnemonics whose trailing operand src/asm/disasm.ts rewrote as an absolute address. */
const PC_RELATIVE = /^(b|bl|b\.\w+|bc\.\w+|cbz|cbnz|tbz|tbnz|adr|adrp|ldr|ldrsw|prfm)$/;

/** The text of a word disassembled at address 0, moved to `address`. */
export function relocateText(text: string, address: bigint): string {
  const m = /^(\S+) (.*?)0x([0-9a-f]+)$/.exec(text);
  if (!m || !PC_RELATIVE.test(m[1]) || m[2].includes("[") || m[2].endsWith("#")) return text;
  const [, mnemonic, before, hex] = m;
  const offset = BigInt.asIntN(64, BigInt(`0x${hex}`));
  const base = mnemonic === "adrp" ? address & ~0xfffn : address;
  return `${mnemonic} ${before}0x${BigInt.asUintN(64, base + offset).toString(16)}`;
}

/**
 * Start reading the disk cache now (once per process): a run that lists its
 * cases reads it while they are measured, not after them.
 */
export function preloadDisassembly(): void {
  openDisk().catch(() => {}); // a failure shows again, reported, where the words are needed
}

/** Make sure every word in `words` has its text cached: one llvm-mc spawn for the new ones. */
export async function disassembleWords(words: Iterable<number>): Promise<void> {
  const wanted = [...new Set([...words].map((w) => w >>> 0))];
  if (wanted.every((w) => texts.has(w))) return;
  await openDisk();
  const missing = wanted.filter((w) => !texts.has(w));
  if (missing.length === 0) return;
  disasmStats.spawns++;
  disasmStats.words += missing.length;
  const out = await disassemble(missing.map((word) => ({ address: 0n, word })));
  missing.forEach((w, i) => texts.set(w, out[i]));
  await saveDisk();
}

/** The cached text of `word` at `address` (call {@link disassembleWords} first). */
export function textAt(word: number, address: bigint): string {
  const text = texts.get(word >>> 0);
  if (text === undefined) throw new Error(`word ${word.toString(16)} was not disassembled`);
  return text === UNDEFINED ? text : relocateText(text, address);
}
