/**
 * `deno run -A bench/sweep.bench.ts [--repeat N] [--long]`: the sweep figures
 * of the issue "Sweeps at thousands of cases per second in flat memory", in
 * one run:
 *
 * - the 5,000-case sweep (ftrace-ops, relevant 0..24 × irrelevant 0..49 ×
 *   4 variants incl. nop, `--json`) with `--workers 1` and `--workers 2`
 *   (the main thread and one worker), warm caches;
 * - the same sweep cold: an empty assembler cache (FTRACE_BENCH_ASM_CACHE
 *   pointed at a new directory), `--workers 2`;
 * - one case (`run single-tracer --variant args --param args=2`), in-process
 *   (the harness loaded) and as a process (`deno run` of mod.ts, start-up to
 *   exit, median of at least 5), in turn with Deno's own start-up in the same
 *   shape (the task's command on an empty module), and the harness's part;
 * - the floor: the same 5,000 cases' worlds, loaded and run on reused
 *   engines with no hooks and no checks, so harness/floor is what the
 *   measuring costs over bare emulation (its children take turns with the
 *   one-worker sweep's: the machine's speed changes from minute to minute);
 * - with `--dimensions`: the same sweep with `--workers 2` on linux-6.12's and
 *   linux-6.1's own code (`--kernel`; built first: `deno task kernel build all`),
 *   timed on one CPU model (`--cpu neoverse-n1`), and on all three (`--cpu all`:
 *   the cases counted once, each timed on every model);
 * - with `--long`: `--repeat` children of a 100,800-case sweep (ftrace-ops
 *   with its booleans too) with `--workers 2`, each read on its own, as
 *   `run --quiet --json FILE` runs it (streamed to the file), resident
 *   memory sampled every 100 ms from outside the child (this process reads
 *   its /proc/<pid>/status: a sample from the child's own event loop waits
 *   for the set being measured, and so comes at the same phase of the C
 *   heap's trims); the figure is the growth after the first 10,000
 *   cases (the first sample once their runs had reached the runs file: the
 *   sweep's first half second or so loads its worker and modules, no case)
 *   of the peak resident set (VmHWM, which the kernel keeps between
 *   samples), then of the samples: against the one at 10,000 cases and the
 *   first 10,000 cases' highest, and between means of 2.5 s, the first
 *   after 10,000 cases against the highest after it (RSS swings with V8's
 *   collections, and on glibc's malloc by 15 to 30 MB between two trims of
 *   the C heap, every 500 ms: one sample may be a high or a low).
 *
 * Every child runs with the environment the `run` task gives Deno (the
 * allocator it preloads, src/cli/preload.ts), as a user's run has it.
 *
 * It ends with the issue's targets, each with its figure and whether this run
 * met it (the long sweep's growth only when every reading of every child is
 * under 10%).
 *
 * `deno run -A bench/sweep.bench.ts --baseline DIR [--repeat N]` compares
 * instead: the 5,000-case sweep of this checkout against that of DIR, another
 * checkout (`git archive <commit> | tar -x -C DIR`), with one worker and with
 * two, in N rounds (default 6) of one child each, the first of a round
 * alternating. Each round's time ratio compares two runs made seconds apart,
 * so a change of a few percent shows through the machine's changes of speed
 * from one minute to the next; the figure is the rounds' median ratio (under
 * 1: this tree is faster). With `--long`, it compares the long sweep instead:
 * each round's four readings for either tree, how many children of each met
 * the target, and the mean and spread of the rounds' paired differences. A
 * child's sample at 10,000 cases falls on a high or a low of the collections'
 * swings (5.0 to 15.9% in 24 children of one tree within an hour), so a
 * change to the memory is judged from many rounds, not from three.
 *
 * Every measurement runs in a child process of its own (this file with
 * `--child <what>`), which reports its wall time, peak RSS (VmHWM from
 * /proc/self/status: worker threads included) and CPU time (every thread,
 * V8's own too), with the V8 flags of `deno task run`. The sweeps' CPU over
 * their wall time says how many cores they kept busy, and the one-worker
 * sweep's CPU per case on every core is what two threads could reach. The
 * assembly cache is warmed first; every figure is the median of `--repeat`
 * runs (default 1).
 */
import { Buffer } from "node:buffer";
import { parseArgs } from "node:util";
import type { EngineFactory } from "../src/engine/engine.ts";
import { ASM_CACHE_ENV } from "../src/asm/assembler.ts";
import { takePreload } from "../src/cli/preload.ts";
import { ResultStream } from "../src/report/results_file.ts";

const ROOT = new URL("../", import.meta.url).pathname;
/** Threads `--workers 2` can keep busy here: two, or fewer cores. */
const TWO_THREADS = Math.min(2, navigator.hardwareConcurrency);
const range = (n: number) => Array.from({ length: n }, (_, i) => i).join(",");
const RELEVANT = range(25);
const IRRELEVANT = range(50);

interface ChildReport {
  /** Cases measured (the sweep's runs, nop included). */
  cases: number;
  /** Wall time of the work inside the child, start-up excluded (ms). */
  ms: number;
  /** Peak resident set of the child (kB). */
  hwmKb: number;
  /** CPU time of the work, every thread of the child (V8's own included), user plus system (ms). */
  cpuMs: number;
  /** The floor's engine time alone: boot, run, release (ms). */
  engineMs?: number;
  /**
   * The long sweep: when it started and ended, and when the run of its
   * 10,000th case reached the runs file (ms since the epoch, as `Date.now()`).
   */
  sweep?: { from: number; to: number; tenK?: number };
}

