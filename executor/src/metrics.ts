/**
 * Cache metrics of this isolate, per tier: look-ups that hit or missed, bytes
 * served, and time spent. Shown at `/_sexp/cache`. Each Workers isolate keeps
 * its own (they are not aggregated across locations).
 */
export interface TierMetrics {
  hits: number;
  misses: number;
  bytes: number;
  ms: number;
}

const tier = (): TierMetrics => ({ hits: 0, misses: 0, bytes: 0, ms: 0 });

export const metrics = {
  since: new Date().toISOString(),
  pointer: tier(),
  memory: tier(),
  warm: tier(),
  hot: tier(),
  components: tier(),
  pages: { hit: 0, miss: 0, bypass: 0, stale: 0 },
};

/** Time a look-up and count it as a hit (with its size) or a miss. */
export async function measured<T>(m: TierMetrics, lookup: Promise<T>, size: (v: T) => number | null): Promise<T> {
  const t0 = Date.now();
  try {
    const v = await lookup;
    const n = size(v);
    if (n === null) m.misses++;
    else {
      m.hits++;
      m.bytes += n;
    }
    return v;
  } finally {
    m.ms += Date.now() - t0;
  }
}
