/**
 * The cache tiers from the Worker's bindings and settings, each an embedded
 * default with production adapters beside it:
 *
 * - hot: Workers KV (HOT), or Upstash Redis when UPSTASH_REDIS_REST_URL and
 *   _TOKEN are set;
 * - warm: the CID-keyed R2 bucket (WARM), read first; then the trustless
 *   gateways in IPFS_GATEWAYS (comma-separated), every block verified. What
 *   is stored is also pinned through an IPFS Pinning Service API endpoint
 *   (PINNING_SERVICE_URL and _TOKEN), which fetches it from this site's own
 *   trustless gateway (PUBLIC_ORIGIN/ipfs/<cid>).
 */
import { Redis } from "@upstash/redis/cloudflare";
import { WarmStore, batchedHotCache, bucketStore, gatewaySource, kvHotCache, pinningServiceSink, upstashHotCache, type HotCache, type WarmSink } from "@rose-ash/resolver";

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

/** Hot tiers made so far in this isolate, by what they connect to (a client is made once, not per request). */
const hotTiers = new Map<string, HotCache | null>();

/** The hot tier from the bindings: Upstash when configured, else KV, else none. */
export function hotCacheFrom(env: HotBindings): HotCache | null {
  const upstash = env.UPSTASH_REDIS_REST_URL && env.UPSTASH_REDIS_REST_TOKEN ? { url: env.UPSTASH_REDIS_REST_URL, token: env.UPSTASH_REDIS_REST_TOKEN } : null;
  const which = upstash ? `upstash ${upstash.url} ${upstash.token}` : env.HOT ? "kv" : "none";
  let hot = hotTiers.get(which);
  if (hot === undefined) {
    // Reads gathered per tick: a page's many component and hole look-ups are one round trip.
    const tier = upstash ? upstashHotCache(new Redis(upstash)) : env.HOT ? kvHotCache(env.HOT) : null;
    hot = tier && batchedHotCache(tier);
    hotTiers.set(which, hot);
  }
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
