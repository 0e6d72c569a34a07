/**
 * The sweep bench's children report what the README quotes: cases, wall
 * time, peak memory and CPU time. CPU time is read from /proc/self/stat,
 * whose fields a wrong index would turn into nonsense (a start time, a page
 * count): it must fall between nothing and every core busy the whole time.
 */
import assert from "node:assert/strict";
import {
  longGrowth,
  longSummary,
  percent,
  scanRuns,
  type TargetFigures,
  targetVerdicts,
  taskV8Flags,
} from "../../bench/sweep.bench.ts";

const ROOT = new URL("../../", import.meta.url);

Deno.test("a sweep bench child reports its cases, time, peak memory and CPU time", async () => {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", ...taskV8Flags("run"), "bench/sweep.bench.ts", "--child", "one"],
    cwd: ROOT,
    env: { CI: "true" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(out.stderr);
  assert.ok(out.success, `the bench's child failed: ${stderr}`);
  const lines = new TextDecoder().decode(out.stdout).trim().split("\n");
  const report = JSON.parse(lines[lines.length - 1]);
  assert.equal(report.cases, 1);
  assert.ok(report.ms > 0, `wall time ${report.ms} ms`);
  assert.ok(report.hwmKb > 10_000, `peak RSS ${report.hwmKb} kB`);
  // /proc counts CPU in 10 ms ticks: allow one tick per thread that may round up.
  const cores = navigator.hardwareConcurrency;
  assert.ok(Number.isInteger(report.cpuMs) && report.cpuMs >= 0, `CPU time ${report.cpuMs} ms`);
  assert.ok(
    report.cpuMs <= report.ms * cores + 100,
    `CPU time ${report.cpuMs} ms in ${report.ms} ms of wall time on ${cores} cores`,
  );
});

Deno.test("the sweep bench refuses a --baseline that is no checkout of the project", async () => {
  const dir = await Deno.makeTempDir({ prefix: "ftrace-bench-not-a-checkout-" });
  try {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "bench/sweep.bench.ts", "--baseline", dir],
      cwd: ROOT,
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(out.code, 2);
    const stderr = new TextDecoder().decode(out.stderr);
    assert.match(stderr, new RegExp(`--baseline ${dir}: not a checkout`));
    assert.equal(new TextDecoder().decode(out.stdout), "", "nothing was measured");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the sweep bench refuses a --repeat that is no whole number of runs", async () => {
  for (const args of [["--repeat", "0"], ["--repeat", "2.5", "--long"], ["--repeat", "x"]]) {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "bench/sweep.bench.ts", ...args, "--baseline", "."],
      cwd: ROOT,
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(out.code, 2, args.join(" "));
    const stderr = new TextDecoder().decode(out.stderr);
    assert.match(stderr, new RegExp(`^--repeat ${args[1]}: give a whole number of runs`));
    assert.equal(new TextDecoder().decode(out.stdout), "", "nothing was measured");
  }
});

/** Figures that meet every target, for the tests below to move one at a time. */
const MET: TargetFigures = {
  sweep1CasesPerS: 1500,
  sweep2CasesPerS: 2500,
  sweepPeakMb: 250,
  coldS: 15,
  coldPeakMb: 400,
  oneCaseMs: 70,
};

/** The verdict `targetVerdicts` gives the figure whose line starts with `figure`. */
function verdictOf(figures: TargetFigures, figure: string): string {
  const line = targetVerdicts(figures).find((l) => l.trimStart().startsWith(figure));
  assert.ok(line, `no line for ${figure}`);
  return /\s(met|NOT met)\s/.exec(line)![1];
}

Deno.test("the sweep bench calls a target met at its bound and not met past it", () => {
  for (const figure of ["5,000-case sweep", "peak RSS", "first (cold) run", "one case"]) {
    assert.equal(verdictOf(MET, figure), "met", figure);
  }
  assert.equal(
    verdictOf({ ...MET, sweep2CasesPerS: 2499 }, "5,000-case sweep, --workers 2"),
    "NOT met",
  );
  assert.equal(
    verdictOf({ ...MET, sweep1CasesPerS: 1499 }, "5,000-case sweep, --workers 1"),
    "NOT met",
  );
  assert.equal(verdictOf({ ...MET, sweepPeakMb: 251 }, "peak RSS"), "NOT met");
  assert.equal(verdictOf({ ...MET, coldS: 15.1 }, "first (cold) run"), "NOT met");
  assert.equal(verdictOf({ ...MET, coldPeakMb: 401 }, "first (cold) run"), "NOT met");
  assert.equal(verdictOf({ ...MET, oneCaseMs: 70.1 }, "one case"), "NOT met");
  assert.ok(!targetVerdicts(MET).some((l) => l.includes("long sweep")), "no long sweep, no line");
});

