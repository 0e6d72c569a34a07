/**
 * The Debian packages the harness needs, checked and installed in one place:
 * a {@link Requirement} says what is needed, which package provides it and
 * how to tell it is present; {@link installMissing} installs what is missing
 * with apt-get when running as root, and otherwise throws naming the packages
 * and the exact command. Used by `src/setup/ensure_deps.ts` (before the bench
 * and the tests) and by `src/kernel/real/build.ts` (before a kernel build).
 *
 * @module
 */

/** Something the harness needs from the machine, and the Debian package providing it. */
export interface Requirement {
  /** What is needed, for messages. */
  what: string;
  /** The Debian package providing it. */
  debianPackage: string;
  present(): boolean;
  /** Installed when possible; when not, a warning instead of an error (the harness still works). */
  optional?: boolean;
}

/** Whether `command` is a file in one of PATH's directories. */
export function onPath(command: string): boolean {
  for (const dir of (Deno.env.get("PATH") ?? "").split(":")) {
    if (!dir) continue;
    try {
      if (Deno.statSync(`${dir}/${command}`).isFile) return true;
    } catch {
      // not in this directory
    }
  }
  return false;
}

/** Whether `path` is a file (following links). */
export function fileExists(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
}

/** Whether this process runs as root (false where uids do not exist). */
export function isRoot(): boolean {
  try {
    return Deno.uid() === 0;
  } catch {
    return false;
  }
}

/** A kernel source tarball installed by a Debian package (a `REFERENCE_KERNELS` entry). */
export interface KernelSource {
  /** The spec naming it, e.g. "linux-6.12". */
  name: string;
  /** Absolute path of the tarball the package installs. */
  tarball: string;
  /** Debian package holding the tarball. */
  debianPackage: string;
}

/** The requirement that a reference kernel's source tarball is installed. */
export function kernelSourceRequirement(source: KernelSource): Requirement {
  return {
    what: `${source.tarball} (${source.name} source)`,
    debianPackage: source.debianPackage,
    present: () => fileExists(source.tarball),
  };
}

/**
 * What building an arm64 kernel takes besides its source: the cross
 * compiler, the host gcc that Kbuild compiles its own programs (fixdep,
 * kconfig) with, make, flex, bison, bc, xz and the OpenSSL and libelf headers.
 */
export const KERNEL_BUILD_REQUIREMENTS: readonly Requirement[] = [
  {
    what: "aarch64-linux-gnu-gcc (arm64 cross compiler)",
    debianPackage: "gcc-aarch64-linux-gnu",
    present: () => onPath("aarch64-linux-gnu-gcc"),
  },
  {
    what: "gcc (the kernel build's host compiler)",
    debianPackage: "gcc",
    present: () => onPath("gcc"),
  },
  ...(["make", "flex", "bison", "bc"].map((tool) => ({
    what: tool,
    debianPackage: tool,
    present: () => onPath(tool),
  }))),
  { what: "xz", debianPackage: "xz-utils", present: () => onPath("xz") },
  {
    what: "OpenSSL headers",
    debianPackage: "libssl-dev",
    present: () => fileExists("/usr/include/openssl/ssl.h"),
  },
  {
    what: "libelf headers",
    debianPackage: "libelf-dev",
    present: () => fileExists("/usr/include/libelf.h"),
  },
];

/** Options of {@link installMissing}. */
export interface InstallOptions {
  /** Put before the error message and the progress lines as `<label>: `, e.g. "linux-6.1". */
  label?: string;
  /**
   * Receives progress lines: what is missing and being installed, the apt-get
   * commands, warnings for optional requirements still missing (default:
   * printed on stderr).
   */
  progress?: (line: string) => void;
  /** Show apt-get's own output on this process's stdout and stderr (default: discarded). */
  showAptOutput?: boolean;
}

/**
 * Install the Debian packages of the requirements that are not present
 * (`apt-get update`, then `apt-get install -y --no-install-recommends`) when
 * running as root on a machine with apt-get. Throws an Error naming the
 * required ones still missing afterwards (or when it cannot install: not
 * root, no apt-get) and the `sudo apt-get ...` command that installs them;
 * optional ones still missing only get a warning line.
 */
export async function installMissing(
  wanted: readonly Requirement[],
  options: InstallOptions = {},
): Promise<void> {
  const missing = wanted.filter((r) => !r.present());
  if (missing.length === 0) return;
  const prefix = options.label ? `${options.label}: ` : "";
  const progress = options.progress ?? ((line: string) => console.error(line));
  const packages = [...new Set(missing.map((r) => r.debianPackage))];
  const describe = (list: Requirement[]) =>
    list.map((r) => `${r.what} (package ${r.debianPackage})`).join("; ");
  const manual = `install them with: sudo apt-get update && sudo apt-get install -y ${
    packages.join(" ")
  }`;
  const run = async (args: string[]): Promise<boolean> => {
    progress(`${prefix}apt-get ${args.join(" ")}`);
    const output = options.showAptOutput ? "inherit" : "null";
    try {
      const child = new Deno.Command("apt-get", {
        args,
        env: { DEBIAN_FRONTEND: "noninteractive" },
        stdin: "null",
        stdout: output,
        stderr: output,
      }).spawn();
      return (await child.status).success;
    } catch {
      return false;
    }
  };
  let why: string | undefined;
  if (Deno.build.os !== "linux" || !onPath("apt-get")) {
    why = `this machine has no apt-get: ${manual} on Debian 12 or similar`;
  } else if (!isRoot()) {
    why = `not running as root, so ${manual}`;
  } else {
    progress(`${prefix}missing ${describe(missing)}; installing`);
    const ok = await run(["update"]) &&
      await run(["install", "-y", "--no-install-recommends", ...packages]);
    why = ok
      ? `still missing after apt-get install ${packages.join(" ")}; ${manual}`
      : `could not install ${packages.join(" ")}; ${manual}`;
  }
  const still = wanted.filter((r) => !r.present());
  const required = still.filter((r) => !r.optional);
  if (required.length > 0) throw new Error(`${prefix}missing ${describe(required)}; ${why}`);
  for (const r of still) progress(`${prefix}warning: missing ${describe([r])}; going on`);
  if (still.length === 0) progress(`${prefix}installed ${packages.join(" ")}`);
}
