/**
 * Runs a sweep's cases in worker threads beside the main thread. Each worker
 * imports the scenario file itself (scenarios hold functions, which cannot be
 * sent) and answers with plain result data; errors come back as the text the
 * CLI would print, so a fault inside a worker reads the same as one outside.
 *
 * The sets are not handed out by message: the main thread and the workers
 * claim them, a few at a time, from a counter in shared memory
 * ({@link SetClaims}). A worker never waits for the main thread to send it
 * work, and the main thread measures too instead of only passing messages.
 */
import type { CaseMeasurement } from "./run_scenario.ts";
import type { Params } from "./result.ts";
import { BUILD_URL, projectUrl } from "../paths.ts";

/** The workers' module: in the CLI bundle, the worker's entry of this code's build. */
const WORKER_URL =
  (BUILD_URL
    ? new URL("src/runner/case_worker.js", BUILD_URL)
    : projectUrl("src/runner/case_worker.ts")).href;

/** One sweep's sets, sent once to each worker of the pool. */
export interface SweepRequest {
  scenarioUrl: string;
  /** The timing models (`--cpu` values, one model each) every case is timed on; none: counts only. */
  cpus: readonly string[];
  /** "model", or the real kernel spec each worker opens (once) for itself. */
  kernel: string;
  /** Every set's cases in order: the nop baseline first, then the variants. */
  variants: readonly string[];
  /** The sets, by position: what the claims count. */
  sets: readonly Params[];
  /** [position, case index] of the cases whose hot path comes back (for a listing). */
  hotPaths: readonly (readonly [number, number])[];
}

export type CaseOutcome = CaseMeasurement | { notApplicable: string };

type Reply =
  | { sweep: number; position: number; results: CaseOutcome[] }
  | { sweep: number; error: { text: string; internal: boolean } }
  | { sweep: number; done: true };

/** A failure inside a worker, carrying the one-paragraph text the CLI prints. */
export class RemoteCaseError extends Error {
  constructor(text: string, readonly internal: boolean) {
    super(text);
    this.name = "RemoteCaseError";
  }
}

/**
 * Sets a thread claims at once: consecutive sets in the sweep's snake order,
 * whose data differ by a step, so an engine's pages change little from one
 * case to the next (and the end of a sweep is balanced within a few sets).
 */
export const CLAIM_SETS = 4;

/**
 * Positions 0..length-1 handed out from a counter that every thread of a
 * sweep shares (a SharedArrayBuffer): iterate to measure the next claimed
 * positions until none is left.
 */
export class SetClaims implements Iterable<number> {
  readonly #counter: Int32Array;

  constructor(
    readonly length: number,
    readonly buffer: SharedArrayBuffer = new SharedArrayBuffer(4),
  ) {
    this.#counter = new Int32Array(buffer);
  }

  *[Symbol.iterator](): Iterator<number> {
    for (;;) {
      const from = Atomics.add(this.#counter, 0, CLAIM_SETS);
      if (from >= this.length) return;
      for (let k = from; k < Math.min(from + CLAIM_SETS, this.length); k++) yield k;
    }
  }

  /** Whether every set has been claimed (or the claims were stopped). */
  get exhausted(): boolean {
    return Atomics.load(this.#counter, 0) >= this.length;
  }

  /** No thread claims another set (the sweep failed). */
  stop(): void {
    Atomics.store(this.#counter, 0, this.length);
  }
}

interface ActiveSweep {
  claims: SetClaims;
  onSet: (position: number, outcomes: CaseOutcome[]) => void;
  /** Workers that have not said they are done with it. */
  running: number;
  resolve: () => void;
  reject: (e: Error) => void;
}

export class CasePool {
  private readonly workers: Worker[] = [];
  private readonly sweeps = new Map<number, ActiveSweep>();
  private nextId = 0;

  constructor(size: number) {
    for (let i = 0; i < size; i++) {
      const worker = new Worker(WORKER_URL, {
        type: "module",
      });
      worker.onmessage = (e: MessageEvent<Reply>) => this.settle(e.data);
      worker.onerror = (e) => {
        e.preventDefault();
        for (const id of [...this.sweeps.keys()]) {
          this.fail(id, new Error(`case worker died: ${e.message}`));
        }
      };
      this.workers.push(worker);
    }
  }

  /** Worker threads in the pool. */
  get size(): number {
    return this.workers.length;
  }

  /**
   * Have every worker measure the sets it claims from `claims` (the caller
   * claims from the same counter), calling `onSet` with each set's outcomes.
   * Resolves once every worker is done with the sweep; rejects on the first
   * error, after which no thread claims another set.
   */
  sweep(
    request: SweepRequest,
    claims: SetClaims,
    onSet: (position: number, outcomes: CaseOutcome[]) => void,
  ): Promise<void> {
    if (this.workers.length === 0) return Promise.resolve();
    const id = this.nextId++;
    const done = new Promise<void>((resolve, reject) => {
      this.sweeps.set(id, { claims, onSet, running: this.workers.length, resolve, reject });
    });
    for (const w of this.workers) w.postMessage({ sweep: id, counter: claims.buffer, ...request });
    return done;
  }

  private settle(reply: Reply): void {
    const sweep = this.sweeps.get(reply.sweep);
    if (!sweep) return; // a sweep that failed already
    if ("results" in reply) sweep.onSet(reply.position, reply.results);
    else if ("error" in reply) {
      this.fail(reply.sweep, new RemoteCaseError(reply.error.text, reply.error.internal));
    } else if (--sweep.running === 0) {
      this.sweeps.delete(reply.sweep);
      sweep.resolve();
    }
  }

  private fail(id: number, error: Error): void {
    const sweep = this.sweeps.get(id)!;
    this.sweeps.delete(id);
    sweep.claims.stop();
    sweep.reject(error);
  }

  /** Workers release their engine and exit once the sweeps sent are done. */
  close(): void {
    for (const w of this.workers) w.postMessage({ close: true });
  }
}

/**
 * A pool started on first use and shared by several sweeps (the main job's
 * scenarios), so its workers start, import their modules and open their
 * engine once. The owner closes it.
 */
export class SharedCasePool {
  #pool: CasePool | undefined;
  /** The `--kernel` values of the sweeps sent to the workers: each has opened them. */
  readonly kernels: Set<string> = new Set();

  constructor(readonly size: number) {}

  /** Whether a sweep has started the workers already. */
  get started(): boolean {
    return this.#pool !== undefined;
  }

  get(): CasePool {
    return this.#pool ??= new CasePool(this.size);
  }

  close(): void {
    this.#pool?.close();
    this.#pool = undefined;
    this.kernels.clear();
  }
}
