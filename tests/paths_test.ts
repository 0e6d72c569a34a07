/**
 * `fileUrl` (src/paths.ts), which names a scenario file for its import in
 * place of node:url's pathToFileURL: the same file, for any name a path may
 * hold.
 */
import assert from "node:assert/strict";
import { pathToFileURL } from "node:url";
import { fileUrl } from "../src/paths.ts";

/** Every ASCII character a file name may hold, and a few beyond. */
const NAMES = [
  ...Array.from({ length: 126 }, (_, i) => String.fromCharCode(i + 1)).filter((c) => c !== "/"),
  "é",
  "日本",
  "😀",
  "\u2028",
].map((c) => `a${c}b${c}`);

Deno.test("fileUrl names the file node:url's pathToFileURL names, and Deno opens it", async () => {
  const dir = await Deno.makeTempDir({ prefix: "file-url-" });
  try {
    for (const name of ["|", "c:", "%41", "#x", "?y", ...NAMES]) {
      const path = `${dir}/${name}/f${name}.ts`;
      await Deno.mkdir(`${dir}/${name}`);
      await Deno.writeTextFile(path, name);
      const url = fileUrl(path);
      const shown = JSON.stringify(path);
      assert.equal(url.search + url.hash + url.host, "", shown);
      assert.equal(decodeURIComponent(url.pathname), path, shown);
      assert.equal(
        decodeURIComponent(url.pathname),
        decodeURIComponent(pathToFileURL(path).pathname),
        shown,
      );
      assert.equal(await Deno.readTextFile(url), name, shown);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
