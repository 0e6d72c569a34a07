/**
 * Parameter-set helpers shared by the store and the reports.
 */
import type { Params } from "../runner/result.ts";

/** Same keys and values. */
export function sameParams(a: Params, b: Params): boolean {
  const ka = Object.keys(a);
  return ka.length === Object.keys(b).length && ka.every((k) => a[k] === b[k]);
}

/**
 * The parameter set listings and summary charts show: the scenario's defaults
 * when the run covered them, else the first parameter set run.
 */
export function focusParams(
  runs: readonly { params: Params }[],
  defaults: Params | undefined,
): Params | undefined {
  if (defaults && runs.some((r) => sameParams(r.params, defaults))) return defaults;
  return runs[0]?.params;
}

/** "k=v k2=v2" */
export function paramsText(params: Params): string {
  return Object.entries(params).map(([k, v]) => `${k}=${v}`).join(" ");
}
