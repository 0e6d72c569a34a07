/**
 * The allocator the run and bench tasks preload (src/cli/preload.ts): the
 * launcher takes the preload out of the environment, so the tools it spawns
 * start without it, and says so in one line when it did not take effect.
 */
import assert from "node:assert/strict";
import { ALLOCATOR_LIBRARY, ALLOCATOR_PACKAGE, takePreload } from "../../src/cli/preload.ts";
import { ALLOCATOR_REQUIREMENT } from "../../src/setup/ensure_deps.ts";

const PRELOAD = new URL("../../src/cli/preload.ts", import.meta.url).href;

/** Runs takePreload() in a process started with `preload`, then a shell from it. */
async function startedWith(preload: string) {
  const script = `import { takePreload } from ${JSON.stringify(PRELOAD)};
    const state = takePreload();
    const sh = new Deno.Command("/bin/sh", { args: ["-c", 'printf %s "\${LD_PRELOAD-unset}"'] })
      .outputSync();
    console.log(JSON.stringify({ state, child: new TextDecoder().decode(sh.stdout) }));`;
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["eval", script],
    env: { LD_PRELOAD: preload },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(out.stderr);
  assert.ok(out.success, stderr);
  return { ...JSON.parse(new TextDecoder().decode(out.stdout)), stderr };
}

Deno.test({
  name: "a preloaded allocator is used by the harness's process, not by what it spawns",
  ignore: !ALLOCATOR_REQUIREMENT.present(),
  async fn() {
    const r = await startedWith(ALLOCATOR_LIBRARY);
    assert.equal(r.state, "loaded");
    assert.equal(r.child, "unset");
    assert.equal(r.stderr, "");
  },
});

Deno.test("an allocator that cannot be preloaded is named in one note, and the run goes on", async () => {
  const r = await startedWith(`/nonexistent/${ALLOCATOR_LIBRARY}`);
  assert.equal(r.state, "missing");
  assert.equal(r.child, "unset");
  const notes = r.stderr.split("\n").filter((l: string) => l.startsWith("note: "));
  assert.equal(notes.length, 1, r.stderr);
  assert.match(notes[0], new RegExp(`Debian package ${ALLOCATOR_PACKAGE}`));
});

Deno.test("only the allocator's preload is taken out; others stay, and none means nothing done", () => {
  const before = Deno.env.get("LD_PRELOAD");
  const notes: string[] = [];
  try {
    Deno.env.set("LD_PRELOAD", `/opt/libother.so:/usr/lib/${ALLOCATOR_LIBRARY}`);
    const maps = `7f00-7f01 r-xp 0 08:01 1 /usr/lib/x86_64-linux-gnu/${ALLOCATOR_LIBRARY}\n`;
    assert.equal(takePreload((l) => notes.push(l), () => maps), "loaded");
    assert.equal(Deno.env.get("LD_PRELOAD"), "/opt/libother.so");
    Deno.env.set("LD_PRELOAD", ALLOCATOR_LIBRARY);
    assert.equal(
      takePreload((l) => notes.push(l), () => "7f00-7f01 r-xp 0 08:01 1 /x/libc.so.6\n"),
      "missing",
    );
    assert.equal(Deno.env.get("LD_PRELOAD"), undefined);
    assert.equal(notes.length, 1);
    assert.equal(takePreload((l) => notes.push(l), () => ""), "not asked");
    Deno.env.set("LD_PRELOAD", ALLOCATOR_LIBRARY);
    assert.equal(
      takePreload((l) => notes.push(l), () => {
        throw new Error("no /proc");
      }),
      "unknown",
    );
    assert.equal(notes.length, 1);
  } finally {
    if (before === undefined) Deno.env.delete("LD_PRELOAD");
    else Deno.env.set("LD_PRELOAD", before);
  }
});
