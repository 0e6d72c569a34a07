import assert from "node:assert/strict";
import { ProgressBar, progressLine, progressWanted } from "../../src/report/progress.ts";

Deno.test("progress: only for a person at a terminal", () => {
  const base = { stderrIsTerminal: true, ci: false, quiet: false, jsonToStdout: false };
  assert.equal(progressWanted(base), true);
  assert.equal(progressWanted({ ...base, stderrIsTerminal: false }), false);
  assert.equal(progressWanted({ ...base, ci: true }), false);
  assert.equal(progressWanted({ ...base, quiet: true }), false);
  assert.equal(progressWanted({ ...base, jsonToStdout: true }), false);
});

Deno.test("progress: the bar line and in-place redraws", () => {
  assert.equal(progressLine(0, 4, "s", 8), "[--------] 0/4 s");
  assert.equal(progressLine(1, 4, "s", 8), "[##------] 1/4 s");
  assert.equal(progressLine(45, 45, "single-tracer", 8), "[########] 45/45 single-tracer");
  const out: string[] = [];
  const bar = new ProgressBar((b) => out.push(new TextDecoder().decode(b)));
  bar.update(1, 2, "x");
  bar.update(1, 2, "x"); // unchanged: not redrawn
  bar.update(2, 2, "x");
  bar.clear();
  assert.equal(out.length, 3);
  assert.equal(out[0], `\r${progressLine(1, 2, "x")}\x1b[K`);
  assert.equal(out[2], "\r\x1b[K");
});
