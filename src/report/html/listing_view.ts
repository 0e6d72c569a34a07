/**
 * The annotated hot-path listings of a scenario, as compact data the page's
 * script renders: every listed run (of every kernel and CPU model of the
 * scenario), each line with its execution count, cycles and their causes
 * when a timing model charged them. Instructions shared by several runs are
 * stored once: a table of distinct (word, disassembly) pairs, and blocks of
 * consecutive addresses in one function and phase; a run's lines are deltas
 * into the block list. The page draws one run with a heat bar, percentages and
 * phase subtotals, or two side by side, aligned by phase (the diff view).
 */
import type { StoredResult, StoredRun } from "../../store/schema.ts";
import { cpuLabel, kernelLabel } from "../../store/schema.ts";
import { paramsText } from "../../store/params.ts";
import type { CycleCauses } from "../../timing/causes.ts";

/** The names of the cause vector's entries, in order. */
export const CAUSES = [
  "base",
  "dependency",
  "ports",
  "mispredict (conditional)",
  "mispredict (indirect)",
  "mispredict (return)",
  "cache miss",
  "ordering",
] as const;

/** One listed run. */
export interface ListingRun {
  /** Which result: the kernel and CPU model ("model", "model, neoverse-n1 2"). */
  source: string;
  variant: string;
  params: string;
  /** Instructions and cycles executed (the listing's totals). */
  instructions: number;
  cycles: number | null;
  /** Training passes and steady-state mispredicts, when the timing model says. */
  timing?: string;
  /**
   * Flat: per line, the instruction (delta from the previous line's index
   * into the instruction list), count, then (timed runs) cycles and cause
   * vector index (-1: none).
   */
  lines: number[];
}

/** A scenario's listings. */
export interface ListingData {
  phases: string[];
  symbols: string[];
  /** Distinct [word (hex), disassembly] pairs. */
  texts: [string, string][];
  /**
   * Runs of consecutive instructions: [address (hex), symbol index (-1: none),
   * offset in the symbol, phase index, ...text indices].
   */
  blocks: (string | number)[][];
  /** Distinct cause vectors (CAUSES order), then [producer address, cycles] pairs. */
  causes: (number | string)[][];
  runs: ListingRun[];
}

/** Builds one scenario's listing data. */
class ListingBuilder {
  readonly data: ListingData = {
    phases: [],
    symbols: [],
    texts: [],
    blocks: [],
    causes: [],
    runs: [],
  };
  private readonly phaseIx = new Map<string, number>();
  private readonly symbolIx = new Map<string, number>();
  private readonly textIx = new Map<string, number>();
  private readonly causeIx = new Map<string, number>();
  /** Instruction key -> index in the flattened blocks. */
  private readonly insnIx = new Map<string, number>();
  private insnCount = 0;
  private last: { address: bigint; symbol: number; offset: number; phase: number } | undefined;

  private index<K>(map: Map<K, number>, list: unknown[], key: K, value: unknown = key): number {
    let i = map.get(key);
    if (i === undefined) {
      map.set(key, i = list.length);
      list.push(value);
    }
    return i;
  }

  private instruction(x: NonNullable<StoredRun["listing"]>[number]): number {
    const key = `${x.address}|${x.symbol}|${x.word}|${x.disasm}|${x.phase}`;
    const known = this.insnIx.get(key);
    if (known !== undefined) return known;
    const m = /^(.*)\+0x([0-9a-f]+)$/.exec(x.symbol);
    const [name, offset] = m
      ? [m[1], parseInt(m[2], 16)]
      : x.symbol.startsWith("0x")
      ? [null, 0]
      : [x.symbol, 0];
    const symbol = name === null ? -1 : this.index(this.symbolIx, this.data.symbols, name);
    const phase = this.index(this.phaseIx, this.data.phases, x.phase);
    const text = this.index(this.textIx, this.data.texts, `${x.word} ${x.disasm}`, [
      x.word,
      x.disasm,
    ]);
    const address = BigInt(x.address);
    const l = this.last;
    const follows = l && l.address + 4n === address && l.symbol === symbol && symbol !== -1 &&
      l.offset + 4 === offset && l.phase === phase;
    if (follows) this.data.blocks[this.data.blocks.length - 1].push(text);
    else this.data.blocks.push([address.toString(16), symbol, offset, phase, text]);
    this.last = { address, symbol, offset, phase };
    this.insnIx.set(key, this.insnCount);
    return this.insnCount++;
  }

