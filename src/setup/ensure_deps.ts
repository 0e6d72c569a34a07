/**
 * Makes sure the machine has what the harness needs, installing what is
 * missing when it can (Debian/Ubuntu as root), and otherwise naming the
 * exact package to install. Run by `deno task bench` and `deno task test`.
 *
 *   libunicorn.so.2               Debian package libunicorn2
 *   llvm-mc-19, llvm-objdump-19   Debian package llvm-19 (llvm-mca-19 too)
 *   /usr/bin/chromium             Debian package chromium (with --browser: the report's browser test)
 */

interface Requirement {
  /** What is needed, for messages. */
  what: string;
  /** The Debian package providing it. */
  debianPackage: string;
  present(): boolean;
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

/** Install the missing packages, or throw naming them. */
export async function ensureDependencies(options: { browser?: boolean } = {}): Promise<void> {
  const wanted = options.browser ? [...REQUIREMENTS, BROWSER_REQUIREMENT] : REQUIREMENTS;
  const missing = wanted.filter((r) => !r.present());
  if (missing.length === 0) return;
  const packages = missing.map((r) => r.debianPackage);
  const need = missing.map((r) => `${r.what} (package ${r.debianPackage})`).join("; ");
  const manual = `install them with: sudo apt-get update && sudo apt-get install -y ${
    packages.join(" ")
  }`;
  if (Deno.build.os !== "linux" || !onPath("apt-get")) {
    throw new Error(
      `missing ${need}; this machine has no apt-get: ${manual} on Debian 12 or similar`,
    );
  }
  if (!isRoot()) throw new Error(`missing ${need}; not running as root, so ${manual}`);
  console.error(`ensure-deps: missing ${need}; installing`);
  const ok = await run("apt-get", ["update"]) &&
    await run("apt-get", ["install", "-y", "--no-install-recommends", ...packages]);
  const still = wanted.filter((r) => !r.present());
  if (!ok || still.length) {
    throw new Error(
      `could not install ${
        still.map((r) => r.debianPackage).join(" ") || packages.join(" ")
      }; ${manual}`,
    );
  }
  console.error(`ensure-deps: installed ${packages.join(" ")}`);
}

if (import.meta.main) {
  try {
    await ensureDependencies({ browser: Deno.args.includes("--browser") });
  } catch (e) {
    console.error(`error: ${(e as Error).message}`);
    Deno.exit(1);
  }
}
