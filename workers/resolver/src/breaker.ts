/**
 * A circuit breaker in front of the database. An outage (a batch that ran
 * past its deadline, or could not reach the database) opens it, and every
 * call then fails at once for a cool-down: a dead database costs one timeout,
 * not one per request. After the cool-down one call goes through as a probe;
 * its success closes the breaker, its failure opens it again for twice as
 * long (up to a limit). The rule is the pure `next` below; the class keeps
 * the state and the clock.
 */

/** The database (or the resolver in front of it) cannot be reached now; try again after `retryAfterMs`. */
export class UnavailableError extends Error {
  override name = "UnavailableError";
  constructor(
    message: string,
    readonly retryAfterMs: number,
  ) {
    super(message);
  }
}

/** `e`, or the error it was caused by (through `cause`), that is a `type`; null when none is. */
export function causeOf<T extends Error>(e: unknown, type: abstract new (...args: never[]) => T): T | null {
  let x: unknown = e;
  for (let depth = 0; x instanceof Error && depth < 10; depth++) {
    if (x instanceof type) return x;
    x = (x as Error).cause;
  }
  return null;
}

interface BreakerState {
  /** Closed: calls go through. Open: they fail until `until`. Probing: one call is finding out. */
  readonly phase: "closed" | "open" | "probing";
  readonly until: number;
  readonly cooldownMs: number;
}

type BreakerEvent = { readonly kind: "outage" | "success"; readonly probe: boolean; readonly now: number };

export interface BreakerOptions {
  /** How long the first outage keeps the breaker open (ms). */
  readonly cooldownMs?: number;
  /** The longest it stays open after repeated failed probes (ms). */
  readonly maxCooldownMs?: number;
  readonly now?: () => number;
}

export const DEFAULT_COOLDOWN_MS = 5_000;
export const MAX_COOLDOWN_MS = 60_000;

/** The breaker's rule: what an outcome does to its state. */
function next(state: BreakerState, event: BreakerEvent, options: Required<Omit<BreakerOptions, "now">>): BreakerState {
  if (event.kind === "success") {
    // Only the probe's success closes an open breaker; a late success from before the outage changes nothing.
    if (state.phase === "closed" || event.probe) return { phase: "closed", until: 0, cooldownMs: options.cooldownMs };
    return state;
  }
  if (state.phase === "closed") return { phase: "open", until: event.now + state.cooldownMs, cooldownMs: state.cooldownMs };
  if (event.probe) {
    const cooldownMs = Math.min(state.cooldownMs * 2, options.maxCooldownMs);
    return { phase: "open", until: event.now + cooldownMs, cooldownMs };
  }
  return state; // calls already in flight when it opened: the outage is known
}

export class CircuitBreaker {
  private state: BreakerState;
  private readonly options: Required<Omit<BreakerOptions, "now">>;
  private readonly now: () => number;

  constructor(
    /** What is behind it, for messages ("the database"). */
    readonly what: string,
    { cooldownMs = DEFAULT_COOLDOWN_MS, maxCooldownMs = MAX_COOLDOWN_MS, now = Date.now }: BreakerOptions = {},
  ) {
    this.options = { cooldownMs, maxCooldownMs };
    this.now = now;
    this.state = { phase: "closed", until: 0, cooldownMs };
  }

  /**
   * Let a call through, or throw UnavailableError. The answer says whether
   * this call is the probe; report its outcome with `report`.
   */
  admit(): { probe: boolean } {
    const now = this.now();
    const s = this.state;
    if (s.phase === "closed") return { probe: false };
    if (s.phase === "open" && now >= s.until) {
      this.state = { ...s, phase: "probing" };
      return { probe: true };
    }
    const waitMs = s.phase === "open" ? s.until - now : 1000;
    throw new UnavailableError(`${this.what} is unavailable (retrying in ${Math.ceil(waitMs / 1000)} s)`, waitMs);
  }

  report(kind: BreakerEvent["kind"], probe: boolean): void {
    this.state = next(this.state, { kind, probe, now: this.now() }, this.options);
  }
}
