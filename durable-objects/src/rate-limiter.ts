/**
 * RateLimiter: one Durable Object per key (`sign-in email:ada@example.org`,
 * `sign-in ip:203.0.113.7`), counting attempts in a sliding window. The
 * check and the count are one step on one object, so concurrent requests
 * from anywhere cannot slip past the limit together.
 */
import { DurableObject } from "cloudflare:workers";

export interface RateDecision {
  readonly allowed: boolean;
  /** When the oldest counted attempt leaves the window (0 when allowed). */
  readonly retryAfterMs: number;
}

export class RateLimiter extends DurableObject {
  /** Count one attempt, unless `limit` attempts were already counted in the last `windowMs`. */
  async take(limit: number, windowMs: number): Promise<RateDecision> {
    const now = Date.now();
    const recent = ((await this.ctx.storage.get<number[]>("attempts")) ?? []).filter((t) => t > now - windowMs);
    if (recent.length >= limit) return { allowed: false, retryAfterMs: recent[0]! + windowMs - now };
    recent.push(now);
    await this.ctx.storage.put("attempts", recent);
    // Nothing is kept once a window has passed with no attempt (each attempt moves the alarm on).
    await this.ctx.storage.setAlarm(now + windowMs);
    return { allowed: true, retryAfterMs: 0 };
  }

  /** Set for a window after the latest attempt: every attempt counted has left it. */
  override async alarm(): Promise<void> {
    await this.ctx.storage.deleteAll();
  }
}
