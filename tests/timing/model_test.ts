/** CPU files: the built-in ones load; bad files, names and instructions give clear errors. */
import assert from "node:assert/strict";
import { BUILTIN_CPUS, builtinCpu, loadCpuFile, selectCpus } from "../../src/timing/catalog.ts";
import {
  compileModel,
  CpuModelError,
  parseCpuFile,
  TIMING_CLASSES,
} from "../../src/timing/model.ts";
import { simulate } from "../../src/timing/simulate.ts";
import { repeatBlock } from "../../src/timing/synthetic.ts";

/** A CPU file as parsed JSON, edited freely by the tests. */
// deno-lint-ignore no-explicit-any
type CpuJson = Record<string, any>;

const N1 = new URL("../../src/timing/cpus/neoverse-n1.json", import.meta.url).pathname;

const temporary: string[] = [];

/** neoverse-n1.json changed by `edit`, written to a temporary file (removed by the last test). */
async function editedN1(edit: (json: CpuJson) => void): Promise<string> {
  const json = JSON.parse(await Deno.readTextFile(N1));
  edit(json);
  const path = await Deno.makeTempFile({ prefix: "cpu-", suffix: ".json" });
  temporary.push(path);
  await Deno.writeTextFile(path, JSON.stringify(json));
  return path;
}

