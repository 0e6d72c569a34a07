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
 *
 * With --kernels (`deno task test`: the real-kernel tests) it also installs
 * what building the reference kernels takes, then builds both (linux-6.1,
 * linux-6.12) into `.cache/kernels/` with ensureKernel() before the tests
 * start, so that they find them cached (about a minute each the first time):
 *
 *   /usr/src/linux-source-6.1.tar.xz    Debian package linux-source-6.1
 *   /usr/src/linux-source-6.12.tar.xz   Debian package linux-source-6.12
 *   aarch64-linux-gnu-gcc               Debian package gcc-aarch64-linux-gnu
 *   gcc (the kernel's host programs)    Debian package gcc
 *   make, flex, bison, bc, xz           Debian packages make, flex, bison, bc, xz-utils
 *   OpenSSL and libelf headers          Debian packages libssl-dev, libelf-dev
 */
import { ensureKernel, REFERENCE_KERNELS } from "../kernel/real/build.ts";

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

function fileExists(path: string): boolean {
  try {
    return Deno.statSync(path).isFile;
  } catch {
    return false;
  }
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

/**
 * What building the reference kernels takes (with --kernels): the same
 * checks as src/kernel/real/build.ts makes before a build, plus the host gcc
 * that Kbuild compiles its own programs (fixdep, kconfig) with.
 */
export const KERNEL_REQUIREMENTS: readonly Requirement[] = [
  ...REFERENCE_KERNELS.map((k) => ({
    what: `${k.tarball} (${k.name} source)`,
    debianPackage: k.debianPackage,
    present: () => fileExists(k.tarball),
  })),
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
export async function installMissing(wanted: readonly Requirement[]): Promise<void> {
  const missing = wanted.filter((r) => !r.present());
  if (missing.length === 0) return;
  const packages = [...new Set(missing.map((r) => r.debianPackage))];
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

/**
 * Build (or find cached and verified) every reference kernel, one after the
 * other, printing ensureKernel()'s progress. Throws naming the kernel and
 * the step that failed.
 */
export async function ensureReferenceKernels(): Promise<void> {
  for (const { name } of REFERENCE_KERNELS) {
    const started = performance.now();
    try {
      const build = await ensureKernel(name, {
        progress: (line) => console.error(`ensure-deps: ${line}`),
      });
      const seconds = ((performance.now() - started) / 1000).toFixed(1);
      console.error(
        `ensure-deps: kernel ${name} (${build.version}) ready in ${build.dir} (${seconds} s)`,
      );
    } catch (e) {
      const message = (e as Error).message;
      throw new Error(
        `${message.startsWith(`${name}:`) ? message : `${name}: ${message}`} ` +
          `(the reference kernel ${name} is needed by the real-kernel tests)`,
      );
    }
  }
}

/**
 * Install the missing packages, or throw naming the required ones. With
 * `kernels`, then build the reference kernels (after every package is in).
 */
export async function ensureDependencies(
  options: { browser?: boolean; kernels?: boolean } = {},
): Promise<void> {
  const wanted = [...REQUIREMENTS, COMPILER_REQUIREMENT];
  if (options.browser) wanted.push(BROWSER_REQUIREMENT);
  if (options.kernels) wanted.push(...KERNEL_REQUIREMENTS);
  await installMissing(wanted);
  if (options.kernels) await ensureReferenceKernels();
}

const FLAGS = ["--browser", "--kernels"];

if (import.meta.main) {
  const unknown = Deno.args.filter((a) => !FLAGS.includes(a));
  if (unknown.length > 0) {
    console.error(`error: unknown argument ${unknown.join(" ")} (known: ${FLAGS.join(", ")})`);
    Deno.exit(2);
  }
  try {
    await ensureDependencies({
      browser: Deno.args.includes("--browser"),
      kernels: Deno.args.includes("--kernels"),
    });
  } catch (e) {
    console.error(`error: ${(e as Error).message}`);
    Deno.exit(1);
  }
}
