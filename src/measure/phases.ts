/**
 * Maps code addresses to hot-path phases using the `__phase.<phase>.*`
 * markers the generated assembly carries.
 *
 * A marker covers the instructions after it up to the next marker, and never
 * past the start of another function: an instruction whose function has no
 * marker at or before it is outside any declared phase, an error naming its
 * symbol and offset rather than a silent credit to the previous function's phase.
 */
import { PHASE_PREFIX } from "../kernel/asm_writer.ts";
import type { NamedAddress } from "../asm/loader.ts";
import { ContractError } from "../kernel/contract.ts";

/** Code that runs outside any declared phase: a contract of the variant's code is broken. */
export class PhaseError extends ContractError {
  constructor(message: string) {
    super(message);
    this.name = "PhaseError";
  }
}

/** Where a code address lies: the symbol it follows and the offset (LoadedImage.symbolize). */
export type Symbolizer = (address: bigint) => { name: string; offset: number } | undefined;

/** Where phases start and their names, in address order: what equal code shares. */
export interface PhaseTable {
  readonly starts: readonly number[];
  readonly names: readonly string[];
  /** The phases and where they start, as text: equal tables have equal signatures. */
  readonly signature: string;
}

/** The table of `__phase.<phase>.*` markers. */
export function phaseTable(markers: readonly NamedAddress[]): PhaseTable {
  const sorted = [...markers].sort((a, b) => (a.address < b.address ? -1 : 1));
  const starts = sorted.map((m) => Number(m.address));
  const names = sorted.map((m) =>
    m.name.slice(PHASE_PREFIX.length).split(".")[0].replace("_", "-")
  );
  return { starts, names, signature: starts.map((at, i) => `${at}:${names[i]}`).join(" ") };
}

export class PhaseMap {
  private readonly starts: readonly number[];
  private readonly names: readonly string[];
  /** The phases and where they start, as text: equal maps have equal signatures. */
  readonly signature: string;

  /** @param markers the markers, or their table (shared by links of the same code) */
  constructor(
    markers: readonly NamedAddress[] | PhaseTable,
    private readonly symbolize?: Symbolizer,
  ) {
    const table = "signature" in markers ? markers : phaseTable(markers);
    this.starts = table.starts;
    this.names = table.names;
    this.signature = table.signature;
  }

  /** The phase of the last marker at or below `address` within its function, or "other". */
  at(address: number): string {
    let lo = 0, hi = this.starts.length - 1, found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (this.starts[mid] <= address) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    const sym = this.symbolize?.(BigInt(address));
    if (sym && (found < 0 || this.starts[found] < address - sym.offset)) {
      const where = sym.offset ? `${sym.name}+0x${sym.offset.toString(16)}` : sym.name;
      throw new PhaseError(
        `the instruction at ${where} (0x${address.toString(16)}) ran outside any declared ` +
          `phase: ${sym.name} has no phase marker at or before it; start each function's ` +
          `code with a phase (AsmWriter.phase(), or a \`__phase.<name>.<tag>.<n>:\` label)`,
      );
    }
    return found < 0 ? "other" : this.names[found];
  }
}
