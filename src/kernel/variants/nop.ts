/**
 * `nop`: tracing off. The patch site is `mov x9, x30; nop`, as ftrace leaves
 * it at boot; this is the baseline every overhead is measured against.
 */
import { globalDispatch, type Variant } from "./variant.ts";

export const nopVariant: Variant = {
  name: "nop",
  summary: "tracing off: mov x9, x30; nop",
  build(workload) {
    return {
      site: {},
      chunks: [],
      data: { functionTraceOp: globalDispatch(workload).traceOp },
      probes: [],
    };
  },
};
