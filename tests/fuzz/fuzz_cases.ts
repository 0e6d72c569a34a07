/**
 * Fuzz targets shared by the test suite (a few thousand cases) and by
 * `deno task fuzz` (as many as asked). Every case must end in a result or a
 * clear, typed error, within a bounded time; a valid scenario parameter set
 * must pass its checks or be not applicable. A crash, a hang, an untyped
 * exception, or a valid parameter set that faults or fails a check is a bug.
 */
import assert from "node:assert/strict";
import { decode } from "../../src/isa/decode.ts";
import { ElfError, parseElf } from "../../src/asm/elf.ts";
import { load, LoadError } from "../../src/asm/loader.ts";
import { assemble } from "../../src/asm/assembler.ts";
import { EngineError } from "../../src/engine/engine.ts";
import { unicornFactory } from "../../src/engine/unicorn.ts";
import { defaultLayout, SectionPlacer } from "../../src/kernel/layout.ts";
import { buildWorld } from "../../src/kernel/world.ts";
import { findVariant } from "../../src/kernel/variants/index.ts";
import { singleTracerOps } from "../../src/kernel/workload.ts";
import { measureCase, toWorkload } from "../../src/runner/run_scenario.ts";
import {
  type ParamSpec,
  parseParamValue,
  type Scenario,
  ScenarioError,
  scenarioVariants,
} from "../../src/runner/scenario.ts";
import type { Params } from "../../src/runner/result.ts";

/** A small deterministic PRNG (xorshift32), so every failure can be replayed from its seed. */
export function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
}

/** Per-case time limit: generous, but a hang or a quadratic blow-up trips it. */
export const CASE_LIMIT_MS = 2000;

function timed<T>(label: string, f: () => T): T {
  const start = performance.now();
  const out = f();
  const ms = performance.now() - start;
  assert.ok(ms < CASE_LIMIT_MS, `${label} took ${ms.toFixed(0)} ms`);
  return out;
}

/** Random words through the decoder: never throws, always a class or a reason. */
export function fuzzDecoder(cases: number, seed: number): void {
  const next = rng(seed);
  timed(`decoding ${cases} words`, () => {
    for (let i = 0; i < cases; i++) {
      const word = next();
      const d = decode(word);
      assert.equal(d.word >>> 0, word, "decode keeps the word");
      if (d.cls === null) assert.ok(d.reason.length > 0, `no reason for 0x${word.toString(16)}`);
    }
  });
}

/** A real object file, to mutate. */
export async function sampleObject(): Promise<Uint8Array> {
  const workload = toWorkload({ target: { args: 3 }, ops: [singleTracerOps("ringbuf")] });
  const world = buildWorld(findVariant("call-ops")!, workload, "fuzz/call-ops");
  if ("notApplicable" in world) throw new Error("unexpected n/a");
  return await assemble(world.unit);
}

/** Mutated objects through the ELF reader and the loader: a load, or ElfError/LoadError. */
export function fuzzLoader(object: Uint8Array, cases: number, seed: number): void {
  const next = rng(seed);
  for (let i = 0; i < cases; i++) {
    const bytes = object.slice(0, next() % 4 === 0 ? next() % object.length : object.length);
    const flips = 1 + (next() % 8);
    for (let k = 0; k < flips && bytes.length; k++) bytes[next() % bytes.length] = next() & 0xff;
    timed(`loader case ${i} (seed ${seed})`, () => {
      try {
        const placer = new SectionPlacer(defaultLayout());
        load(parseElf(bytes), (s) => placer.place(s));
      } catch (e) {
        const typed = e instanceof ElfError || e instanceof LoadError ||
          (e instanceof Error && /section .* has no place in the memory layout/.test(e.message));
        if (!typed) throw new Error(`loader case ${i} (seed ${seed}) threw untyped ${e}`);
      }
    });
  }
}

/**
 * Random words executed in the emulator (one page of them, run with a small
 * budget): a stop or an EngineError, never a crash; engines always closed.
 */
export function fuzzExecution(cases: number, seed: number): void {
  const next = rng(seed);
  const base = 0x10_0000n;
  for (let i = 0; i < cases; i++) {
    const engine = unicornFactory.create();
    try {
      engine.map(base, 0x1000, { read: true, write: true, exec: true });
      const words = new Uint32Array(1024).map(() => next());
      engine.write(base, new Uint8Array(words.buffer));
      engine.writeRegister("sp", base + 0x800n);
      timed(`execution case ${i} (seed ${seed})`, () => {
        try {
          engine.run(base, base + 0x1000n, 64);
        } catch (e) {
          if (!(e instanceof EngineError)) throw e;
        }
      });
    } finally {
      engine.close();
    }
  }
}

