/**
 * Fedify's key–value store (its caches, inbox idempotence, outbox state) on
 * Workers KV, after Fedify's own Cloudflare adapter (not on the registry):
 * a key is its parts as JSON under `fedify/`, so a prefix of parts is a
 * prefix of the KV key; a TTL is kept beside the value, since KV's own
 * expiry cannot be shorter than 60 s and is only approximate.
 */
import type { KvKey, KvStore, KvStoreListEntry, KvStoreSetOptions } from "@fedify/fedify";

const PREFIX = "fedify/";

interface Stored {
  readonly value: unknown;
  /** Epoch ms after which the entry is gone, or null. */
  readonly until: number | null;
}

function keyOf(key: KvKey): string {
  return PREFIX + JSON.stringify(key);
}

function live(stored: Stored | null): stored is Stored {
  return stored !== null && (stored.until === null || stored.until > Date.now());
}

export function workersKvStore(kv: KVNamespace): KvStore {
  return {
    async get<T = unknown>(key: KvKey): Promise<T | undefined> {
      const stored = await kv.get<Stored>(keyOf(key), "json");
      return live(stored) ? (stored.value as T) : undefined;
    },
    async set(key: KvKey, value: unknown, options?: KvStoreSetOptions): Promise<void> {
      const ms = options?.ttl ? options.ttl.total("millisecond") : null;
      const stored: Stored = { value, until: ms === null ? null : Date.now() + ms };
      await kv.put(keyOf(key), JSON.stringify(stored), ms === null ? {} : { expirationTtl: Math.max(60, Math.ceil(ms / 1000)) });
    },
    async delete(key: KvKey): Promise<void> {
      await kv.delete(keyOf(key));
    },
    async *list(prefix?: KvKey): AsyncIterable<KvStoreListEntry> {
      // `["a"]` lists `["a",...]` (and `["a"]` itself): the JSON of the prefix without its closing bracket.
      const text = prefix ? keyOf(prefix).slice(0, -1) : PREFIX + "[";
      let cursor: string | undefined;
      do {
        const page = await kv.list({ prefix: text, ...(cursor ? { cursor } : {}) });
        for (const { name } of page.keys) {
          const parts = JSON.parse(name.slice(PREFIX.length)) as KvKey;
          if (prefix && parts.length < prefix.length) continue;
          const stored = await kv.get<Stored>(name, "json");
          if (live(stored)) yield { key: parts, value: stored.value };
        }
        cursor = page.list_complete ? undefined : page.cursor;
      } while (cursor);
    },
  };
}
