/**
 * A one-line progress bar on stderr for long sweeps. It is drawn only for a
 * person at a terminal: never in CI, with `--quiet`, or when stdout carries
 * JSON (`--json -`), where the table already goes to stderr.
 */

/** Whether to draw a progress bar. */
export function progressWanted(opts: {
  stderrIsTerminal: boolean;
  ci: boolean;
  quiet: boolean;
  jsonToStdout: boolean;
}): boolean {
  return opts.stderrIsTerminal && !opts.ci && !opts.quiet && !opts.jsonToStdout;
}

/** "[#########-----------]  12/45 single-tracer" */
export function progressLine(done: number, total: number, label: string, width = 24): string {
  const filled = total > 0 ? Math.round((done / total) * width) : width;
  const count = `${String(done).padStart(String(total).length)}/${total}`;
  return `[${"#".repeat(filled)}${"-".repeat(width - filled)}] ${count} ${label}`;
}

/** Redraws one terminal line in place; `clear()` removes it before the table prints. */
export class ProgressBar {
  private last = "";
  private readonly encoder = new TextEncoder();

  constructor(private readonly write: (bytes: Uint8Array) => void) {}

  update(done: number, total: number, label: string): void {
    const line = progressLine(done, total, label);
    if (line === this.last) return;
    this.last = line;
    this.write(this.encoder.encode(`\r${line}\x1b[K`));
  }

  clear(): void {
    if (this.last) this.write(this.encoder.encode("\r\x1b[K"));
    this.last = "";
  }
}

/** A bar on Deno.stderr when wanted, else undefined. */
export function stderrProgress(quiet: boolean, jsonToStdout: boolean): ProgressBar | undefined {
  const wanted = progressWanted({
    stderrIsTerminal: Deno.stderr.isTerminal(),
    ci: !["", "0", "false"].includes(Deno.env.get("CI")?.toLowerCase() ?? ""),
    quiet,
    jsonToStdout,
  });
  return wanted ? new ProgressBar((b) => Deno.stderr.writeSync(b)) : undefined;
}