/** A value within the spec (sweep values, or the int range up to a modest size). */
function validValue(spec: ParamSpec, next: () => number): number | string | boolean {
  if (spec.type === "bool") return next() % 2 === 0;
  if (spec.type === "enum") return spec.values[next() % spec.values.length];
  const min = spec.min ?? 0;
  const max = Math.min(spec.max ?? min + 16, min + 16);
  return min + (next() % (max - min + 1));
}

function randomRaw(next: () => number): string {
  const pick = next() % 6;
  if (pick === 0) return String((next() % 2000) - 1000);
  if (pick === 1) return ["true", "false", "TRUE", "1"][next() % 4];
  if (pick === 2) return ["empty", "ringbuf", "fexit", "near", "far", "bpf"][next() % 6];
  if (pick === 3) return String(next());
  if (pick === 4) return "";
  return String.fromCharCode(...Array.from({ length: 1 + next() % 6 }, () => 32 + next() % 90));
}

/**
 * Failures a scenario sets out to show, not bugs: bti-pac with `tracer_bti=false`
 * models tracers built without `bti c`, and (as its header says) the `blr` of
 * call-ops then takes a BTI fault, and so does direct's into the BPF program
 * unless PAC gives it a `paciasp` (an implicit `bti c`). The failure a case
 * must show, as "check: detail", or undefined when it must pass.
 */
function documentedFailure(scenario: Scenario, variant: string, params: Params) {
  if (scenario.name !== "bti-pac" || params.bti !== true || params.tracer_bti !== false) return;
  if (variant === "call-ops") {
    return /^bti: BTI fault: blr at ftrace_caller\+0x[0-9a-f]+ landed on tracer_empty, which is not a landing pad$/;
  }
  if (variant === "direct" && params.pac === false) {
    return /^bti: BTI fault: blr at bpf_trampoline\+0x[0-9a-f]+ landed on bpf_prog_empty, which is not a landing pad$/;
  }
}

/**
 * Random command-line values for every parameter of a scenario: each is
 * accepted or refused with a ScenarioError. Accepted sets are run on a random
 * variant, with the scenario's budget, as the command line would: every one
 * must pass all its checks or be not applicable with a reason. A fault, a
 * failed check (other than one the scenario sets out to show) or an exception
 * is a failure naming the seed and case that replay it.
 */
export async function fuzzScenario(scenario: Scenario, cases: number, seed: number) {
  const next = rng(seed);
  let ran = 0;
  for (let i = 0; i < cases; i++) {
    const params: Params = {};
    let valid = true;
    for (const [name, spec] of Object.entries(scenario.params)) {
      try {
        // Half the time a value the parameter's spec allows, half the time anything.
        const raw = next() % 2 ? randomRaw(next) : String(validValue(spec, next));
        params[name] = parseParamValue(scenario, name, raw);
      } catch (e) {
        if (!(e instanceof ScenarioError)) throw e;
        valid = false;
      }
    }
    if (!valid || ran >= Math.max(8, cases / 20)) continue;
    ran++;
    const variants = scenarioVariants(scenario);
    const variant = variants[next() % variants.length];
    const label = `${scenario.name} (seed ${seed}, case ${i}) ${
      JSON.stringify(params)
    } on ${variant.name}`;
    const start = performance.now();
    let m;
    try {
      m = await measureCase(
        variant,
        toWorkload(scenario.workload(params)),
        "fuzz",
        unicornFactory,
        scenario.budget,
      );
    } catch (e) {
      throw new Error(`${label}: a valid parameter set threw ${e}`);
    }
    assert.ok(performance.now() - start < CASE_LIMIT_MS, `${label}: too slow`);
    if ("notApplicable" in m) {
      assert.ok(m.notApplicable.trim().length > 0, `${label}: not applicable without a reason`);
      continue;
    }
    const failed = m.checks.filter((c) => !c.ok).map((c) => `${c.name}: ${c.detail}`).join("; ");
    const expected = documentedFailure(scenario, variant.name, params);
    if (expected) assert.match(failed, expected, `${label}: not the documented failure`);
    else assert.equal(failed, "", `${label}: a valid parameter set failed`);
  }
  return ran;
}
