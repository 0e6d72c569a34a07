/**
 * A small writer for generated assembly: functions, labels and phase markers.
 *
 * Phase markers are local symbols named `__phase.<phase>.<n>`; the measurement
 * core attributes every instruction to the last marker at or below it.
 * Anchors (`__anchor.<name>`) name points of interest such as a return site.
 */
import type { AsmChunk } from "../asm/source.ts";
import { cached, LruMap } from "../lru.ts";

/** The phases of a traced call, in hot-path order. */
export const PHASES = [
  "caller",
  "patch-site",
  "save",
  "dispatch",
  "tracer",
  "restore",
  "body",
  // After the body: code a rewritten return address runs (function-graph's return_to_handler).
  "return",
] as const;
export type Phase = typeof PHASES[number];

export const PHASE_PREFIX = "__phase.";
export const ANCHOR_PREFIX = "__anchor.";

/** Code-generation switches of the kernel being modelled. */
export interface CodegenOptions {
  /** Functions called indirectly begin with `bti c`. */
  readonly bti: boolean;
  /** Non-leaf functions sign x30 with paciasp/autiasp in their prologue. */
  readonly pac: boolean;
}

/** The code generation options as text, for the keys of chunks written with them. */
export function codegenKey(options: CodegenOptions): string {
  const { bti, pac, ..._others } = options;
  // An option added to CodegenOptions fails to compile here until the key has it too.
  const _none: Record<string, never> = _others;
  return `bti=${bti} pac=${pac}`;
}

/**
 * Chunks by everything they are written from (`key`, as text): a sweep asks
 * for the same code case after case. Each is written once and handed out as
 * the same object, whose text the parsed-object cache then matches by
 * identity (src/asm/objects.ts) instead of a copy written and compared again.
 * Chunks are never changed once made.
 */
const chunks = new LruMap<string, AsmChunk>(256);

/** The chunk `write` makes for `key`, written once per key. */
export function chunkOnce(key: string, write: () => AsmChunk): AsmChunk {
  return cached(chunks, key, write);
}

export class AsmWriter {
  private readonly lines: string[] = [];
  private markers = 0;

  /** `tag` keeps marker names unique within an assembly unit; give each writer its own. */
  constructor(
    readonly origin: string,
    readonly options: CodegenOptions,
    private readonly tag: string,
  ) {}

  /** Switch section; kind picks flags (code is "ax", data "aw"). */
  section(name: string, kind: "code" | "data" = "code"): this {
    const flags = kind === "code" ? `"ax", %progbits` : `"aw", %progbits`;
    return this.raw(`\t.section ${name}, ${flags}`);
  }

  /** Start a function symbol, 4- or 8-byte aligned. */
  func(name: string, align = 4): this {
    this.raw(`\t.balign ${align}`);
    this.raw(`\t.globl ${name}`);
    this.raw(`\t.type ${name}, %function`);
    return this.label(name);
  }

  /** Start a data object. */
  object(name: string, align = 8): this {
    this.raw(`\t.balign ${align}`);
    this.raw(`\t.globl ${name}`);
    this.raw(`\t.type ${name}, %object`);
    return this.label(name);
  }

  label(name: string): this {
    return this.raw(`${name}:`);
  }

  /** Everything from here on belongs to `phase` (until the next marker). */
  phase(phase: Phase): this {
    // Symbols cannot contain '-': patch-site is spelt patch_site in the marker.
    return this.label(`${PHASE_PREFIX}${phase.replace("-", "_")}.${this.tag}.${this.markers++}`);
  }

  /** A named point the harness looks up (e.g. a call's return address). */
  anchor(name: string): this {
    return this.label(`${ANCHOR_PREFIX}${name}`);
  }

  /** One or more instructions, one per argument. */
  i(...instructions: string[]): this {
    for (const insn of instructions) this.lines.push(`\t${insn}`);
    return this;
  }

  raw(text: string): this {
    this.lines.push(text);
    return this;
  }

  /** `bti c` when the kernel is built with BTI (first instruction of an indirectly called function). */
  landingPad(): this {
    return this.options.bti ? this.i("bti c") : this;
  }

  /** Frame-record prologue of a non-leaf function, with PAC when enabled. */
  prologue(frameSize = 16): this {
    if (this.options.pac) this.i("paciasp");
    return this.i(`stp x29, x30, [sp, #-${frameSize}]!`, "mov x29, sp");
  }

  epilogue(frameSize = 16): this {
    this.i(`ldp x29, x30, [sp], #${frameSize}`);
    if (this.options.pac) this.i("autiasp");
    return this.i("ret");
  }

  /** Load a 64-bit constant the way a compiler does (movz + movk). */
  movConst(reg: string, value: bigint): this {
    const halves = [0, 1, 2, 3].map((k) => Number((value >> BigInt(16 * k)) & 0xffffn));
    let first = true;
    halves.forEach((half, k) => {
      if (half === 0 && !(first && k === 3)) return;
      this.i(`${first ? "movz" : "movk"} ${reg}, #0x${half.toString(16)}, lsl #${16 * k}`);
      first = false;
    });
    if (first) this.i(`mov ${reg}, #0`);
    return this;
  }

  /** Load the address of a symbol pc-relatively (adrp + add). */
  addressOf(reg: string, symbol: string): this {
    return this.i(`adrp ${reg}, ${symbol}`, `add ${reg}, ${reg}, :lo12:${symbol}`);
  }

  /** Load the 64-bit value stored at a symbol (the kernel's `ldr_l`). */
  loadFrom(reg: string, symbol: string): this {
    return this.i(`adrp ${reg}, ${symbol}`, `ldr ${reg}, [${reg}, :lo12:${symbol}]`);
  }

  chunk(): AsmChunk {
    return { origin: this.origin, text: this.lines.join("\n") };
  }
}

/** Round up to a multiple of 16 (AAPCS64 stack alignment). */
export function align16(n: number): number {
  return Math.ceil(n / 16) * 16;
}
