/**
 * The case memo (src/runner/case_memo.ts) gives a case an earlier run's
 * measurement only where emulating it would give the same: every scenario's
 * sweep, a sweep on each reference kernel's own code and the broken
 * fixture's faulting variants give the same runs with and without it, and a
 * world that differs where the kept run read, or anywhere in its code, is
 * emulated again.
 */
import assert from "node:assert/strict";
import { CaseMemo, NO_MEMO_ENV, threadMemo } from "../../src/runner/case_memo.ts";
import {
  measureCase,
  runScenario,
  setWorkload,
  toWorkload,
} from "../../src/runner/run_scenario.ts";
import { loadScenario } from "../../src/cli/main.ts";
import type { ParamValue } from "../../src/runner/result.ts";
import { scenarioVariants } from "../../src/runner/scenario.ts";
import { RecyclingUnicornFactory } from "../../src/engine/unicorn.ts";
import type { ExecutionLog } from "../../src/engine/engine.ts";
import { nopVariant } from "../../src/kernel/variants/nop.ts";
import { singleTracerOps, type Workload } from "../../src/kernel/workload.ts";
import { selectCpus } from "../../src/timing/catalog.ts";
import { buildWorld } from "../../src/kernel/world.ts";
import { initialState, type LoadedWorld, loadWorld } from "../../src/runner/machine.ts";
import { zeroMetrics } from "../../src/measure/metrics.ts";
import { ROOT, scenarioFiles } from "../scenario_files.ts";
import { runProgram } from "../timing/program.ts";

const files = scenarioFiles();
const factory = new RecyclingUnicornFactory();

/** A sweep's runs in this thread with `memo` (none: every case emulated). */
async function runs(
  file: string,
  memo: CaseMemo | undefined,
  overrides?: Map<string, ParamValue[]>,
  variants?: string[],
  kernel?: string,
) {
  const before = threadMemo.memo;
  threadMemo.memo = memo;
  try {
    const scenario = await loadScenario(file);
    return (await runScenario(scenario, { factory, variants, workers: 1, overrides, kernel }))
      .runs;
  } finally {
    threadMemo.memo = before;
  }
}

for (const file of files) {
  const name = file.slice(file.lastIndexOf("/") + 1);
  Deno.test(`the memo changes no run: ${name}`, async () => {
    const emulated = await runs(file, undefined);
    // Three sweeps with one memo: keys are met, then runs kept, then given back.
    const memo = new CaseMemo();
    for (let round = 0; round < 3; round++) assert.deepEqual(await runs(file, memo), emulated);
  });
}

Deno.test("the memo changes no run: faulting, trapping and runaway variants", async () => {
  const file = `${ROOT}tests/fixtures/broken-scenario.ts`;
  const args = new Map<string, ParamValue[]>([["args", [0, 1, 2, 3]]]);
  const variants = scenarioVariants(await loadScenario(file)).map((v) => v.name)
    .filter((v) => v !== "syntax-error");
  const emulated = await runs(file, undefined, args, variants);
  assert.ok(emulated.some((r) => r.checks.some((c) => c.name === "fault")), "cases fault");
  const memo = new CaseMemo();
  for (let round = 0; round < 3; round++) {
    assert.deepEqual(await runs(file, memo, args, variants), emulated);
  }
});

Deno.test("a sweep's baselines on the model are one world: measured once per thread", async () => {
  const memo = new CaseMemo();
  const sweep = new Map<string, ParamValue[]>([
    ["relevant", [0, 1, 2, 3]],
    ["irrelevant", [0, 1, 2, 3, 4, 5, 6, 7]],
  ]);
  const file = `${ROOT}scenarios/ftrace-ops.ts`;
  assert.deepEqual(await runs(file, memo, sweep), await runs(file, undefined, sweep));
  // 32 sets: the first set's baseline is measured, the other 31 are given again.
  assert.equal(memo.stats.baselines, 31);
});

Deno.test("a baseline is the same run with its set's ops registered and without", async () => {
  const scenario = await loadScenario(`${ROOT}scenarios/ftrace-ops.ts`);
  const cpus = await selectCpus("all");
  const measured = async (workload: Workload) => {
    const before = threadMemo.memo;
    threadMemo.memo = undefined;
    try {
      const m = await measureCase(nopVariant, workload, "memo-test/nop", factory, 1000, cpus);
      if ("notApplicable" in m) throw new Error("nop is always applicable");
      return m;
    } finally {
      threadMemo.memo = before;
    }
  };
  for (
    const [relevant, irrelevant, flags] of [[0, 0, false], [3, 5, true], [24, 49, false]] as const
  ) {
    const workload = setWorkload(scenario, {
      relevant,
      irrelevant,
      save_regs: flags,
      assist_recursion: flags,
      assist_rcu: flags,
      dynamic: !flags,
    });
    assert.ok(workload.ops.length === relevant + irrelevant, "the set registers its ops");
    const withOps = await measured(workload);
    assert.ok(withOps.checks.every((c) => c.ok), "the baseline passes its checks");
    assert.equal(withOps.timings?.length, cpus.length, "timed on every model");
    assert.deepEqual(await measured({ ...workload, ops: [] }), withOps);
  }
});

for (const kernel of ["linux-6.1", "linux-6.12"]) {
  Deno.test(`the memo gives ${kernel}'s baselines and changes no run`, async () => {
    const file = `${ROOT}scenarios/ftrace-ops.ts`;
    const sweep = new Map<string, ParamValue[]>([
      ["relevant", [0, 1, 2]],
      ["irrelevant", [0, 1, 2, 3]],
    ]);
    const emulated = await runs(file, undefined, sweep, undefined, kernel);
    assert.ok(emulated.some((r) => r.status === "ok"), "cases run on the kernel");
    const memo = new CaseMemo();
    for (let round = 0; round < 3; round++) {
      assert.deepEqual(await runs(file, memo, sweep, undefined, kernel), emulated);
    }
    // The kernel's code keeps its places from case to case, so its baselines' keys recur.
    assert.ok(memo.stats.hits >= 12, `${memo.stats.hits} baselines from the memo`);
  });
}

