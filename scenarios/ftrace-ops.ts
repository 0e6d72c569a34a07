/**
 * Question: how much does every *other* registered ftrace_ops cost a traced
 * call, and does per-callsite ops (CALL_OPS) really make that cost go away?
 *
 * This is the experiment of the kernel's samples/ftrace/ftrace-ops.c, with its
 * parameters. `relevant` ops filter on the traced function, `irrelevant` ops
 * filter on another function. The relevant ones are registered first, so the
 * list (newest first) holds the irrelevant ones, then the relevant ones. As in
 * the sample module, the ops are allocated at run time (`dynamic`), so even a
 * lone ops is reached through the list function on the global trampolines.
 *
 *   regs      ftrace_regs_caller: full pt_regs, then the list function
 *   args      ftrace_caller: ftrace_regs, then the list function
 *   call-ops  ftrace_caller with the site's own ops: one relevant ops is called
 *             directly, whatever else is registered. Two or more share the list ops.
 *
 * The list function is real code. It takes the per-task recursion bit and
 * the preempt count through `current`, then for every ops skips stubs,
 * checks RCU if asked, looks the ip up in the filter and notrace hashes
 * (bucket walk), and calls the func of each ops that matches. A function that
 * no ops filters on keeps its NOP patch site, so it costs nothing.
 *
 * On the call-ops path a lone ops' func is called directly, unless the ops
 * asks ftrace for recursion or RCU protection: then the site shares the list
 * ops, as linux 6.12 decides (__ftrace_hash_rec_update()).
 *
 * On a real kernel (`--kernel linux-6.12`), the traced function and the ops
 * func are the sample's own compiled `tracee_relevant`, `tracee_irrelevant`
 * and `ops_func_nop`, patched and registered as ftrace would.
 */
import { defineScenario, type OpsSpec } from "../mod.ts";

const SWEEP = [0, 1, 2, 10, 100];

export default defineScenario({
  name: "ftrace-ops",
  question:
    "How does the cost of a traced call grow with the number of registered ftrace_ops, relevant or not?",
  params: {
    relevant: {
      type: "int",
      default: 1,
      sweep: SWEEP,
      min: 0,
      max: 1000,
      doc: "ops whose filter matches the traced function (nr_ops_relevant)",
    },
    irrelevant: {
      type: "int",
      default: 0,
      sweep: SWEEP,
      min: 0,
      max: 1000,
      doc: "ops filtered on another function (nr_ops_irrelevant)",
    },
    save_regs: {
      type: "bool",
      default: false,
      doc: "ops ask for full pt_regs (FTRACE_OPS_FL_SAVE_REGS)",
    },
    assist_recursion: {
      type: "bool",
      default: false,
      doc: "ops leave recursion protection to ftrace (no FTRACE_OPS_FL_RECURSION)",
    },
    assist_rcu: { type: "bool", default: false, doc: "ops need RCU watching (FTRACE_OPS_FL_RCU)" },
    dynamic: {
      type: "bool",
      default: true,
      doc: "ops allocated at run time, as a module's are (forces the list function)",
    },
  },
  variants: ["nop", "regs", "args", "call-ops"],
  workload(p) {
    const ops = (kind: "relevant" | "irrelevant", count: number): OpsSpec[] =>
      Array.from({ length: count }, (_, k) => ({
        name: `ops_${kind}_${k}`,
        tracer: "empty",
        filter: kind === "relevant" ? "target" : "other",
        dynamic: p.dynamic,
        rcu: p.assist_rcu,
        recursionSafe: !p.assist_recursion,
        saveRegs: p.save_regs,
      }));
    // Registration prepends to the list: last registered is walked first.
    const registered = [
      ...ops("relevant", p.relevant),
      ...ops("irrelevant", p.irrelevant),
    ];
    return { target: { args: 2 }, ops: registered.reverse(), kernelSample: "ftrace-ops" };
  },
});
