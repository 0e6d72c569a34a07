/**
 * Memory-ordering rules of a CPU file (`memory.ordering`), one micro-test per
 * rule: the same program timed with the rule on and off, on neoverse-n1 (an
 * out-of-order core, where these waits are not hidden by in-order issue).
 * Each program starts with a slow dependent load pair, the older work an
 * ordered access may have to wait for.
 */
import assert from "node:assert/strict";
import {
  compileModel,
  type CpuFile,
  ORDERING_RULES,
  type OrderingRules,
  parseCpuFile,
} from "../../src/timing/model.ts";
import { BUILTIN_CPUS, builtinCpu } from "../../src/timing/catalog.ts";
import { simulate, type TimingResult } from "../../src/timing/simulate.ts";
import { causeTotal } from "../../src/timing/causes.ts";
import { runProgram } from "./program.ts";

const N1 = new URL("../../src/timing/cpus/neoverse-n1.json", import.meta.url).pathname;

/** neoverse-n1 with ordering rules set as given. */
function n1With(rules: Partial<Record<keyof OrderingRules, boolean>>) {
  const file: CpuFile = parseCpuFile(Deno.readTextFileSync(N1), "neoverse-n1");
  for (const [rule, value] of Object.entries(rules)) {
    file.memory.ordering[rule as keyof OrderingRules].value = value;
  }
  return compileModel(file, `neoverse-n1 ${JSON.stringify(rules)}`);
}

/**
 * `body` after a slow pair of dependent loads (x0 = 0 when they complete);
 * x1 = a 512-byte zeroed buffer, x3 = x1 + 64, x4 = x1 + 128, x2 = 7.
 */
const program = (body: string) => `
	.section .text, "ax", %progbits
	.globl start
start:
	adrp x1, buf
	add x1, x1, :lo12:buf
	add x3, x1, #64
	add x4, x1, #128
	mov x2, #7
	ldr x0, [x1]
	ldr x0, [x1, x0]
	${body}
	.globl stop
stop:
	nop
	.section .data, "aw", %progbits
	.balign 64
buf:
	.zero 512
`;

async function time(
  body: string,
  rules: Partial<Record<keyof OrderingRules, boolean>>,
): Promise<TimingResult> {
  const run = await runProgram(program(body));
  const r = simulate(n1With(rules), run.trace, run.code, run.phases);
  assert.equal(r.unmatchedAccesses, 0);
  return r;
}

const ordering = (r: TimingResult) =>
  Object.values(r.phaseCauses).reduce((n, c) => n + (c.ordering ?? 0), 0);

Deno.test("every built-in CPU file states each ordering rule with a source", () => {
  for (const cpu of BUILTIN_CPUS) {
    const rules = builtinCpu(cpu).file.memory.ordering;
    assert.deepEqual(Object.keys(rules).sort(), [...ORDERING_RULES].sort(), cpu);
    for (const rule of ORDERING_RULES) {
      assert.equal(typeof rules[rule].value, "boolean", `${cpu} ${rule}`);
      assert.ok(rules[rule].source.length > 0, `${cpu} ${rule}`);
    }
  }
});

Deno.test("releaseWaitsForOlder: an ldar after a store-release waits for the loads before it", async () => {
  // The stlr's data is ready at once; only the rule makes it complete after the slow loads,
  // and the ldar (RCsc) waits for it, then a chain hangs off the ldar.
  const body = "stlr x2, [x3]\n\tldar x5, [x4]\n\tadd x6, x5, #1\n\tadd x6, x6, #1";
  const on = await time(body, { releaseWaitsForOlder: true, ldarWaitsForRelease: true });
  const off = await time(body, { releaseWaitsForOlder: false, ldarWaitsForRelease: true });
  assert.ok(on.cycles > off.cycles, `on ${on.cycles}, off ${off.cycles}`);
  assert.ok(
    ordering(on) > ordering(off),
    `ordering cycles on ${ordering(on)}, off ${ordering(off)}`,
  );
});

