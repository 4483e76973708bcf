/**
 * Shared pages served from their pointers. A GET page that reads nothing
 * about who is asking (its user-scoped components are holes) and not the time
 * is rendered once, stored in the warm tier under its CID, and its pointer
 * (`page:<route key> <path>`) moves to that CID. Later requests read the
 * pointer and the verified bytes, fill the holes for the person asking, and
 * answer with the CID as ETag (304 when it matches). Invalidation is a
 * pointer move: a content change re-renders exactly the pages whose
 * dependencies it touches (see content-changes.ts); nothing expires.
 */
import { Keyword, apply, formatError, fromJson, toHtml, type EvalContext, type IoCall, type Value } from "@rose-ash/sexp";
import { fragmentError, hotKey, type HotCache, type WarmSink, type WarmStore } from "@rose-ash/resolver";
import type { DependencyIndex, IpnsPointer, PublishResult } from "@rose-ash/durable-objects";
import { HOLE, SESSION_READS, type RequestInfo } from "./request.ts";
import { measured, metrics } from "./metrics.ts";
import type { Site } from "./site.ts";
import { USER_TTL_S } from "./visitor-scope.ts";
import { Lru } from "./lru.ts";
import { warmTierFrom, type WarmBindings } from "./tiers.ts";

export interface CacheBindings extends WarmBindings {
  POINTERS?: DurableObjectNamespace<IpnsPointer>;
  DEPENDENCIES?: DurableObjectNamespace<DependencyIndex>;
  /**
   * How long (ms) this isolate may serve a page from its own copy of the
   * pointer before asking the Durable Object again; 0 asks every time. A
   * move made here is seen here at once; elsewhere within this time.
   */
  POINTER_TTL_MS?: string;
}

/** Default for POINTER_TTL_MS: a Durable Object may be far away, and one read per second per page is plenty. */
export const POINTER_TTL_MS = 1000;

/** What a look-up saw of a pointer: its sequence (0 when there is none) and CID. */
export interface Seen {
  readonly sequence: number;
  readonly cid: string | null;
}

export interface CachedPage {
  readonly template: Template;
  readonly cid: string;
  readonly sequence: number;
}

/** This isolate's copies of page pointers, each for POINTER_TTL_MS. */
const pointerCopies = new Map<string, PointerCopy>();

interface PointerCopy {
  readonly cid: string;
  readonly sequence: number;
  readonly retired?: boolean;
  readonly until: number;
}
/** Hole components seen reading more than the session (a cookie, a header) or the time: rendered every time. */
const unkeptHoles = new Set<string>();
/** Rendered holes in this isolate, kept as long as the hot tier keeps them. */
const renderedHoles = new Lru(4 * 1024 * 1024);

export class PageCache {
  private readonly pointerTtlMs: number;

  constructor(
    private readonly pointers: DurableObjectNamespace<IpnsPointer>,
    private readonly dependencies: DurableObjectNamespace<DependencyIndex>,
    readonly warm: WarmStore,
    /** Where stored pages are also pinned (a pinning service), or null. */
    private readonly pins: WarmSink | null,
    pointerTtlMs: string | undefined,
  ) {
    const ttl = Number(pointerTtlMs ?? POINTER_TTL_MS);
    this.pointerTtlMs = Number.isFinite(ttl) && ttl >= 0 ? ttl : POINTER_TTL_MS;
  }

  /** The cache for these bindings, or null when the Worker has none (then nothing is cached). */
  static from(env: CacheBindings): PageCache | null {
    const warm = warmTierFrom(env);
    return env.POINTERS && env.DEPENDENCIES && warm ? new PageCache(env.POINTERS, env.DEPENDENCIES, warm.store, warm.pins, env.POINTER_TTL_MS) : null;
  }

  /**
   * The pointer name of a page: its route's key, its canonical path (with
   * only the query parameters the route reads, sorted; all when it may read
   * any), and the htmx form. Other parameters name the same page, so junk in
   * a query string cannot make pages without bound.
   */
  static pageName(routeKey: string, url: URL, htmx: boolean, reads: ReadonlySet<string> | null): string {
    return `page:${routeKey} ${canonicalPath(url, reads)}${htmx ? " htmx" : ""}`;
  }

  pointer(name: string) {
    return this.pointers.get(this.pointers.idFromName(name));
  }

