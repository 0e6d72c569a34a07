/**
 * What the tasks run: mod.ts's command line, from the CLI bundle
 * (`src/cli/bundle.ts`), built first when the sources changed since.
 *
 * Deno runs this with the import map beside it (`bundle.importmap.json`),
 * which sends every import of mod.ts, the one below and each scenario file's,
 * to the bundle: the harness is loaded once. Run without that map, this
 * imports mod.ts from its sources.
 */
import { BundleError, ensureBundle } from "./bundle.ts";
import { takePreload } from "./preload.ts";

// Before anything is spawned: the allocator's preload is for this process only.
takePreload();

// Not a literal, so Deno does not load the bundle with this module's graph: a bundle
// built again below is read after it is written.
const MOD = "../../mod.ts";

if (import.meta.resolve(MOD).endsWith(".js")) {
  try {
    await ensureBundle();
  } catch (e) {
    console.error(e instanceof BundleError ? e.message : `internal error: ${(e as Error).stack}`);
    Deno.exit(3);
  }
}
const { main }: typeof import("../../mod.ts") = await import(MOD);
Deno.exit(await main(Deno.args, { exiting: true }));
