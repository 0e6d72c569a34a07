/**
 * The emulator library is loaded on another thread before `unicorn()` is
 * first called (`preloadUnicorn`), and `unicorn()` then only binds it. Each
 * check runs in a fresh process: this one has opened the library already.
 */
import assert from "node:assert/strict";

const FFI = new URL("../../src/engine/unicorn_ffi.ts", import.meta.url).href;

/** Run `code` (an ES module) in a new Deno process; its stdout, trimmed. */
async function inFreshProcess(code: string, env: Record<string, string> = {}): Promise<string> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["eval", "--ext=ts", code],
    env,
    stdout: "piped",
    stderr: "piped",
  }).output();
  const stderr = new TextDecoder().decode(out.stderr);
  assert.ok(out.success, `the child failed: ${stderr}`);
  return new TextDecoder().decode(out.stdout).trim();
}

Deno.test("preloadUnicorn: the library is in the process before unicorn() opens it", async () => {
  const report = JSON.parse(
    await inFreshProcess(`
      import { preloadUnicorn, unicorn } from "${FFI}";
      const mapped = () => Deno.readTextFileSync("/proc/self/maps").includes("libunicorn.so.2");
      const before = mapped();
      await preloadUnicorn();
      const preloaded = mapped();
      const version = Number(unicorn().uc_version(null, null));
      console.log(JSON.stringify({ before, preloaded, version }));
    `),
  );
  assert.equal(report.before, false);
  assert.equal(report.preloaded, true);
  // Unicorn 2: the major version in bits 24..31 of uc_version's answer.
  assert.equal(report.version >>> 24, 2);
});

Deno.test("preloadUnicorn: a library that cannot load is still reported by unicorn()", async () => {
  const text = await inFreshProcess(
    `
      import { preloadUnicorn, unicorn } from "${FFI}";
      await preloadUnicorn();
      try {
        unicorn();
        console.log("loaded");
      } catch (e) {
        console.log((e as Error).message);
      }
    `,
    { FTRACE_BENCH_LIBUNICORN: "/nonexistent/libunicorn.so.2" },
  );
  assert.match(
    text,
    /^libunicorn\.so\.2 could not be loaded; install it with `apt-get install libunicorn2`/,
  );
});

Deno.test("unicorn(): the symbols a run may never call are bound when first read", async () => {
  const report = JSON.parse(
    await inFreshProcess(`
      import { unicorn } from "${FFI}";
      const u = unicorn();
      const later = () =>
        Object.entries(Object.getOwnPropertyDescriptors(u)).filter(([, d]) => d.get).map(([n]) => n);
      const before = later();
      const strerror = u.uc_strerror;
      const text = new Deno.UnsafePointerView(strerror(0)!).getCString();
      console.log(JSON.stringify({ before, after: later(), same: u.uc_strerror === strerror, text }));
    `),
  );
  // Bound at once: what every case calls.
  assert.ok(!report.before.includes("uc_emu_start"));
  assert.ok(report.before.includes("uc_strerror"));
  assert.ok(report.before.includes("uc_hook_del"));
  // Closing: the command line leaves its engines to the process's exit.
  assert.ok(report.before.includes("uc_close"));
  // Once read, a symbol is bound for good, and works.
  assert.ok(!report.after.includes("uc_strerror"));
  assert.equal(report.after.length, report.before.length - 1);
  assert.equal(report.same, true);
  assert.equal(report.text, "OK (UC_ERR_OK)");
});
