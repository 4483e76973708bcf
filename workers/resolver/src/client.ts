/**
 * The per-request client for the resolver: `query`, `frag` and `action` calls
 * made in the same wave (before any I/O comes back) are sent together as one
 * batch, whatever their services (one resolver serves them all, so several
 * fragments of one service, or of several, cost one request); identical reads
 * are made once; batches in flight are capped (Workers allow 6 simultaneous
 * outgoing connections per request) and each has a deadline.
 */
import { DEFAULT_COOLDOWN_MS, UnavailableError } from "./breaker.ts";
import { RequestIO, TimeoutError } from "./request-io.ts";
import type { Call, CallResult, Json, Op } from "./wire.ts";

/** What makes a page's I/O calls (the client below, or a traced wrapper around it). */
export interface Resolver {
  call(op: Op, service: string, name: string, args: { [key: string]: Json }): Promise<Json>;
}

/** Sends one batch: in-process, or to the resolver Worker over a service binding (cancelled by `signal`). */
export type Transport = (calls: readonly Call[], signal?: AbortSignal) => Promise<CallResult[]>;

interface Pending {
  readonly call: Call;
  resolve(value: Json): void;
  reject(error: Error): void;
}

export class ResolverClient implements Resolver {
  private wave: Pending[] = [];
  private readonly inFlightReads = new Map<string, Promise<Json>>();
  private scheduled = false;
  private batchCount = 0;

  constructor(
    private readonly transport: Transport,
    readonly requests: RequestIO = new RequestIO(),
  ) {}

  private readonly readCalls = new Map<string, { op: "query" | "frag"; service: string; name: string }>();
  private readonly actionCalls = new Map<string, { service: string; name: string }>();

  /** The queries and fragments this request read: what a content change may touch. */
  reads(): { op: "query" | "frag"; service: string; name: string }[] {
    return [...this.readCalls.values()];
  }

  /** The actions this request ran. */
  actions(): { service: string; name: string }[] {
    return [...this.actionCalls.values()];
  }

  /** Batches sent so far (for tests and metrics). */
  get batches(): number {
    return this.batchCount;
  }

  call(op: Op, service: string, name: string, args: { [key: string]: Json }): Promise<Json> {
    const call: Call = { op, service, name, args };
    const id = `${op} ${service}/${name}`;
    if (op === "action") this.actionCalls.set(id, { service, name });
    else this.readCalls.set(id, { op, service, name });
    // Reads are deduplicated within the request; an action is never repeated or merged.
    const key = op === "action" ? null : JSON.stringify([op, service, name, args]);
    const known = key ? this.inFlightReads.get(key) : undefined;
    if (known) return known;
    const promise = new Promise<Json>((resolve, reject) => this.wave.push({ call, resolve, reject }));
    if (key) this.inFlightReads.set(key, promise);
    if (!this.scheduled) {
      this.scheduled = true;
      // A macrotask: every call the current wave can make is made before it runs.
      setTimeout(() => this.flush(), 0);
    }
    return promise;
  }

  /**
   * Send the calls of the wave so far now, not at its end: a streamed page's
   * shell has made all the calls it makes, and what its holes ask for next
   * must not wait in one batch with its slowest query.
   */
  sendNow(): void {
    if (this.wave.length) this.flush();
  }

  private answerFirst!: (outcome: UnavailableError | null) => void;
  private readonly firstAnswer = new Promise<UnavailableError | null>((resolve) => (this.answerFirst = resolve));

  /**
   * Settles when the request's first batch (whenever it is sent) is
   * answered: with the error that made the service unavailable (the batch
   * got no answer, or the resolver could not reach the database), or null.
   */
  firstBatchAnswered(): Promise<UnavailableError | null> {
    return this.firstAnswer;
  }

  private flush(): void {
    this.scheduled = false;
    const pending = this.wave;
    this.wave = [];
    if (pending.length === 0) return;
    const first = ++this.batchCount === 1;
    const label = `batch ${this.batchCount} (${pending.map((p) => `${p.call.op} ${p.call.service}/${p.call.name}`).join(", ")})`;
    this.requests
      .run(label, (signal) => this.transport(pending.map((p) => p.call), signal))
      .then(
        (results) => {
          pending.forEach((p, i) => settle(p, results[i]));
          const down = results.find(isUnavailable);
          return down ? unavailable(down.error) : null;
        },
        (e: unknown) => {
          // The batch got no answer (its deadline passed, the resolver failed, the breaker is open): the service is unavailable.
          const message = e instanceof TimeoutError ? e.message : `${label} failed: ${e instanceof Error ? e.message : String(e)}`;
          const error = e instanceof UnavailableError ? e : unavailable(message);
          if (error !== e) error.cause = e;
          pending.forEach((p) => p.reject(error));
          return error;
        },
      )
      .then((outcome) => first && this.answerFirst(outcome));
  }
}

const unavailable = (message: string): UnavailableError => new UnavailableError(message, DEFAULT_COOLDOWN_MS);

const isUnavailable = (result: CallResult | undefined): result is { error: string; unavailable: true } =>
  result !== undefined && "error" in result && result.unavailable === true;

function settle(p: Pending, result: CallResult | undefined): void {
  if (!result) p.reject(new Error(`no result for ${p.call.op} ${p.call.service}/${p.call.name}`));
  else if (isUnavailable(result)) p.reject(unavailable(result.error));
  else if ("error" in result) p.reject(new Error(result.error));
  else p.resolve(result.ok);
}
