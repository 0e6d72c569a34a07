/**
 * Why a cycle was spent: the timing model charges every cycle by which an
 * instruction moves the retire point to the constraint that held it there.
 *
 * - `base`: the instruction's own latency and the core's widths (fetch,
 *   dispatch, issue and retire bandwidth, the reorder window);
 * - `dependency`: waiting for a source register, for the data of a buffered
 *   store a load reads (or a failed forward's extra cycles), or for the older
 *   store a store issues after; `dependsOn` splits it by the producer's pc;
 * - `ports`: no free issue port;
 * - `mispredict`: fetch restarting after a mispredicted conditional branch,
 *   indirect branch or return;
 * - `cacheMiss`: a cold line (`:cold`, `:first-call`) or a line crossing;
 * - `ordering`: barriers (dmb, dsb, isb and its refill) and the CPU file's
 *   load-acquire/store-release rules.
 *
 * The causes of a pc (and of a phase) add up to its cycles exactly.
 *
 * @module
 */
import {
  C_BASE,
  C_CACHE_MISS,
  C_CONDITIONAL,
  C_DEPENDENCY,
  C_INDIRECT,
  C_ORDERING,
  C_PORTS,
  C_RETURN,
} from "./plan.ts";

/**
 * Cycles by cause, as results store them. Per pc only non-zero causes are
 * present (an absent cause is 0); per phase every cause is.
 */
export interface CycleCauses {
  base?: number;
  dependency?: number;
  /** `dependency` by the pc ("0x...") of the instruction waited for. */
  dependsOn?: Record<string, number>;
  ports?: number;
  mispredict?: { conditional?: number; indirect?: number; return?: number };
  cacheMiss?: number;
  ordering?: number;
}

/** Hex address as listings and `cyclesByPc` write it. */
export function hexPc(pc: number): string {
  let text = hexPcs.get(pc);
  if (text === undefined) {
    // A sweep's timed cases name the same few thousand pcs, case after case.
    if (hexPcs.size >= MAX_HEX_PCS) hexPcs.clear();
    hexPcs.set(pc, text = `0x${pc.toString(16)}`);
  }
  return text;
}

const hexPcs = new Map<number, string>();
const MAX_HEX_PCS = 1 << 16;

/** A vector of cycles by C_* index as {@link CycleCauses}; `all`: keep zero causes too. */
export function causesOf(
  v: ArrayLike<number>,
  dependsOn: ReadonlyMap<number, number> | undefined,
  all: boolean,
): CycleCauses {
  const out: CycleCauses = {};
  if (all || v[C_BASE] !== 0) out.base = v[C_BASE];
  if (all || v[C_DEPENDENCY] !== 0) out.dependency = v[C_DEPENDENCY];
  if (dependsOn !== undefined && dependsOn.size > 0) {
    const producers: Record<string, number> = {};
    if (dependsOn.size === 1) { for (const [pc, n] of dependsOn) producers[hexPc(pc)] = n; }
    else {
      for (const pc of [...dependsOn.keys()].sort((a, b) => a - b)) {
        producers[hexPc(pc)] = dependsOn.get(pc)!;
      }
    }
    out.dependsOn = producers;
  }
  if (all || v[C_PORTS] !== 0) out.ports = v[C_PORTS];
  const conditional = v[C_CONDITIONAL], indirect = v[C_INDIRECT], ret = v[C_RETURN];
  if (all) out.mispredict = { conditional, indirect, return: ret };
  else if (conditional !== 0 || indirect !== 0 || ret !== 0) {
    const m: CycleCauses["mispredict"] = {};
    if (conditional !== 0) m.conditional = conditional;
    if (indirect !== 0) m.indirect = indirect;
    if (ret !== 0) m.return = ret;
    out.mispredict = m;
  }
  if (all || v[C_CACHE_MISS] !== 0) out.cacheMiss = v[C_CACHE_MISS];
  if (all || v[C_ORDERING] !== 0) out.ordering = v[C_ORDERING];
  return out;
}

/** The cycles a {@link CycleCauses} accounts for (`dependsOn` is a breakdown, not added). */
export function causeTotal(c: CycleCauses): number {
  const m = c.mispredict ?? {};
  return (c.base ?? 0) + (c.dependency ?? 0) + (c.ports ?? 0) + (m.conditional ?? 0) +
    (m.indirect ?? 0) + (m.return ?? 0) + (c.cacheMiss ?? 0) + (c.ordering ?? 0);
}
