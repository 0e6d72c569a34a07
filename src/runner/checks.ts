/**
 * The correctness checks run on every case. A variant that fails one is
 * reported as failed and not measured.
 *
 * The observer watches tracer entries as they happen, reads calls, indirect
 * branches and sp events from the run's execution log, and evaluates
 * afterwards: return value, callee-saved registers, what the tracer saw, SP
 * alignment, the unwinder's view from inside the tracer, and BTI landing pads.
 */
import { type Engine, type ExecutionLog, type Register, SP_EVENT_LIMIT } from "../engine/engine.ts";
import { REG_SP } from "../isa/types.ts";
import { patchSiteBlOffset } from "../kernel/functions.ts";
import type { Probe } from "../kernel/variants/variant.ts";
import { expectedResult } from "../kernel/workload.ts";
import { anchor, type InitialState, type LoadedWorld } from "./machine.ts";
import type { CheckResult } from "./result.ts";
import { ContractError } from "../kernel/contract.ts";
import { cached, LruMap } from "../lru.ts";
import { sameTexts } from "../asm/objects.ts";
import type { LoadedImage } from "../asm/loader.ts";

const MAX_FRAMES = 16;

/** What a tracer's entry reads: its first arguments, the frame pointer, lr, pc and sp. */
const ENTRY_REGISTERS: readonly Register[] = ["x0", "x1", "x2", "x3", "x29", "x30", "pc", "sp"];

/**
 * Names of code addresses by code placement (LoadedImage.codeKey): a name in
 * the code is the code's, whatever the data, and a sweep unwinds the same
 * return addresses case after case.
 */
const codeNames = new LruMap<string, Map<number, string>>(64);
/** sp-alignment violations reported per run. */
const MAX_SP_VIOLATIONS = 4;

/** What the AAPCS64 callee must give back: x19..x28, the frame pointer and sp. */
const CALLEE_SAVED: readonly Register[] = [
  ...Array.from({ length: 10 }, (_, i) => `x${19 + i}` as Register),
  "x29",
  "sp",
];

/** What a probe recorded at one entry into a tracer. */
interface ProbeHit {
  symbol: string;
  ip: bigint;
  parentIp: bigint | undefined;
  args: bigint[];
  /** ctx[nargs] at a BPF program's entry, when the probe expects the return value there. */
  returnValue?: bigint;
  /** Function names and return addresses found by walking frame records. */
  chain: string[];
  chainAddresses: bigint[];
  chainError?: string;
}

interface SpViolation {
  pc: number;
  sp: bigint;
  what: string;
}

const hex = (v: bigint | number) => `0x${v.toString(16)}`;

/** The symbol `address` is in, or its hex value. */
function symbolName(image: LoadedImage, address: bigint): string {
  return image.symbolize(address)?.name ?? hex(address);
}

function readU64(engine: Engine, address: bigint): bigint {
  const b = engine.read(address, 8);
  return new DataView(b.buffer, b.byteOffset, 8).getBigUint64(0, true);
}

/** The live stack of a tracer entry, read into the same buffer stop after stop. */
let stackScratch = new Uint8Array(4096);

const entryPoints = new WeakMap<LoadedWorld, ReadonlyMap<string, bigint>>();

/**
 * Every tracer entry point in a world, by symbol: exactly the tracers it
 * declares and its probes (no naming convention). Worked out once per loaded
 * world (the case memo's key reads it too); a name the image does not define
 * is a broken contract.
 */
export function tracerEntryPoints(loaded: LoadedWorld): ReadonlyMap<string, bigint> {
  return cached(entryPoints, loaded, () => {
    const probed = new Set(loaded.world.probes.map((p) => p.symbol));
    const entries = new Map<string, bigint>();
    for (const name of new Set([...loaded.world.tracers, ...probed])) {
      const address = loaded.image.symbols.get(name);
      if (address === undefined) {
        throw new ContractError(
          `${probed.has(name) ? "a probe is set" : "a tracer is declared"} on ${name}, which the ` +
            `world (${loaded.world.unit.name}) does not define: name a function the variant's ` +
            `or the tracers' assembly defines`,
        );
      }
      entries.set(name, address);
    }
    return entries;
  });
}

export class CheckObserver {
  private readonly hits: ProbeHit[] = [];
  private readonly spViolations: SpViolation[] = [];
  /** sp was misaligned more often than the log keeps events, and none kept broke a rule. */
  private spTruncated = false;
  private readonly btiFaults: string[] = [];
  private readonly stackLow: bigint;
  private readonly probeBySymbol: Map<string, Probe>;
  /** Every tracer entry point in the image, with expected call counts (0 unless probed). */
  readonly tracerEntries: ReadonlyMap<string, bigint>;

