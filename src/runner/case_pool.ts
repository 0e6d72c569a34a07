/**
 * Runs sweep cases in worker threads, one per core. Each worker imports the
 * scenario file itself (scenarios hold functions, which cannot be sent) and
 * answers with plain result data; errors come back as the text the CLI
 * would print, so a fault inside a worker reads the same as one outside.
 */
import type { Measurement } from "./run_case.ts";
import type { Params } from "./result.ts";

/** One parameter set's cases for a worker to measure, in order (one message each way). */
export interface SetRequest {
  scenarioUrl: string;
  params: Params;
  cases: readonly {
    variant: string;
    unitName: string;
    /** Whether the case's hot path comes back (for a listing). */
    hotPath: boolean;
  }[];
  /** One timing model (`--cpu` value), or absent for counts only. */
  cpu?: string;
  /** "model", or the real kernel spec each worker opens (once) for itself. */
  kernel: string;
}

export type CaseOutcome = (Measurement & { path: string }) | { notApplicable: string };

interface Reply {
  id: number;
  results?: CaseOutcome[];
  error?: { text: string; internal: boolean };
}

/** A failure inside a worker, carrying the one-paragraph text the CLI prints. */
export class RemoteCaseError extends Error {
  constructor(text: string, readonly internal: boolean) {
    super(text);
    this.name = "RemoteCaseError";
  }
}

/**
 * Sets a worker is sent ahead of its answers: it starts the next one while
 * its last answer is on its way and the main thread sends it another.
 */
const IN_FLIGHT_PER_WORKER = 2;

export class CasePool {
  private readonly workers: Worker[] = [];
  /** Sets sent to each worker and not answered yet. */
  private readonly inFlight = new Map<Worker, number>();
  private readonly queue: { id: number; request: SetRequest }[] = [];
  private readonly pending = new Map<
    number,
    { resolve: (r: CaseOutcome[]) => void; reject: (e: Error) => void }
  >();
  private nextId = 0;

  constructor(size: number) {
    for (let i = 0; i < size; i++) {
      const worker = new Worker(new URL("./case_worker.ts", import.meta.url).href, {
        type: "module",
      });
      worker.onmessage = (e: MessageEvent<Reply>) => this.settle(worker, e.data);
      worker.onerror = (e) => {
        e.preventDefault();
        for (const p of this.pending.values()) {
          p.reject(new Error(`case worker died: ${e.message}`));
        }
        this.pending.clear();
      };
      this.workers.push(worker);
      this.inFlight.set(worker, 0);
    }
  }

  /** Worker threads in the pool. */
  get size(): number {
    return this.workers.length;
  }

  /** Measure one parameter set's cases on the next free worker. */
  run(request: SetRequest): Promise<CaseOutcome[]> {
    const id = this.nextId++;
    const promise = new Promise<CaseOutcome[]>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
    });
    this.queue.push({ id, request });
    this.dispatch();
    return promise;
  }

  private dispatch(): void {
    while (this.queue.length) {
      // The least busy worker, if any can take one more.
      let target: Worker | undefined;
      for (const w of this.workers) {
        const n = this.inFlight.get(w)!;
        if (n < IN_FLIGHT_PER_WORKER && (!target || n < this.inFlight.get(target)!)) target = w;
      }
      if (!target) return;
      const job = this.queue.shift()!;
      this.inFlight.set(target, this.inFlight.get(target)! + 1);
      target.postMessage({ id: job.id, ...job.request });
    }
  }

  private settle(worker: Worker, reply: Reply): void {
    const waiter = this.pending.get(reply.id);
    this.pending.delete(reply.id);
    this.inFlight.set(worker, this.inFlight.get(worker)! - 1);
    this.dispatch();
    if (!waiter) return;
    if (reply.error) waiter.reject(new RemoteCaseError(reply.error.text, reply.error.internal));
    else waiter.resolve(reply.results!);
  }

  /** Workers release their engine and exit once the cases sent are done. */
  close(): void {
    this.queue.length = 0;
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
  }
}
