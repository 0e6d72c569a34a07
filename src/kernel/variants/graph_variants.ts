/**
 * Variants of the function-graph scenario:
 *
 * - `function`: the plain function tracer, entry only: exactly the `args`
 *   variant (minimal-regs ftrace_caller calling the tracer with a patched `bl`);
 * - `graph`: the function-graph tracer: ftrace_caller's `bl` reaches the graph
 *   ops' func, which pushes a return-stack entry, calls the entry handler and
 *   rewrites the return address, so the exit handler runs on the way back.
 *
 * `graph` stands its own ops (fgraph_ops, which function_trace_op points at)
 * in for the workload's: the function tracer's ops stays registered in the
 * data but is not the one ftrace_caller is patched to call.
 */
import { SYMBOLS } from "../functions.ts";
import {
  GRAPH,
  GRAPH_TASK_FIELDS,
  graphCallerChunk,
  graphCoreChunk,
  graphDataChunk,
  graphHandlersChunk,
} from "../graph.ts";
import { argsVariant } from "./args.ts";
import type { Probe, Variant } from "./variant.ts";

/** The function tracer: entry only, as the `args` variant. */
export const functionTracerVariant: Variant = {
  ...argsVariant,
  name: "function",
  summary: "function tracer: entry only (minimal-regs ftrace_caller, as `args`)",
};

/** What the graph tracer's handlers must see, and the unwinder's view from each. */
function graphProbes(target: string): Probe[] {
  const outer = [target, SYMBOLS.caller, SYMBOLS.harnessExit];
  return [{
    symbol: GRAPH.entryHandler,
    view: "fgraph_ent",
    calls: 1,
    chain: [GRAPH.entryHandler, GRAPH.enter, GRAPH.func, GRAPH.trampoline, ...outer],
  }, {
    symbol: GRAPH.exitHandler,
    view: "fgraph_ret",
    calls: 1,
    // Told the function and its return value, not its arguments or parent.
    expect: "site-only",
    returnValue: true,
    // The traced function has returned; return_to_handler's frame record holds
    // return_to_handler itself, which the unwinder resolves to the caller.
    resolveReturnHook: GRAPH.returnHook,
    chain: [
      GRAPH.exitHandler,
      GRAPH.returnFunc,
      GRAPH.returnHook,
      SYMBOLS.caller,
      SYMBOLS.harnessExit,
    ],
  }];
}

/** The function-graph tracer: entry and exit handlers around the traced call. */
export const graphTracerVariant: Variant = {
  name: "graph",
  summary: "function-graph tracer: entry handler, return address rewritten to return_to_handler",
  build(workload) {
    const cg = workload.codegen;
    return {
      site: { target: GRAPH.trampoline },
      chunks: [
        graphCallerChunk(cg),
        graphCoreChunk(cg),
        graphHandlersChunk(cg),
        graphDataChunk(),
      ],
      data: { functionTraceOp: GRAPH.ops, task: GRAPH_TASK_FIELDS },
      probes: graphProbes(workload.target.name),
    };
  },
};
