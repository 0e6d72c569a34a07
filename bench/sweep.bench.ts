/**
 * `deno run -A bench/sweep.bench.ts [--repeat N]`: the sweep figures of the
 * issue "Sweeps at thousands of cases per second in flat memory", in one run:
 *
 * - the 5,000-case sweep (ftrace-ops, relevant 0..24 × irrelevant 0..49 ×
 *   4 variants incl. nop, `--json`) on 1 and on 2 workers;
 * - one case (`run single-tracer --variant args --param args=2`), and Deno's
 *   bare start-up (`deno eval ""`), so the case's own cost shows;
 * - the floor: the same 5,000 cases' worlds, loaded and run on one reused
 *   engine with no hooks and no checks, so harness/floor is what the
 *   measuring costs over bare emulation.
 *
 * Every measurement runs in a child process of its own (this file with
 * `--child <what>`), which reports its wall time and peak RSS (VmHWM from
 * /proc/self/status: worker threads included). The assembly cache is warmed
 * first; every figure is the median of `--repeat` runs (default 1).
 */
import { parseArgs } from "node:util";
import type { EngineFactory } from "../src/engine/engine.ts";

const ROOT = new URL("../", import.meta.url).pathname;
const RELEVANT = Array.from({ length: 25 }, (_, i) => i).join(",");
const IRRELEVANT = Array.from({ length: 50 }, (_, i) => i).join(",");

interface ChildReport {
  /** Cases measured (the sweep's runs, nop included). */
  cases: number;
  /** Wall time of the work inside the child, start-up excluded (ms). */
  ms: number;
  /** Peak resident set of the child (kB). */
  hwmKb: number;
  /** The floor's engine time alone: boot, run, close (ms). */
  engineMs?: number;
  /** Whether the floor reused one engine (this tree can), or opened one per case. */
  reused?: boolean;
}

function peakRssKb(): number {
  const status = Deno.readTextFileSync("/proc/self/status");
  const m = /^VmHWM:\s+(\d+) kB/m.exec(status);
  return m ? Number(m[1]) : NaN;
}

/** Cases a sweep result ran: its runs plus the nop baselines measured for them. */
function casesOf(file: string): number {
  const result = JSON.parse(Deno.readTextFileSync(file));
  return result.runs.length;
}

async function child(what: string, workers: number): Promise<ChildReport> {
  const { main } = await import("../src/cli/main.ts");
  const out = Deno.makeTempFileSync({ suffix: ".json" });
  const started = performance.now();
  let cases = 1;
  let engineMs: number | undefined;
  let reused: boolean | undefined;
  if (what === "sweep") {
    const code = await main([
      "run",
      `${ROOT}scenarios/ftrace-ops.ts`,
      "--param",
      `relevant=${RELEVANT}`,
      "--param",
      `irrelevant=${IRRELEVANT}`,
      "--workers",
      String(workers),
      "--quiet",
      "--json",
      out,
    ]);
    if (code > 1) throw new Error(`sweep failed with exit status ${code}`);
    cases = casesOf(out);
  } else if (what === "one") {
    const code = await main([
      "run",
      `${ROOT}scenarios/single-tracer.ts`,
      "--variant",
      "args",
      "--param",
      "args=2",
      "--quiet",
      "--json",
      out,
    ]);
    if (code > 1) throw new Error(`case failed with exit status ${code}`);
  } else if (what === "floor") {
    const f = await floor();
    cases = f.cases;
    engineMs = f.engineMs;
    reused = f.reused;
  } else throw new Error(`unknown child ${what}`);
  const ms = performance.now() - started;
  Deno.removeSync(out);
  return { cases, ms, hwmKb: peakRssKb(), ...(engineMs === undefined ? {} : { engineMs, reused }) };
}

/**
 * The sweep's cases with nothing but emulation: build and load each world
 * (as the harness does; not timed), then boot it on an engine (registers and
 * memory), run it to the exit with no hooks, log or checks, and release the
 * engine. Only the engine part is timed. Returns the cases run and that time.
 */
async function floor(): Promise<{ cases: number; engineMs: number; reused: boolean }> {
  const unicorn: Record<string, unknown> = await import("../src/engine/unicorn.ts");
  // One engine reset between cases where this tree has it; else a fresh one per case.
  const Recycling = unicorn.RecyclingUnicornFactory as (new () => EngineFactory) | undefined;
  const factory = Recycling ? new Recycling() : unicorn.unicornFactory as EngineFactory;
  const { loadWorld, boot } = await import("../src/runner/machine.ts");
  const { toWorkload } = await import("../src/runner/run_scenario.ts");
  const { scenarioVariants } = await import("../src/runner/scenario.ts");
  const { nopVariant } = await import("../src/kernel/variants/nop.ts");
  const { buildWorld } = await import("../src/kernel/world.ts");
  const scenario = (await import("../scenarios/ftrace-ops.ts")).default;
  const variants = [nopVariant, ...scenarioVariants(scenario).filter((v) => v !== nopVariant)];
  let cases = 0, engineMs = 0;
  for (let relevant = 0; relevant < 25; relevant++) {
    for (let irrelevant = 0; irrelevant < 50; irrelevant++) {
      const params = { ...defaults(scenario), relevant, irrelevant };
      const workload = toWorkload(scenario.workload(params as never));
      for (const variant of variants) {
        const world = buildWorld(variant, workload, `floor/${variant.name}`);
        if ("notApplicable" in world) continue;
        const loaded = await loadWorld(world, world.workload.layout);
        const started = performance.now();
        const { engine } = boot(factory, loaded);
        try {
          engine.run(loaded.image.address("caller"), loaded.image.address("harness_exit"), 200_000);
        } catch {
          // a faulting case is still a case run
        } finally {
          engine.close();
        }
        engineMs += performance.now() - started;
        cases++;
      }
    }
  }
  return { cases, engineMs, reused: Recycling !== undefined };
}