/** The long sweep's memory, read from outside the child every {@link SAMPLE_MS}. */
interface MemorySamples {
  /** Resident set (MB). */
  samples: number[];
  /** Peak resident set so far (VmHWM, MB), at the same times. */
  peaks: number[];
  /** The first sample taken once the 10,000th case's run had reached the runs file. */
  tenK?: number;
}

/** A child as the parent saw it: its report, its wall time, and its memory if sampled. */
type ChildRun = ChildReport & { wallMs: number } & Partial<MemorySamples>;

/** How often (ms) the long sweep's resident set is read. */
const SAMPLE_MS = 100;

/**
 * CPU time (ms) this process has used so far, all its threads: utime plus
 * stime of /proc/self/stat, in the kernel's USER_HZ ticks (100 per second).
 */
function cpuMs(): number {
  const text = Deno.readTextFileSync("/proc/self/stat");
  // The fields after the command name (which may hold spaces): state is the first.
  const fields = text.slice(text.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** A field in kB of a /proc/<pid>/status text. */
function statusField(text: string, field: "VmHWM" | "VmRSS"): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(text);
  return m ? Number(m[1]) : NaN;
}

/** `run <scenario> --quiet --json <out>` in this process, as `deno task run` runs it. */
async function runCli(scenario: string, args: string[], workers: number, out: string) {
  const { main } = await import("../src/cli/main.ts");
  const code = await main([
    "run",
    `${ROOT}scenarios/${scenario}.ts`,
    ...args,
    "--workers",
    `${workers}`,
    "--quiet",
    "--json",
    out,
  ]);
  if (code > 1) throw new Error(`run ${scenario} failed with exit status ${code}`);
}

const params = (...values: string[]) => values.flatMap((p) => ["--param", p]);

async function child(what: string, workers: number): Promise<ChildReport> {
  takePreload(); // as the launcher does: the tools it spawns do not inherit the preload
  await import("../src/cli/main.ts"); // loading the harness is not the work measured
  // A directory of its own: `--cpu all` writes a file per model beside `out`.
  const dir = Deno.makeTempDirSync();
  const out = `${dir}/out.json`;
  try {
    const started = performance.now(), cpuBefore = cpuMs();
    const extra: Partial<ChildReport> = {};
    let cases: number | undefined;
    let sweep: Awaited<ReturnType<typeof long>> | undefined;
    if (what === "sweep" || what.startsWith("sweep-")) {
      // sweep-linux-6.12 is the sweep on that kernel's code, sweep-neoverse-n1 timed on that CPU.
      const on = what.slice("sweep-".length);
      const extra = what === "sweep" ? [] : [on.startsWith("linux-") ? "--kernel" : "--cpu", on];
      await runCli(
        "ftrace-ops",
        [...params(`relevant=${RELEVANT}`, `irrelevant=${IRRELEVANT}`), ...extra],
        workers,
        out,
      );
    } else if (what === "one") {
      await runCli("single-tracer", ["--variant", "args", ...params("args=2")], 1, out);
    } else if (what === "floor") {
      const f = await floor();
      cases = f.cases;
      extra.engineMs = f.engineMs;
    } else if (what === "long") {
      sweep = await long(workers, out);
    } else throw new Error(`unknown child ${what}`);
    // Time and peak memory of the work, before the runs are counted from its file.
    const ms = performance.now() - started;
    const cpu = cpuMs() - cpuBefore;
    const hwmKb = statusField(Deno.readTextFileSync("/proc/self/status"), "VmHWM");
    // `--cpu all` writes one file per model, of the same cases: one of them is counted.
    const files = [...Deno.readDirSync(dir)].map((e) => e.name).filter((n) => n.endsWith(".json"));
    const first = what === "sweep-all" ? `${dir}/${files.sort()[0]}` : out;
    if (sweep) {
      // One pass over the runs file: its runs, and where the 10,000th case's run ends.
      const { runs, at } = await sweep.runs.counted(10_000);
      cases = runs;
      extra.sweep = { from: sweep.from, to: sweep.to, tenK: at };
    }
    return { cases: cases ?? await countRuns(first), ms, hwmKb, cpuMs: cpu, ...extra };
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
}

/** The runs in a result file, counted by streaming through it (it may be hundreds of MB). */
async function countRuns(path: string): Promise<number> {
  return (await scanRuns(path)).runs;
}

/**
 * The runs of a result file, and the byte offsets at which the first run and
 * run number `nth` (counted from 1) start, when there are that many.
 */
export async function scanRuns(
  path: string,
  nth = Infinity,
): Promise<{ runs: number; first?: number; nth?: number }> {
  const mark = Buffer.from('\n      "variant": ');
  let runs = 0, at = 0, tail = Buffer.alloc(0);
  const found: { first?: number; nth?: number } = {};
  using file = await Deno.open(path);
  for await (const chunk of file.readable) {
    // The last bytes of the previous chunk, in case a mark spans the two.
    const bytes = Buffer.concat([tail, chunk]), base = at - tail.length;
    for (let i = bytes.indexOf(mark); i >= 0; i = bytes.indexOf(mark, i + 1)) {
      runs++;
      if (runs === 1) found.first = base + i;
      if (runs === nth) found.nth = base + i;
    }
    at += chunk.length;
    tail = bytes.subarray(Math.max(0, bytes.length - (mark.length - 1)));
  }
  return { runs, ...found };
}

/**
 * The size of a streamed sweep's runs, every 20 ms from this thread's event
 * loop: `run --quiet --json FILE` writes them, in sweep order, to a temp file
 * beside FILE a megabyte at a time, and FILE from it at the end.
 */
function watchRuns(out: string) {
  const prefix = ResultStream.runsTempPrefix(out), slash = prefix.lastIndexOf("/");
  const dir = prefix.slice(0, slash), name = prefix.slice(slash + 1);
  const sizes: { at: number; bytes: number }[] = [];
  let temp: string | undefined;
  const timer = setInterval(() => {
    try {
      temp ??= [...Deno.readDirSync(dir)].find((e) => e.name.startsWith(name))?.name;
      if (temp) sizes.push({ at: Date.now(), bytes: Deno.statSync(`${dir}/${temp}`).size });
    } catch { /* renamed away at the end */ }
  }, 20);
  return {
    stop: () => clearInterval(timer),
    /**
     * The runs FILE holds, and when its temp file first held run `n` whole
     * (up to the start of run n + 1), if it did.
     */
    async counted(n: number): Promise<{ runs: number; at?: number }> {
      const { runs, first, nth } = await scanRuns(out, n + 1);
      if (first === undefined || nth === undefined) return { runs };
      return { runs, at: sizes.find((x) => x.bytes >= nth - first)?.at };
    },
  };
}

/**
 * The sweep's cases with nothing but emulation: build and load each world
 * (as the harness does; not timed), then boot it on a reused engine
 * (registers and memory), run it to the exit with no hooks, log or checks,
 * and hand the engine back. Only the engine part is timed.
 */
async function floor(): Promise<{ cases: number; engineMs: number }> {
  const { RecyclingUnicornFactory } = await import("../src/engine/unicorn.ts");
  const factory: EngineFactory = new RecyclingUnicornFactory();
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
          // No budget, so no per-instruction count either: these cases all reach the exit.
          const [caller, exit] = [
            loaded.image.address("caller"),
            loaded.image.address("harness_exit"),
          ];
          engine.run(caller, exit, Infinity, "block");
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
  return { cases, engineMs };
}

/**
 * 100,800 cases: ftrace-ops over relevant, irrelevant and its four booleans,
 * run as a user runs a long sweep (`run --quiet --json FILE`: its runs go to
 * the file as they are measured). The parent samples its memory; the child
 * says when the sweep started and ended, and (from `runs`, once its time and
 * peak memory are read) when the run of its 10,000th case reached the file:
 * the pool's worker and the modules load first.
 */
async function long(workers: number, out: string) {
  const ints = (n: number) => Array.from({ length: n }, (_, i) => i).join(",");
  const runs = watchRuns(out);
  const from = Date.now();
  try {
    await runCli(
      "ftrace-ops",
      params(
        `relevant=${ints(25)}`,
        `irrelevant=${ints(63)}`,
        ...["save_regs", "assist_recursion", "assist_rcu", "dynamic"].map((b) => `${b}=false,true`),
      ),
      workers,
      out,
    );
  } finally {
    runs.stop();
  }
  // Where its 10,000th case is in the file is read after the child's time and peak memory.
  return { from, to: Date.now(), runs };
}

// deno-lint-ignore no-explicit-any
function defaults(scenario: any): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(scenario.params ?? {}).map(([k, p]) => [k, (p as { default: unknown }).default]),
  );
}

