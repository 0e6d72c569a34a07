/**
 * The shipped scenario files, for tests that run or check every one.
 *
 * @module
 */

/** The project's root directory, with a trailing slash. */
export const ROOT: string = new URL("../", import.meta.url).pathname;

/** scenarios/*.ts, as absolute paths in name order. */
export function scenarioFiles(): string[] {
  return [...Deno.readDirSync(`${ROOT}scenarios`)]
    .filter((e) => e.isFile && e.name.endsWith(".ts"))
    .map((e) => `${ROOT}scenarios/${e.name}`)
    .sort();
}
