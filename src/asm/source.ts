/**
 * Assembly source as the harness builds it: a unit made of chunks, each
 * remembering where its text came from so errors can point back at it.
 */

/** A piece of assembly text and where it came from. */
export interface AsmChunk {
  /** Where the text came from, e.g. "src/kernel/variants/args.ts: ftrace_caller". */
  origin: string;
  text: string;
}

/** Everything assembled into one object file. */
export interface AsmUnit {
  /** Short name used in messages and logs, e.g. "single-tracer/args". */
  name: string;
  chunks: AsmChunk[];
}

/** The unit's full source: chunks joined with newlines, in order. */
export function unitText(unit: AsmUnit): string {
  return unit.chunks.map((c) => c.text).join("\n");
}

/** Where a line of {@link unitText} comes from. */
export interface SourceLocation {
  chunk: AsmChunk;
  /** 1-based line number within the chunk. */
  line: number;
  /** The text of that line. */
  text: string;
}

/**
 * Maps a 1-based line number of {@link unitText} back to its chunk and line.
 * Returns undefined when the line is past the end of the unit.
 */
export function locateLine(unit: AsmUnit, line: number): SourceLocation | undefined {
  let first = 1;
  for (const chunk of unit.chunks) {
    // Joining with "\n" keeps each chunk's lines intact, so counts simply add up.
    const lines = chunk.text.split("\n");
    if (line < first + lines.length) {
      return line < first
        ? undefined
        : { chunk, line: line - first + 1, text: lines[line - first] };
    }
    first += lines.length;
  }
  return undefined;
}
