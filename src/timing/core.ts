/**
 * The pipeline state machine behind `simulate`: one instance per simulation,
 * fed one executed block at a time. Constants and scratch arrays live in
 * fields; scalar state is copied into locals for the length of a block (so the
 * per-instruction loop keeps it in registers) and written back at its end.
 *
 * See `simulate.ts` for the model it implements.
 *
 * @module
 */
import type { TimingTrace } from "./trace.ts";
import type { CompiledModel } from "./model.ts";
import {
  B_CALL,
  B_COND,
  B_INDIRECT,
  B_INDIRECT_CALL,
  B_NONE,
  B_RETURN,
  BAR_DMB,
  BAR_DMB_LD,
  BAR_DMB_ST,
  BAR_DSB,
  BAR_ISB,
  type BlockPlan,
  C_BASE,
  C_CACHE_MISS,
  C_CONDITIONAL,
  C_DEPENDENCY,
  C_INDIRECT,
  C_ORDERING,
  C_PORTS,
  C_RETURN,
  CAUSE_COUNT,
  M_LOAD,
  M_STORE,
  ORD_ACQUIRE,
  ORD_ACQUIRE_PC,
  ORD_RELEASE,
  REGISTER_COUNT,
  W_PAIR_SECOND,
  W_WRITEBACK,
} from "./plan.ts";
import type { BranchPredictor } from "./predictor.ts";

/**
 * Port reservations, a ring of cycles: busyMask[c & MASK] holds the ports taken
 * in cycle c when busyCycle[c & MASK] === c + 1 (0: never used).
 */
const RING = 2048;
const RING_MASK = RING - 1;
/** Phase indexes a simulation may use. */
export const MAX_PHASES = 256;

/** A set of non-negative numbers in a typed-array hash table (no boxing). */
class LineSet {
  #keys = new Float64Array(1024).fill(-1);
  #size = 0;

