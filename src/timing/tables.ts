/**
 * A CPU file compiled into the flat tables the engine indexes in its inner
 * loop: figures numbered, ports as bit masks, a forwarding matrix. The file's
 * schema and reader are `cpu_file.ts`.
 *
 * @module
 */
import type { InstrClass } from "../isa/types.ts";
import {
  type ClassFigure,
  type CpuFile,
  CpuModelError,
  MEMORY_CLASSES,
  OPERAND_ROLES,
  overrideKeys,
  TIMING_CLASSES,
  type UopFigure,
} from "./cpu_file.ts";

/**
 * A CPU file compiled for the simulator: figures numbered (class figures first,
 * then overrides, then the writeback), ports as bit masks, and a forwarding
 * matrix indexed by [role][producer figure].
 */
export interface CompiledModel {
  readonly file: CpuFile;
  /** Path or label of the CPU file, for error messages. */
  readonly path: string;
  readonly portCount: number;
  /** Port instance names ("L0", "L1", ...) for diagnostics. */
  readonly portNames: readonly string[];
  /** Per figure: latency, pair latency, and -1 latency when the file has no figure. */
  readonly latency: Int16Array;
  readonly pairLatency: Int16Array;
  /** Per figure: dispatch/issue slots. */
  readonly slots: Int16Array;
  /** Per figure: first uop index into `uopMask`/`uopCycles`, and the count. */
  readonly uopStart: Int32Array;
  readonly uopCount: Int32Array;
  /** Per uop: bit mask of the port instances it may use, and its occupancy. */
  readonly uopMask: Int32Array;
  /** Per uop: index of its mask among the model's distinct masks (0..maskCount-1). */
  readonly uopMaskId: Int32Array;
  readonly maskCount: number;
  readonly uopCycles: Int32Array;
  /** forward[role * figureCount + producerFigure]: cycles to subtract. */
  readonly forward: Int16Array;
  readonly figureCount: number;
  /** Index of the writeback figure. */
  readonly writebackFigure: number;
  /** Per figure: 1 when it completes out of order on an in-order-writeback core. */
  readonly writebackExempt: Uint8Array;
  /** Override figure index by {@link overrideKey}. */
  readonly overrideIndex: ReadonlyMap<string, number>;
}

/** Compile a validated CPU file into the simulator's tables. */
export function compileModel(file: CpuFile, path: string): CompiledModel {
  const portNames: string[] = [];
  const portBits = new Map<string, number>();
  for (const [kind, count] of Object.entries(file.ports)) {
    let mask = 0;
    for (let i = 0; i < count; i++) {
      mask |= 1 << portNames.length;
      portNames.push(count > 1 ? `${kind}${i}` : kind);
    }
    portBits.set(kind, mask);
  }
  const figures: (ClassFigure | undefined)[] = TIMING_CLASSES.map((c) => file.classes[c]);
  const figureClass: InstrClass[] = [...TIMING_CLASSES];
  const overrideIndex = new Map<string, number>();
  for (const ov of file.overrides) {
    for (const key of overrideKeys(ov)) overrideIndex.set(key, figures.length);
    figures.push(ov);
    figureClass.push(ov.class);
  }
  const writebackFigure = figures.length;
  figures.push(file.writeback);
  figureClass.push("int-alu"); // the writeback is an address-generation add

  const n = figures.length;
  const latency = new Int16Array(n).fill(-1);
  const pairLatency = new Int16Array(n).fill(-1);
  const uopStart = new Int32Array(n);
  const uopCount = new Int32Array(n);
  const slots = new Int16Array(n);
  const masks: number[] = [];
  const cycles: number[] = [];
  const maskOf = (u: UopFigure) => u.ports.reduce((m, p) => m | portBits.get(p)!, 0);
  const bits = (m: number) => m.toString(2).replaceAll("0", "").length;
  const wbMasks = file.writeback.uops.map(maskOf);
  figures.forEach((f, i) => {
    uopStart[i] = masks.length;
    if (!f) return;
    latency[i] = f.latency;
    pairLatency[i] = f.pairLatency ?? f.latency;
    uopCount[i] = f.uops.length;
    slots[i] = f.slots ?? f.uops.length;
    // Most constrained micro-op first, so first-fit port choice never misses a fit.
    const sorted = [...f.uops].sort((a, b) => bits(maskOf(a)) - bits(maskOf(b)));
    for (const u of sorted) {
      masks.push(maskOf(u));
      cycles.push(u.cycles);
    }
    // The simulator issues an instruction's micro-ops (and a writeback's) in one cycle.
    const memory = MEMORY_CLASSES.includes(figureClass[i]) && i !== writebackFigure;
    const all = [...sorted.map(maskOf), ...(memory ? wbMasks : [])];
    let used = 0;
    for (const m of all) {
      const free = m & ~used;
      if (free === 0) {
        const field = i < TIMING_CLASSES.length
          ? `classes.${TIMING_CLASSES[i]}`
          : i === writebackFigure
          ? "writeback"
          : `overrides[${i - TIMING_CLASSES.length}]`;
        throw new CpuModelError(
          `CPU file ${path}: field ${field}.uops needs more ports in one cycle than ports ` +
            `declares (with a writeback's micro-ops); give one micro-op "cycles" instead`,
        );
      }
      used |= free & -free;
    }
  });
  const writebackExempt = Uint8Array.from(
    figureClass,
    (c) => file.core.writebackExempt.includes(c) ? 1 : 0,
  );
  const forward = new Int16Array(OPERAND_ROLES.length * n);
  for (const fw of file.forwarding) {
    const role = OPERAND_ROLES.indexOf(fw.to);
    for (let p = 0; p < n; p++) {
      // The writeback figure is only forwarded by entries without `from`.
      const applies = fw.from === undefined ||
        (p !== writebackFigure && fw.from.includes(figureClass[p]));
      if (applies) forward[role * n + p] = Math.max(forward[role * n + p], fw.cycles);
    }
  }
  return {
    file,
    path,
    portCount: portNames.length,
    portNames,
    latency,
    pairLatency,
    slots,
    uopStart,
    uopCount,
    uopMask: Int32Array.from(masks),
    uopMaskId: Int32Array.from(masks, (m) => [...new Set(masks)].indexOf(m)),
    maskCount: new Set(masks).size,
    uopCycles: Int32Array.from(cycles),
    forward,
    figureCount: n,
    writebackFigure,
    writebackExempt,
    overrideIndex,
  };
}
