/**
 * The executor's stores from the Worker's bindings and settings, each an
 * embedded default with production adapters beside it, made once per
 * isolate:
 *
 * - pointers (pages' and media's): the IpnsPointer Durable Objects
 *   (POINTERS), with this isolate's copy of each for POINTER_TTL_MS; which
 *   pages read what: the DependencyIndex (DEPENDENCIES);
 * - warm: the CID-keyed R2 bucket (WARM), read first; then the trustless
 *   gateways in IPFS_GATEWAYS (comma-separated), every block verified. What
 *   is stored is also pinned through an IPFS Pinning Service API endpoint
 *   (PINNING_SERVICE_URL and _TOKEN), which fetches it from this site's own
 *   trustless gateway (PUBLIC_ORIGIN/ipfs/<cid>);
 * - hot (rendered parts, written calls): Workers KV (HOT), or Upstash Redis
 *   when UPSTASH_REDIS_REST_URL and _TOKEN are set; in memory without either.
 */
import { Redis } from "@upstash/redis/cloudflare";
import { WarmStore, batchedHotCache, bucketStore, gatewaySource, kvHotCache, pinningServiceSink, upstashHotCache, type HotCache, type WarmSink } from "@rose-ash/content";
import type { DependencyIndex, IpnsPointer } from "@rose-ash/durable-objects";
import { POINTER_TTL_MS, durableDependencies, durableNamedPointers, hotCalls, hotResults, memoryCalls, memoryResults, pagesOf, type NamedPointerStore, type Stores } from "@rose-ash/executor";

export interface HotBindings {
  HOT?: KVNamespace;
  UPSTASH_REDIS_REST_URL?: string;
  UPSTASH_REDIS_REST_TOKEN?: string;
}

export interface WarmBindings {
  WARM?: R2Bucket;
  /** Trustless gateways to read from when R2 lacks a CID, e.g. "https://trustless-gateway.link". */
  IPFS_GATEWAYS?: string;
  PINNING_SERVICE_URL?: string;
  PINNING_SERVICE_TOKEN?: string;
  /** This site's public origin, where a pinning service fetches what it pins. */
  PUBLIC_ORIGIN?: string;
}

export interface CacheBindings extends HotBindings, WarmBindings {
  POINTERS?: DurableObjectNamespace<IpnsPointer>;
  DEPENDENCIES?: DurableObjectNamespace<DependencyIndex>;
  /**
   * How long (ms) this isolate may serve a page from its own copy of the
   * pointer before asking the Durable Object again; 0 asks every time. A
   * move made here is seen here at once; elsewhere within this time.
   */
  POINTER_TTL_MS?: string;
}

/** Each binding object, numbered once: what a tier or store was made from, as part of a key. */
const bindingIds = new WeakMap<object, number>();
let nextBindingId = 1;

/** A key for what `parts` are: bindings by identity, settings by value. */
function madeFrom(...parts: (object | string | undefined)[]): string {
  return parts
    .map((p) => {
      if (p === undefined || typeof p === "string") return JSON.stringify(p ?? null);
      let id = bindingIds.get(p);
      if (id === undefined) bindingIds.set(p, (id = nextBindingId++));
      return `#${id}`;
    })
    .join(" ");
}

/** Hot tiers made so far in this isolate, by what they connect to (a client is made once, not per request). */
const hotTiers = new Map<string, HotCache | null>();
/** ...and by environment object (an isolate's requests share one: no key to build per request). */
const hotFor = new WeakMap<object, HotCache | null>();

/** The hot tier from the bindings: Upstash when configured, else KV, else none. */
export function hotCacheFrom(env: HotBindings): HotCache | null {
  const known = hotFor.get(env);
  if (known !== undefined) return known;
  const upstash = env.UPSTASH_REDIS_REST_URL && env.UPSTASH_REDIS_REST_TOKEN ? { url: env.UPSTASH_REDIS_REST_URL, token: env.UPSTASH_REDIS_REST_TOKEN } : null;
  const which = upstash ? madeFrom("upstash", upstash.url, upstash.token) : madeFrom("kv", env.HOT);
  let hot = hotTiers.get(which);
  if (hot === undefined) {
    // Reads gathered per tick: a page's many component and hole look-ups are one round trip.
    const tier = upstash ? upstashHotCache(new Redis(upstash)) : env.HOT ? kvHotCache(env.HOT) : null;
    hot = tier && batchedHotCache(tier);
    hotTiers.set(which, hot);
  }
  hotFor.set(env, hot);
  return hot;
}

/** The warm tier from the bindings (null without the R2 bucket), and where stored bytes are also pinned. */
export function warmTierFrom(env: WarmBindings): { store: WarmStore; pins: WarmSink | null } | null {
  if (!env.WARM) return null;
  const r2 = bucketStore(env.WARM);
  const gateways = (env.IPFS_GATEWAYS ?? "").split(",").map((g) => g.trim()).filter(Boolean).map((g) => gatewaySource(g));
  const pins =
    env.PINNING_SERVICE_URL && env.PINNING_SERVICE_TOKEN
      ? pinningServiceSink(env.PINNING_SERVICE_URL, env.PINNING_SERVICE_TOKEN, env.PUBLIC_ORIGIN ? { meta: { gateway: env.PUBLIC_ORIGIN } } : {})
      : null;
  return { store: new WarmStore(r2, [r2, ...gateways]), pins };
}

/** The stores, made once per isolate for the same bindings and settings. */
const made = new Map<string, Stores>();
/** The stores of an environment object already seen (an isolate's requests share one): no key to build per request. */
const madeFor = new WeakMap<object, Stores>();

export function storesFrom(env: CacheBindings): Stores {
  const known = madeFor.get(env);
  if (known) return known;
  const hot = hotCacheFrom(env);
  const which = madeFrom(
    env.POINTERS, env.DEPENDENCIES, env.WARM, hot ?? undefined, env.POINTER_TTL_MS, env.IPFS_GATEWAYS,
    env.PINNING_SERVICE_URL, env.PINNING_SERVICE_TOKEN, env.PUBLIC_ORIGIN,
  );
  let stores = made.get(which);
  if (!stores) {
    const warm = warmTierFrom(env);
    const ttl = Number(env.POINTER_TTL_MS ?? POINTER_TTL_MS);
    const named = env.POINTERS ? durableNamedPointers(env.POINTERS, Number.isFinite(ttl) && ttl >= 0 ? ttl : POINTER_TTL_MS) : null;
    stores = {
      pages:
        named && env.DEPENDENCIES && warm
          ? {
              pointers: pagesOf(named),
              content: warm.store,
              pins: warm.pins,
              dependencies: durableDependencies(env.DEPENDENCIES),
            }
          : null,
      media: named && warm ? named : null,
      results: hot ? hotResults(hot) : memoryResults(),
      calls: hot ? hotCalls(hot) : memoryCalls(),
    };
    made.set(which, stores);
  }
  madeFor.set(env, stores);
  return stores;
}

/** Pointers by name (`media:<key>`, `fed:posts/<slug>`): the same Durable Objects as pages' (null without POINTERS or WARM). */
export function namedPointersFrom(env: CacheBindings): NamedPointerStore | null {
  return storesFrom(env).media;
}
