/**
 * Maps code addresses to hot-path phases using the `__phase.<phase>.*`
 * markers the generated assembly carries.
 */
import { PHASE_PREFIX } from "../kernel/asm_writer.ts";
import type { NamedAddress } from "../asm/loader.ts";

export class PhaseMap {
  private readonly starts: number[];
  private readonly names: string[];

  constructor(markers: readonly NamedAddress[]) {
    const sorted = [...markers].sort((a, b) => (a.address < b.address ? -1 : 1));
    this.starts = sorted.map((m) => Number(m.address));
    this.names = sorted.map((m) =>
      m.name.slice(PHASE_PREFIX.length).split(".")[0].replace("_", "-")
    );
  }

  /** The phase of the last marker at or below `address`, or "other". */
  at(address: number): string {
    let lo = 0, hi = this.starts.length - 1, found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (this.starts[mid] <= address) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    return found < 0 ? "other" : this.names[found];
  }
}
