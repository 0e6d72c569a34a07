/**
 * `--shard i/n` parsing and `deno task merge`: joining the shard files of one
 * sweep into the results file an unsharded run would have written.
 */
import { parseArgs } from "./parse_args.ts";
import { renderTable } from "../report/table.ts";
import { resultJson, writeFileAtomic, writeStdout } from "../report/results_file.ts";
import { mergeShards } from "../store/merge.ts";
import { readStoreFile } from "../store/read.ts";
import { UsageError } from "./errors.ts";
import { asUsage } from "./report.ts";
import { nonEmptyOption } from "./options.ts";

export const MERGE_USAGE = `usage: deno task merge <shard.json>... -o <merged.json|-> [options]
  Join the files of a sweep run with --shard i/n into what the unsharded run would have
  written. Refused, naming the difference: shards of different scenarios, scenario contents,
  harness versions, project commits, CPU models or files, kernels, parameter overrides,
  variants or shard plans, and a missing or repeated shard.
  -o, --out FILE|-    write the merged results to FILE (atomically), or to stdout with -
  --quiet             no table on screen
  -h, --help          this help`;

export async function mergeCommand(args: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      out: { type: "string", short: "o" },
      quiet: { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    console.log(MERGE_USAGE);
    return;
  }
  if (positionals.length === 0 || values.out === undefined) {
    throw new UsageError(`expected shard files and -o FILE\n${MERGE_USAGE}`);
  }
  const out = nonEmptyOption("--out", values.out);
  const merged = await asUsage(async () => {
    const files = [];
    for (const path of positionals) {
      const file = await readStoreFile(path);
      if (file.kind !== "result") throw new UsageError(`${path} is a history record, not a shard`);
      files.push({ path, result: file.result });
    }
    // What cannot be checked (shards from an older harness) is said, not assumed.
    return mergeShards(files, (note) => console.error(`note: ${note}`));
  });
  const text = resultJson(merged);
  if (out === "-") {
    if (!values.quiet) console.error(renderTable(merged));
    await writeStdout(text);
  } else {
    writeFileAtomic(out, text);
    if (!values.quiet) {
      console.log(renderTable(merged));
      console.log(`merged ${positionals.length} shards into ${out}`);
    }
  }
}