  /** Adds `key`; returns true when it was new. */
  add(key: number): boolean {
    let mask = this.#keys.length - 1;
    let h = (key % 1048573) & mask;
    while (this.#keys[h] !== -1) {
      if (this.#keys[h] === key) return false;
      h = (h + 1) & mask;
    }
    if ((this.#size + 1) * 2 > this.#keys.length) {
      const old = this.#keys;
      this.#keys = new Float64Array(old.length * 2).fill(-1);
      this.#size = 0;
      for (const k of old) if (k !== -1) this.add(k);
      mask = this.#keys.length - 1;
      h = (key % 1048573) & mask;
      while (this.#keys[h] !== -1) h = (h + 1) & mask;
    }
    this.#keys[h] = key;
    this.#size++;
    return true;
  }
}

/**
 * Feed one branch outcome to the predictor (its target then enters the path
 * history when taken); true when it was predicted right.
 */
export function predict(p: BranchPredictor, kind: number, pc: number, next: number): boolean {
  let right = true;
  switch (kind) {
    case B_COND:
      right = p.conditionalBranch(pc, next !== pc + 4);
      break;
    case B_CALL:
      p.call(pc + 4);
      break;
    case B_INDIRECT:
      right = p.indirectBranch(pc, next);
      break;
    case B_INDIRECT_CALL:
      p.call(pc + 4);
      right = p.indirectBranch(pc, next);
      break;
    case B_RETURN:
      right = p.returnBranch(pc, next);
      break;
  }
  if (kind !== B_NONE && next !== pc + 4) p.takenBranch(next);
  return right;
}

/** The cause a mispredict of each branch kind (B_*) charges. */
const MISPREDICT_CAUSE = [C_BASE, C_CONDITIONAL, C_BASE, C_BASE, C_INDIRECT, C_INDIRECT, C_RETURN];

/** Add `cycles` of instruction `i`'s dependency wait to a producer other than its first. */
function alsoDependsOn(plan: BlockPlan, i: number, producer: number, cycles: number): void {
  let m = plan.dependsOn[i];
  if (!m) plan.dependsOn[i] = m = new Map();
  m.set(producer, (m.get(producer) ?? 0) + cycles);
}

/** Waits in one instruction's timeline at most (fetch, operands, ordering, ports, memory...). */
const MAX_WAITS = 16;

/** Never used: the line set of warm (steady-state) simulations, which every access hits. */
const NO_LINES = new LineSet();

/** The arrays a {@link Core} works in: allocated once per model, cleared per simulation. */
export class CoreBuffers {
  // Cycles are int32 throughout (a trace of 2^31 cycles is refused): the loop stays in integer registers.
  readonly regReady = new Int32Array(REGISTER_COUNT);
  readonly regFrom = new Int16Array(REGISTER_COUNT);
  /** The pc of each register's last producer (-1: none in the trace). */
  readonly regPc = new Float64Array(REGISTER_COUNT);
  readonly busyMask = new Int32Array(RING);
  readonly busyCycle = new Int32Array(RING);
  /** Per distinct port mask: [fullFrom, fullTo) are cycles known to have none of its ports free. */
  readonly fullFrom: Int32Array;
  readonly fullTo: Int32Array;
  readonly chosenPort = new Int32Array(64);
  readonly chosenCycles = new Int32Array(64);
  readonly robRetire: Int32Array;
  readonly robSlots: Int16Array;
  readonly sbStart: Float64Array;
  readonly sbEnd: Float64Array;
  readonly sbIssue: Int32Array;
  /** Per buffered store: its pc, whether it is a store-release, and when it completes. */
  readonly sbPc: Float64Array;
  readonly sbRelease: Uint8Array;
  readonly sbDone: Int32Array;
  readonly phaseCycles = new Float64Array(MAX_PHASES);
  readonly phaseInstructions = new Float64Array(MAX_PHASES);
  /** The waits of the instruction being timed: cause (C_*), cycles, producer pc. */
  readonly waitCause = new Int32Array(MAX_WAITS);
  readonly waitLength = new Int32Array(MAX_WAITS);
  readonly waitPc = new Float64Array(MAX_WAITS);

  constructor(model: CompiledModel) {
    const window = Math.max(1, model.file.core.window);
    const sb = Math.max(1, model.file.memory.storeBufferEntries);
    this.fullFrom = new Int32Array(model.maskCount);
    this.fullTo = new Int32Array(model.maskCount);
    this.robRetire = new Int32Array(window);
    this.robSlots = new Int16Array(window);
    this.sbStart = new Float64Array(sb);
    this.sbEnd = new Float64Array(sb);
    this.sbIssue = new Int32Array(sb);
    this.sbPc = new Float64Array(sb);
    this.sbRelease = new Uint8Array(sb);
    this.sbDone = new Int32Array(sb);
  }

  /** The state of a new simulation (scratch arrays need none). */
  clear(): this {
    this.regReady.fill(0);
    this.regFrom.fill(-1);
    this.regPc.fill(-1);
    this.busyMask.fill(0);
    this.busyCycle.fill(0);
    this.fullFrom.fill(0);
    this.fullTo.fill(0);
    this.robRetire.fill(0);
    this.robSlots.fill(0);
    this.sbStart.fill(0);
    this.sbEnd.fill(0);
    this.sbIssue.fill(0);
    this.sbPc.fill(0);
    this.sbRelease.fill(0);
    this.sbDone.fill(0);
    this.phaseCycles.fill(0);
    this.phaseInstructions.fill(0);
    return this;
  }
}

export class Core {
  readonly predictor: BranchPredictor;
  readonly #model: CompiledModel;
  readonly inOrder: boolean;
  readonly fetchWidth: number;
  readonly width: number;
  readonly window: number;
  readonly retireWidth: number;
  readonly mispredictPenalty: number;
  readonly takenBubble: number;
  readonly lineBytes: number;
  readonly coldMissPenalty: number;
  readonly lineCrossPenalty: number;
  readonly storeForwardLatency: number;
  readonly storeForwardFailLatency: number;
  readonly storeBuffered: boolean;
  readonly cold: boolean;
  readonly inOrderWriteback: boolean;
  /** The CPU file's memory-ordering rules. */
  readonly releaseWaitsForOlder: boolean;
  readonly loadForwardsFromRelease: boolean;
  readonly acquireHoldsYounger: boolean;
  readonly ldarWaitsForRelease: boolean;
  readonly dmbByDirection: boolean;
  /** Lines touched so far (cold modes only). */
  readonly lines: LineSet;

  /** The arrays the simulation works in (see {@link CoreBuffers}). */
  readonly buffers: CoreBuffers;

  robHead = 0;
  robTail = 0;
  inflight = 0;
  sbNext = 0;
  sbUsed = 0;
  fetchCycle = 0;
  fetchUsed = 0;
  /**
   * The last fetch redirect: fetch restarted at `redirectTo` because of what
   * resolved at `redirectFrom` (a mispredict, an isb), charged to `redirectCause`.
   */
  redirectFrom = 0;
  redirectTo = 0;
  redirectCause = C_BASE;
  /** Dispatch (out-of-order) or issue (in-order) bandwidth: the current cycle and slots used. */
  slotCycle = 0;
  slotUsed = 0;
  lastWriteback = 0;
  lastStoreIssue = 0;
  lastStorePc = -1;
  lastRetire = 0;
  retiredAtLast = 0;
  /** Latest completion of any instruction so far, of any memory access, of loads, of stores, of releases. */
  lastComplete = 0;
  lastMemoryComplete = 0;
  lastLoadComplete = 0;
  lastStoreComplete = 0;
  lastReleaseDone = 0;
  /**
   * Ordering in effect: nothing issues before `issueFloor` (dsb), no load
   * before `loadFloor`, no store before `storeFloor` (dmb, load-acquire).
   */
  issueFloor = 0;
  loadFloor = 0;
  storeFloor = 0;
  instructions = 0;
  coldMisses = 0;
  storeForwards = 0;
  unmatched = 0;

  /**
   * `buffers`: the arrays to work in, cleared (by default new ones; simulate
   * reuses one set per model).
   */
  constructor(
    model: CompiledModel,
    predictor: BranchPredictor,
    cold: boolean,
    buffers: CoreBuffers = new CoreBuffers(model).clear(),
  ) {
    const file = model.file;
    this.#model = model;
    this.predictor = predictor;
    this.inOrder = file.core.kind === "in-order";
    this.fetchWidth = file.core.fetchWidth;
    this.width = file.core.dispatchWidth;
    this.window = Math.max(1, file.core.window);
    this.retireWidth = file.core.retireWidth;
    this.mispredictPenalty = file.branch.mispredictPenalty;
    this.takenBubble = file.branch.takenBubble;
    const mem = file.memory;
    this.lineBytes = mem.lineBytes;
    this.coldMissPenalty = mem.coldMissPenalty;
    this.lineCrossPenalty = mem.lineCrossPenalty;
    this.storeForwardLatency = mem.storeForwardLatency;
    this.storeForwardFailLatency = mem.storeForwardFailLatency;
    this.storeBuffered = mem.storeBufferEntries > 0;
    this.cold = cold;
    this.inOrderWriteback = this.inOrder && file.core.inOrderWriteback;
    const ord = mem.ordering;
    this.releaseWaitsForOlder = ord.releaseWaitsForOlder.value;
    this.loadForwardsFromRelease = ord.loadForwardsFromRelease.value;
    this.acquireHoldsYounger = ord.acquireHoldsYounger.value;
    this.ldarWaitsForRelease = ord.ldarWaitsForRelease.value;
    this.dmbByDirection = ord.dmbByDirection.value;
    this.lines = cold ? new LineSet() : NO_LINES;
    this.buffers = buffers;
  }

  /**
   * Time the executed blocks in order: block b is `plans[b]`, execution went
   * to `next[b]` after it (NaN if unknown), and its data accesses are the
   * trace's entries from `trace.blockAccess[b]` to the next block's.
   *
   * Every instruction's charge (the cycles it moves the retire point) is split
   * by cause into `plan.causes`. The instruction's timeline, from its fetch (or
   * the previous retire point, if later) to its completion, is made of its own
   * work (fetch and dispatch bandwidth, latency: `base`) and of waits, each
   * with a cause (a redirect, a producer, ordering, ports, a miss). The charge
   * is the end of that timeline; it is taken from the waits first, the latest
   * first, and from the instruction's own work only for what the waits do not
   * cover: an instruction that would have retired for free without a wait is
   * charged to that wait. The causes of an instruction add up to its charge.
   */
  run(plans: readonly BlockPlan[], next: Float64Array, trace: TimingTrace): void {
    const model = this.#model;
    const { latency, pairLatency, uopStart, uopCount, uopMask, uopCycles, forward } = model;
    const { uopMaskId } = model;
    const { fullFrom, fullTo } = this.buffers;
    const figureCount = model.figureCount;
    const wbFigure = model.writebackFigure;
    const exempt = model.writebackExempt;
    const { inOrder, fetchWidth, width, window, retireWidth, inOrderWriteback, cold } = this;
    const { mispredictPenalty, takenBubble, lineBytes, lines } = this;
    const sbSize = this.buffers.sbStart.length;
    const { releaseWaitsForOlder, loadForwardsFromRelease, acquireHoldsYounger } = this;
    const { ldarWaitsForRelease, dmbByDirection } = this;
    const {
      regReady,
      regFrom,
      regPc,
      busyMask,
      busyCycle,
      chosenPort,
      chosenCycles,
      robRetire,
      robSlots,
    } = this.buffers;
    const { sbStart, sbEnd, sbIssue, sbPc, sbRelease, sbDone, phaseCycles, phaseInstructions } =
      this.buffers;
    const { waitCause, waitLength, waitPc } = this.buffers;
    let { robHead, robTail, inflight, sbNext, sbUsed, fetchCycle, fetchUsed } = this;
    let { redirectFrom, redirectTo, redirectCause } = this;
    let { slotCycle, slotUsed, lastWriteback, lastStoreIssue, lastStorePc, lastRetire } = this;
    let { retiredAtLast, lastComplete, lastMemoryComplete, lastLoadComplete } = this;
    let { lastStoreComplete, lastReleaseDone, issueFloor, loadFloor, storeFloor } = this;
    let { instructions, coldMisses, storeForwards, unmatched } = this;
    const blockCount = trace.blockCount;
    const blockAccess = trace.blockAccess;
    for (let b = 0; b < blockCount; b++) {
      const plan = plans[b];
      let access = blockAccess[b];
      const accessEnd = b + 1 < blockCount ? blockAccess[b + 1] : trace.accessCount;
      const target = next[b];
      const count = plan.count;
      const start = plan.start;
      // The plan's arrays in locals, loaded once per block.
      const planBarrier = plan.barrier;
      const planBranch = plan.branch;
      const planCharged = plan.charged;
      const planCauses = plan.causes;
      const planDepPc = plan.depPc;
      const planDepCycles = plan.depCycles;
      const planFigure = plan.figure;
      const planFirstResult = plan.firstResult;
      const planMemBytes = plan.memBytes;
      const planMemKind = plan.memKind;
      const planOrder = plan.order;
      const planPhase = plan.phase;
      const planReadReg = plan.readReg;
      const planReadRole = plan.readRole;
      const planReadStart = plan.readStart;
      const planSlots = plan.slots;
      const planStoreOrder = plan.storeOrder;
      const planWriteKind = plan.writeKind;
      const planWriteReg = plan.writeReg;
      const planWriteStart = plan.writeStart;
      const planWriteback = plan.writeback;
      const accessAddress = trace.accessAddress;
      const accessSize = trace.accessSize;
      const accessWrite = trace.accessWrite;
      for (let i = 0; i < count; i++) {
        instructions++;
        const pc = start + 4 * i;
        const f = planFigure[i];
        const slots = planSlots[i];
        // The timeline from its fetch (or `floor`, if later) to completion: the
        // instruction's own work and `waits` waits, recorded in waitCause/Length/Pc.
        const floor = lastRetire;
        let waits = 0;

        // Fetch.
        if (fetchUsed >= fetchWidth) {
          fetchCycle++;
          fetchUsed = 0;
        }
        const fetched = fetchCycle;
        fetchUsed++;
        // A fetch past the retire point: the part after a redirect's resolution is the redirect's.
        if (fetched > floor) {
          const lo = floor > redirectFrom ? floor : redirectFrom;
          const hi = fetched < redirectTo ? fetched : redirectTo;
          const redirected = hi > lo ? hi - lo : 0;
          if (redirected > 0) {
            waitCause[waits] = redirectCause;
            waitLength[waits] = redirected;
            waitPc[waits++] = -1;
          }
        }

        // Dispatch (out-of-order): a window slot and dispatch bandwidth, then issue a cycle later.
        let t = fetched;
        if (!inOrder) {
          while (inflight + slots > window) {
            if (robRetire[robHead] > t) t = robRetire[robHead];
            inflight -= robSlots[robHead];
            robHead = robHead + 1 === window ? 0 : robHead + 1;
          }
          if (t > slotCycle) {
            slotCycle = t;
            slotUsed = 0;
          }
          if (slotUsed > 0 && slotUsed + slots > width) {
            slotCycle++;
            slotUsed = 0;
          }
          t = slotCycle + 1;
          slotUsed += slots;
          if (slotUsed > width) {
            // More micro-ops than one cycle's bandwidth: they carry over into the next cycles.
            const extra = ((slotUsed - 1) / width) | 0;
            slotCycle += extra;
            slotUsed -= extra * width;
          }
        } else if (slotCycle > t) t = slotCycle;

        // Operands: the latest source, charged to the instruction that produced it.
        let operands = -1, producer = -1;
        for (let r = planReadStart[i], end = planReadStart[i + 1]; r < end; r++) {
          const reg = planReadReg[r];
          const from = regFrom[reg];
          const ready = from < 0
            ? regReady[reg]
            : regReady[reg] - forward[planReadRole[r] * figureCount + from];
          if (ready > operands) {
            operands = ready;
            producer = regPc[reg];
          }
        }
        if (operands > t) {
          waitCause[waits] = C_DEPENDENCY;
          waitLength[waits] = operands - t;
          waitPc[waits++] = producer;
          t = operands;
        }

        // In-order cores that write results back in program order.
        const ordered = inOrderWriteback && exempt[f] === 0;
        if (ordered && lastWriteback - planFirstResult[i] > t) {
          t = lastWriteback - planFirstResult[i];
        }
        if (inOrder) {
          // Issue bandwidth, in program order.
          if (t > slotCycle) {
            slotCycle = t;
            slotUsed = 0;
          }
          if (slotUsed > 0 && slotUsed + slots > width) {
            slotCycle++;
            slotUsed = 0;
            t = slotCycle;
          }
        }

        // Ordering: a dsb holds back everything after it; dmbs and load-acquires
        // hold back later loads and stores; an isb and a dsb wait for every older
        // instruction; an ldar waits for older store-releases (if the core does).
        const kind = planMemKind[i];
        const barrier = planBarrier[i];
        const ord = planOrder[i];
        let wait = issueFloor;
        if ((kind & M_LOAD) !== 0 && loadFloor > wait) wait = loadFloor;
        if ((kind & M_STORE) !== 0 && storeFloor > wait) wait = storeFloor;
        if ((barrier === BAR_ISB || barrier === BAR_DSB) && lastComplete > wait) {
          wait = lastComplete;
        }
        if ((ord & ORD_ACQUIRE) !== 0 && ldarWaitsForRelease && lastReleaseDone > wait) {
          wait = lastReleaseDone;
        }
        if (wait > t) {
          waitCause[waits] = C_ORDERING;
          waitLength[waits] = wait - t;
          waitPc[waits++] = -1;
          t = wait;
        }

        // Stores (and atomics) issue in program order among themselves: a wait for the older store.
        const storeLike = planStoreOrder[i] === 1;
        if (storeLike && lastStoreIssue > t) {
          waitCause[waits] = C_DEPENDENCY;
          waitLength[waits] = lastStoreIssue - t;
          waitPc[waits++] = lastStorePc;
          t = lastStoreIssue;
        }

        // Ports: the earliest cycle where every micro-op finds a free port.
        const uFirst = uopStart[f], uCount = uopCount[f];
        const wb = planWriteback[i] === 1;
        const total = uCount + (wb ? uopCount[wbFigure] : 0);
        if (total > 0) {
          const ready = t;
          // A saturated port set is skipped in one step: cycles known full for the first micro-op.
          const firstUop = uCount > 0 ? uFirst : uopStart[wbFigure];
          const firstMask = uopMaskId[firstUop];
          const firstPorts = uopMask[firstUop];
          for (;;) {
            if (t >= fullFrom[firstMask] && t < fullTo[firstMask]) t = fullTo[firstMask];
            let used = 0, k = 0;
            for (; k < total; k++) {
              const u = k < uCount ? uFirst + k : uopStart[wbFigure] + (k - uCount);
              const occupancy = uopCycles[u];
              let free = uopMask[u] & ~used;
              for (let c = t; c < t + occupancy && free !== 0; c++) {
                const slot = c & RING_MASK;
                if (busyCycle[slot] === c + 1) free &= ~busyMask[slot];
              }
              if (free === 0) break;
              const bit = free & -free;
              used |= bit;
              chosenPort[k] = bit;
              chosenCycles[k] = occupancy;
            }
            if (k === total) break;
            const slot = t & RING_MASK;
            if (
              k === 0 && busyCycle[slot] === t + 1 && (busyMask[slot] & firstPorts) === firstPorts
            ) {
              // Cycle t has none of these ports free, for good: remember it with its neighbours.
              if (t === fullTo[firstMask]) fullTo[firstMask] = t + 1;
              else if (t !== fullFrom[firstMask] - 1) {
                fullFrom[firstMask] = t;
                fullTo[firstMask] = t + 1;
              } else fullFrom[firstMask] = t;
            }
            t++;
          }
          if (t > ready) {
            waitCause[waits] = C_PORTS;
            waitLength[waits] = t - ready;
            waitPc[waits++] = -1;
          }
          for (let k = 0; k < total; k++) {
            const bit = chosenPort[k];
            for (let c = t; c < t + chosenCycles[k]; c++) {
              const slot = c & RING_MASK;
              if (busyCycle[slot] === c + 1) busyMask[slot] |= bit;
              else {
                busyCycle[slot] = c + 1;
                busyMask[slot] = bit;
              }
            }
          }
        }
        if (storeLike) {
          lastStoreIssue = t;
          lastStorePc = pc;
        }
        if (inOrder) {
          if (t > slotCycle) {
            slotCycle = t;
            slotUsed = 0;
          }
          slotUsed += slots;
          if (slotUsed > width) {
            const extra = ((slotUsed - 1) / width) | 0;
            slotCycle += extra;
            slotUsed -= extra * width;
          }
        }

        // Memory: this instruction's accesses, in program order. A load's data
        // arrives at `loadDone`, after a wait to `waitEnd` (for a buffered store's
        // data, or for a store-release to complete), its latency to `baseEnd`,
        // then extra cycles (a miss, a line crossing, a failed forward).
        let loadDone = t + latency[f];
        let waitEnd = t, loadWaitCause = C_BASE, loadWaitPc = -1, baseEnd = loadDone;
        let extraCause = C_CACHE_MISS, extraPc = -1;
        let pushed = -1;
        if (kind !== 0) {
          let address = NaN, read = 0, written = 0;
          const bytes = planMemBytes[i];
          const wantRead = (kind & M_LOAD) !== 0 ? bytes : 0;
          const wantWrite = (kind & M_STORE) !== 0 ? bytes : 0;
          while (access < accessEnd && (read < wantRead || written < wantWrite)) {
            if (address !== address) address = accessAddress[access];
            if (accessWrite[access] === 1) written += accessSize[access];
            else read += accessSize[access];
            access++;
          }
          if (read < wantRead || written < wantWrite) unmatched++;
          if (address === address) {
            const end = address + bytes;
            const firstLine = Math.floor(address / lineBytes);
            const crosses = Math.floor((end - 1) / lineBytes) !== firstLine;
            if ((kind & M_LOAD) !== 0) {
              let forwarded = false;
              // Youngest buffered store first.
              for (let s = 0, j = sbNext; s < sbUsed; s++) {
                j = j === 0 ? sbSize - 1 : j - 1;
                if (sbStart[j] < end && address < sbEnd[j]) {
                  if (sbRelease[j] === 1 && !loadForwardsFromRelease) {
                    // Not from a store-release: wait until it has completed, then read L1.
                    waitEnd = sbDone[j] > t ? sbDone[j] : t;
                    loadWaitCause = C_ORDERING;
                    baseEnd = loadDone = waitEnd + latency[f];
                  } else {
                    waitEnd = sbIssue[j] > t ? sbIssue[j] : t;
                    loadWaitCause = C_DEPENDENCY;
                    loadWaitPc = sbPc[j];
                    const full = sbStart[j] <= address && end <= sbEnd[j];
                    loadDone = waitEnd +
                      (full ? this.storeForwardLatency : this.storeForwardFailLatency);
                    baseEnd = waitEnd + this.storeForwardLatency;
                    if (baseEnd > loadDone) baseEnd = loadDone;
                    // A failed forward waits on the store it overlaps.
                    extraCause = C_DEPENDENCY;
                    extraPc = sbPc[j];
                    storeForwards++;
                  }
                  forwarded = true;
                  break;
                }
              }
              if (!forwarded) {
                if (cold && lines.add(firstLine)) {
                  loadDone += this.coldMissPenalty;
                  coldMisses++;
                }
                if (crosses) {
                  if (cold && lines.add(firstLine + 1)) {
                    loadDone += this.coldMissPenalty;
                    coldMisses++;
                  }
                  loadDone += this.lineCrossPenalty;
                }
              }
            } else if (cold) {
              // A store allocates its line without stalling: later loads hit it.
              lines.add(firstLine);
              if (crosses) lines.add(firstLine + 1);
            }
            if ((kind & M_STORE) !== 0 && this.storeBuffered) {
              sbStart[sbNext] = address;
              sbEnd[sbNext] = end;
              sbIssue[sbNext] = t;
              sbPc[sbNext] = pc;
              sbRelease[sbNext] = (ord & ORD_RELEASE) !== 0 ? 1 : 0;
              sbDone[sbNext] = t + latency[f];
              pushed = sbNext;
              sbNext = sbNext + 1 === sbSize ? 0 : sbNext + 1;
              if (sbUsed < sbSize) sbUsed++;
            }
          }
        }

        // Results.
        let done = t + latency[f];
        if (loadDone > done) done = loadDone;
        for (let w = planWriteStart[i], end = planWriteStart[i + 1]; w < end; w++) {
          const reg = planWriteReg[w];
          const wk = planWriteKind[w];
          let ready: number;
          if (wk === W_WRITEBACK) {
            ready = t + latency[wbFigure];
            regFrom[reg] = wbFigure;
          } else {
            ready = wk === W_PAIR_SECOND ? loadDone + pairLatency[f] - latency[f] : loadDone;
            regFrom[reg] = f;
          }
          regReady[reg] = ready;
          regPc[reg] = pc;
          if (ready > done) done = ready;
        }
        // Issue to done: the data's path (a wait, latency, extra cycles), then later results.
        if (loadDone >= t + latency[f]) {
          if (waitEnd > t && loadWaitCause !== C_BASE) {
            waitCause[waits] = loadWaitCause;
            waitLength[waits] = waitEnd - t;
            waitPc[waits++] = loadWaitPc;
          }
          if (loadDone > baseEnd) {
            waitCause[waits] = extraCause;
            waitLength[waits] = loadDone - baseEnd;
            waitPc[waits++] = extraPc;
          }
        }
        // A store-release completes after every older access has.
        if ((ord & ORD_RELEASE) !== 0 && releaseWaitsForOlder && lastMemoryComplete > done) {
          waitCause[waits] = C_ORDERING;
          waitLength[waits] = lastMemoryComplete - done;
          waitPc[waits++] = -1;
          done = lastMemoryComplete;
        }
        if (pushed >= 0) sbDone[pushed] = done;

        if (ordered) lastWriteback = done;
        if (done > lastComplete) lastComplete = done;
        if (kind !== 0 && done > lastMemoryComplete) lastMemoryComplete = done;
        if ((kind & M_LOAD) !== 0 && done > lastLoadComplete) lastLoadComplete = done;
        if ((kind & M_STORE) !== 0 && done > lastStoreComplete) lastStoreComplete = done;
        if ((ord & ORD_RELEASE) !== 0 && done > lastReleaseDone) lastReleaseDone = done;
        if ((ord & (ORD_ACQUIRE | ORD_ACQUIRE_PC)) !== 0 && acquireHoldsYounger) {
          if (done > loadFloor) loadFloor = done;
          if (done > storeFloor) storeFloor = done;
        }
        if (barrier !== 0) {
          if (barrier === BAR_DSB) issueFloor = done;
          else if (barrier === BAR_ISB) {
            // The pipeline is flushed: the next instruction is fetched after the
            // isb completes, paying the refill of a branch mispredict.
            fetchCycle = done + mispredictPenalty;
            fetchUsed = 0;
            redirectFrom = done;
            redirectTo = fetchCycle;
            redirectCause = C_ORDERING;
          } else {
            const direction = dmbByDirection ? barrier : BAR_DMB;
            const older = direction === BAR_DMB_LD
              ? lastLoadComplete
              : direction === BAR_DMB_ST
              ? lastStoreComplete
              : lastMemoryComplete;
            if (direction !== BAR_DMB_ST && older > loadFloor) loadFloor = older;
            if (older > storeFloor) storeFloor = older;
          }
        }

        // Branches: outcome from the next block; prediction from the trained tables.
        const br = planBranch[i];
        if (br !== B_NONE) {
          const to = i === count - 1 ? target : pc + 4;
          const taken = to !== pc + 4;
          const right = to !== to || predict(this.predictor, br, pc, to);
          // The next instruction is fetched after resolution (mispredicted) or in a new group.
          if (!right) {
            redirectFrom = t + latency[f];
            fetchCycle = redirectFrom + mispredictPenalty;
            fetchUsed = 0;
            redirectTo = fetchCycle;
            redirectCause = MISPREDICT_CAUSE[br];
          } else if (taken) {
            fetchCycle = fetched + 1 + takenBubble;
            fetchUsed = 0;
          }
        }

        // Retire, and charge the advance of the retire point to this pc.
        let retire = done > lastRetire ? done : lastRetire;
        // Retire bandwidth: a cycle of the instruction's own.
        if (retire === lastRetire && retiredAtLast >= retireWidth) retire++;
        if (retire === lastRetire) retiredAtLast++;
        else retiredAtLast = 1;
        const charge = retire - lastRetire;
        lastRetire = retire;
        planCharged[i] += charge;
        if (charge !== 0) {
          // The charge is the timeline's tail past `floor` (done - origin = own + waits):
          // waits first, latest first, then own work.
          const at = i * CAUSE_COUNT;
          let left = done > floor ? done - floor : charge;
          for (let w = waits - 1; w >= 0 && left > 0 && done > floor; w--) {
            const g = waitLength[w] < left ? waitLength[w] : left;
            left -= g;
            planCauses[at + waitCause[w]] += g;
            if (waitCause[w] === C_DEPENDENCY) {
              const producer = waitPc[w];
              if (planDepPc[i] === producer) planDepCycles[i] += g;
              else if (planDepPc[i] === -1) {
                planDepPc[i] = producer;
                planDepCycles[i] = g;
              } else alsoDependsOn(plan, i, producer, g);
            }
          }
          planCauses[at + C_BASE] += left;
        }

        phaseCycles[planPhase[i]] += charge;
        phaseInstructions[planPhase[i]]++;
        if (!inOrder) {
          robRetire[robTail] = retire;
          robSlots[robTail] = slots;
          robTail = robTail + 1 === window ? 0 : robTail + 1;
          inflight += slots;
        }
      }
      unmatched += accessEnd - access;
    }

    this.robHead = robHead;
    this.robTail = robTail;
    this.inflight = inflight;
    this.sbNext = sbNext;
    this.sbUsed = sbUsed;
    this.fetchCycle = fetchCycle;
    this.fetchUsed = fetchUsed;
    this.redirectFrom = redirectFrom;
    this.redirectTo = redirectTo;
    this.redirectCause = redirectCause;
    this.slotCycle = slotCycle;
    this.slotUsed = slotUsed;
    this.lastWriteback = lastWriteback;
    this.lastStoreIssue = lastStoreIssue;
    this.lastStorePc = lastStorePc;
    this.lastRetire = lastRetire;
    this.retiredAtLast = retiredAtLast;
    this.lastComplete = lastComplete;
    this.lastMemoryComplete = lastMemoryComplete;
    this.lastLoadComplete = lastLoadComplete;
    this.lastStoreComplete = lastStoreComplete;
    this.lastReleaseDone = lastReleaseDone;
    this.issueFloor = issueFloor;
    this.loadFloor = loadFloor;
    this.storeFloor = storeFloor;
    this.instructions = instructions;
    this.coldMisses = coldMisses;
    this.storeForwards = storeForwards;
    this.unmatched = unmatched;
  }
}
