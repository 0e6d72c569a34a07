/**
 * The report page's own script, `client.js` beside this file: plain
 * JavaScript the page inlines (and allows by its hash in the
 * Content-Security-Policy). It draws the charts with the inlined chart.js,
 * renders listings, sorts and filters tables and copies the text summary.
 */
import { projectUrl } from "../../paths.ts";

let cached: string | undefined;

/** client.js as text (read once per process). */
export async function clientScript(): Promise<string> {
  if (cached !== undefined) return cached;
  const url = projectUrl("src/report/html/client.js");
  try {
    cached = url.protocol === "file:"
      ? await Deno.readTextFile(url)
      : await (await fetch(url)).text();
  } catch (e) {
    throw new Error(`cannot read the report's script ${url.href}: ${(e as Error).message}`);
  }
  return cached;
}
