/** The harness's name and version, recorded in every result. */
import config from "../deno.json" with { type: "json" };

export const TOOL = { name: "ftrace-bench", version: config.version } as const;