/**
 * A task of `tree`'s deno.json, as `deno task` runs it: its last command
 * (after any `&&`), the environment that command sets (`NAME=value` words
 * before `deno`), and the arguments to `deno`.
 */
export function taskParts(
  task: string,
  tree = ROOT,
): { env: Record<string, string>; args: string[] } {
  const tasks = JSON.parse(Deno.readTextFileSync(`${tree}deno.json`)).tasks as Record<
    string,
    string
  >;
  const words = tasks[task].split("&&").pop()!.trim().split(/\s+/);
  const env: Record<string, string> = {};
  let at = 0;
  for (; at < words.length && /^[A-Za-z_][A-Za-z0-9_]*=/.test(words[at]); at++) {
    const eq = words[at].indexOf("=");
    env[words[at].slice(0, eq)] = words[at].slice(eq + 1);
  }
  if (words[at] !== "deno") throw new Error(`the ${task} task of ${tree} does not run deno`);
  return { env, args: words.slice(at + 1) };
}

/** The arguments to `deno` of a task of `tree`'s deno.json (see {@link taskParts}). */
export function taskCommand(task: string, tree = ROOT): string[] {
  return taskParts(task, tree).args;
}

/** The `--v8-flags=...` arguments a task of `tree`'s deno.json passes. */
export function taskV8Flags(task: string, tree = ROOT): string[] {
  return taskCommand(task, tree).filter((a) => a.startsWith("--v8-flags="));
}

/**
 * `deno <args>` in a checkout (this one by default), so a child measures what
 * a user runs: its output and wall time, and with `sample`, its resident set
 * every {@link SAMPLE_MS} (stamped with `Date.now()`) until it exits.
 */
