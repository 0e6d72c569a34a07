/**
 * No object literal in the harness's source defines a getter or a setter.
 * Each such literal's accessor is a closure of its own, so V8 gives every
 * object made from it a hidden class of its own, in the old generation,
 * which keeps the closure and all it closes over alive through every
 * young-generation collection until the next full one. Three of them on a
 * sweep's path (a data chunk, a section layout, a loaded image) made a
 * 5,000-case sweep about 4% slower (bench/README.md). Accessors belong on
 * classes, whose instances share one hidden class.
 */
import assert from "node:assert/strict";

/**
 * Where `text` (TypeScript formatted by `deno fmt`) defines an accessor
 * outside a class body, as "line: text". The body an accessor is in is the
 * nearest line before it, indented less, that opens a block.
 */
function accessorsInLiterals(text: string): string[] {
  const lines = text.split("\n");
  const found: string[] = [];
  const indent = (line: string) => line.length - line.trimStart().length;
  lines.forEach((line, i) => {
    if (!/^\s*(static\s+)?(get|set)\s+[\w#[]+\s*\(/.test(line)) return;
    const depth = indent(line);
    for (let k = i - 1; k >= 0; k--) {
      const opener = lines[k];
      if (opener.trim() === "" || indent(opener) >= depth) continue;
      if (!/\bclass\b/.test(opener)) found.push(`${i + 1}: ${line.trim()}`);
      return;
    }
  });
  return found;
}

Deno.test("the check finds an accessor in a literal and passes one in a class", () => {
  const literal = [
    "function f() {",
    "  let text: string | undefined;",
    "  return {",
    "    origin,",
    "    get text() {",
    "      return text ??= render();",
    "    },",
    "  };",
    "}",
  ].join("\n");
  assert.deepEqual(accessorsInLiterals(literal), ["5: get text() {"]);
  const inClass = [
    "export class Chunk implements DataChunk {",
    "  #text?: string;",
    "",
    "  get text(): string {",
    "    return this.#text ??= render();",
    "  }",
    "}",
  ].join("\n");
  assert.deepEqual(accessorsInLiterals(inClass), []);
});

Deno.test("no object literal in src/ defines an accessor", async () => {
  const root = new URL("../../src/", import.meta.url);
  const found: string[] = [];
  const walk = async (dir: URL) => {
    for await (const entry of Deno.readDir(dir)) {
      const url = new URL(entry.name + (entry.isDirectory ? "/" : ""), dir);
      if (entry.isDirectory) await walk(url);
      else if (entry.name.endsWith(".ts")) {
        const path = url.pathname.slice(root.pathname.length);
        for (const at of accessorsInLiterals(await Deno.readTextFile(url))) {
          found.push(`src/${path}:${at}`);
        }
      }
    }
  };
  await walk(root);
  assert.deepEqual(
    found,
    [],
    `accessors defined in object literals (make them a class's):\n${found.join("\n")}`,
  );
});