  private cause(c: CycleCauses | undefined): number {
    if (!c) return -1;
    const m = c.mispredict ?? {};
    const v: (number | string)[] = [
      c.base ?? 0,
      c.dependency ?? 0,
      c.ports ?? 0,
      m.conditional ?? 0,
      m.indirect ?? 0,
      m.return ?? 0,
      c.cacheMiss ?? 0,
      c.ordering ?? 0,
    ];
    for (const [pc, n] of Object.entries(c.dependsOn ?? {})) v.push(pc.replace(/^0x/, ""), n);
    return this.index(this.causeIx, this.data.causes, JSON.stringify(v), v);
  }

  add(source: string, run: StoredRun): void {
    const listing = run.listing!;
    const timed = listing.some((x) => x.cycles !== undefined);
    const lines: number[] = [];
    let previous = -1;
    let instructions = 0, cycles = 0;
    for (const x of listing) {
      const i = this.instruction(x);
      lines.push(i - previous, x.count);
      previous = i;
      instructions += x.count;
      if (timed) {
        lines.push(x.cycles ?? 0, this.cause(run.cycleCausesByPc?.[x.address]));
        cycles += x.cycles ?? 0;
      }
    }
    const t = run.timing;
    const mis = t?.mispredicts;
    const timing = t
      ? `steady state after ${t.passes ?? "?"} training pass${t.passes === 1 ? "" : "es"}` +
        (mis ? `; mispredicts: ${Object.entries(mis).map(([k, n]) => `${n} ${k}`).join(", ")}` : "")
      : undefined;
    this.data.runs.push({
      source,
      variant: run.variant,
      params: paramsText(run.params),
      instructions,
      cycles: timed ? cycles : null,
      ...(timing ? { timing } : {}),
      lines,
    });
  }
}

/** What tells a scenario's results apart: the kernel, the CPU model, or both. */
export function sourceLabel(r: StoredResult, all: readonly StoredResult[]): string {
  const kernels = new Set(all.map((x) => kernelLabel(x.kernel))).size > 1;
  const cpus = new Set(all.map((x) => cpuLabel(x.cpu))).size > 1;
  const parts = [
    ...(kernels || !cpus ? [kernelLabel(r.kernel)] : []),
    ...(cpus || r.cpu ? [cpuLabel(r.cpu)] : []),
  ];
  return parts.join(", ");
}

/** The listing data of a scenario's results (null when no run carries a listing). */
export function listingData(results: readonly StoredResult[]): ListingData | null {
  const b = new ListingBuilder();
  for (const r of results) {
    for (const run of r.runs) {
      if (run.status === "ok" && run.listing?.length) b.add(sourceLabel(r, results), run);
    }
  }
  return b.data.runs.length ? b.data : null;
}

/** The listing explorer's place in a section; the page's script fills it from `index`'s data. */
export function renderListingExplorer(index: number, data: ListingData | null): string {
  if (!data) {
    return `<p class="note">No hot-path listing in these results (run with --listing default or all).</p>`;
  }
  const timed = data.runs.some((r) => r.cycles !== null);
  return `<div class="listing-explorer" data-listing="${index}">
<p class="muted">${data.runs.length} listed run${data.runs.length === 1 ? "" : "s"}: every ` +
    `instruction the traced call executed, in first-execution order, with its count` +
    `${timed ? ", cycles and their causes" : ""}; the bar is each line's share of the ` +
    `${timed ? "cycles" : "instructions"}. Pick a second run to see the two side by side, ` +
    `aligned by phase. Line numbers are links.</p>
<noscript><p class="note">The listing needs the page's script.</p></noscript>
</div>`;
}