  /** Keep this isolate's copy of a pointer (see POINTER_TTL_MS); a copy only ever moves forward. */
  private remember(name: string, p: Omit<PointerCopy, "until">): void {
    const known = pointerCopies.get(name);
    if (known && known.sequence > p.sequence) return;
    if (pointerCopies.size >= 10_000) pointerCopies.delete(pointerCopies.keys().next().value!);
    pointerCopies.set(name, { cid: p.cid, sequence: p.sequence, retired: p.retired === true, until: Date.now() + this.pointerTtlMs });
  }

  /** The name no longer has a shared page: look-ups miss from now on (compare-and-swap from `seen`). */
  async retire(name: string, seen: number) {
    const result = await this.pointer(name).retire({ expectedSequence: seen });
    if (result.pointer) this.remember(name, result.pointer);
    return result;
  }

  index() {
    return this.dependencies.get(this.dependencies.idFromName("pages"));
  }

  /** The page's current bytes, verified (or null), and the pointer's sequence as read (0 when there is none). */
  async lookup(name: string): Promise<{ page: CachedPage | null } & Seen> {
    const copy = pointerCopies.get(name);
    let current: Omit<PointerCopy, "until"> | null;
    if (copy && copy.until > Date.now()) {
      current = copy;
      metrics.memory.hits++;
    } else {
      current = await measured(metrics.pointer, this.pointer(name).current(), (p) => (p ? 0 : null));
      if (current) this.remember(name, current);
    }
    if (!current) return { page: null, sequence: 0, cid: null };
    if (current.retired) return { page: null, sequence: current.sequence, cid: null };
    let template = templates.get(current.cid);
    if (template !== null) metrics.memory.hits++;
    else {
      const bytes = await measured(metrics.warm, this.warm.get(current.cid), (b) => (b ? b.length : null));
      template = bytes ? templateOf(new TextDecoder().decode(bytes), current.cid) : null;
    }
    return { page: template === null ? null : { template, cid: current.cid, sequence: current.sequence }, sequence: current.sequence, cid: current.cid };
  }

  /**
   * Store a rendered page and move its pointer to it (compare-and-swap from
   * `seen`). The input key (what went into the render) is the idempotency key.
   */
  async publish(name: string, html: string, seen: Seen, deps: readonly string[], inputKey: string | null, defer: (p: Promise<unknown>) => void): Promise<{ cid: string; result: PublishResult | { status: "unchanged"; pointer: null } }> {
    const bytes = utf8.encode(html);
    const cid = await this.warm.put(bytes, seen.cid);
    // The same bytes as the pointer already names: nothing to store, move or record.
    if (cid === seen.cid) return { cid, result: { status: "unchanged", pointer: null } };
    templateOf(html, cid);
    const result = await this.pointer(name).publish({ name, cid, expectedSequence: seen.sequence, inputKey });
    if (result.pointer) this.remember(name, result.pointer);
    await this.index().record(name, deps);
    // Pinned after the response: the service fetches the bytes from this site's gateway.
    const pins = this.pins;
    if (pins && result.status === "moved") defer(pins.put(cid, bytes).catch((e: unknown) => console.error(`pinning ${cid}: ${e instanceof Error ? e.message : String(e)}`)));
    return { cid, result };
  }
}


/** The path and the query parameters a route reads (`reads`; null: all), sorted. */
export function canonicalPath(url: URL, reads: ReadonlySet<string> | null): string {
  const query = [...url.searchParams].filter(([k]) => reads === null || reads.has(k)).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return query.length ? `${url.pathname}?${new URLSearchParams(query)}` : url.pathname;
}

export interface FilledPage {
  /** The page as UTF-8: the shared parts were encoded once per page, the holes now. */
  readonly body: Uint8Array;
  /** What each hole rendered to, in order. */
  readonly holes: readonly string[];
  /** Holes answered from a cache (this isolate's or the hot tier). */
  readonly cached: number;
  /** Holes that failed to render and show the site's error notice instead. */
  readonly failed: number;
}

/** A page split at its holes, as UTF-8: `text[i]`, hole i, `text[i + 1]`, ... */
export interface Template {
  readonly text: readonly Uint8Array[];
  readonly holes: readonly { readonly component: string; readonly args: string }[];
}

const utf8 = new TextEncoder();

/** Shared pages split at their holes, by CID, in this isolate: bytes under a CID never change, and these were verified or made here. */
const templates = new Lru<Template>(32 * 1024 * 1024, (t) => t.text.reduce((n, p) => n + p.length, 0));

