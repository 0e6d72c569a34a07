/**
 * Code of one's own, measured and checked like the built-in mechanisms: a
 * tracer (an ops func) in assembly, a variant given by its patch-site target
 * and its trampoline's assembly, or a built-in variant with edits.
 *
 * The assembly is the harness's: it sees the kernel model's symbols
 * (`function_trace_op`, `ftrace_ops_list_func`, the tracers, ...) and the
 * asm-offsets style constants of {@link asmConstants} (`FTRACE_REGS_X0`,
 * `FTRACE_OPS_FUNC`, ...). The contracts are explicit: the variant names the
 * tracers its trampoline reaches and what each one is handed (the probes),
 * and every instruction belongs to a phase it declares.
 */
import { AsmWriter, type Phase, PHASE_PREFIX } from "./asm_writer.ts";
import { ALL_STRUCTS, OPS_FLAGS, structConstants } from "./structs.ts";
import { callOpsLiteral } from "./variants/call_ops.ts";
import {
  ftraceProbes,
  globalDispatch,
  type NotApplicable,
  type Probe,
  refusesReturnAttach,
  tracingOps,
  type Variant,
  type VariantBuild,
} from "./variants/variant.ts";
import { VARIANTS } from "./variants/index.ts";
import type { CustomTracer, OpsSpec, Workload } from "./workload.ts";
import { ContractError } from "./contract.ts";

/** Every `.equ` constant the harness's assembly (and yours) can use, by name. */
export function asmConstants(): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of structConstants().split("\n")) {
    const m = /^\.equ (\w+), (-?\d+)$/.exec(line);
    if (m) out[m[1]] = Number(m[2]);
  }
  return out;
}

/**
 * The constants as a markdown list, one line per structure: what the README's
 * "asm-offsets" listing is generated from (a test keeps the two equal).
 */
export function asmConstantsListing(): string {
  const c = asmConstants();
  const lines = ALL_STRUCTS.map((s) => {
    const prefix = s.name.toUpperCase();
    const fields = Object.keys(s.offsets).map((f) =>
      `${f.toUpperCase()} ${c[`${prefix}_${f.toUpperCase()}`]}`
    );
    return `- \`${prefix}_*\` (\`struct ${s.name}\`, SIZE ${c[`${prefix}_SIZE`]}): ${
      fields.join(", ")
    }`;
  });
  const flags = Object.keys(OPS_FLAGS).map((f) => `${f} ${c[`FTRACE_OPS_FL_${f}`]}`);
  lines.push(`- \`FTRACE_OPS_FL_*\`: ${flags.join(", ")}`);
  lines.push(`- \`RING_SLOTS\` ${c.RING_SLOTS}`);
  return lines.join("\n");
}

/** A tracer (ftrace ops func) in assembly: `asm` is its body, after its symbol. */
export interface TracerDefinition {
  /** Its symbol, e.g. "sumargs_fn". */
  readonly name: string;
  /** func(ip = x0, parent_ip = x1, op = x2, fregs = x3); must return with `ret`. */
  readonly asm: string;
}

/** Define a tracer of one's own, for the `tracer` of an ops in a scenario's workload. */
export function defineTracer(def: TracerDefinition): CustomTracer {
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(def.name)) {
    throw new ContractError(`tracer name ${JSON.stringify(def.name)} is not a symbol name`);
  }
  return { kind: "custom", name: def.name, asm: def.asm, origin: `tracer ${def.name}` };
}

/** What a variant's assembly is built from, for one case. */
export interface VariantContext {
  /** The traced function's argument count (0..8, in x0..x7). */
  readonly args: number;
  /** The registered ops tracing the traced function. */
  readonly ops: readonly OpsSpec[];
  /**
   * What a global trampoline calls for these ops, as the kernel's
   * update_ftrace_function() decides: the lone tracer's func, the assist
   * function, or `ftrace_ops_list_func`.
   */
  readonly call: string;
  /** The kernel is built with BTI: start indirectly called code with `bti c`. */
  readonly bti: boolean;
  /** A phase marker label (`__phase.save.<variant>.0:`): code after it belongs to `phase`. */
  phase(phase: Phase): string;
}