Deno.test("loadForwardsFromRelease: a load of a store-release's bytes forwards, or waits for it", async () => {
  const body = "stlr x2, [x3]\n\tldr x5, [x1, #64]\n\tadd x6, x5, #1\n\tadd x6, x6, #1";
  const on = await time(body, { loadForwardsFromRelease: true });
  const off = await time(body, { loadForwardsFromRelease: false });
  assert.equal(on.storeForwards, 1);
  assert.equal(off.storeForwards, 0);
  // Not forwarded: the load waits until the release completes (after the slow loads).
  assert.ok(off.cycles > on.cycles, `on ${on.cycles}, off ${off.cycles}`);
  assert.ok(ordering(off) > ordering(on));
  // A plain store forwards either way.
  const plain = "str x2, [x1, #64]\n\tldr x5, [x1, #64]\n\tadd x6, x5, #1\n\tadd x6, x6, #1";
  assert.equal((await time(plain, { loadForwardsFromRelease: false })).storeForwards, 1);
});

Deno.test("acquireHoldsYounger: later loads wait for a load-acquire, or pass it", async () => {
  // The ldar depends on the slow loads; the loads after it do not.
  const body =
    "add x6, x1, x0\n\tldar x6, [x6]\n\tldr x5, [x1, #128]\n\tldr x5, [x1, x5]\n\tldr x5, [x1, x5]";
  const on = await time(body, { acquireHoldsYounger: true });
  const off = await time(body, { acquireHoldsYounger: false });
  assert.ok(on.cycles > off.cycles, `on ${on.cycles}, off ${off.cycles}`);
  assert.ok(ordering(on) > 0);
  assert.equal(ordering(off), 0);
});

Deno.test("ldarWaitsForRelease: an ldar waits for an older store-release, an ldapr does not", async () => {
  const ldar = "stlr x2, [x3]\n\tldar x5, [x4]\n\tadd x6, x5, #1\n\tadd x6, x6, #1";
  const ldapr =
    ".arch_extension rcpc\n\tstlr x2, [x3]\n\tldapr x5, [x4]\n\tadd x6, x5, #1\n\tadd x6, x6, #1";
  const on = await time(ldar, { ldarWaitsForRelease: true, releaseWaitsForOlder: true });
  const off = await time(ldar, { ldarWaitsForRelease: false, releaseWaitsForOlder: true });
  const rcpc = await time(ldapr, { ldarWaitsForRelease: true, releaseWaitsForOlder: true });
  assert.ok(on.cycles > off.cycles, `on ${on.cycles}, off ${off.cycles}`);
  assert.equal(rcpc.cycles, off.cycles, "ldapr is timed as an ldar that does not wait");
});

Deno.test("dmbByDirection: a dmb ishst holds back stores only; a dmb ishld waits for loads only", async () => {
  // Younger independent loads after a store-only barrier.
  const st = "dmb ishst\n\tldr x5, [x1, #128]\n\tldr x5, [x1, x5]\n\tldr x5, [x1, x5]";
  const on = await time(st, { dmbByDirection: true });
  const off = await time(st, { dmbByDirection: false });
  assert.ok(off.cycles > on.cycles, `by direction ${on.cycles}, as a full dmb ${off.cycles}`);
  assert.equal(ordering(on), 0);
  // A store after dmb ishst does wait for older stores (a slow store: its data is the slow load's).
  const stores = "str x0, [x1, #64]\n\tdmb ishst\n\tstr x2, [x1, #192]";
  const full = "str x0, [x1, #64]\n\tdmb ish\n\tstr x2, [x1, #192]";
  assert.equal(
    (await time(stores, { dmbByDirection: true })).cycles,
    (await time(full, { dmbByDirection: true })).cycles,
  );
  // dmb ishld: later accesses wait for older loads, the same as a full dmb when only loads are older.
  const ld = "dmb ishld\n\tldr x5, [x1, #128]\n\tldr x5, [x1, x5]";
  const fullLd = "dmb ish\n\tldr x5, [x1, #128]\n\tldr x5, [x1, x5]";
  const byDirection = await time(ld, { dmbByDirection: true });
  assert.equal(byDirection.cycles, (await time(fullLd, { dmbByDirection: true })).cycles);
  assert.ok(ordering(byDirection) > 0);
});

Deno.test("ordering waits are charged to `ordering`, and the causes still add up", async () => {
  const body = "stlr x2, [x3]\n\tldar x5, [x4]\n\tadd x6, x5, #1";
  const r = await time(body, {});
  for (const [pc, c] of r.causesByPc) assert.equal(causeTotal(c), r.byPc.get(pc), `pc ${pc}`);
  assert.equal(Object.values(r.phaseCauses).reduce((n, c) => n + causeTotal(c), 0), r.cycles);
});
