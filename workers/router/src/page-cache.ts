/**
 * Shared pages served from their pointers. A GET page that reads nothing
 * about who is asking (its user-scoped components are holes) and not the time
 * is rendered once, stored in the warm tier under its CID, and its pointer
 * (`page:<route key> <path>`) moves to that CID. Later requests read the
 * pointer and the verified bytes, fill the holes for the person asking, and
 * answer with the CID as ETag (304 when it matches). Invalidation is a
 * pointer move: a content change re-renders exactly the pages whose
 * dependencies it touches (see invalidate.ts); nothing expires.
 */
import { Keyword, apply, fromJson, toHtml, type EvalContext, type Value } from "@rose-ash/sexp";
import { WarmStore, bucketStore, hotKey, kvHotCache, upstashHotCache, type HotCache } from "@rose-ash/resolver";
import { Redis } from "@upstash/redis/cloudflare";
import type { DependencyIndex, IpnsPointer } from "@rose-ash/durable-objects";
import { HOLE, type RequestInfo } from "./request.ts";
import { measured, metrics } from "./metrics.ts";
import type { Site } from "./site.ts";
import { USER_TTL_S } from "./components.ts";

export interface CacheBindings {
  POINTERS?: DurableObjectNamespace<IpnsPointer>;
  DEPENDENCIES?: DurableObjectNamespace<DependencyIndex>;
  WARM?: R2Bucket;
}

export interface CachedPage {
  readonly html: string;
  readonly cid: string;
  readonly sequence: number;
}

export class PageCache {
  readonly warm: WarmStore;
  private readonly pointers: DurableObjectNamespace<IpnsPointer>;
  private readonly dependencies: DurableObjectNamespace<DependencyIndex>;

  constructor(bindings: Required<CacheBindings>) {
    const r2 = bucketStore(bindings.WARM);
    this.warm = new WarmStore(r2, [r2]);
    this.pointers = bindings.POINTERS;
    this.dependencies = bindings.DEPENDENCIES;
  }

  /** The cache for these bindings, or null when the Worker has none (then nothing is cached). */
  static from(env: CacheBindings): PageCache | null {
    return env.POINTERS && env.DEPENDENCIES && env.WARM ? new PageCache(env as Required<CacheBindings>) : null;
  }

  /** The pointer name of a page: its route's key, the path with its sorted query, and the htmx form. */
  static pageName(routeKey: string, url: URL, htmx: boolean): string {
    const query = [...url.searchParams].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const search = query.length ? `?${new URLSearchParams(query)}` : "";
    return `page:${routeKey} ${url.pathname}${search}${htmx ? " htmx" : ""}`;
  }

  pointer(name: string) {
    return this.pointers.get(this.pointers.idFromName(name));
  }

  index() {
    return this.dependencies.get(this.dependencies.idFromName("pages"));
  }

  /** The page's current bytes, verified (or null), and the pointer's sequence as read (0 when there is none). */
  async lookup(name: string): Promise<{ page: CachedPage | null; sequence: number }> {
    const current = await measured(metrics.pointer, this.pointer(name).current(), (p) => (p ? p.cid.length : null));
    if (!current) return { page: null, sequence: 0 };
    const bytes = await measured(metrics.warm, this.warm.get(current.cid), (b) => (b ? b.length : null));
    const page = bytes ? { html: new TextDecoder().decode(bytes), cid: current.cid, sequence: current.sequence } : null;
    return { page, sequence: current.sequence };
  }

  /**
   * Store a rendered page and move its pointer to it (compare-and-swap from
   * `seen`). The input key (what went into the render) is the idempotency key.
   */
  async publish(name: string, html: string, seen: number, deps: readonly string[], inputKey: string | null) {
    const cid = await this.warm.put(new TextEncoder().encode(html));
    const result = await this.pointer(name).publish({ name, cid, expectedSequence: seen, inputKey });
    await this.index().record(name, deps);
    return { cid, result };
  }
}


export interface FilledPage {
  readonly html: string;
  readonly holes: number;
  /** Holes answered from the hot tier. */
  readonly cached: number;
}

/**
 * The page with its holes (user-scoped components) rendered for this request.
 * A rendered hole is kept in the hot tier, keyed with the component's Merkle
 * hash, its arguments and the visitor's session and its version (an action
 * bumps it), so the next page for the same visitor reuses it.
 */
export async function fillHoles(html: string, site: Site, io: RequestInfo, hot: HotCache | null, context: (io: RequestInfo) => EvalContext, defer: (p: Promise<unknown>) => void): Promise<FilledPage> {
  const parts: (string | Promise<string>)[] = [];
  let last = 0;
  let holes = 0;
  let cached = 0;
  const fill = { ...io, shared: false };
  const scope = await io.session.scope();
  for (const m of html.matchAll(HOLE)) {
    holes++;
    parts.push(html.slice(last, m.index));
    last = m.index! + m[0].length;
    const key = hotKey(`hole ${site.hasher.definitionHash(m[1]!) ?? m[1]} ${m[2]}`, scope);
    const render = async () => {
      const known = hot ? await measured(metrics.hot, hot.get(key).catch(() => null), (v) => (v === null ? null : v.length)) : null;
      if (known !== null) {
        cached++;
        return known;
      }
      const component = site.app.env.lookup(m[1]!);
      const args: Value[] = [];
      for (const [k, v] of Object.entries(JSON.parse(m[2]!) as Record<string, unknown>)) args.push(Keyword.of(k), fromJson(v));
      const out = toHtml(await apply(component as Value, args, context(fill)));
      if (hot) defer(hot.put(key, out, USER_TTL_S).catch((e: unknown) => console.warn(`hot tier (${hot.name}): ${e instanceof Error ? e.message : String(e)}`)));
      return out;
    };
    parts.push(render());
  }
  parts.push(html.slice(last));
  return { html: (await Promise.all(parts)).join(""), holes, cached };
}

/** The hot tier from the bindings: Upstash when configured, else KV, else none. */
export function hotCacheFrom(env: HotBindings): HotCache | null {
  if (env.UPSTASH_REDIS_REST_URL && env.UPSTASH_REDIS_REST_TOKEN) return upstashHotCache(new Redis({ url: env.UPSTASH_REDIS_REST_URL, token: env.UPSTASH_REDIS_REST_TOKEN }));
  return env.HOT ? kvHotCache(env.HOT) : null;
}

export interface HotBindings {
  HOT?: KVNamespace;
  UPSTASH_REDIS_REST_URL?: string;
  UPSTASH_REDIS_REST_TOKEN?: string;
}

/** An ETag for the page as this person gets it: the CID, plus a digest of their holes when it has any. */
export async function pageEtag(cid: string, filled: string, holes: number): Promise<string> {
  if (holes === 0) return `"${cid}"`;
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(filled)));
  return `"${cid}.${[...digest.slice(0, 8)].map((b) => b.toString(16).padStart(2, "0")).join("")}"`;
}
