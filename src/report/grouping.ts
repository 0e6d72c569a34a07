/**
 * Comparisons read at a glance: cases that changed the same way are one
 * line, "+1 insn, +1 store: args, call-ops, direct in 6 scenarios (200
 * cases)", with the cases behind it folded into a line per scenario and
 * variant whose parameter sets are spans ("args=0..8 attach=fentry,fexit").
 */
import type { Params, ParamValue } from "../runner/result.ts";
import type { CaseComparison, CaseVerdict, MetricDelta } from "./compare.ts";

/** Cases that changed the same way. */
export interface DeltaGroup {
  verdict: CaseVerdict;
  /** What changed: "+1 insn, +1 store", "now FAILED: tracer-saw", "removed"... */
  change: string;
  /** Cycles changes, which differ case by case: "cycles +2..+5 (+0.4..+1.1%)", or "". */
  cycles: string;
  variants: string[];
  scenarios: string[];
  cases: CaseComparison[];
}

const UNITS: Record<string, [string, string]> = {
  instructions: ["insn", "insns"],
  loads: ["load", "loads"],
  stores: ["store", "stores"],
  branches: ["branch", "branches"],
};

/** "+1 insn", "-3 stores" */
function countChange(d: MetricDelta): string {
  const [one, many] = UNITS[d.metric];
  return `${d.delta > 0 ? "+" : ""}${d.delta} ${Math.abs(d.delta) === 1 ? one : many}`;
}

/** The checks a failed case's note names ("fails: a: x; b: y" -> "a, b"). */
function failedChecks(note: string | undefined): string {
  const text = (note ?? "").replace(/^fails: /, "");
  const names = text.split("; ").map((p) => p.split(":")[0].trim()).filter(Boolean);
  return [...new Set(names)].join(", ") || "a check";
}

/** How a case changed, without cycles (they are summarised per group). */
export function changeOf(c: CaseComparison): string {
  if (c.currentStatus === null) return "removed";
  if (c.baselineStatus === null) {
    return c.currentStatus === "failed" ? `added, FAILED: ${failedChecks(c.note)}` : "added";
  }
  if (c.currentStatus === "failed") {
    return c.baselineStatus === "failed"
      ? `still FAILED: ${failedChecks(c.note)}`
      : `now FAILED: ${failedChecks(c.note)}`;
  }
  if (c.baselineStatus === "ok" && c.currentStatus === "n/a") return "now n/a";
  if (c.baselineStatus !== "ok" && c.currentStatus === "ok") {
    return `now measured (was ${c.baselineStatus})`;
  }
  const counts = c.deltas.filter((d) => d.metric !== "cycles" && d.delta !== 0).map(countChange);
  return counts.join(", ");
}

/** "cycles +2..+5 (+0.4..+1.1%)" over the cases' cycle deltas; "" when none changed. */
export function cyclesSpan(cases: readonly CaseComparison[]): string {
  const ds = cases.map((c) => c.deltas.find((d) => d.metric === "cycles"))
    .filter((d): d is MetricDelta => d !== undefined && d.delta !== 0);
  if (ds.length === 0) return "";
  const signed = (n: number, digits = 0) => `${n > 0 ? "+" : ""}${n.toFixed(digits)}`;
  const span = (xs: number[], digits = 0) => {
    const lo = Math.min(...xs), hi = Math.max(...xs);
    return lo === hi ? signed(lo, digits) : `${signed(lo, digits)}..${signed(hi, digits)}`;
  };
  const pcts = ds.map((d) => d.percent).filter((p): p is number => p !== null);
  return `cycles ${span(ds.map((d) => d.delta))}` +
    (pcts.length ? ` (${span(pcts, 1)}%)` : "");
}

const VERDICT_ORDER: CaseVerdict[] = ["regressed", "removed", "added", "improved", "unchanged"];

/**
 * Group `cases` by verdict and change, biggest groups first within a verdict;
 * unchanged cases whose figures all stayed the same are left out.
 */
export function groupChanges(cases: readonly CaseComparison[]): DeltaGroup[] {
  const groups = new Map<string, DeltaGroup>();
  for (const c of cases) {
    const change = changeOf(c);
    const cycles = c.deltas.some((d) => d.metric === "cycles" && d.delta !== 0);
    if (c.verdict === "unchanged" && change === "" && !cycles) continue;
    const key = `${c.verdict}\u0000${change}`;
    let g = groups.get(key);
    if (!g) {
      g = { verdict: c.verdict, change, cycles: "", variants: [], scenarios: [], cases: [] };
      groups.set(key, g);
    }
    g.cases.push(c);
    if (!g.variants.includes(c.variant)) g.variants.push(c.variant);
    if (!g.scenarios.includes(c.scenario)) g.scenarios.push(c.scenario);
  }
  const out = [...groups.values()];
  for (const g of out) g.cycles = cyclesSpan(g.cases);
  return out.sort((a, b) =>
    VERDICT_ORDER.indexOf(a.verdict) - VERDICT_ORDER.indexOf(b.verdict) ||
    b.cases.length - a.cases.length
  );
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** "+1 insn, +1 store: args, call-ops, direct in 6 scenarios (200 cases)" */
export function groupLine(g: DeltaGroup): string {
  const what = [g.change, g.cycles].filter(Boolean).join(", ") || "no change";
  const where = g.scenarios.length === 1 ? g.scenarios[0] : plural(g.scenarios.length, "scenario");
  return `${what}: ${g.variants.join(", ")} in ${where} (${plural(g.cases.length, "case")})`;
}

/** Values as a span: "0..8" for a run of consecutive integers, else "0,2,10". */
function valuesSpan(values: ParamValue[]): string {
  const uniq = [...new Set(values)];
  if (uniq.every((v) => typeof v === "number" && Number.isInteger(v)) && uniq.length > 2) {
    const nums = (uniq as number[]).sort((a, b) => a - b);
    if (nums[nums.length - 1] - nums[0] === nums.length - 1) {
      return `${nums[0]}..${nums[nums.length - 1]}`;
    }
    return nums.join(",");
  }
  return uniq.map(String).join(",");
}

/** The parameter sets of some cases as one line: "args=0..8 attach=fentry,fexit". */
export function paramsSpan(sets: readonly Params[]): string {
  const keys = [...new Set(sets.flatMap((p) => Object.keys(p)))];
  return keys.map((k) => `${k}=${valuesSpan(sets.map((p) => p[k]).filter((v) => v !== undefined))}`)
    .join(" ");
}

/**
 * A group's cases, one line per scenario and variant: "single-tracer args:
 * args=0..8 (9 cases)". `fixed` names, per scenario, the parameters with one
 * value in every case compared (left out: they tell nothing).
 */
export function groupDetail(
  g: DeltaGroup,
  fixed: (scenario: string) => Params = () => ({}),
): string[] {
  const by = new Map<string, CaseComparison[]>();
  for (const c of g.cases) {
    const key = `${c.scenario} ${c.variant}`;
    by.set(key, [...(by.get(key) ?? []), c]);
  }
  return [...by].map(([key, cs]) => {
    const cycles = g.cycles && cs.length < g.cases.length ? `; ${cyclesSpan(cs)}` : "";
    const known = fixed(cs[0].scenario);
    const sets = cs.map((c) =>
      Object.fromEntries(Object.entries(c.params).filter(([k]) => !(k in known)))
    );
    return `${key}: ${paramsSpan(sets) || "every parameter set"} ` +
      `(${plural(cs.length, "case")}${cycles})`;
  });
}
