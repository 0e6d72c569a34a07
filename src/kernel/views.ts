/**
 * How a probe at a tracer's entry reads what the tracer was handed: the
 * kernel layer knows the layouts (the model's, or a real kernel's from its
 * DWARF), so the checks never read a kernel structure themselves.
 */
import {
  FTRACE_GRAPH_ENT,
  FTRACE_GRAPH_RET,
  FTRACE_REGS,
  FTRACE_RET_STACK,
  PT_REGS,
  type StructLayout,
  TASK_STRUCT,
} from "./structs.ts";
import type { TracerView } from "./variants/variant.ts";

/** The tracer's first four argument registers, and memory to read through them. */
export interface ProbeContext {
  /** x0..x3 at the tracer's first instruction. */
  readonly x: readonly [bigint, bigint, bigint, bigint];
  read64(address: bigint): bigint;
  /** Arguments the traced function takes. */
  readonly nargs: number;
  /** Whether the probe expects the traced function's return value (fexit programs). */
  readonly returnValue: boolean;
}

/** What the tracer was told: ip and parent ip when it is told them, the arguments, the result. */
export interface ProbeReading {
  ip?: bigint;
  parentIp?: bigint;
  args: bigint[];
  returnValue?: bigint;
}

/** Reads each kind of tracer view in one kernel's layout. */
export interface RegsViews {
  /** Offset of x`i` in the struct a "pt_regs" or "ftrace_regs" view is handed. */
  argOffset(view: "pt_regs" | "ftrace_regs", i: number): number;
  read(view: TracerView, at: ProbeContext): ProbeReading;
  /**
   * The original return address function-graph keeps for the `k`-th newest
   * entry of `task`'s return stack (what the kernel's unwinder resolves a
   * return_to_handler frame to), or undefined when there is no such entry.
   */
  graphReturn(task: bigint, k: number, read64: (address: bigint) => bigint): bigint | undefined;
}

const off = (layout: StructLayout, field: string) => BigInt(layout.offsets[field]);

/**
 * Views as a layout of `ftrace_regs`/`pt_regs` gives them; the BPF ctx is the
 * harness's own trampoline's (args at ctx[0..], ip at ctx[-2]); the graph
 * entries are the model's (function-graph exists only there).
 */
export function makeViews(argOffset: RegsViews["argOffset"]): RegsViews {
  const t = TASK_STRUCT.offsets;
  // Read at every tracer entry of every case: each offset is made a BigInt once.
  const offsets = { pt_regs: [] as bigint[], ftrace_regs: [] as bigint[] };
  const args = (base: bigint, view: "pt_regs" | "ftrace_regs", n: number, r: ProbeContext) => {
    const values: bigint[] = [];
    for (let i = 0; i < n; i++) {
      values.push(r.read64(base + (offsets[view][i] ??= BigInt(argOffset(view, i)))));
    }
    return values;
  };
  return {
    argOffset,
    read(view, at) {
      const [x0, x1, x2, x3] = at.x;
      switch (view) {
        case "pt_regs":
        case "ftrace_regs":
          // func(ip, parent_ip, op, regs)
          return { ip: x0, parentIp: x1, args: args(x3, view, at.nargs, at) };
        case "bpf_ctx":
          return {
            ip: at.read64(x0 - 16n),
            args: Array.from({ length: at.nargs }, (_, i) => at.read64(x0 + BigInt(8 * i))),
            ...(at.returnValue ? { returnValue: at.read64(x0 + BigInt(8 * at.nargs)) } : {}),
          };
        case "fgraph_ent":
          // Told the function; the parent (still unrewritten) and arguments are in fregs (x2).
          return {
            ip: at.read64(x0 + off(FTRACE_GRAPH_ENT, "func")),
            parentIp: at.read64(x2 + off(FTRACE_REGS, "lr")),
            args: args(x2, "ftrace_regs", at.nargs, at),
          };
        case "fgraph_ret":
          return {
            ip: at.read64(x0 + off(FTRACE_GRAPH_RET, "func")),
            args: [],
            returnValue: at.read64(x0 + off(FTRACE_GRAPH_RET, "retval")),
          };
      }
    },
    graphReturn(task, k, read64) {
      // current->curr_ret_stack is an int: the low half of the 8 bytes read.
      const top = BigInt.asIntN(32, read64(task + BigInt(t.curr_ret_stack)));
      const index = Number(top) - k;
      const stack = read64(task + BigInt(t.ret_stack));
      if (index < 0 || stack === 0n) return undefined;
      const entry = stack + BigInt(index * FTRACE_RET_STACK.size);
      return read64(entry + off(FTRACE_RET_STACK, "ret"));
    },
  };
}

/** The model's own layouts (src/kernel/structs.ts). */
export const MODEL_VIEWS: RegsViews = makeViews((view, i) =>
  (view === "pt_regs" ? PT_REGS : FTRACE_REGS).offsets[`x${i}`]
);