/** A variant of one's own: where the patch site branches and the trampoline's assembly. */
export interface VariantDefinition {
  readonly name: string;
  /** One line for tables and reports. */
  readonly summary: string;
  /** The symbol the patch site's `bl` targets (your trampoline). */
  readonly target: string;
  /**
   * Put a per-callsite ops literal before the traced function (as CALL_OPS
   * kernels do): the lone tracing ops, `ftrace_list_ops` or `ftrace_nop_ops`.
   */
  readonly opsLiteral?: boolean;
  /** The trampoline(s): assembly text, with phase markers from `ctx.phase()`. */
  asm(ctx: VariantContext): string;
  /**
   * What each tracer reached from the trampoline is handed (default
   * "ftrace_regs": func(ip, parent_ip, op, struct ftrace_regs *)).
   */
  readonly view?: "ftrace_regs" | "pt_regs";
  /**
   * The probes, when the default does not fit: by default every ops tracing
   * the function is probed at its func, called from `target` through `call`
   * (for the unwinder: tracer, [list/assist function], target, traced function).
   */
  probes?(ctx: VariantContext, workload: Workload): Probe[];
}

function context(name: string, workload: Workload): VariantContext {
  const ops = tracingOps(workload);
  let n = 0;
  return {
    args: workload.target.args,
    ops,
    call: globalDispatch(workload).call,
    bti: workload.codegen.bti,
    phase: (phase) => `${PHASE_PREFIX}${phase.replace("-", "_")}.${safe(name)}.${n++}:`,
  };
}

const safe = (name: string) => name.replace(/[^A-Za-z0-9_]/g, "_");

/** Define a variant of one's own, checked and measured like the built-in ones. */
export function defineVariant(def: VariantDefinition): Variant {
  if (VARIANTS.some((v) => v.name === def.name)) {
    throw new ContractError(`variant ${def.name} is a built-in variant's name: choose another`);
  }
  return {
    name: def.name,
    summary: def.summary,
    ownCode: true,
    build(workload): VariantBuild | NotApplicable {
      const refused = refusesReturnAttach(workload);
      if (refused) return refused;
      const ctx = context(def.name, workload);
      const traced = ctx.ops.length > 0;
      const a = new AsmWriter(`variant ${def.name}`, workload.codegen, safe(def.name))
        .section(".text").raw(def.asm(ctx));
      return {
        site: {
          target: traced ? def.target : undefined,
          opsLiteral: def.opsLiteral ? callOpsLiteral(ctx.ops) : undefined,
        },
        chunks: [a.chunk()],
        data: { functionTraceOp: globalDispatch(workload).traceOp },
        probes: !traced
          ? []
          : def.probes
          ? def.probes(ctx, workload)
          : ftraceProbes(workload, def.view ?? "ftrace_regs", def.target, ctx.call),
      };
    },
  };
}

/** A built-in variant with its generated assembly edited. */
export interface VariantEdit {
  readonly name: string;
  readonly summary?: string;
  /** Rewrites the text of each of the base variant's own chunks (its trampolines). */
  edit(asm: string, workload: Workload): string;
}

/** `base` (a built-in variant or its name) with its trampolines' assembly edited. */
export function editVariant(base: Variant | string, edit: VariantEdit): Variant {
  const variant = typeof base === "string" ? VARIANTS.find((v) => v.name === base) : base;
  if (!variant) {
    throw new ContractError(
      `no built-in variant ${base}; variants: ${VARIANTS.map((v) => v.name).join(", ")}`,
    );
  }
  return {
    name: edit.name,
    summary: edit.summary ?? `${variant.summary} (edited)`,
    editOf: variant.name,
    build(workload) {
      const built = variant.build(workload);
      if ("notApplicable" in built) return built;
      return {
        ...built,
        chunks: built.chunks.map((c) => ({
          origin: `${c.origin} (edited by ${edit.name})`,
          text: edit.edit(c.text, workload),
        })),
      };
    },
  };
}
