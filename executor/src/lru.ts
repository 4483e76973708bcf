/**
 * A bounded in-isolate cache (least recently used goes first), sized by what
 * its entries hold, with an optional expiry per entry. In front of the tiers
 * it saves a round trip per hit; what it holds is either immutable (content
 * by CID, shared results by input key) or kept no longer than the tier
 * behind it would keep it.
 */
export class Lru<V = string> {
  private readonly entries = new Map<string, { value: V; size: number; expires: number }>();
  private size = 0;

  constructor(
    private readonly maxSize: number,
    /** An entry's size; a string's length by default. */
    private readonly sizeOf: (value: V) => number = (v) => (v as string).length,
  ) {}

  get(key: string): V | null {
    const e = this.entries.get(key);
    if (!e) return null;
    this.entries.delete(key);
    if (e.expires <= Date.now()) {
      this.size -= e.size;
      return null;
    }
    // Most recently used last: Map order is the eviction order.
    this.entries.set(key, e);
    return e.value;
  }

  /** Keep `value` (for `ttlSeconds`, or for as long as there is room). */
  set(key: string, value: V, ttlSeconds = Infinity): void {
    const size = this.sizeOf(value);
    if (size > this.maxSize / 8) return; // one entry never crowds out the rest
    const old = this.entries.get(key);
    if (old) {
      this.entries.delete(key);
      this.size -= old.size;
    }
    this.entries.set(key, { value, size, expires: Date.now() + ttlSeconds * 1000 });
    this.size += size;
    for (const [k, e] of this.entries) {
      if (this.size <= this.maxSize) break;
      this.entries.delete(k);
      this.size -= e.size;
    }
  }
}