// deno-lint-ignore no-explicit-any
function defaults(scenario: any): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(scenario.params ?? {}).map(([k, p]) => [k, (p as { default: unknown }).default]),
  );
}

async function spawn(what: string, workers = 1): Promise<ChildReport & { wallMs: number }> {
  const started = performance.now();
  const r = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      new URL(import.meta.url).pathname,
      "--child",
      what,
      "--workers",
      `${workers}`,
    ],
    cwd: ROOT,
    env: { CI: "true" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const wallMs = performance.now() - started;
  if (!r.success) throw new Error(`${what} failed: ${new TextDecoder().decode(r.stderr)}`);
  const lines = new TextDecoder().decode(r.stdout).trim().split("\n");
  return { ...JSON.parse(lines[lines.length - 1]) as ChildReport, wallMs };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function measured(what: string, workers: number, repeat: number) {
  const runs = [];
  for (let i = 0; i < repeat; i++) runs.push(await spawn(what, workers));
  return {
    cases: runs[0].cases,
    ms: median(runs.map((r) => r.ms)),
    wallMs: median(runs.map((r) => r.wallMs)),
    hwmKb: Math.max(...runs.map((r) => r.hwmKb)),
    engineMs: median(runs.map((r) => r.engineMs ?? 0)),
    reused: runs[0].reused,
  };
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      child: { type: "string" },
      workers: { type: "string", default: "1" },
      repeat: { type: "string", default: "1" },
      "no-floor": { type: "boolean" },
    },
  });
  if (values.child) {
    console.log(JSON.stringify(await child(values.child, Number(values.workers))));
  } else {
    const repeat = Number(values.repeat);
    // Warm the assembly cache (and Deno's module cache) first.
    await spawn("sweep", 2);
    const startup = await (async () => {
      const started = performance.now();
      await new Deno.Command(Deno.execPath(), { args: ["eval", ""] }).output();
      return performance.now() - started;
    })();
    const mb = (kb: number) => `${(kb / 1024).toFixed(0)} MB`;
    const rows: string[] = [];
    const sweep1 = await measured("sweep", 1, repeat);
    const sweep2 = await measured("sweep", 2, repeat);
    const one = await measured("one", 1, repeat);
    const fl = values["no-floor"] ? undefined : await measured("floor", 1, repeat);
    const rate = (r: { cases: number; ms: number }) => (r.cases / (r.ms / 1000)).toFixed(0);
    rows.push(
      `sweep, 1 worker:  ${sweep1.cases} cases in ${(sweep1.ms / 1000).toFixed(2)} s ` +
        `(${rate(sweep1)} cases/s; process ${(sweep1.wallMs / 1000).toFixed(2)} s), peak RSS ${
          mb(sweep1.hwmKb)
        }`,
      `sweep, 2 workers: ${sweep2.cases} cases in ${(sweep2.ms / 1000).toFixed(2)} s ` +
        `(${rate(sweep2)} cases/s; process ${(sweep2.wallMs / 1000).toFixed(2)} s), peak RSS ${
          mb(sweep2.hwmKb)
        }`,
      `one case: ${one.ms.toFixed(0)} ms in-process, ${one.wallMs.toFixed(0)} ms as a process ` +
        `(deno start-up alone ${startup.toFixed(0)} ms), peak RSS ${mb(one.hwmKb)}`,
    );
    if (fl) {
      const bare = { cases: fl.cases, ms: fl.engineMs };
      rows.push(
        `floor, 1 thread, ${
          fl.reused
            ? "one engine reset between cases"
            : "a fresh engine per case (no reuse in this tree)"
        }, no hooks or checks: ` +
          `${fl.cases} cases, engine part ${(fl.engineMs / 1000).toFixed(2)} s (${rate(bare)} ` +
          `cases/s); with building and loading the worlds ${(fl.ms / 1000).toFixed(2)} s ` +
          `(${rate(fl)} cases/s), peak RSS ${mb(fl.hwmKb)}`,
        `harness/floor (1 worker): ${
          (sweep1.ms / sweep1.cases / (fl.engineMs / fl.cases)).toFixed(2)
        } ` +
          `against the engine part, ${
            (sweep1.ms / sweep1.cases / (fl.ms / fl.cases)).toFixed(2)
          } ` +
          `against build+load+engine`,
      );
    }
    console.log(rows.join("\n"));
  }
}