  constructor(
    private readonly loaded: LoadedWorld,
    private readonly engine: Engine,
    private readonly initial: InitialState,
  ) {
    this.stackLow = loaded.layout.stackBase;
    this.probeBySymbol = new Map(loaded.world.probes.map((p) => [p.symbol, p]));
    this.tracerEntries = tracerEntryPoints(loaded);
  }

  /** Tracer entries seen so far. */
  get tracersEntered(): number {
    return this.hits.length;
  }

  /** A tracer's first instruction is about to run: record what it was given. */
  onTracerEntry(symbol: string): void {
    const e = this.engine;
    const regs = e.readRegisters(ENTRY_REGISTERS);
    const [x0, x1, x2, x3, fp, lr, pc, sp] = regs;
    const read64 = this.stackReader(sp);
    const probe = this.probeBySymbol.get(symbol);
    const nargs = this.loaded.world.workload.target.args;
    const hit: ProbeHit = { symbol, ip: x0, parentIp: x1, args: [], chain: [], chainAddresses: [] };
    this.walkFrames(hit, pc, lr, fp, read64, probe?.resolveReturnHook);
    if (probe) {
      // The kernel layer reads the view in this kernel's layout.
      const seen = this.loaded.world.views.read(probe.view, {
        x: [x0, x1, x2, x3],
        read64,
        nargs,
        returnValue: probe.returnValue ?? false,
      });
      hit.ip = seen.ip ?? hit.ip;
      hit.parentIp = "parentIp" in seen ? seen.parentIp : undefined;
      hit.args = seen.args;
      hit.returnValue = seen.returnValue;
      if (probe.view === "bpf_ctx") {
        // A BPF prog is not given its parent ip: take it from the callsite's frame record.
        const callerAt = hit.chain.indexOf("caller");
        hit.parentIp = callerAt >= 0 ? hit.chainAddresses[callerAt] : undefined;
      }
    }
    this.hits.push(hit);
  }

  /**
   * Reads of one stop: the live stack (sp up to its top) is read in one call, since
   * frame records and the tracer's saved state are there; any other address as asked.
   */
  private stackReader(sp: bigint): (address: bigint) => bigint {
    const top = this.initial.stackTop;
    const low = sp >= this.stackLow && sp < top ? sp : top;
    const size = low < top ? Number(top - low) : 0;
    if (stackScratch.length < size) {
      stackScratch = new Uint8Array(Math.max(size, 2 * stackScratch.length));
    }
    // Valid until the next stop: a stop's reads are made before it returns.
    const bytes = stackScratch.subarray(0, size);
    if (size > 0) this.engine.readInto(low, bytes);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
    const last = BigInt(bytes.length) - 8n; // the last offset a whole word is read from
    return (address) => {
      const at = address - low;
      return at >= 0n && at <= last
        ? view.getBigUint64(Number(at), true)
        : readU64(this.engine, address);
    };
  }

  /**
   * Unwind like the kernel: pc, lr, then frame records from x29 up to the final {0, 0}.
   * With `returnHook`, its address is replaced by the return stack's entries, newest first.
   */
  private walkFrames(
    hit: ProbeHit,
    pc: bigint,
    lr: bigint,
    fp: bigint,
    read64: (address: bigint) => bigint,
    returnHook?: string,
  ): void {
    const hook = returnHook === undefined ? undefined : this.loaded.image.address(returnHook);
    let resolved = 0;
    const push = (found: bigint) => {
      let address = found;
      if (address === hook) address = this.graphReturnAddress(resolved++) ?? address;
      hit.chainAddresses.push(address);
      hit.chain.push(this.nameOf(address));
    };
    push(pc);
    push(lr);
    const top = this.initial.stackTop;
    for (let depth = 0; depth < MAX_FRAMES; depth++) {
      if (fp % 16n !== 0n || fp < this.stackLow || fp + 16n > top) {
        hit.chainError = `frame pointer ${hex(fp)} is not a 16-byte aligned stack address`;
        return;
      }
      const prev = read64(fp);
      const ret = read64(fp + 8n);
      if (prev === 0n && ret === 0n) return; // the final frame record
      push(ret);
      fp = prev;
    }
    hit.chainError = `more than ${MAX_FRAMES} frames`;
  }

  /** The names of this code's addresses: looked up once per case, not once per frame. */
  private codeNameMap?: Map<number, string>;

  /** The symbol an address is in, or its hex value. */
  private nameOf(address: bigint): string {
    const { image, code } = this.loaded;
    const at = Number(address);
    if (image.codeKey === undefined || code.word(at) === undefined) {
      return symbolName(image, address);
    }
    const names = this.codeNameMap ??= cached(codeNames, image.codeKey, () => new Map());
    // No closure per lookup: a tracer entry's unwind names every frame (hits, nearly all).
    let name = names.get(at);
    if (name === undefined) names.set(at, name = symbolName(image, address));
    return name;
  }

