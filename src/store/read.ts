/**
 * Reading results files and history records back, with a clear error naming
 * the file for anything corrupt, truncated, foreign or from a newer schema:
 * the reporters never crash on a bad file and never skip one silently.
 */
import { METRIC_KEYS } from "../measure/metrics.ts";
import {
  HISTORY_KIND,
  HISTORY_SCHEMA,
  type HistoryRecord,
  RESULT_SCHEMA,
  type StoredResult,
} from "./schema.ts";

/** A store file cannot be used; the message names it and says why. */
export class StoreError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "StoreError";
  }
}

/** What a store file holds: one scenario's results, or one main-job run. */
export type StoreFile =
  | { kind: "result"; path: string; result: StoredResult }
  | { kind: "history"; path: string; record: HistoryRecord };

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** Validation failure at a JSON path; turned into a StoreError naming the file. */
class Invalid extends Error {}

function need(cond: boolean, where: string, what: string): void {
  if (!cond) throw new Invalid(`${where} ${what}`);
}

function checkMetrics(m: unknown, where: string): void {
  if (m === null) return;
  need(isObject(m), where, "is not an object");
  for (const k of METRIC_KEYS) {
    need(typeof (m as Json)[k] === "number", `${where}.${k}`, "is not a number");
  }
  const cycles = (m as Json).cycles;
  need(cycles === undefined || typeof cycles === "number", `${where}.cycles`, "is not a number");
}

function checkRun(run: unknown, where: string): void {
  need(isObject(run), where, "is not an object");
  const r = run as Json;
  need(typeof r.variant === "string", `${where}.variant`, "is not a string");
  need(isObject(r.params), `${where}.params`, "is not an object");
  need(
    ["ok", "failed", "n/a"].includes(r.status as string),
    `${where}.status`,
    "is not ok/failed/n/a",
  );
  need(Array.isArray(r.checks), `${where}.checks`, "is not an array");
  (r.checks as unknown[]).forEach((c, i) => {
    need(
      isObject(c) && typeof c.name === "string" && typeof c.ok === "boolean",
      `${where}.checks[${i}]`,
      "is not a check result",
    );
  });
  checkMetrics(r.metrics, `${where}.metrics`);
  checkMetrics(r.overhead, `${where}.overhead`);
  need(r.phases === null || isObject(r.phases), `${where}.phases`, "is not an object");
  for (const [phase, m] of Object.entries((r.phases ?? {}) as Json)) {
    checkMetrics(m, `${where}.phases.${phase}`);
  }
  need(r.status !== "ok" || isObject(r.metrics), `${where}.metrics`, "is missing on an ok run");
  if (r.listing !== undefined) {
    need(Array.isArray(r.listing), `${where}.listing`, "is not an array");
    (r.listing as unknown[]).forEach((e, i) => {
      need(
        isObject(e) && typeof e.address === "string" && typeof e.count === "number",
        `${where}.listing[${i}]`,
        "is not a listing entry",
      );
    });
  }
}

function checkSchema(value: Json, newest: number, what: string): void {
  const schema = value.schema;
  need(
    typeof schema === "number" && Number.isInteger(schema) && schema >= 1,
    "schema",
    "is not a positive integer",
  );
  if ((schema as number) > newest) {
    const tool = isObject(value.tool)
      ? ` (written by ${value.tool.name} ${value.tool.version})`
      : "";
    throw new Invalid(
      `${what} schema ${schema}${tool} is newer than this harness reads (schema ${newest}); ` +
        `upgrade ftrace-bench to read it`,
    );
  }
}