Deno.test("the long sweep's growth is read from the samples after its first 10,000 cases", () => {
  // 40 samples of a 100,000-case sweep: the first 4 are its first 10,000 cases.
  const flat = Array.from({ length: 40 }, () => 200);
  const flatPeaks = Array.from({ length: 40 }, () => 200);
  const still = longGrowth(flat, flatPeaks, 100_000, 200 * 1024);
  for (const g of [still.hwm, still.sample, still.firstPeak, still.means]) {
    assert.equal(g.percent, 0);
  }
  assert.equal(verdictOf({ ...MET, growths: [still] }, "long sweep"), "met");
  // A rise of 12% half way through: every reading sees it, and the target is missed.
  const rising = flat.map((mb, i) => i < 20 ? mb : 224);
  const peaks = rising.map((_, i) => Math.max(...rising.slice(0, i + 1)));
  const grown = longGrowth(rising, peaks, 100_000, 224 * 1024);
  assert.deepEqual(grown.hwm, { from: 200, to: 224, percent: 12 });
  assert.deepEqual(grown.sample, { from: 200, to: 224, percent: 12 });
  assert.equal(grown.firstPeak.percent, 12);
  assert.equal(grown.means.percent, 12);
  assert.deepEqual(grown.quarterMeans, [200, 205, 224, 224]);
  assert.equal(verdictOf({ ...MET, growths: [grown] }, "long sweep"), "NOT met");
  // A peak between samples only VmHWM sees; one reading over 10% misses the target.
  const spiked = longGrowth(flat, flatPeaks, 100_000, 230 * 1024);
  assert.equal(spiked.hwm.percent, 15);
  assert.equal(spiked.sample.percent, 0);
  assert.equal(verdictOf({ ...MET, growths: [spiked] }, "long sweep"), "NOT met");
});

Deno.test("the long sweep's 2.5 s means span 2.5 s whatever the samples' interval", () => {
  // A 100,000-case sweep sampled every 100 ms (400 samples): a spike of 30 MB every 2.5 s, no
  // growth. Every window of 25 samples holds one spike: the means do not move.
  const spikes = Array.from({ length: 400 }, (_, i) => i % 25 === 24 ? 230 : 200);
  const hwm = spikes.map((_, i) => i < 24 ? 200 : 230);
  const g = longGrowth(spikes, hwm, 100_000, 230 * 1024, 100);
  assert.equal(g.means.percent, 0);
  // Read as if every 500 ms, windows of five samples would see the spikes come and go.
  assert.ok(longGrowth(spikes, hwm, 100_000, 230 * 1024).means.percent > 2);
  // The other readings compare samples, not windows: the spikes are in them.
  assert.equal(g.sample.percent, 15);
  assert.deepEqual(g.quarterMeans, [201, 201, 201, 201]);
});

Deno.test("the long sweep's first 2.5 s mean starts at 10,000 cases, after the start-up", () => {
  // 140 samples every 100 ms, as a 14 s sweep gives: its first 10,000 cases end at sample 14,
  // and the child starts up over the first 8 (its worker, its modules), then holds 230 MB.
  const ramp = [91, 90, 90, 121, 177, 193, 205, 219];
  const samples = Array.from({ length: 140 }, (_, i) => ramp[i] ?? 230);
  const g = longGrowth(samples, samples, 100_800, 230 * 1024, 100);
  assert.deepEqual(g.means, { from: 230, to: 230, percent: 0 });
  // A rise after 10,000 cases is still read: 10% over the last 2.5 s.
  const risen = samples.map((mb, i) => i >= 115 ? 253 : mb);
  assert.equal(Math.round(longGrowth(risen, risen, 100_800, 253 * 1024, 100).means.percent), 10);
});

