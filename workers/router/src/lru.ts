/**
 * A bounded in-isolate cache (least recently used goes first), sized by the
 * characters it holds, with an optional expiry per entry. In front of the
 * tiers it saves a round trip per hit; what it holds is either immutable
 * (content by CID, shared results by input key) or kept no longer than the
 * tier behind it would keep it.
 */
export class Lru {
  private readonly entries = new Map<string, { value: string; expires: number }>();
  private size = 0;

  constructor(private readonly maxChars: number) {}

  get(key: string): string | null {
    const e = this.entries.get(key);
    if (!e) return null;
    this.entries.delete(key);
    if (e.expires <= Date.now()) {
      this.size -= e.value.length;
      return null;
    }
    // Most recently used last: Map order is the eviction order.
    this.entries.set(key, e);
    return e.value;
  }

  /** Keep `value` (for `ttlSeconds`, or for as long as there is room). */
  set(key: string, value: string, ttlSeconds = Infinity): void {
    if (value.length > this.maxChars / 8) return; // one entry never crowds out the rest
    const old = this.entries.get(key);
    if (old) {
      this.entries.delete(key);
      this.size -= old.value.length;
    }
    this.entries.set(key, { value, expires: Date.now() + ttlSeconds * 1000 });
    this.size += value.length;
    for (const [k, e] of this.entries) {
      if (this.size <= this.maxChars) break;
      this.entries.delete(k);
      this.size -= e.value.length;
    }
  }
}
