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
  /** Keep `value` for `ttlSeconds`. */
  put(key: string, value: string, ttlSeconds: number): Promise<void>;
}

/** What a KV namespace binding offers (a subset). */
export interface KvLike {
  get(key: string): Promise<string | null>;
  put(key: string, value: string, options?: { expirationTtl?: number }): Promise<void>;
}

/** KV refuses TTLs under 60 seconds. */
const KV_MIN_TTL = 60;

export function kvHotCache(kv: KvLike): HotCache {
  return {
    name: "kv",
    get: (key) => kv.get(key),
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
    put: async (key, value, ttl) => void (await redis.set(key, value, { ex: Math.max(1, Math.ceil(ttl)) })),
  };
}

/** The key of a result in the hot tier: user-scoped results are keyed with their user, so one user's never answers another. */
export function hotKey(inputKey: string, user: string | null): string {
  return user === null ? `shared:${inputKey}` : `user:${user}:${inputKey}`;
}
