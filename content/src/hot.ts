/**
 * The hot tier: short-lived and user-scoped results, and key -> bytes
 * look-ups, with a TTL. Workers KV by default; Upstash Redis (through
 * `@upstash/redis`) when its URL and token are configured. KV converges
 * slowly across locations, so nothing here is ever a pointer: pointers live
 * in Durable Objects.
 */
import type { Redis } from "@upstash/redis";

export interface HotCache {
  readonly name: string;
  get(key: string): Promise<string | null>;
  /** Several values in one round trip (KV's bulk get, Redis MGET); a missing key maps to null. */
  getMany(keys: readonly string[]): Promise<Map<string, string | null>>;
  /** Keep `value` for `ttlSeconds`. */
  put(key: string, value: string, ttlSeconds: number): Promise<void>;
}

/** What a KV namespace binding offers (a subset). */
export interface KvLike {
  get(key: string): Promise<string | null>;
  get(keys: string[], type: "text"): Promise<Map<string, string | null>>;
  put(key: string, value: string, options?: { expirationTtl?: number }): Promise<void>;
}

/** KV's bulk get takes at most this many keys. */
const KV_BULK_MAX = 100;

/** KV refuses TTLs under 60 seconds. */
const KV_MIN_TTL = 60;

export function kvHotCache(kv: KvLike): HotCache {
  return {
    name: "kv",
    get: (key) => kv.get(key),
    getMany: async (keys) => {
      const out = new Map<string, string | null>();
      for (let i = 0; i < keys.length; i += KV_BULK_MAX) for (const [k, v] of await kv.get(keys.slice(i, i + KV_BULK_MAX), "text")) out.set(k, v);
      return out;
    },
    put: (key, value, ttl) => kv.put(key, value, { expirationTtl: Math.max(KV_MIN_TTL, Math.ceil(ttl)) }),
  };
}

export function upstashHotCache(redis: Redis): HotCache {
  return {
    name: "upstash",
    // Values are stored as given: no JSON round trip of HTML.
    get: async (key) => {
      const v = await redis.get<string>(key);
      return v === null || v === undefined ? null : String(v);
    },
    getMany: async (keys) => {
      if (keys.length === 0) return new Map();
      const values = await redis.mget<(string | null)[]>(...keys);
      return new Map(keys.map((k, i) => [k, values[i] === null || values[i] === undefined ? null : String(values[i])]));
    },
    put: async (key, value, ttl) => void (await redis.set(key, value, { ex: Math.max(1, Math.ceil(ttl)) })),
  };
}

/** The key of a result in the hot tier: user-scoped results are keyed with their user, so one user's never answers another. */
export function hotKey(inputKey: string, user: string | null): string {
  return user === null ? `shared:${inputKey}` : `user:${user}:${inputKey}`;
}

/**
 * The same tier with its reads gathered: every `get` asked for while one
 * piece of work runs (a page asking for fifty cached cards at once) goes
 * out as one `getMany` when it yields, instead of fifty round trips.
 */
export function batchedHotCache(hot: HotCache): HotCache {
  let waiting: Map<string, { resolve(v: string | null): void; reject(e: unknown): void }[]> | null = null;
  const flush = () => {
    const batch = waiting!;
    waiting = null;
    hot.getMany([...batch.keys()]).then(
      (values) => batch.forEach((ws, k) => ws.forEach((w) => w.resolve(values.get(k) ?? null))),
      (e: unknown) => batch.forEach((ws) => ws.forEach((w) => w.reject(e))),
    );
  };
  return {
    name: hot.name,
    get: (key) =>
      new Promise((resolve, reject) => {
        if (!waiting) {
          waiting = new Map();
          queueMicrotask(flush);
        }
        const ws = waiting.get(key);
        if (ws) ws.push({ resolve, reject });
        else waiting.set(key, [{ resolve, reject }]);
      }),
    getMany: (keys) => hot.getMany(keys),
    put: (key, value, ttl) => hot.put(key, value, ttl),
  };
}