Deno.test("every built-in CPU file loads, names itself and has a version", () => {
  for (const name of BUILTIN_CPUS) {
    const model = builtinCpu(name);
    assert.equal(model.file.name, name);
    assert.match(model.file.version, /^\S+$/);
    // Every class the traced code can contain, except exception (it ends a run), has a figure.
    for (const cls of TIMING_CLASSES) {
      if (cls !== "exception") assert.ok(model.file.classes[cls], `${name}: ${cls}`);
    }
    // Every figure cites a declared source.
    const cites = (source: string) => source.split(/[\s,;:(]/)[0] in model.file.sources;
    for (const fig of Object.values(model.file.classes)) assert.ok(cites(fig!.source));
    const { branch, memory } = model.file;
    for (
      const source of [
        branch.source,
        branch.conditional.source,
        branch.indirect.source,
        branch.returnStack.source,
        memory.source,
        ...Object.values(memory.ordering).map((r) => r.source),
      ]
    ) assert.ok(cites(source), `${name}: ${source}`);
  }
});

Deno.test("--cpu selections: a name, NAME:cold, :first-call, :bimodal, all, and an unknown name", async () => {
  const [n1] = await selectCpus("neoverse-n1");
  assert.deepEqual({ name: n1.info.name, version: n1.info.version }, {
    name: "neoverse-n1",
    version: "3",
  });
  assert.equal(n1.mode, "steady");
  assert.equal(n1.bimodal, false);
  const cold = await selectCpus("cortex-a55:cold");
  assert.equal(cold[0].cold, true);
  assert.equal(cold[0].mode, "cold");
  assert.equal(cold[0].info.name, "cortex-a55:cold");
  const [first] = await selectCpus("apple-m1:first-call");
  assert.deepEqual([first.mode, first.cold, first.bimodal], ["first-call", true, false]);
  assert.equal(first.spec, "apple-m1:first-call");
  const both = await selectCpus("all:bimodal:cold");
  assert.deepEqual(both.map((s) => s.info.name), [
    "cortex-a55:cold:bimodal",
    "neoverse-n1:cold:bimodal",
    "apple-m1:cold:bimodal",
  ]);
  assert.ok(both.every((s) => s.bimodal && s.mode === "cold"));
  // The spec a worker is sent selects the same thing again.
  assert.deepEqual((await selectCpus(both[1].spec)).map((s) => s.info.name), [
    "neoverse-n1:cold:bimodal",
  ]);
  await assert.rejects(
    () => selectCpus("neoverse-n1:warm"),
    /unknown CPU model "neoverse-n1:warm"/,
  );
  assert.deepEqual((await selectCpus("all")).map((s) => s.model.file.name), [...BUILTIN_CPUS]);
  await assert.rejects(
    () => selectCpus("pentium"),
    (e) =>
      e instanceof CpuModelError && /unknown CPU model "pentium"/.test(e.message) &&
      e.message.includes("cortex-a55, neoverse-n1, apple-m1"),
  );
});

Deno.test("a CPU file with a missing field names the field and the file", async () => {
  const path = await editedN1((j) => delete j.branch.mispredictPenalty);
  assert.throws(() => loadCpuFile(path), (e) =>
    e instanceof CpuModelError &&
    e.message.includes(path) && e.message.includes("branch.mispredictPenalty is missing"));
});

Deno.test("a CPU file with a malformed field names the field and the file", async () => {
  const cases: [(j: CpuJson) => void, RegExp][] = [
    [(j) => (j.core.fetchWidth = "four"), /field core\.fetchWidth is not an integer/],
    [(j) => (j.classes.load.latency = -1), /field classes\.load\.latency is not an integer/],
    [
      (j) => (j.classes.store.uops = [["Q"]]),
      /field classes\.store\.uops\[0\]\.ports\[0\] names no port/,
    ],
    [(j) => (j.classes.loads = j.classes.load), /field classes\.loads names no instruction class/],
    [(j) => (j.core.kind = "vliw"), /field core\.kind is not "in-order" or "out-of-order"/],
    [
      (j) => (j.branch.conditional.entries = 1000),
      /field branch\.conditional\.entries is not a power of two/,
    ],
    [
      (j) => (j.branch.conditional.kind = "tage"),
      /field branch\.conditional\.kind is not "gshare" or "bimodal"/,
    ],
    [
      (j) => (j.branch.conditional.historyBits = 64),
      /field branch\.conditional\.historyBits is not an integer in 0\.\.30/,
    ],
    [
      (j) => delete j.branch.returnStack.depth,
      /field branch\.returnStack\.depth is missing/,
    ],
    [
      (j) => (j.branch.indirect.source = "a rumour"),
      /field branch\.indirect\.source cites "a", which is not a key of sources/,
    ],
    [
      (j) => delete j.memory.ordering.releaseWaitsForOlder,
      /field memory\.ordering\.releaseWaitsForOlder is missing/,
    ],
    [
      (j) => (j.memory.ordering.loadForwardsFromRelease.value = "yes"),
      /field memory\.ordering\.loadForwardsFromRelease\.value is not true or false/,
    ],
    [
      (j) => (j.memory.ordering.tso = { value: true, source: "assumed" }),
      /field memory\.ordering\.tso is not a rule/,
    ],
    [
      (j) => (j.memory.source = "a blog"),
      /field memory\.source cites "a", which is not a key of sources/,
    ],
    [
      (j) => (j.classes["store-pair"].uops = [["D"], ["D"], ["D"]]),
      /classes\.store-pair\.uops needs more ports/,
    ],
    [
      (j) => (j.overrides[0].operand = "rotated"),
      /field overrides\[0\]\.operand is not one of register, lsl-1-4, shifted, extended/,
    ],
    [
      (j) => (j.overrides[0].mnemonic = []),
      /field overrides\[0\]\.mnemonic is an empty list/,
    ],
    [
      (j) => (j.overrides[0].operand = ["register", 7]),
      /field overrides\[0\]\.operand\[1\] is not a non-empty string/,
    ],
    [
      (j) => (j.overrides[0].addressing = "register-offset"),
      /field overrides\[0\] has both addressing and operand/,
    ],
  ];
  for (const [edit, message] of cases) {
    const path = await editedN1(edit);
    assert.throws(
      () => loadCpuFile(path),
      (e) => e instanceof CpuModelError && e.message.includes(path) && message.test(e.message),
    );
  }
  assert.throws(() => parseCpuFile("{", "broken.json"), /CPU file broken\.json is not valid JSON/);
});

Deno.test("an instruction whose class has no figure names the instruction and the CPU file", async () => {
  const path = await editedN1((j) => delete j.classes.divide);
  const model = loadCpuFile(path);
  const run = repeatBlock([0x9ac20820 /* udiv x0, x1, x2 */], 1);
  assert.throws(
    () => simulate(model, run.trace, run.code, run.phases),
    (e) =>
      e instanceof CpuModelError && e.message.includes(path) &&
      e.message.includes('no figure for class "divide"') && e.message.includes("udiv") &&
      e.message.includes("0x9ac20820") && e.message.includes("pc 0x"),
  );
  // exception has no figure in any built-in file.
  const brk = repeatBlock([0xd4200000 /* brk #0 */], 1);
  assert.throws(
    () => simulate(builtinCpu("cortex-a55"), brk.trace, brk.code, brk.phases),
    /src\/timing\/cpus\/cortex-a55\.json \(cortex-a55\) has no figure for class "exception": instruction brk/,
  );
});

Deno.test("an undecoded word names the word, its pc and the CPU file", () => {
  const run = repeatBlock([0x04a00000 /* an SVE encoding */], 1);
  assert.throws(
    () => simulate(builtinCpu("neoverse-n1"), run.trace, run.code, run.phases),
    (e) =>
      e instanceof CpuModelError && e.message.includes("0x04a00000") &&
      e.message.includes("pc 0x") && e.message.includes("neoverse-n1.json"),
  );
});

Deno.test("micro-ops are placed most constrained first, so a feasible figure always issues", () => {
  // One S and one M port: first-fit in file order would give S to the first micro-op
  // and leave nothing for the second.
  const file = parseCpuFile(Deno.readTextFileSync(N1), "n1");
  file.ports.S = 1;
  file.classes.bl = {
    latency: 1,
    uops: [{ ports: ["S", "M"], cycles: 1 }, { ports: ["S"], cycles: 1 }],
    source: "N1-SWOG",
  };
  const model = compileModel(file, "n1");
  const run = repeatBlock([0x94000001 /* bl .+4 */], 10);
  assert.ok(simulate(model, run.trace, run.code, run.phases).cycles >= 10);
});

Deno.test("(clean-up) temporary CPU files", async () => {
  for (const path of temporary.splice(0)) await Deno.remove(path);
});