async function denoRun(
  args: string[],
  env: Record<string, string> = {},
  tree = ROOT,
  sample = false,
) {
  const started = performance.now();
  const child = new Deno.Command(Deno.execPath(), {
    args,
    cwd: tree,
    env: { CI: "true", ...env },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const memory: { at: number; rssKb: number; hwmKb: number }[] = [];
  const sampler = sample
    ? setInterval(() => {
      try {
        const text = Deno.readTextFileSync(`/proc/${child.pid}/status`);
        memory.push({
          at: Date.now(),
          rssKb: statusField(text, "VmRSS"),
          hwmKb: statusField(text, "VmHWM"),
        });
      } catch { /* exited: its status is gone */ }
    }, SAMPLE_MS)
    : undefined;
  const output = await child.output().finally(() => clearInterval(sampler));
  if (!output.success) {
    throw new Error(`${args.join(" ")} failed: ${new TextDecoder().decode(output.stderr)}`);
  }
  const stdout = new TextDecoder().decode(output.stdout);
  return { stdout, wallMs: performance.now() - started, memory };
}

/** A child of `tree`'s own sweep bench (this checkout's by default). */
async function spawn(
  what: string,
  workers = 1,
  env: Record<string, string> = {},
  tree = ROOT,
): Promise<ChildRun> {
  const { stdout, wallMs, memory } = await denoRun(
    [
      ...["run", "-A", ...taskV8Flags("run", tree)],
      ...[`${tree}bench/sweep.bench.ts`, "--child", what, "--workers", `${workers}`],
    ],
    // The allocator the run task preloads, as a user's run has it.
    { ...taskParts("run", tree).env, ...env },
    tree,
    what === "long",
  );
  const lines = stdout.trim().split("\n");
  const report = JSON.parse(lines[lines.length - 1]) as ChildReport;
  if (!report.sweep) return { ...report, wallMs };
  // The samples of the sweep itself, not of the child's start-up or of its counting after.
  const { from, to } = report.sweep;
  const during = memory.filter((m) => m.at >= from && m.at <= to);
  const mb = (kb: number) => Math.round(kb / 1024);
  const tenK = report.sweep.tenK;
  const at10k = tenK === undefined ? -1 : during.findIndex((m) => m.at >= tenK);
  return {
    ...report,
    wallMs,
    samples: during.map((m) => mb(m.rssKb)),
    peaks: during.map((m) => mb(m.hwmKb)),
    ...(at10k > 0 ? { tenK: at10k } : {}),
  };
}

/**
 * Wall time of one case as a user runs it: the `run` task's command (the CLI
 * bundle, src/cli/bundle.ts), from start-up to exit (median of `repeat`).
 * Each run takes turns with Deno's own start-up in the same shape: the task's
 * command (its flags, import map and config) on an empty module, so the
 * harness's part (the paired differences' median) is read at the same moments.
 */
async function oneCaseProcess(repeat: number): Promise<OneCaseProcess> {
  const dir = await Deno.makeTempDir({ prefix: "ftrace-bench-one-" });
  const [out, empty] = [`${dir}/out.json`, `${dir}/empty.js`];
  await Deno.writeTextFile(empty, "");
  const { args: task, env } = taskParts("run");
  // The task's deno arguments up to its script, which is the first argument after `run`
  // not starting with `-`.
  const denoArgs = task.slice(0, task.findIndex((a, i) => i > 0 && !a.startsWith("-")));
  const [cases, denos] = [[] as number[], [] as number[]];
  try {
    for (let i = 0; i < repeat; i++) {
      const one = ["scenarios/single-tracer.ts", "--variant", "args", ...params("args=2")];
      cases.push((await denoRun([...task, ...one, "--quiet", "--json", out], env)).wallMs);
      denos.push((await denoRun([...denoArgs, empty], env)).wallMs);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
  return {
    ms: median(cases),
    denoMs: median(denos),
    harnessMs: median(cases.map((c, i) => c - denos[i])),
  };
}

/** One case as a process, Deno's own start-up in the task's shape, and their paired difference. */
interface OneCaseProcess {
  ms: number;
  denoMs: number;
  harnessMs: number;
}

const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/** Means of `width` consecutive samples, one per starting sample. */
function windowMeans(samples: readonly number[], width: number): number[] {
  const means = [];
  for (let i = 0; i + width <= samples.length; i++) means.push(mean(samples.slice(i, i + width)));
  return means;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** One kind of child: what it measures, on how many workers, with a cold assembler cache. */
interface ChildKind {
  what: string;
  workers: number;
  cold?: boolean;
}

/**
 * Children of each kind, `repeat` times, taking turns: figures that are
 * compared (the one-worker sweep and the floor) are measured over the same
 * minutes, so a change in the machine's speed moves both.
 */
async function measuredInTurn(kinds: ChildKind[], repeat: number) {
  const runs: ChildRun[][] = kinds.map(() => []);
  for (let i = 0; i < repeat; i++) {
    for (const [k, { what, workers, cold }] of kinds.entries()) {
      const cache = cold ? await Deno.makeTempDir({ prefix: "ftrace-bench-cold-" }) : undefined;
      try {
        runs[k].push(await spawn(what, workers, cache ? { [ASM_CACHE_ENV]: cache } : {}));
      } finally {
        if (cache) await Deno.remove(cache, { recursive: true });
      }
    }
  }
  return runs.map((r) => ({
    cases: r[0].cases,
    ms: median(r.map((x) => x.ms)),
    wallMs: median(r.map((x) => x.wallMs)),
    hwmKb: Math.max(...r.map((x) => x.hwmKb)),
    cpuMs: median(r.map((x) => x.cpuMs)),
    engineMs: median(r.map((x) => x.engineMs ?? 0)),
  }));
}

async function measured(what: string, workers: number, repeat: number, cold = false) {
  return (await measuredInTurn([{ what, workers, cold }], repeat))[0];
}

/**
 * One child of this checkout and one of `baseline`'s, `repeat` rounds, the
 * first of a round alternating: each round's ratio compares two runs made a
 * few seconds apart, which a change in the machine's speed moves alike.
 */
async function paired(what: string, workers: number, repeat: number, baseline: string) {
  const rounds: { base: ChildRun; mine: ChildRun }[] = [];
  for (let i = 0; i < repeat; i++) {
    const baseFirst = i % 2 === 0;
    const first = await spawn(what, workers, {}, baseFirst ? baseline : ROOT);
    const second = await spawn(what, workers, {}, baseFirst ? ROOT : baseline);
    rounds.push(baseFirst ? { base: first, mine: second } : { base: second, mine: first });
  }
  // Times of different sweeps do not compare: a tree whose scenario changed is refused.
  if (rounds.some((r) => r.mine.cases !== r.base.cases)) {
    throw new Error(
      `the trees' sweeps ran different numbers of cases ` +
        `(${rounds.map((r) => `${r.mine.cases} against ${r.base.cases}`).join(", ")}): ` +
        `their times do not compare`,
    );
  }
  return rounds;
}

/** Rounds of a `--baseline` comparison unless `--repeat` says otherwise. */
const BASELINE_ROUNDS = 6;

/** `dir` as a checkout's root (absolute, with a trailing slash) that has this bench. */
function checkoutRoot(dir: string): string {
  let root: string;
  try {
    root = `${Deno.realPathSync(dir)}/`;
    Deno.statSync(`${root}bench/sweep.bench.ts`);
  } catch {
    throw new Error(
      `--baseline ${dir}: not a checkout of this project with bench/sweep.bench.ts ` +
        `(make one with \`git archive <commit> | tar -x -C <dir>\`)`,
    );
  }
  return root;
}

/** A growth from one resident-set figure (MB) to a later one. */
export interface Growth {
  from: number;
  to: number;
  /** (to - from) / from, in percent. */
  percent: number;
}

const growthOf = (from: number, to: number): Growth => ({
  from,
  to,
  percent: (to - from) / from * 100,
});

/** The long sweep's growth after its first 10,000 cases, read four ways. */
export interface LongGrowth {
  /** The peak resident set (VmHWM) the first 10,000 cases reached, against the one at the end. */
  hwm: Growth;
  /** The sample at 10,000 cases against the highest after. */
  sample: Growth;
  /** The first 10,000 cases' highest sample against the highest after. */
  firstPeak: Growth;
  /** Means of 2.5 s: the first after 10,000 cases against the highest after it. */
  means: Growth;
  /** Means of the quarters of the samples after 10,000 cases (MB, rounded). */
  quarterMeans: number[];
  /** The last sample (MB). */
  last: number;
}

/**
 * The long sweep's growth from its samples (MB, every `sampleMs`), VmHWM at
 * the same times (MB), its case count and its final VmHWM (kB). `at10k` is
 * the first sample after its 10,000th case; without it, samples are taken to
 * come at a steady rate of cases, 10,000 of them in the first tenth.
 */
export function longGrowth(
  samples: readonly number[],
  peaks: readonly number[],
  cases: number,
  hwmKb: number,
  sampleMs = 500,
  at10k?: number,
): LongGrowth {
  const tenK = at10k !== undefined && at10k >= 1 && at10k < samples.length
    ? at10k
    : Math.max(1, Math.round(samples.length * 10_000 / cases));
  const first = samples.slice(0, tenK), after = samples.slice(tenK);
  const peak = Math.max(...after);
  // RSS rises and falls by tens of MB as the threads' collections come and go: the
  // sample at 10,000 cases may be a high or a low. The first 10,000 cases' peak is the
  // level the sweep had reached; means of 2.5 s smooth the swings out. Their first starts
  // at 10,000 cases: a window centred there took in the child's start-up (the pool's worker
  // and its modules, RSS from 85 MB) once the first 10,000 cases ended within 1.5 s.
  const width = Math.max(1, Math.round(2500 / sampleMs));
  const smooth = windowMeans(samples, width);
  // A sweep too short for two windows after 10,000 cases compares its last two.
  const from10k = Math.max(0, Math.min(tenK, smooth.length - 2));
  const quarter = Math.ceil(after.length / 4);
  return {
    // The kernel's high-water mark misses no peak between samples.
    hwm: growthOf(peaks[tenK - 1], Math.round(hwmKb / 1024)),
    sample: growthOf(after[0], peak),
    firstPeak: growthOf(Math.max(...first), peak),
    means: growthOf(smooth[from10k], Math.max(...smooth.slice(from10k + 1))),
    quarterMeans: [0, 1, 2, 3].map((q) => after.slice(q * quarter, (q + 1) * quarter))
      .filter((part) => part.length > 0)
      .map((part) => Math.round(mean(part))),
    last: after[after.length - 1],
  };
}

/** The figures the issue sets targets for, as one bench run measured them. */
export interface TargetFigures {
  sweep1CasesPerS: number;
  sweep2CasesPerS: number;
  /** The 5,000-case sweep's peak resident set, the higher of one and two workers (MB). */
  sweepPeakMb: number;
  /** The cold run, as a process (s), and its peak resident set (MB). */
  coldS: number;
  coldPeakMb: number;
  /** One case as a process (ms). */
  oneCaseMs: number;
  /** The long sweep's growth, one per child, when it ran (`--long`). */
  growths?: LongGrowth[];
}

/**
 * A reading in percent, to a tenth, or to a hundredth where a tenth would
 * round it up to the bound: 9.97 is under 10, and does not print as 10.0.
 */
export const percent = (x: number): string =>
  x < 10 && x.toFixed(1) === "10.0" ? (Math.floor(x * 100) / 100).toFixed(2) : x.toFixed(1);

/** A reading with its percent sign, as the bench prints it. */
const pc = (x: number) => `${percent(x)}%`;

/** A time in seconds, to a hundredth. */
const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

/** Cases a second. */
const rate = (r: { cases: number; ms: number }) => (r.cases / (r.ms / 1000)).toFixed(0);

/** The four readings of a long sweep's growth, named as the bench prints them. */
export function longReadings(g: LongGrowth): { name: string; growth: Growth }[] {
  return [
    { name: "VmHWM", growth: g.hwm },
    { name: "sample at 10,000", growth: g.sample },
    { name: "first 10,000's peak", growth: g.firstPeak },
    { name: "2.5 s means", growth: g.means },
  ];
}

/** Under the target: every reading of the child under 10%. */
export const longMet = (g: LongGrowth): boolean =>
  longReadings(g).every((r) => r.growth.percent < 10);

/**
 * What several long-sweep children read: how many met the target, then
 * each reading's range over them (one child: its readings).
 */
export function longSummary(growths: readonly LongGrowth[]): string {
  const readings = growths.map(longReadings);
  const ranges = readings[0].map(({ name }, k) => {
    const xs = readings.map((r) => r[k].growth.percent);
    const [lo, hi] = [Math.min(...xs), Math.max(...xs)];
    return `${name} ${lo === hi ? pc(lo) : `${pc(lo)} to ${pc(hi)}`}`;
  });
  if (growths.length === 1) return ranges.join(", ");
  const met = growths.filter(longMet).length;
  return `${met} of ${growths.length} children under 10% in every reading; ${ranges.join(", ")}`;
}

/**
 * Each of the issue's targets on this machine (warm caches unless said),
 * the figure measured and whether it met it. Times depend on the machine's
 * speed at the hour: the floor's rate above is that hour's measure.
 */
export function targetVerdicts(f: TargetFigures): string[] {
  const n = (x: number) => Math.round(x).toLocaleString("en-US");
  const rows: Verdict[] = [
    {
      figure: "5,000-case sweep, --workers 2",
      target: ">= 2,500 cases/s",
      measured: `${n(f.sweep2CasesPerS)} cases/s`,
      met: f.sweep2CasesPerS >= 2500,
    },
    {
      figure: "5,000-case sweep, --workers 1",
      target: ">= 1,500 cases/s",
      measured: `${n(f.sweep1CasesPerS)} cases/s`,
      met: f.sweep1CasesPerS >= 1500,
    },
    {
      figure: "peak RSS of that sweep",
      target: "<= 250 MB",
      measured: `${n(f.sweepPeakMb)} MB`,
      met: f.sweepPeakMb <= 250,
    },
    {
      figure: "first (cold) run, --workers 2",
      target: "<= 15 s, <= 400 MB",
      measured: `${f.coldS.toFixed(2)} s, ${n(f.coldPeakMb)} MB`,
      met: f.coldS <= 15 && f.coldPeakMb <= 400,
    },
    {
      figure: "one case, as a process",
      target: "<= 70 ms",
      measured: `${f.oneCaseMs.toFixed(1)} ms`,
      met: f.oneCaseMs <= 70,
    },
  ];
  if (f.growths?.length) {
    rows.push({
      figure: "long sweep's growth after 10,000 cases",
      target: "< 10%",
      measured: longSummary(f.growths),
      // Met when it held in every child: one run over it is a miss, however many were under.
      met: f.growths.every(longMet),
    });
  }
  const width = (pick: (v: Verdict) => string) => Math.max(...rows.map((v) => pick(v).length));
  const [figure, target] = [width((v) => v.figure), width((v) => v.target)];
  return [
    "the issue's targets (this machine; times follow its speed at the hour):",
    ...rows.map((v) =>
      `  ${v.figure.padEnd(figure)}  ${v.target.padEnd(target)}  ` +
      `${(v.met ? "met" : "NOT met").padEnd(7)}  ${v.measured}`
    ),
  ];
}

/** One target: the figure, what the issue asks, what was measured, and whether it was met. */
interface Verdict {
  figure: string;
  target: string;
  measured: string;
  met: boolean;
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: {
      child: { type: "string" },
      workers: { type: "string", default: "1" },
      repeat: { type: "string" },
      long: { type: "boolean" },
      dimensions: { type: "boolean" },
      baseline: { type: "string" },
    },
  });
  // A count of runs or rounds: none, or a fraction, would measure nothing or fail midway.
  if (values.repeat !== undefined && !/^[1-9][0-9]*$/.test(values.repeat)) {
    console.error(`--repeat ${values.repeat}: give a whole number of runs, 1 or more`);
    Deno.exit(2);
  }
  if (values.child) {
    console.log(JSON.stringify(await child(values.child, Number(values.workers))));
  } else if (values.baseline !== undefined) {
    let baseline;
    try {
      baseline = checkoutRoot(values.baseline);
    } catch (e) {
      console.error((e as Error).message);
      Deno.exit(2);
    }
    const rounds = Number(values.repeat ?? BASELINE_ROUNDS);
    console.log(await (values.long ? compareLong : compareWith)(baseline, rounds));
  } else {
    const repeat = Number(values.repeat ?? 1);
    // Warm the assembly cache (and Deno's module cache) first.
    await spawn("sweep", 2);
    const mb = (kb: number) => `${(kb / 1024).toFixed(0)} MB`;
    // CPU over wall time: how many of the machine's cores the sweep kept busy.
    const sweepRow = (label: string, r: Awaited<ReturnType<typeof measured>>) =>
      `${label}: ${r.cases} cases in ${seconds(r.ms)} (${rate(r)} cases/s; process ${
        seconds(r.wallMs)
      }), ` +
      `CPU ${seconds(r.cpuMs)} (${(r.cpuMs / r.ms).toFixed(2)} cores), peak RSS ${mb(r.hwmKb)}`;
    const [sweep1, fl] = await measuredInTurn([
      { what: "sweep", workers: 1 },
      { what: "floor", workers: 1 },
    ], repeat);
    const sweep2 = await measured("sweep", 2, repeat);
    const cold = await measured("sweep", 2, repeat, true);
    const one = await measured("one", 1, repeat);
    const oneProcess = await oneCaseProcess(Math.max(repeat, 5));
    const bare = { cases: fl.cases, ms: fl.engineMs };
    const rows = [
      sweepRow("sweep, --workers 1", sweep1),
      sweepRow("sweep, --workers 2", sweep2),
      // The most two threads could do: the one-worker sweep's CPU per case on both of them.
      `--workers 2 against ${TWO_THREADS} cores at --workers 1's CPU per case ` +
      `(${(sweep1.cases / (sweep1.cpuMs / 1000) * TWO_THREADS).toFixed(0)} cases/s): it took ` +
      `${seconds(sweep2.cpuMs - sweep1.cpuMs)} more CPU for the same cases`,
      sweepRow("sweep, --workers 2, cold assembler cache", cold),
      `one case: ${one.ms.toFixed(0)} ms in-process, ${oneProcess.ms.toFixed(0)} ms as a ` +
      `process (Deno's own start-up, the task's command on an empty module, ` +
      `${oneProcess.denoMs.toFixed(0)} ms; the harness's part, paired, ` +
      `${oneProcess.harnessMs.toFixed(0)} ms), peak RSS ${mb(one.hwmKb)}`,
      `floor, 1 thread, reused engines, no hooks or checks: ${fl.cases} cases, engine part ` +
      `${seconds(fl.engineMs)} (${rate(bare)} cases/s); with building and loading the worlds ` +
      `${seconds(fl.ms)} (${rate(fl)} cases/s)`,
      `harness/floor (--workers 1): ${
        (sweep1.ms / sweep1.cases / (fl.engineMs / fl.cases)).toFixed(2)
      } ` +
      `against the engine part, ${(sweep1.ms / sweep1.cases / (fl.ms / fl.cases)).toFixed(2)} ` +
      `against build+load+engine`,
    ];
    if (values.dimensions) {
      // The same sweep along the other dimensions users sweep: kernels and CPU models
      // (`--cpu all`: each case emulated once, timed on the three models, a result each).
      for (const on of ["linux-6.12", "linux-6.1", "neoverse-n1", "all"]) {
        const flag = on.startsWith("linux-") ? "--kernel" : "--cpu";
        rows.push(
          sweepRow(`sweep ${flag} ${on}, --workers 2`, await measured(`sweep-${on}`, 2, repeat)),
        );
      }
    }
    const growths: LongGrowth[] = [];
    // `repeat` long sweeps, each read on its own: the sample at 10,000 cases may fall on a
    // high or a low of the collections' swings, so one child says little of the next.
    for (let i = 0; values.long && i < repeat; i++) {
      const { row, growth } = longRow(await spawn("long", 2));
      growths.push(growth);
      rows.push(row);
    }
    rows.push(
      "",
      ...targetVerdicts({
        sweep1CasesPerS: sweep1.cases / (sweep1.ms / 1000),
        sweep2CasesPerS: sweep2.cases / (sweep2.ms / 1000),
        sweepPeakMb: Math.max(sweep1.hwmKb, sweep2.hwmKb) / 1024,
        coldS: cold.wallMs / 1000,
        coldPeakMb: cold.hwmKb / 1024,
        oneCaseMs: oneProcess.ms,
        ...(growths.length ? { growths } : {}),
      }),
    );
    console.log(rows.join("\n"));
  }
}

/** A long-sweep child's growth, and the line that gives its figures. */
function longRow(l: ChildRun): { row: string; growth: LongGrowth } {
  const g = longGrowth(l.samples!, l.peaks!, l.cases, l.hwmKb, SAMPLE_MS, l.tenK);
  // Where 10,000 cases were: found in the runs file, or estimated when it could not be.
  const where = l.tenK === undefined
    ? "at about 10,000 cases"
    : `at 10,000 cases (${seconds(l.tenK * SAMPLE_MS)} in)`;
  const row =
    `long sweep, --workers 2, \`run --quiet --json\`: ${l.cases} cases in ${seconds(l.ms)} ` +
    `(${rate(l)} cases/s), peak RSS (VmHWM) ${g.hwm.from} MB after ` +
    `about 10,000 cases, ${g.hwm.to} MB at the end (${pc(g.hwm.percent)}); sampled RSS ` +
    `${g.sample.from} MB ${where}, at most ${g.sample.to} MB after (${pc(g.sample.percent)}); ` +
    `at most ${g.firstPeak.from} MB in the first 10,000 (${pc(g.firstPeak.percent)}); ` +
    `2.5 s means ${Math.round(g.means.from)} MB from about 10,000 cases, at most ` +
    `${Math.round(g.means.to)} MB after (${pc(g.means.percent)}); means of the rest's ` +
    `quarters ${g.quarterMeans.join(", ")} MB, last ${g.last} MB`;
  return { row, growth: g };
}

/**
 * The 5,000-case sweep of this checkout against `baseline`'s, with one
 * worker and with two: medians of the paired rounds, and the median of the
 * rounds' time ratios (this tree over the baseline; under 1 is faster).
 */
async function compareWith(baseline: string, repeat: number): Promise<string> {
  // Each tree's caches warmed (assembler, Deno's modules) before anything is timed.
  await spawn("sweep", 2, {}, baseline);
  await spawn("sweep", 2);
  const rows = [
    `this tree (${ROOT}) against the baseline (${baseline}), ${repeat} rounds in turn:`,
  ];
  for (const workers of [1, 2]) {
    const rounds = await paired("sweep", workers, repeat, baseline);
    const of = (pick: (r: { base: ChildReport; mine: ChildReport }) => number) =>
      median(rounds.map(pick));
    const ratios = rounds.map((r) => r.mine.ms / r.base.ms).sort((a, b) => a - b);
    rows.push(
      `sweep, --workers ${workers}: ${rounds[0].mine.cases} cases in ${
        seconds(of((r) => r.mine.ms))
      } ` +
        `against ${seconds(of((r) => r.base.ms))}, CPU ${
          seconds(of((r) => r.mine.cpuMs))
        } against ` +
        `${seconds(of((r) => r.base.cpuMs))}, peak RSS ` +
        `${Math.max(...rounds.map((r) => r.mine.hwmKb)) >> 10} against ` +
        `${Math.max(...rounds.map((r) => r.base.hwmKb)) >> 10} MB; time ratio ` +
        `${median(ratios).toFixed(3)} (rounds ${ratios[0].toFixed(3)} to ` +
        `${ratios[ratios.length - 1].toFixed(3)})`,
    );
  }
  return rows.join("\n");
}

/**
 * The long sweep of this checkout against `baseline`'s, `repeat` rounds in
 * turn: each round's readings, each tree's summary, and the rounds' paired
 * differences (this tree minus the baseline, in points) with their spread.
 * One child's sample at 10,000 cases falls on a high or a low of the
 * collections' swings, so only the spread over rounds says whether a change
 * moved it.
 */
async function compareLong(baseline: string, repeat: number): Promise<string> {
  await spawn("sweep", 2, {}, baseline);
  await spawn("sweep", 2);
  const rounds = (await paired("long", 2, repeat, baseline)).map((r) => ({
    mine: longRow(r.mine),
    base: longRow(r.base),
    ratio: r.mine.ms / r.base.ms,
  }));
  const brief = (g: LongGrowth) =>
    `${longReadings(g).map((r) => percent(r.growth.percent)).join(", ")}%`;
  // A mean difference, and its sample standard deviation once there are two rounds.
  const pm = (xs: number[]) => {
    const m = mean(xs);
    const sd = Math.sqrt(xs.reduce((a, x) => a + (x - m) ** 2, 0) / (xs.length - 1));
    return `${m >= 0 ? "+" : ""}${m.toFixed(1)}${xs.length > 1 ? ` ± ${sd.toFixed(1)}` : ""}`;
  };
  const names = longReadings(rounds[0].mine.growth).map((r) => r.name);
  const ratios = rounds.map((r) => r.ratio).sort((a, b) => a - b);
  return [
    `the long sweep of this tree (${ROOT}) against the baseline (${baseline}), ` +
    `${repeat} rounds in turn (readings: ${names.join(", ")}):`,
    ...rounds.map((r, i) =>
      `  round ${i + 1}: this tree ${brief(r.mine.growth)}; baseline ${brief(r.base.growth)}; ` +
      `time ratio ${r.ratio.toFixed(3)}`
    ),
    `this tree: ${longSummary(rounds.map((r) => r.mine.growth))}`,
    `baseline: ${longSummary(rounds.map((r) => r.base.growth))}`,
    `this tree minus the baseline, mean ± standard deviation over the rounds (points): ` +
    names.map((name, k) =>
      `${name} ${
        pm(rounds.map((r) =>
          longReadings(r.mine.growth)[k].growth.percent -
          longReadings(r.base.growth)[k].growth.percent
        ))
      }`
    ).join(", ") +
    `; time ratio ${median(ratios).toFixed(3)} (rounds ${ratios[0].toFixed(3)} to ` +
    `${ratios[ratios.length - 1].toFixed(3)})`,
  ].join("\n");
}