/** `html` split at its holes; kept when it is a shared page (`cid`). */
export function templateOf(html: string, cid: string | null): Template {
  let t = cid === null ? null : templates.get(cid);
  if (t) return t;
  const text: Uint8Array[] = [];
  const holes: { component: string; args: string }[] = [];
  let last = 0;
  for (const m of html.matchAll(HOLE)) {
    text.push(utf8.encode(html.slice(last, m.index)));
    holes.push({ component: m[1]!, args: m[2]! });
    last = m.index! + m[0].length;
  }
  text.push(utf8.encode(html.slice(last)));
  t = { text, holes };
  if (cid !== null) templates.set(cid, t);
  return t;
}

/**
 * The page with its holes (user-scoped components) rendered for this request. A rendered hole is kept in the hot
 * tier, keyed with the component's Merkle hash, its arguments and the
 * visitor's session and its version (an action bumps it), so the next page
 * for the same visitor reuses it; but only when the session decides all it
 * read (not a cookie or a header), nothing in it failed, and not the time.
 */
export async function fillHoles(template: Template, site: Site, io: RequestInfo, hot: HotCache | null, context: (io: RequestInfo) => EvalContext, defer: (p: Promise<unknown>) => void): Promise<FilledPage> {
  if (template.holes.length === 0) return { body: template.text[0]!, holes: [], cached: 0, failed: 0 };
  let cached = 0;
  let failed = 0;
  const fill = { ...io, shared: false };
  const scope = await io.visitorScope();
  const render = async ({ component, args }: Template["holes"][number]) => {
    // Nothing kept is used for a visitor whose session ended (no scope), nor kept for them.
    const key = scope === null || unkeptHoles.has(component) ? null : hotKey(`hole ${site.hasher.definitionHash(component) ?? component} ${args}`, scope);
    const local = key === null ? null : renderedHoles.get(key);
    const known = local ?? (hot && key !== null ? await measured(metrics.hot, hot.get(key).catch(() => null), (v) => (v === null ? null : v.length)) : null);
    if (known !== null) {
      if (local !== null) metrics.memory.hits++;
      cached++;
      return known;
    }
    const given: Value[] = [];
    for (const [k, v] of Object.entries(JSON.parse(args) as Record<string, unknown>)) given.push(Keyword.of(k), fromJson(v));
    const made: IoCall[] = [];
    const ctx = context(fill);
    ctx.recorders = [made];
    let out: string;
    try {
      out = toHtml(await apply(site.app.env.lookup(component) as Value, given, ctx));
    } catch (e) {
      // The rest of the page stands: this part shows the site's notice, and is not kept.
      console.error(`hole ${component} failed, rendered as an error: ${formatError(e)}`);
      failed++;
      return toHtml(await fragmentError("page", component, ctx));
    }
    const registry = site.app.env.registry;
    if (!made.every((c) => registry.get(c.primitive)?.meta.effect == null || SESSION_READS.has(c.primitive))) unkeptHoles.add(component);
    else if (!fill.degraded && key !== null) {
      renderedHoles.set(key, out, USER_TTL_S);
      if (hot) defer(hot.put(key, out, USER_TTL_S).catch((e: unknown) => console.warn(`hot tier (${hot.name}): ${e instanceof Error ? e.message : String(e)}`)));
    }
    return out;
  };
  const holes = await Promise.all(template.holes.map(render));
  const parts = [template.text[0]!];
  holes.forEach((h, i) => parts.push(utf8.encode(h), template.text[i + 1]!));
  const body = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) (body.set(p, at), (at += p.length));
  return { body, holes, cached, failed };
}

/** Digests of what holes rendered to, by that text (a hole served again from memory is the same string). */
const holeDigests = new Map<string, string>();

/** An ETag for the page as this person gets it: the CID, plus a digest of what their holes rendered to. */
export async function pageEtag(cid: string, holes: readonly string[]): Promise<string> {
  if (holes.length === 0) return `"${cid}"`;
  const text = holes.join("\0");
  let digest = holeDigests.get(text);
  if (digest === undefined) {
    const hash = new Uint8Array(await crypto.subtle.digest("SHA-256", utf8.encode(text)));
    digest = [...hash.slice(0, 8)].map((b) => b.toString(16).padStart(2, "0")).join("");
    if (holeDigests.size >= 1024) holeDigests.delete(holeDigests.keys().next().value!);
    holeDigests.set(text, digest);
  }
  return `"${cid}.${digest}"`;
}
