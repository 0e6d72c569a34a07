/**
 * Where the project's own files are. Modules find them from here, not from
 * their own `import.meta.url`: in the CLI bundle (`src/cli/bundle.ts`) a
 * module's code sits in a chunk under `.cache/bundle/`, not at its place in
 * `src/`.
 */

/** The CLI bundle's directory, relative to the project's root. */
export const BUNDLE_DIR = ".cache/bundle/";

const here = import.meta.url;
const inBundle = here.lastIndexOf(`/${BUNDLE_DIR}`);

/**
 * True when this code runs from the CLI bundle, not from the sources (this
 * file), wherever the checkout is.
 */
const BUNDLED = !here.endsWith("/src/paths.ts") && inBundle >= 0;

/** The project's root directory (a URL ending in "/"); this file is `src/paths.ts`. */
export const ROOT_URL = new URL(BUNDLED ? here.slice(0, inBundle + 1) : "../", here);

/**
 * The CLI bundle's build this code was loaded from (a URL ending in "/"), or
 * undefined when it runs from the sources. A build's files are never
 * replaced, so what this process loads later (its workers) is of its build.
 */
export const BUILD_URL = BUNDLED
  ? buildOf(here.slice(inBundle + 1 + BUNDLE_DIR.length))
  : undefined;

/** The build directory of a file of the bundle, from its path under BUNDLE_DIR ("build-x/..."). */
function buildOf(inside: string): URL {
  return new URL(`${BUNDLE_DIR}${inside.slice(0, inside.indexOf("/") + 1)}`, ROOT_URL);
}

/** A project file's URL, from its path relative to the root. */
export function projectUrl(path: string): URL {
  return new URL(path, ROOT_URL);
}

/** A project file's path (decoded), from its path relative to the root. */
export function projectPath(path: string): string {
  return decodeURIComponent(projectUrl(path).pathname);
}

/**
 * A file's URL, from its absolute path: the file `node:url`'s pathToFileURL
 * names, without loading Node's modules (see `src/cli/parse_args.ts`). The
 * URL's path setter escapes what would end a path (`?`, `#`), but reads `%`
 * as an escape, `\` and `|` as a separator and a drive letter's colon, and
 * drops tabs and line ends: those are escaped first.
 */
export function fileUrl(absolute: string): URL {
  const url = new URL("file:///");
  url.pathname = absolute.replace(/[%\\|\t\n\r]/g, encodeURIComponent);
  return url;
}
