/**
 * Where things live in the emulated kernel's address space.
 *
 * Like arm64 Linux, the module/vmalloc area that dynamically allocated
 * trampolines come from sits below the kernel image, so a trampoline there is
 * in BL range (+-128 MiB) of kernel text only when it is placed near it.
 * Addresses are kept below 2^40 so the emulator (MMU off, VA == PA) maps them.
 */

import { LoadError } from "../asm/loader.ts";

export const PAGE_SIZE = 0x1000;
export const MIB = 1024 * 1024;
/** Reach of B/BL: imm26 words, signed. */
export const BRANCH_RANGE = 128 * MIB;

/** Where the section kinds of an assembly unit are placed. */
export type RegionName = "text" | "module" | "data" | "stack";

export interface MemoryLayout {
  /** Start of the kernel image's .text. */
  readonly textBase: bigint;
  /** Size of kernel .text being modelled; in-kernel code is spread over it. */
  readonly textSize: number;
  /** Where dynamically allocated trampolines (BPF) are placed. */
  readonly moduleBase: bigint;
  readonly dataBase: bigint;
  /** Lowest address of the task stack; it grows down from stackBase + stackSize. */
  readonly stackBase: bigint;
  readonly stackSize: number;
  /** The caller and traced function sit at the far end of kernel text (else at its start). */
  readonly targetAtTextEnd: boolean;
}

/** Where the traced function's patch site is, near enough for range decisions. */
export function siteAddress(layout: MemoryLayout): bigint {
  return layout.targetAtTextEnd ? textEndBase(layout) : layout.textBase;
}

/** Start of the last 64 KiB of kernel text, where `.text.end*` sections go. */
function textEndBase(layout: MemoryLayout): bigint {
  return layout.textBase + BigInt(layout.textSize) - 0x10000n;
}

/** How far from kernel text a dynamically allocated trampoline lands. */
export type TrampolinePlacement = "near" | "far";

export interface LayoutOptions {
  textSize?: number;
  placement?: TrampolinePlacement;
  targetAtTextEnd?: boolean;
}

/**
 * The default machine: a 30 MiB kernel text with the traced code at its
 * start, trampolines allocated near it. Module space is 64 MiB below the image
 * ("near"), or 2 GiB beyond BL range ("far"); with the traced code at the end
 * of text, "near" is 16 MiB past the image's end instead.
 */
export function defaultLayout(options: LayoutOptions = {}): MemoryLayout {
  const textBase = 0x80_0800_0000n;
  const textSize = options.textSize ?? 30 * MIB;
  const atEnd = options.targetAtTextEnd ?? false;
  const textEnd = textBase + BigInt(textSize);
  const far = 0x8000_0000n + 0x800_0000n;
  const moduleBase = atEnd
    ? (options.placement === "far" ? textEnd + far : textEnd + 0x100_0000n)
    : (options.placement === "far" ? textBase - far : textBase - 0x400_0000n);
  return {
    targetAtTextEnd: atEnd,
    textBase,
    textSize,
    moduleBase,
    dataBase: textBase + 0x1000_0000n,
    stackBase: 0x80_4000_0000n,
    stackSize: 16 * 1024,
  };
}

/** Which region an assembled section belongs to, by its name. */
export function regionOfSection(name: string): RegionName | undefined {
  if (name === ".text" || name.startsWith(".text.")) return "text";
  if (name.startsWith(".module.text")) return "module";
  if (
    name === ".data" || name.startsWith(".data.") || name === ".bss" ||
    name.startsWith(".bss.") || name === ".rodata" || name.startsWith(".rodata.")
  ) return "data";
  return undefined;
}

/**
 * Hands out addresses section by section, packing each region in order.
 * A section named `.text.end*` is placed at the far end of kernel text, so a
 * large `textSize` really separates code at the start and end of the image.
 */
export class SectionPlacer {
  private readonly cursors = new Map<string, bigint>();

  constructor(private readonly layout: MemoryLayout) {}

  place(section: { name: string; size: number; align: number }): bigint {
    const region = regionOfSection(section.name);
    if (!region) {
      throw new LoadError(
        `section ${section.name} has no place in the memory layout ` +
          `(use .text*, .module.text*, .data*, .rodata* or .bss*)`,
      );
    }
    const key = section.name.startsWith(".text.end") ? "text-end" : region;
    const start = this.cursors.get(key) ?? this.regionStart(key);
    const align = BigInt(Math.max(section.align, 1));
    const address = (start + align - 1n) / align * align;
    this.cursors.set(key, address + BigInt(section.size));
    return address;
  }

  private regionStart(key: string): bigint {
    const l = this.layout;
    switch (key) {
      case "text":
        return l.textBase;
      case "text-end":
        return textEndBase(l);
      case "module":
        return l.moduleBase;
      default:
        return l.dataBase;
    }
  }
}

/**
 * Whether a BL at `from` reaches code near `to`, keeping a 1 MiB margin for
 * the code around both ends (the exact check is the loader's, at relocation).
 */
export function withinBranchRange(from: bigint, to: bigint): boolean {
  const distance = from > to ? from - to : to - from;
  return distance < BigInt(BRANCH_RANGE - MIB);
}

/** Round [address, address+size) out to whole pages. */
export function pageSpan(address: bigint, size: number): { start: bigint; size: number } {
  const page = BigInt(PAGE_SIZE);
  const start = address / page * page;
  const end = (address + BigInt(Math.max(size, 1)) + page - 1n) / page * page;
  return { start, size: Number(end - start) };
}
