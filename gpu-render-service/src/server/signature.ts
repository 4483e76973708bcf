/**
 * Signed requests, exactly as the edge signs its content webhook
 * (workers/router/src/invalidate.ts, content-changes.ts), so the edge signs
 * jobs with the code it has and this service signs its callbacks the same way:
 *
 * - `x-rose-timestamp`: Unix seconds, within 5 minutes of now (either way);
 * - `x-rose-signature`: lowercase hex HMAC-SHA256 under the shared secret over
 *   `<timestamp>.<body>` (the body's exact bytes as UTF-8 text);
 * - compared in constant time; each signature is accepted once while its
 *   timestamp is in the window (a replay is refused).
 */
import { createHmac, timingSafeEqual } from "node:crypto";

/** How far a timestamp may be from now, in seconds (the edge's WEBHOOK_WINDOW_S). */
export const SIGNATURE_WINDOW_S = 300;

export function sign(secret: string, timestamp: string, body: string): string {
  return createHmac("sha256", secret).update(`${timestamp}.${body}`, "utf8").digest("hex");
}

/** The headers of a signed request with `body`, timestamped now. */
export function signedHeaders(secret: string, body: string, now = Date.now()): Record<string, string> {
  const timestamp = String(Math.floor(now / 1000));
  return { "x-rose-timestamp": timestamp, "x-rose-signature": sign(secret, timestamp, body) };
}

/** Whether the timestamp header is a whole number of seconds within the window of `now` (ms). */
export function freshTimestamp(timestamp: string, now = Date.now()): boolean {
  if (!/^\d{1,15}$/.test(timestamp)) return false;
  return Math.abs(now / 1000 - Number(timestamp)) <= SIGNATURE_WINDOW_S;
}

/** Whether `signature` is the signature of `<timestamp>.<body>`, compared in constant time. */
export function verifySignature(secret: string, timestamp: string, body: string, signature: string): boolean {
  if (!/^[0-9a-f]{64}$/.test(signature)) return false;
  return timingSafeEqual(Buffer.from(sign(secret, timestamp, body), "hex"), Buffer.from(signature, "hex"));
}

/**
 * Signatures seen, each kept until its timestamp leaves the window (the
 * edge's `firstUse`); after that the timestamp alone refuses it.
 */
export class ReplayGuard {
  private readonly seen = new Map<string, number>();
  private nextSweep = 0;

  /** True the first time `signature` is offered while its timestamp is fresh; false for a replay. */
  firstUse(signature: string, timestamp: string, now = Date.now()): boolean {
    if (now >= this.nextSweep) {
      for (const [s, expires] of this.seen) if (expires <= now) this.seen.delete(s);
      this.nextSweep = now + 10_000;
    }
    const expires = this.seen.get(signature);
    if (expires !== undefined && expires > now) return false;
    this.seen.set(signature, (Number(timestamp) + SIGNATURE_WINDOW_S) * 1000 + 1000);
    return true;
  }

  get size(): number {
    return this.seen.size;
  }
}
