/**
 * Replays of signed requests (the rule itself, shared with the edge, is
 * @rose-ash/content's signed.ts): a signature is accepted once while its
 * timestamp is fresh.
 */
import { SIGNATURE_WINDOW_S } from "@rose-ash/content";

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