Deno.test("the long sweep's 10,000th case is found where its run starts in the runs file", async () => {
  // Runs as a result file holds them, one starting across the boundary of two 64 KiB reads.
  const run = (k: number, pad: number) =>
    `    {\n      "variant": "v${k}",\n      "x": "${"-".repeat(pad)}"\n    }`;
  const head = '{\n  "runs": [\n';
  // The second run's mark starts 5 bytes before the end of the first read: ",\n    {" then it.
  const first = run(0, 65_531 - head.length - 7 - run(0, 0).length);
  const text = head + [first, run(1, 10), run(2, 70_000), run(3, 5)].join(",\n") + "\n  ]\n}\n";
  const path = await Deno.makeTempFile();
  try {
    await Deno.writeTextFile(path, text);
    const mark = '\n      "variant": ';
    const starts: number[] = [];
    for (let at = text.indexOf(mark); at >= 0; at = text.indexOf(mark, at + 1)) starts.push(at);
    assert.ok(
      starts[1] < 65_536 && starts[1] + mark.length > 65_536,
      "the second mark spans a read",
    );
    assert.deepEqual(await scanRuns(path, 2), { runs: 4, first: starts[0], nth: starts[1] });
    assert.deepEqual(await scanRuns(path, 4), { runs: 4, first: starts[0], nth: starts[3] });
    assert.deepEqual(await scanRuns(path, 5), { runs: 4, first: starts[0] });
  } finally {
    await Deno.remove(path);
  }
});

Deno.test("the long sweep's growth is read from its 10,000th case when the child found it", () => {
  // The child's start-up (no case) holds 100 MB, the first cases 200, and 210 MB from sample 20.
  const samples = Array.from({ length: 140 }, (_, i) => i < 6 ? 100 : i < 20 ? 200 : 210);
  // At a steady rate, sample 14 would be the 10,000th case; found at sample 20, the level is 210.
  assert.equal(longGrowth(samples, samples, 100_800, 210 * 1024, 100).sample.percent, 5);
  const found = longGrowth(samples, samples, 100_800, 210 * 1024, 100, 20);
  assert.deepEqual(found.sample, { from: 210, to: 210, percent: 0 });
  assert.deepEqual(found.firstPeak, { from: 200, to: 210, percent: 5 });
  // An index outside the samples is no finding: the steady rate stands.
  assert.equal(longGrowth(samples, samples, 100_800, 210 * 1024, 100, 140).sample.percent, 5);
});

Deno.test("several long sweeps meet the target only when every one of them does", () => {
  const flat = Array.from({ length: 140 }, () => 200);
  const still = longGrowth(flat, flat, 100_800, 200 * 1024, 100, 14);
  // The sample at 10,000 cases on a low of 200 MB, 222 MB after: 11%, the other readings under.
  const low = flat.map((_, i) => i === 14 ? 200 : 210 + (i === 90 ? 12 : 0));
  const swung = longGrowth(low, low.map(() => 222), 100_800, 222 * 1024, 100, 14);
  assert.equal(Math.round(swung.sample.percent), 11);
  assert.ok(swung.means.percent < 10 && swung.firstPeak.percent < 10);
  assert.equal(verdictOf({ ...MET, growths: [still, still] }, "long sweep"), "met");
  assert.equal(verdictOf({ ...MET, growths: [still, swung, still] }, "long sweep"), "NOT met");
  assert.equal(
    longSummary([still, swung, still]),
    "2 of 3 children under 10% in every reading; VmHWM 0.0%, sample at 10,000 0.0% to 11.0%, " +
      "first 10,000's peak 0.0% to 5.7%, 2.5 s means 0.0% to " +
      `${swung.means.percent.toFixed(1)}%`,
  );
  // A reading just under the bound does not print as the bound.
  assert.deepEqual([9.96, 9.94, 9.998, 10, 10.04, -0.3].map(percent), [
    "9.96",
    "9.9",
    "9.99",
    "10.0",
    "10.0",
    "-0.3",
  ]);
  // One child: its own readings, no count.
  assert.equal(
    longSummary([still]),
    "VmHWM 0.0%, sample at 10,000 0.0%, first 10,000's peak 0.0%, 2.5 s means 0.0%",
  );
});
