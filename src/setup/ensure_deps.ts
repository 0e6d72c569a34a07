/**
 * Makes sure the machine has what the harness needs, installing what is
 * missing when it can (Debian/Ubuntu as root), and otherwise naming the
 * exact package to install. Run by `deno task bench` and `deno task test`.
 *
 *   libunicorn.so.2               Debian package libunicorn2
 *   llvm-mc-19, llvm-objdump-19   Debian package llvm-19 (llvm-mca-19 too)
 *   /usr/bin/chromium             Debian package chromium (with --browser: the report's browser test)
 *   cc, gcc or clang              Debian package gcc (optional: builds the native execution
 *                                 log; without it runs log through slower JavaScript hooks)
 */

interface Requirement {
  /** What is needed, for messages. */
  what: string;
  /** The Debian package providing it. */
  debianPackage: string;
  present(): boolean;
  /** Installed when possible; when not, the harness still works (more slowly). */
  optional?: boolean;
}

function onPath(command: string): boolean {
  for (const dir of (Deno.env.get("PATH") ?? "").split(":")) {
    try {
      if (Deno.statSync(`${dir}/${command}`).isFile) return true;
    } catch {
      // not in this directory
    }
  }
  return false;
}

function canLoadUnicorn(): boolean {
  try {
    Deno.dlopen("libunicorn.so.2", {
      uc_version: { parameters: ["pointer", "pointer"], result: "u32" },
    })
      .close();
    return true;
  } catch {
    return false;
  }
}

export const REQUIREMENTS: readonly Requirement[] = [
  {
    what: "libunicorn.so.2 (Unicorn 2 emulator)",
    debianPackage: "libunicorn2",
    present: canLoadUnicorn,
  },
  {
    what: "llvm-mc-19, llvm-objdump-19 and llvm-mca-19 (LLVM 19)",
    debianPackage: "llvm-19",
    present: () => ["llvm-mc-19", "llvm-objdump-19", "llvm-mca-19"].every(onPath),
  },
];

/** Builds src/engine/native/trace_log.c, which keeps emulation fast with the timing model on. */
export const COMPILER_REQUIREMENT: Requirement = {
  what: "a C compiler (cc, gcc or clang) for the native execution log",
  debianPackage: "gcc",
  present: () => ["cc", "gcc", "clang"].some(onPath),
  optional: true,
};

/** Needed only by the HTML report's browser test, so only `deno task test` asks for it. */
export const BROWSER_REQUIREMENT: Requirement = {
  what: "/usr/bin/chromium (headless browser for the HTML report test)",
  debianPackage: "chromium",
  present: () => {
    try {
      return Deno.statSync("/usr/bin/chromium").isFile;
    } catch {
      return false;
    }
  },
};

function isRoot(): boolean {
  try {
    return Deno.uid() === 0;
  } catch {
    return false;
  }
}

async function run(command: string, args: string[]): Promise<boolean> {
  console.error(`ensure-deps: ${command} ${args.join(" ")}`);
  const child = new Deno.Command(command, {
    args,
    env: { DEBIAN_FRONTEND: "noninteractive" },
    stdout: "inherit",
    stderr: "inherit",
  }).spawn();
  return (await child.status).success;
}

/** Install the missing packages, or throw naming the required ones. */
export async function ensureDependencies(options: { browser?: boolean } = {}): Promise<void> {
  const wanted = [...REQUIREMENTS, COMPILER_REQUIREMENT];
  if (options.browser) wanted.push(BROWSER_REQUIREMENT);
  const missing = wanted.filter((r) => !r.present());
  if (missing.length === 0) return;
  const packages = missing.map((r) => r.debianPackage);
  const describe = (list: Requirement[]) =>
    list.map((r) => `${r.what} (package ${r.debianPackage})`).join("; ");
  const manual = `install them with: sudo apt-get update && sudo apt-get install -y ${
    packages.join(" ")
  }`;
  let why: string | undefined;
  if (Deno.build.os !== "linux" || !onPath("apt-get")) {
    why = `this machine has no apt-get: ${manual} on Debian 12 or similar`;
  } else if (!isRoot()) {
    why = `not running as root, so ${manual}`;
  } else {
    console.error(`ensure-deps: missing ${describe(missing)}; installing`);
    const ok = await run("apt-get", ["update"]) &&
      await run("apt-get", ["install", "-y", "--no-install-recommends", ...packages]);
    if (!ok) why = `could not install ${packages.join(" ")}; ${manual}`;
  }
  const still = wanted.filter((r) => !r.present());
  const required = still.filter((r) => !r.optional);
  if (required.length > 0) {
    throw new Error(`missing ${describe(required)}; ${why ?? manual}`);
  }
  for (const r of still) console.error(`ensure-deps: warning: missing ${describe([r])}; going on`);
  if (!why && still.length === 0) console.error(`ensure-deps: installed ${packages.join(" ")}`);
}

if (import.meta.main) {
  try {
    await ensureDependencies({ browser: Deno.args.includes("--browser") });
  } catch (e) {
    console.error(`error: ${(e as Error).message}`);
    Deno.exit(1);
  }
}
