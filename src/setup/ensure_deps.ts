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
 *   libmimalloc.so.2              Debian package libmimalloc2.0 (optional: the allocator the
 *                                 run and bench tasks preload; without it, glibc's malloc)
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
import { ALLOCATOR_LIBRARY, ALLOCATOR_PACKAGE } from "../cli/preload.ts";
import {
  fileExists,
  installMissing,
  KERNEL_BUILD_REQUIREMENTS,
  kernelSourceRequirement,
  onPath,
  type Requirement,
} from "./packages.ts";

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

/** Whether the loader can preload `library`: a process started with it prints no complaint. */
function preloads(library: string): boolean {
  try {
    const r = new Deno.Command("/bin/sh", {
      args: ["-c", "true"],
      env: { LD_PRELOAD: library },
      stdout: "null",
      stderr: "piped",
    }).outputSync();
    return r.success && r.stderr.length === 0;
  } catch {
    return false;
  }
}

/** The allocator the run and bench tasks preload (src/cli/preload.ts). */
export const ALLOCATOR_REQUIREMENT: Requirement = {
  what: `${ALLOCATOR_LIBRARY} (mimalloc, the allocator sweeps run on)`,
  debianPackage: ALLOCATOR_PACKAGE,
  present: () => preloads(ALLOCATOR_LIBRARY),
  optional: true,
};

/** Needed only by the HTML report's browser test, so only `deno task test` asks for it. */
export const BROWSER_REQUIREMENT: Requirement = {
  what: "/usr/bin/chromium (headless browser for the HTML report test)",
  debianPackage: "chromium",
  present: () => fileExists("/usr/bin/chromium"),
};

/**
 * What building the reference kernels takes (with --kernels): their source
 * tarballs and what src/kernel/real/build.ts checks before a build.
 */
export const KERNEL_REQUIREMENTS: readonly Requirement[] = [
  ...REFERENCE_KERNELS.map(kernelSourceRequirement),
  ...KERNEL_BUILD_REQUIREMENTS,
];

const progress = (line: string) => console.error(`ensure-deps: ${line}`);

/**
 * Build (or find cached and verified) every reference kernel, one after the
 * other, printing ensureKernel()'s progress. Throws naming the kernel and
 * the step that failed.
 */
export async function ensureReferenceKernels(): Promise<void> {
  for (const { name } of REFERENCE_KERNELS) {
    const started = performance.now();
    try {
      const build = await ensureKernel(name, { progress });
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
  const wanted = [...REQUIREMENTS, COMPILER_REQUIREMENT, ALLOCATOR_REQUIREMENT];
  if (options.browser) wanted.push(BROWSER_REQUIREMENT);
  if (options.kernels) wanted.push(...KERNEL_REQUIREMENTS);
  await installMissing(wanted, { progress, showAptOutput: true });
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