  /** current->ret_stack[curr_ret_stack - k].ret, or undefined when there is no such entry. */
  private graphReturnAddress(k: number): bigint | undefined {
    const task = this.engine.readRegister("sp_el0");
    return this.loaded.world.views.graphReturn(task, k, (a) => readU64(this.engine, a));
  }

  /**
   * Where the run found sp misaligned, from its execution log: a block
   * entered by bl/blr (sp must be 16-byte aligned at every call), and stack
   * accesses, which break the rule when sp is their base register.
   * `calledBlocks` holds the log indexes of blocks entered by a call.
   */
  observeSp(log: ExecutionLog, calledBlocks: ReadonlySet<number>): void {
    const found: (SpViolation & { block: number; order: number })[] = [];
    for (const e of log.misalignedEntries) {
      if (calledBlocks.has(e.block)) {
        found.push({ block: e.block, order: 0, pc: e.pc, sp: e.sp, what: "call" });
      }
    }
    log.misalignedStackAccesses.forEach((e, i) => {
      const insn = this.loaded.code.instruction(e.pc);
      if (insn?.cls && insn.mem?.base === REG_SP) {
        found.push({
          block: e.block,
          order: 1 + i,
          pc: e.pc,
          sp: e.sp,
          what: `${insn.mnemonic} through sp`,
        });
      }
    });
    found.sort((a, b) => a.block - b.block || a.order - b.order);
    this.spViolations.push(...found.slice(0, MAX_SP_VIOLATIONS));
    if (found.length === 0 && log.spEventsTruncated) this.spTruncated = true;
  }

  /**
   * An indirect branch landed at `target`. With BTI, a `blr` must land on
   * `bti c`/`bti jc` (or paciasp), a `br` on `bti j`/`bti jc`, except that
   * `br x16`/`br x17` may also land on `bti c`.
   */
  onIndirectBranch(
    from: number,
    kind: "indirect-call" | "indirect-jump",
    reg: number,
    target: number,
  ) {
    if (!this.loaded.world.workload.codegen.bti || this.btiFaults.length >= 4) return;
    const insn = this.loaded.code.instruction(target);
    const pad = insn?.cls ? insn.landingPad : undefined;
    const ok = kind === "indirect-call"
      ? pad === "c" || pad === "jc"
      : pad === "j" || pad === "jc" || ((reg === 16 || reg === 17) && pad === "c");
    if (!ok) {
      const branch = this.loaded.code.instruction(from);
      this.btiFaults.push(
        `${branch?.cls ? branch.mnemonic : "branch"} at ${this.loaded.code.describe(from)} ` +
          `landed on ${this.loaded.code.describe(target)}, which is ${
            pad ? `bti ${pad}` : "not a landing pad"
          }`,
      );
    }
  }

  /** Evaluate every check after the run; `final` holds the registers at the stop. */
  evaluate(final: ReadonlyMap<Register, bigint>): CheckResult[] {
    return [
      this.returnValue(final),
      this.calleeSaved(final),
      this.tracerCalls(),
      this.tracerSaw(),
      this.spAlignment(),
      this.unwind(),
      this.landingPads(),
    ];
  }

  private returnValue(final: ReadonlyMap<Register, bigint>): CheckResult {
    if (this.loaded.world.voidTarget) {
      const name = this.loaded.world.workload.target.name;
      return { name: "return-value", ok: true, detail: `${name} returns void: nothing to check` };
    }
    const want = resultFor(this.initial.args);
    const got = final.get("x0")!;
    return {
      name: "return-value",
      ok: got === want,
      detail: got === want ? `x0 = ${hex(got)}` : `x0 = ${hex(got)}, expected ${hex(want)}`,
    };
  }

  private calleeSaved(final: ReadonlyMap<Register, bigint>): CheckResult {
    const bad: Register[] = [];
    for (const r of CALLEE_SAVED) {
      if (final.get(r) !== this.initial.registers.get(r)) bad.push(r);
    }
    return {
      name: "callee-saved",
      ok: bad.length === 0,
      detail: bad.length === 0
        ? "x19-x28, x29 and sp preserved"
        : bad.map((r) =>
          `${r} = ${hex(final.get(r)!)} (was ${hex(this.initial.registers.get(r)!)})`
        ).join(", "),
    };
  }

