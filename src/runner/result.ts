/**
 * Plain result data: what the runner produces and the reporters consume.
 */
import type { Metrics } from "../measure/metrics.ts";

export type ParamValue = number | string | boolean;
export type Params = Record<string, ParamValue>;

export interface CheckResult {
  name: string;
  ok: boolean;
  detail: string;
}

export interface RunResult {
  variant: string;
  params: Params;
  /** "ok": checks passed and measured; "failed": a check failed (not measured); "n/a": not applicable. */
  status: "ok" | "failed" | "n/a";
  ok: boolean;
  /** Why the case is not applicable, or which checks failed. */
  reason?: string;
  checks: CheckResult[];
  metrics: Metrics | null;
  /** metrics minus the `nop` run of the same parameters. */
  overhead: Metrics | null;
  phases: Record<string, Metrics> | null;
}

export interface ScenarioResult {
  schema: 1;
  tool: { name: string; version: string };
  scenario: string;
  question: string;
  cpu: null;
  runs: RunResult[];
}
