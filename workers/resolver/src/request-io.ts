/**
 * Per-request I/O discipline: identical calls are made once, at most
 * `maxConcurrent` run at a time (Workers allow 6 simultaneous outgoing
 * connections per request), and each has a deadline.
 */
export class TimeoutError extends Error {
  override name = "TimeoutError";
}

export interface RequestIOOptions {
  maxConcurrent?: number;
  timeoutMs?: number;
}

export class RequestIO {
  private readonly inFlight = new Map<string, Promise<unknown>>();
  private readonly waiting: (() => void)[] = [];
  private running = 0;
  readonly maxConcurrent: number;
  readonly timeoutMs: number;
  /** Calls actually started (after deduplication), for tests and metrics. */
  started = 0;

  constructor({ maxConcurrent = 6, timeoutMs = 10_000 }: RequestIOOptions = {}) {
    this.maxConcurrent = maxConcurrent;
    this.timeoutMs = timeoutMs;
  }

  /**
   * Run `task` once per `key` in this request, within the concurrency cap and
   * deadline. At the deadline the call fails and `task`'s signal is aborted,
   * so the request it made (a fetch to the resolver) is cancelled too.
   */
  run<T>(key: string, task: (signal: AbortSignal) => Promise<T>): Promise<T> {
    let p = this.inFlight.get(key) as Promise<T> | undefined;
    if (!p) {
      p = this.slot().then(() => this.withDeadline(key, task)).finally(() => this.release());
      this.inFlight.set(key, p);
    }
    return p;
  }

  private slot(): Promise<void> {
    if (this.running < this.maxConcurrent) {
      this.running++;
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  /** A finished call hands its slot straight to the next waiter, so the cap holds. */
  private release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.running--;
  }

  private withDeadline<T>(key: string, task: (signal: AbortSignal) => Promise<T>): Promise<T> {
    this.started++;
    const controller = new AbortController();
    let running: Promise<T>;
    try {
      running = task(controller.signal);
    } catch (e) {
      return Promise.reject(e);
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        const error = new TimeoutError(`${key} timed out after ${this.timeoutMs} ms`);
        controller.abort(error);
        reject(error);
      }, this.timeoutMs);
    });
    return Promise.race([running, deadline]).finally(() => clearTimeout(timer));
  }
}
