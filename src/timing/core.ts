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
  B_DIRECT,
  B_INDIRECT,
  B_INDIRECT_CALL,
  B_NONE,
  B_RETURN,
  BAR_DMB,
  BAR_DSB,
  BAR_ISB,
  type BlockPlan,
  M_LOAD,
  M_STORE,
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

/** Feed one branch outcome to the predictor; true when it was predicted right. */
export function predict(p: BranchPredictor, kind: number, pc: number, next: number): boolean {
  switch (kind) {
    case B_COND:
      return p.conditionalBranch(pc, next !== pc + 4);
    case B_DIRECT:
      return true;
    case B_CALL:
      p.call(pc + 4);
      return true;
    case B_INDIRECT:
      return p.indirectBranch(pc, next);
    case B_INDIRECT_CALL:
      p.call(pc + 4);
      return p.indirectBranch(pc, next);
    case B_RETURN:
      return p.returnBranch(pc, next);
  }
  return true;
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
  readonly lines = new LineSet();

  // Cycles are int32 throughout (a trace of 2^31 cycles is refused): the loop stays in integer registers.
  readonly regReady = new Int32Array(REGISTER_COUNT);
  readonly regFrom = new Int16Array(REGISTER_COUNT).fill(-1);
  readonly busyMask = new Int32Array(RING);
  readonly busyCycle = new Int32Array(RING);
  /** Per distinct port mask: [fullFrom, fullTo) are cycles known to have none of its ports free. */
  readonly fullFrom: Int32Array;
  readonly fullTo: Int32Array;
  readonly chosenPort = new Int32Array(64);
  readonly chosenCycles = new Int32Array(64);
  readonly robRetire: Int32Array;
  readonly robSlots: Int16Array;
  readonly sbSize: number;
  readonly sbStart: Float64Array;
  readonly sbEnd: Float64Array;
  readonly sbIssue: Int32Array;
  readonly phaseCycles = new Float64Array(MAX_PHASES);
  readonly phaseInstructions = new Float64Array(MAX_PHASES);

  robHead = 0;
  robTail = 0;
  inflight = 0;
  sbNext = 0;
  sbUsed = 0;
  fetchCycle = 0;
  fetchUsed = 0;
  /** Dispatch (out-of-order) or issue (in-order) bandwidth: the current cycle and slots used. */
  slotCycle = 0;
  slotUsed = 0;
  lastWriteback = 0;
  lastStoreIssue = 0;
  lastRetire = 0;
  retiredAtLast = 0;
  /** Latest completion of any instruction so far, and of any memory access. */
  lastComplete = 0;
  lastMemoryComplete = 0;
  /** Barriers in effect: nothing issues before `issueFloor`, no memory access before `memoryFloor`. */
  issueFloor = 0;
  memoryFloor = 0;
  instructions = 0;
  coldMisses = 0;
  storeForwards = 0;
  unmatched = 0;

  constructor(model: CompiledModel, predictor: BranchPredictor, cold: boolean) {
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
    this.robRetire = new Int32Array(this.window);
    this.fullFrom = new Int32Array(model.maskCount);
    this.fullTo = new Int32Array(model.maskCount);
    this.robSlots = new Int16Array(this.window);
    this.sbSize = Math.max(1, mem.storeBufferEntries);
    this.sbStart = new Float64Array(this.sbSize);
    this.sbEnd = new Float64Array(this.sbSize);
    this.sbIssue = new Int32Array(this.sbSize);
  }

  /**
   * Time the executed blocks in order: block b is `plans[b]`, execution went
   * to `next[b]` after it (NaN if unknown), and its data accesses are the
   * trace's entries from `trace.blockAccess[b]` to the next block's.
   */
  run(plans: readonly BlockPlan[], next: Float64Array, trace: TimingTrace): void {
    const model = this.#model;
    const { latency, pairLatency, uopStart, uopCount, uopMask, uopCycles, forward } = model;
    const { uopMaskId } = model;
    const { fullFrom, fullTo } = this;
    const figureCount = model.figureCount;
    const wbFigure = model.writebackFigure;
    const exempt = model.writebackExempt;
    const { inOrder, fetchWidth, width, window, retireWidth, inOrderWriteback, cold } = this;
    const { mispredictPenalty, takenBubble, lineBytes, lines, sbSize } = this;
    const {
      regReady,
      regFrom,
      busyMask,
      busyCycle,
      chosenPort,
      chosenCycles,
      robRetire,
      robSlots,
    } = this;
    const { sbStart, sbEnd, sbIssue, phaseCycles, phaseInstructions } = this;
    let { robHead, robTail, inflight, sbNext, sbUsed, fetchCycle, fetchUsed } = this;
    let { slotCycle, slotUsed, lastWriteback, lastStoreIssue, lastRetire, retiredAtLast } = this;
    let { lastComplete, lastMemoryComplete, issueFloor, memoryFloor } = this;
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
      const planFigure = plan.figure;
      const planFirstResult = plan.firstResult;
      const planMemBytes = plan.memBytes;
      const planMemKind = plan.memKind;
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

        // Fetch.
        if (fetchUsed >= fetchWidth) {
          fetchCycle++;
          fetchUsed = 0;
        }
        const fetched = fetchCycle;
        fetchUsed++;

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

        // Operands.
        for (let r = planReadStart[i], end = planReadStart[i + 1]; r < end; r++) {
          const reg = planReadReg[r];
          const from = regFrom[reg];
          const ready = from < 0
            ? regReady[reg]
            : regReady[reg] - forward[planReadRole[r] * figureCount + from];
          if (ready > t) t = ready;
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

        // Barriers: a dsb holds back everything after it, a dmb later memory
        // accesses; an isb and a dsb wait for every older instruction.
        const kind = planMemKind[i];
        const barrier = planBarrier[i];
        if (issueFloor > t) t = issueFloor;
        if (kind !== 0 && memoryFloor > t) t = memoryFloor;
        if ((barrier === BAR_ISB || barrier === BAR_DSB) && lastComplete > t) t = lastComplete;

        // Stores (and atomics) issue in program order among themselves.
        const storeLike = planStoreOrder[i] === 1;
        if (storeLike && lastStoreIssue > t) t = lastStoreIssue;

        // Ports: the earliest cycle where every micro-op finds a free port.
        const uFirst = uopStart[f], uCount = uopCount[f];
        const wb = planWriteback[i] === 1;
        const total = uCount + (wb ? uopCount[wbFigure] : 0);
        if (total > 0) {
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
        if (storeLike) lastStoreIssue = t;
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

        // Memory: this instruction's accesses, in program order.
        let loadDone = t + latency[f];
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
                  const from = sbIssue[j] > t ? sbIssue[j] : t;
                  const full = sbStart[j] <= address && end <= sbEnd[j];
                  loadDone = from +
                    (full ? this.storeForwardLatency : this.storeForwardFailLatency);
                  forwarded = true;
                  storeForwards++;
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
          if (ready > done) done = ready;
        }

        if (ordered) lastWriteback = done;
        if (done > lastComplete) lastComplete = done;
        if (kind !== 0 && done > lastMemoryComplete) lastMemoryComplete = done;
        if (barrier === BAR_DSB) issueFloor = done;
        else if (barrier === BAR_DMB) memoryFloor = lastMemoryComplete;
        else if (barrier === BAR_ISB) {
          // The pipeline is flushed: the next instruction is fetched after the
          // isb completes, paying the refill of a branch mispredict.
          fetchCycle = done + mispredictPenalty;
          fetchUsed = 0;
        }

        // Branches: outcome from the next block; prediction from the trained tables.
        const br = planBranch[i];
        if (br !== B_NONE) {
          const to = i === count - 1 ? target : pc + 4;
          const taken = to !== pc + 4;
          const right = to !== to || predict(this.predictor, br, pc, to);
          // The next instruction is fetched after resolution (mispredicted) or in a new group.
          if (!right) {
            fetchCycle = t + latency[f] + mispredictPenalty;
            fetchUsed = 0;
          } else if (taken) {
            fetchCycle = fetched + 1 + takenBubble;
            fetchUsed = 0;
          }
        }

        // Retire, and charge the advance of the retire point to this pc.
        let retire = done > lastRetire ? done : lastRetire;
        if (retire === lastRetire && retiredAtLast >= retireWidth) retire++;
        if (retire === lastRetire) retiredAtLast++;
        else retiredAtLast = 1;
        const charge = retire - lastRetire;
        lastRetire = retire;
        planCharged[i] += charge;
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
    this.slotCycle = slotCycle;
    this.slotUsed = slotUsed;
    this.lastWriteback = lastWriteback;
    this.lastStoreIssue = lastStoreIssue;
    this.lastRetire = lastRetire;
    this.retiredAtLast = retiredAtLast;
    this.lastComplete = lastComplete;
    this.lastMemoryComplete = lastMemoryComplete;
    this.issueFloor = issueFloor;
    this.memoryFloor = memoryFloor;
    this.instructions = instructions;
    this.coldMisses = coldMisses;
    this.storeForwards = storeForwards;
    this.unmatched = unmatched;
  }
}