  private tracerCalls(): CheckResult {
    const counts = new Map<string, number>();
    for (const h of this.hits) counts.set(h.symbol, (counts.get(h.symbol) ?? 0) + 1);
    const wrong: string[] = [];
    const seen = new Set([...counts.keys(), ...this.probeBySymbol.keys()]);
    for (const symbol of seen) {
      const want = this.probeBySymbol.get(symbol)?.calls ?? 0;
      const got = counts.get(symbol) ?? 0;
      if (got !== want) wrong.push(`${symbol} called ${got} times, expected ${want}`);
    }
    const expected = [...this.probeBySymbol.values()].map((p) => `${p.symbol} x${p.calls}`);
    return {
      name: "tracer-calls",
      ok: wrong.length === 0,
      detail: wrong.length
        ? wrong.join("; ")
        : expected.length
        ? expected.join(", ")
        : "no tracer called",
    };
  }

  private tracerSaw(): CheckResult {
    const image = this.loaded.image;
    const site = image.address(this.loaded.world.workload.target.name) +
      BigInt(patchSiteBlOffset(this.loaded.world.workload.codegen));
    const parent = anchor(image, "caller_ret");
    const want = this.initial.args;
    const problems: string[] = [];
    for (const h of this.hits.filter((h) => this.probeBySymbol.has(h.symbol))) {
      const probe = this.probeBySymbol.get(h.symbol)!;
      // A function-graph exit handler is told the function and its return value only.
      const siteOnly = probe.expect === "site-only";
      want.forEach((v, i) => {
        if (!siteOnly && h.args[i] !== v) {
          problems.push(`${h.symbol}: arg${i} = ${hex(h.args[i])}, expected ${hex(v)}`);
        }
      });
      const result = resultFor(want);
      if (probe.returnValue && h.returnValue !== result) {
        problems.push(
          `${h.symbol}: return value ${
            h.returnValue === undefined ? "unknown" : hex(h.returnValue)
          }, ` +
            `expected ${hex(result)}`,
        );
      }
      if (probe.expect === "arguments-only") continue;
      if (h.ip !== site) problems.push(`${h.symbol}: ip ${hex(h.ip)}, expected BL at ${hex(site)}`);
      if (!siteOnly && h.parentIp !== parent) {
        problems.push(
          `${h.symbol}: parent ip ${h.parentIp === undefined ? "unknown" : hex(h.parentIp)}, ` +
            `expected ${hex(parent)}`,
        );
      }
    }
    return {
      name: "tracer-saw",
      ok: problems.length === 0,
      detail: problems.length
        ? problems.join("; ")
        : this.hits.length
        ? `ip ${hex(site)}, parent ip ${hex(parent)}, ${want.length} argument(s)`
        : "no tracer called",
    };
  }

  private spAlignment(): CheckResult {
    const v = this.spViolations[0];
    if (!v && this.spTruncated) {
      return {
        name: "sp-alignment",
        ok: false,
        detail: `sp was misaligned at more than ${SP_EVENT_LIMIT} block entries or stack ` +
          `accesses; the first ${SP_EVENT_LIMIT} of each broke no rule, the rest were not checked`,
      };
    }
    return {
      name: "sp-alignment",
      ok: v === undefined,
      detail: v
        ? `sp = ${hex(v.sp)} at ${this.loaded.code.describe(v.pc)} (${v.what})` +
          (this.spViolations.length > 1 ? ` and ${this.spViolations.length - 1} more` : "")
        : "sp 16-byte aligned at every sp-based access and call",
    };
  }

  private landingPads(): CheckResult {
    const bti = this.loaded.world.workload.codegen.bti;
    return {
      name: "bti",
      ok: this.btiFaults.length === 0,
      detail: !bti
        ? "kernel built without BTI: not checked"
        : this.btiFaults.length
        ? `BTI fault: ${this.btiFaults.join("; ")}`
        : "every br/blr landed on a compatible landing pad",
    };
  }

  private unwind(): CheckResult {
    const problems: string[] = [];
    for (const h of this.hits) {
      const probe = this.probeBySymbol.get(h.symbol);
      if (!probe) continue;
      // Texts only for what is reported: a call-ops case may enter its tracer dozens of times.
      const got = () => h.chain.join(" <- ");
      if (h.chainError) problems.push(`from ${h.symbol}: ${h.chainError} after ${got()}`);
      else if (!sameTexts(h.chain, probe.chain)) {
        problems.push(`from ${h.symbol}: ${got()}; expected ${probe.chain.join(" <- ")}`);
      }
    }
    const first = this.hits.find((h) => this.probeBySymbol.has(h.symbol));
    return {
      name: "unwind",
      ok: problems.length === 0,
      detail: problems.length
        ? problems.join("; ")
        : first
        ? first.chain.join(" <- ")
        : "no tracer called",
    };
  }
}

/**
 * What the traced function returns for a start state's arguments, worked
 * out once per (shared) argument list: the checks ask for every case and
 * every tracer entry.
 */
const results = new WeakMap<readonly bigint[], bigint>();

function resultFor(args: readonly bigint[]): bigint {
  return cached(results, args, () => expectedResult(args));
}