/** A fresh link of the single-tracer nop world; `change` edits its bytes before they are read. */
async function nopWorld(change?: (loaded: LoadedWorld) => void): Promise<LoadedWorld> {
  const workload = toWorkload({ target: { args: 2 }, ops: [singleTracerOps("ringbuf")] });
  const world = buildWorld(nopVariant, workload, "memo-test/nop");
  if ("notApplicable" in world) throw new Error("nop is always applicable");
  const loaded = await loadWorld(world, world.workload.layout);
  change?.(loaded);
  return loaded;
}

/** Flip a bit of the byte at `address` in a private copy of its section's bytes. */
function flip(loaded: LoadedWorld, address: bigint): void {
  const s = loaded.image.sections.find((s) =>
    address >= s.address && address < s.address + BigInt(s.bytes.length)
  );
  if (!s) throw new Error(`no section holds 0x${address.toString(16)}`);
  s.bytes = s.bytes.slice();
  s.bytes[Number(address - s.address)] ^= 1;
}

/** A log of one block (the caller's first instruction) and one 8-byte read at `read`. */
function logOf(loaded: LoadedWorld, read: bigint): ExecutionLog {
  return {
    blockCount: 1,
    blockStart: new Float64Array([Number(loaded.image.address("caller"))]),
    blockSize: new Int32Array([4]),
    blockAccess: new Int32Array([0]),
    accessCount: 1,
    accessAddress: new Float64Array([Number(read)]),
    accessSize: new Uint16Array([8]),
    accessWrite: new Uint8Array([0]),
    misalignedEntries: [],
    misalignedStackAccesses: [],
    spEventsTruncated: false,
    clear() {},
  };
}

Deno.test("the memo compares what the kept run read, and all of the code", async () => {
  const kept = await nopWorld();
  const read = kept.image.address("current_task");
  const memo = new CaseMemo();
  const keyOf = (loaded: LoadedWorld) =>
    memo.key(loaded, initialState(loaded), 1000, false) ?? assert.fail("no key");
  const key = keyOf(kept);
  const measurement = { checks: [], metrics: zeroMetrics(), phases: {} };
  memo.keep(key, kept, logOf(kept, read), measurement);
  assert.equal(memo.stats.kept, 1);

  const same = await nopWorld();
  assert.equal(keyOf(same), key, "the same world, linked again, has the same key");
  assert.equal(memo.lookup(key, same), measurement);
  // A byte the run read.
  assert.equal(memo.lookup(key, await nopWorld((l) => flip(l, read + 7n))), undefined);
  // A byte it did not read, in the data: the run is the same.
  const unread = kept.image.address("ring_buffer");
  assert.equal(memo.lookup(key, await nopWorld((l) => flip(l, unread))), measurement);
  // A byte of code no block of the run fetched: code is compared whole.
  const code = kept.image.sections.find((s) => s.exec && s.bytes.length > 0)!;
  const last = code.address + BigInt(code.bytes.length) - 1n;
  assert.equal(memo.lookup(key, await nopWorld((l) => flip(l, last))), undefined);
  assert.equal(memo.stats.hits, 2);
});

Deno.test(`${NO_MEMO_ENV} set when the process starts turns the memo off`, async () => {
  const module = new URL("../../src/runner/case_memo.ts", import.meta.url).href;
  const probe = async (env: Record<string, string>) => {
    const out = await new Deno.Command(Deno.execPath(), {
      args: [
        "eval",
        `const m = await import("${module}"); console.log(m.threadMemo.memo !== undefined)`,
      ],
      env,
      stdout: "piped",
    }).output();
    return new TextDecoder().decode(out.stdout).trim();
  };
  assert.equal(await probe({}), "true");
  assert.equal(await probe({ [NO_MEMO_ENV]: "1" }), "false");
});

Deno.test("the access log reports every memory read the memo relies on", async () => {
  // What each instruction accesses at `buf` (R/W and size), as the memo's read set sees it.
  const expected: Record<string, string> = {
    "ldadd x0, x1, [x2]": "R8 W8",
    "swp x0, x1, [x2]": "R8 W8",
    "cas x0, x1, [x2]": "R8 W8",
    "casp x0, x1, x4, x5, [x2]": "R8 R8 W8 W8",
    "ldxp x0, x1, [x2]": "R8 R8",
    "ldapr x0, [x2]": "R8",
    "ld4 {v0.16b, v1.16b, v2.16b, v3.16b}, [x2]": Array(64).fill("R1").join(" "),
  };
  for (const [insn, want] of Object.entries(expected)) {
    const text = [
      "\t.arch armv8.2-a+lse+rcpc",
      "\t.text",
      "\t.globl start",
      "start:",
      "\tadrp x2, buf",
      "\tadd x2, x2, :lo12:buf",
      `\t${insn}`,
      "\t.globl stop",
      "stop:",
      "\tnop",
      "\t.data",
      "\t.balign 64",
      "buf:",
      "\t.zero 128",
    ].join("\n");
    const { trace } = await runProgram(text);
    const got = Array.from(
      { length: trace.accessCount },
      (_, i) => `${trace.accessWrite[i] ? "W" : "R"}${trace.accessSize[i]}`,
    );
    assert.equal(got.join(" "), want, insn);
  }
});
