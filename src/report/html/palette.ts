/**
 * One colour (and point style and dash) per variant and one colour per phase
 * for the whole report, so `args` or `save` look the same in every chart,
 * table and listing. The built-in variants and phases have fixed colours, in
 * every report; other names take the next free colour in order of first
 * appearance.
 */
import { PHASES } from "../../kernel/asm_writer.ts";

/** Distinct colours that read on a light and a dark background. */
export const PALETTE = [
  "#4269d0", // blue
  "#efb118", // yellow
  "#ff725c", // red
  "#3ca951", // green
  "#a463f2", // purple
  "#6cc5b0", // teal
  "#ff8ab7", // pink
  "#9c6b4e", // brown
  "#97bbf5", // light blue
  "#b8a000", // olive
  "#e15759", // crimson
  "#17becf", // cyan
  "#8c564b", // umber
  "#bcbd22", // lime
  "#7f7f7f", // grey
  "#d62728", // dark red
];

/** The built-in variants, in the order their colours are given. */
const KNOWN_VARIANTS = [
  "nop",
  "regs",
  "args",
  "call-ops",
  "direct",
  "direct-far",
  "coexist",
  "call-ops-nodirect",
  "lean-args",
  "function",
  "graph",
  "bpf",
  "native",
];

const PHASE_COLOURS: Record<string, string> = {
  "caller": "#9498a0",
  "patch-site": "#efb118",
  "save": "#4269d0",
  "dispatch": "#ff725c",
  "tracer": "#3ca951",
  "restore": "#a463f2",
  "body": "#6cc5b0",
  "return": "#ff8ab7",
  "other": "#9c6b4e",
};

/** The report's colours: one per variant and per phase, assigned once. */
export class Palette {
  private readonly variants = new Map<string, number>();
  private readonly phases = new Map<string, string>();

  constructor(variantNames: Iterable<string> = [], phaseNames: Iterable<string> = []) {
    for (const v of KNOWN_VARIANTS) this.variantIndex(v);
    for (const v of variantNames) this.variantIndex(v);
    for (const p of PHASES) this.phase(p);
    for (const p of phaseNames) this.phase(p);
  }

  private variantIndex(name: string): number {
    let i = this.variants.get(name);
    if (i === undefined) this.variants.set(name, i = this.variants.size);
    return i;
  }

  /** The colour of a variant. */
  variant(name: string): string {
    return PALETTE[this.variantIndex(name) % PALETTE.length];
  }

  /** The point style and dash of a variant (an index the page's script maps). */
  variantStyle(name: string): number {
    return this.variantIndex(name);
  }

  /** The class that gives a table cell the variant's swatch ("v3"; see the stylesheet). */
  variantClass(name: string): string {
    return `v${this.variantIndex(name)}`;
  }

  /** Every variant's class and colour, for the stylesheet. */
  variantClasses(): [string, string][] {
    return [...this.variants.keys()].map((v) => [this.variantClass(v), this.variant(v)]);
  }

  /** The colour of a phase. */
  phase(name: string): string {
    let c = this.phases.get(name);
    if (c === undefined) {
      c = PHASE_COLOURS[name] ?? PALETTE[(this.phases.size + 7) % PALETTE.length];
      this.phases.set(name, c);
    }
    return c;
  }

  /** Every phase colour assigned, for the stylesheet. */
  phaseColours(): [string, string][] {
    return [...this.phases];
  }
}

/** Colours of the load, store and branch counts (not variants: drawn grey-blue). */
export const METRIC_COLOURS: Record<string, string> = {
  loads: "#5b8db8",
  stores: "#c2855a",
  branches: "#8a8fa3",
};
