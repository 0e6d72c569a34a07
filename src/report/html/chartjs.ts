/**
 * The source of chart.js's UMD build, from the npm package (`npm:chart.js@4`
 * in deno.json), inlined into reports so they open from disk with no network.
 */
import { projectUrl } from "../../paths.ts";

let cached: string | undefined;

/** chart.umd.js as text (read once per process). */
export async function chartJsSource(): Promise<string> {
  if (cached !== undefined) return cached;
  // Importing the package makes Deno fetch it into its cache when missing;
  // the UMD file is not in the package's exports, so it is read from beside the entry.
  await import("chart.js");
  // node:module is imported here, not at the top: it loads Node's process object (about
  // 18 ms of a process), which only a report with charts needs.
  const { createRequire } = await import("node:module");
  const entry = createRequire(projectUrl("src/report/html/chartjs.ts")).resolve("chart.js");
  const umd = entry.replace(/[^/\\]+$/, "chart.umd.js");
  try {
    cached = await Deno.readTextFile(umd);
  } catch (e) {
    throw new Error(`cannot read chart.js's UMD build at ${umd}: ${(e as Error).message}`);
  }
  return cached;
}
