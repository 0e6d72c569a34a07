/**
 * What a one-case `run` loads before it measures anything: the modules
 * mod.ts imports statically. The other commands (report, compare, merge,
 * kernel builds, asm) and the real-kernel and timing-model modules (about
 * 10 ms of a one-case process) are imported only when used, and no `node:`
 * module is imported: the first starts Deno's Node layer (6 to 9 ms; 15 ms
 * for node:crypto).
 */
import assert from "node:assert/strict";

const ROOT = new URL("../../", import.meta.url);

/** Specifiers reachable from mod.ts through static imports only. */
async function staticGraph(): Promise<Set<string>> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", "mod.ts"],
    cwd: ROOT,
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.ok(out.success, new TextDecoder().decode(out.stderr));
  const info = JSON.parse(new TextDecoder().decode(out.stdout)) as {
    roots: string[];
    modules: {
      specifier: string;
      dependencies?: { isDynamic?: boolean; code?: { specifier?: string } }[];
    }[];
  };
  const bySpecifier = new Map(info.modules.map((m) => [m.specifier, m]));
  const seen = new Set<string>();
  const todo = [...info.roots];
  for (let next; (next = todo.pop()) !== undefined;) {
    if (seen.has(next)) continue;
    seen.add(next);
    for (const dep of bySpecifier.get(next)?.dependencies ?? []) {
      if (!dep.isDynamic && dep.code?.specifier) todo.push(dep.code.specifier);
    }
  }
  return seen;
}

Deno.test("mod.ts loads neither the other commands, the real kernels, the timing model, nor a node: module", async () => {
  const graph = await staticGraph();
  const src = new URL("src/", ROOT).href;
  // The run path itself is there: the sanity check that the walk works.
  assert.ok(graph.has(`${src}runner/run_scenario.ts`));
  assert.ok(graph.has(`${src}engine/unicorn.ts`));
  const lazy = [
    "cli/report.ts",
    "cli/compare.ts",
    "cli/merge.ts",
    "cli/kernel.ts",
    "cli/asm.ts",
    "kernel/real/build.ts",
    "report/html/page.ts",
    // Loaded by the first case on a real kernel, or with a timing model.
    "kernel/real/kernel.ts",
    "kernel/real/world.ts",
    "kernel/real/dwarf.ts",
    "timing/case.ts",
    "timing/catalog.ts",
    "timing/simulate.ts",
  ].map((p) => `${src}${p}`);
  assert.deepEqual(lazy.filter((m) => graph.has(m)), []);
  assert.deepEqual([...graph].filter((m) => m.startsWith("node:")), []);
});
