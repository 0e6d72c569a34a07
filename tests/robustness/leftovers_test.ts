/**
 * Leftovers and races: an atomic write killed with SIGKILL leaves only a
 * dot-named temp file, which the next run removes once its process is gone;
 * a live writer's temp file is never touched.
 */
import assert from "node:assert/strict";
import { removeStaleTemps } from "../../src/report/results_file.ts";
import { harness, ROOT, withTempDir } from "./cli.ts";

/** The pid of a process that has exited. */
async function deadPid(): Promise<number> {
  const child = new Deno.Command("true").spawn();
  await child.status;
  return child.pid;
}

Deno.test("stale temp files of dead writers are removed; live writers' are kept", async () => {
  await withTempDir(async (dir) => {
    const dead = await deadPid();
    const sleeper = new Deno.Command("sleep", { args: ["30"] }).spawn();
    try {
      const names = {
        deadOld: `.a.json.${dead}.tmp`, // the name of a write from before temp names were unique
        deadNew: `.a.json.${dead}.0a1b2c3d.tmp`,
        deadCache: `0123.o.${dead}.2f0a6c1e-5b7d-4c1a-9d3e-0123456789ab.tmp`,
        live: `.a.json.${sleeper.pid}.0a1b2c3d.tmp`,
        mine: `.b.json.${Deno.pid}.0a1b2c3d.tmp`,
        result: "a.json",
        notTemp: "notes.tmp",
      };
      for (const name of Object.values(names)) await Deno.writeTextFile(`${dir}/${name}`, "x");
      const removed = removeStaleTemps(dir, { again: true });
      assert.deepEqual(removed.sort(), [names.deadCache, names.deadNew, names.deadOld].sort());
      const left = [...Deno.readDirSync(dir)].map((e) => e.name).sort();
      assert.deepEqual(left, [names.live, names.mine, names.notTemp, names.result].sort());
    } finally {
      sleeper.kill("SIGKILL");
      await sleeper.status;
    }
  });
});

Deno.test("atomic writes of one file by processes at once: readers see one whole write", async () => {
  await withTempDir(async (dir) => {
    const path = `${dir}/same.json`;
    const whole = (content: string) =>
      ["0", "1", "2", "3"].some((d) => content === d.repeat(2_000_000));
    // Writes block their own thread: only processes can overlap on one file. Every writer
    // starts at the same moment, and writes for longer than their start-ups differ.
    const script = `
      import { writeFileAtomic } from "${
      new URL("src/report/results_file.ts", `file://${ROOT}`).href
    }";
      while (Date.now() < Number(Deno.args[2])) await new Promise((r) => setTimeout(r, 1));
      const text = Deno.args[1].repeat(2_000_000);
      for (let i = 0; i < 40; i++) writeFileAtomic(Deno.args[0], text);
    `;
    const start = `${Date.now() + 1500}`;
    let done = false;
    const writers = Promise.all(
      Array.from({ length: 4 }, (_, i) =>
        new Deno.Command(Deno.execPath(), {
          args: ["eval", "--ext=ts", script, path, `${i}`, start],
          stdout: "null",
          stderr: "piped",
        }).output()),
    ).finally(() => done = true);
    let reads = 0;
    while (!done) {
      let content;
      try {
        content = await Deno.readTextFile(path);
      } catch {
        await new Promise((r) => setTimeout(r, 1)); // not written yet
        continue;
      }
      reads++;
      assert.ok(whole(content), `read ${reads} saw a part or a mix of writes`);
    }
    for (const out of await writers) assert.ok(out.success, new TextDecoder().decode(out.stderr));
    assert.ok(reads > 0, "the file was read while it was written");
    assert.ok(whole(await Deno.readTextFile(path)));
    assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["same.json"]);
  });
});

Deno.test("SIGKILL during a results write: the next run cleans up and succeeds", async () => {
  await withTempDir(async (dir) => {
    const out = `${dir}/out.json`;
    // A child writing a big results file through the harness's own atomic write.
    const script = `
      import { writeFileAtomic } from "${
      new URL("src/report/results_file.ts", `file://${ROOT}`).href
    }";
      writeFileAtomic(Deno.args[0], "x".repeat(300_000_000));
    `;
    const child = new Deno.Command(Deno.execPath(), {
      args: ["eval", "--ext=ts", script, out],
      stdout: "null",
      stderr: "null",
    }).spawn();
    const temp = new RegExp(`^\\.out\\.json\\.${child.pid}\\.[0-9a-f]{8}\\.tmp$`);
    let seen: string | undefined;
    for (let i = 0; i < 3000 && !seen; i++) {
      seen = [...Deno.readDirSync(dir)].map((e) => e.name).find((n) => temp.test(n));
      if (!seen) await new Promise((r) => setTimeout(r, 2));
    }
    child.kill("SIGKILL");
    const status = await child.status;
    assert.ok(seen, "the child's temp file appeared");
    assert.equal(status.signal, "SIGKILL", "killed mid-write, not finished");
    // Killed mid-write: the temp file is left, the results file was never created.
    assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), [seen]);

    const r = await harness([
      "run",
      "scenarios/single-tracer.ts",
      "--param",
      "args=1",
      "--variant",
      "args",
      "--listing",
      "none",
      "--quiet",
      "--json",
      out,
    ]);
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual([...Deno.readDirSync(dir)].map((e) => e.name), ["out.json"], "cleaned up");
    const result = JSON.parse(await Deno.readTextFile(out));
    assert.equal(result.runs.length, 1);
    assert.equal(result.runs[0].status, "ok");
  });
});