/** The sweep identity, when present (files from before it was recorded have none). */
function checkSweep(sweep: unknown, where: string): void {
  need(isObject(sweep), where, "is not an object");
  const s = sweep as Json;
  need(
    s.scenarioSha256 === null || typeof s.scenarioSha256 === "string",
    `${where}.scenarioSha256`,
    "is neither null nor a string",
  );
  need(
    isObject(s.overrides) && Object.values(s.overrides).every(Array.isArray),
    `${where}.overrides`,
    "is not an object of value lists",
  );
  need(
    Array.isArray(s.variants) && s.variants.every((v) => typeof v === "string"),
    `${where}.variants`,
    "is not a list of variant names",
  );
  for (const key of ["parameterSets", "shards"]) {
    need(Number.isInteger(s[key]) && (s[key] as number) >= 0, `${where}.${key}`, "is not a count");
  }
  need(typeof s.listing === "string", `${where}.listing`, "is not a string");
}

/** Validate a parsed results file (one scenario). Throws Invalid. */
function checkResult(value: unknown, where = ""): StoredResult {
  need(isObject(value), where || "the file", "is not a JSON object");
  const v = value as Json;
  checkSchema(v, RESULT_SCHEMA, "results file");
  const at = (k: string) => (where ? `${where}.${k}` : k);
  need(isObject(v.tool), at("tool"), "is missing");
  need(typeof v.scenario === "string", at("scenario"), "is not a string");
  need(typeof v.question === "string", at("question"), "is not a string");
  need(
    v.cpu === null ||
      (isObject(v.cpu) && typeof v.cpu.name === "string" && typeof v.cpu.version === "string" &&
        (v.cpu.sha256 === undefined || typeof v.cpu.sha256 === "string")),
    at("cpu"),
    "is neither null nor {name, version, sha256}",
  );
  if (v.sweep !== undefined) checkSweep(v.sweep, at("sweep"));
  need(
    v.kernel === undefined ||
      (isObject(v.kernel) && typeof v.kernel.name === "string" &&
        typeof v.kernel.version === "string" && isObject(v.kernel.config) &&
        (v.kernel.hash === null || typeof v.kernel.hash === "string")),
    at("kernel"),
    "is not {name, version, config, hash}",
  );
  need(Array.isArray(v.runs), at("runs"), "is not an array");
  (v.runs as unknown[]).forEach((r, i) => checkRun(r, at(`runs[${i}]`)));
  return value as StoredResult;
}

function checkHistory(value: Json): HistoryRecord {
  checkSchema(value, HISTORY_SCHEMA, "history record");
  need(isObject(value.meta) && typeof value.meta.date === "string", "meta.date", "is missing");
  need(Array.isArray(value.results), "results", "is not an array");
  (value.results as unknown[]).forEach((r, i) => checkResult(r, `results[${i}]`));
  return value as unknown as HistoryRecord;
}

/** Validate parsed JSON from `path` as a store file; throws StoreError naming it. */
export function parseStoreFile(path: string, text: string): StoreFile {
  if (text.trim() === "") {
    throw new StoreError(`${path} is empty: not an ftrace-bench results file`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new StoreError(
      `${path} is not valid JSON (truncated or corrupt?): ${(e as Error).message}. ` +
        `Re-run the scenario to regenerate it, or remove it.`,
    );
  }
  try {
    if (isObject(value) && value.kind === HISTORY_KIND) {
      return { kind: "history", path, record: checkHistory(value) };
    }
    if (isObject(value) && value.schema === undefined) {
      throw new Invalid("no schema field: not an ftrace-bench results file or history record");
    }
    return { kind: "result", path, result: checkResult(value) };
  } catch (e) {
    if (e instanceof Invalid) throw new StoreError(`${path}: ${e.message}`);
    throw e;
  }
}

/** Read and validate a results file or history record. */
export async function readStoreFile(path: string): Promise<StoreFile> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (e) {
    const why = e instanceof Deno.errors.NotFound ? "no such file" : (e as Error).message;
    throw new StoreError(`cannot read results file ${path}: ${why}`);
  }
  return parseStoreFile(path, text);
}

/** The scenario results a store file holds (one for a results file, all for a history record). */
export function resultsOf(file: StoreFile): StoredResult[] {
  return file.kind === "result" ? [file.result] : file.record.results;
}
