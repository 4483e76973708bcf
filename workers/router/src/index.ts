/**
 * The router Worker: matches a request to a `defroute`, runs its body with the
 * request's context (parameters, form, cookies, session) and answers with the
 * page, a redirect or a status. Queries, fragments and actions go to the
 * resolver Worker over the RESOLVER service binding, batched per wave; without
 * the binding they run in-process. Shared GET pages are served from their
 * pointers (page-cache.ts); content changes move those pointers
 * (invalidate.ts). The site's sources are bundled as text and evaluated once
 * per isolate.
 */
import { EvalContext, Keyword, apply, createEnv, formatError, fromJson, inputKey, toHtml, type IoCall, type Value } from "@rose-ash/sexp";
import { ResolverClient, WarmStore, bucketStore, databaseFromEnv, localTransport, serviceTransport, type DatabaseEnv, type Db, type ServiceBinding } from "@rose-ash/resolver";
import { AutoRouter } from "itty-router";
import { routes, sources } from "../../../app/index.ts";
import { WEBHOOK_WINDOW_S, tablesWritten, touchedDependencies, webhookSignature } from "./invalidate.ts";
import { ComponentStore, componentHook } from "./components.ts";
import { PageCache, fillHoles, hotCacheFrom, pageEtag, type CacheBindings, type HotBindings } from "./page-cache.ts";
import { resolvePointer, serveContent } from "./pointers.ts";
import { routeResult, toResponse, type RequestInfo, type RouteResult } from "./request.ts";
import { allowedMethods, matchRoute, type RouteMatch } from "./routes.ts";
import { Session } from "./session.ts";
import { loadSite, type Site } from "./site.ts";
import { metrics } from "./metrics.ts";
import { staticAsset } from "./static.ts";

export { DependencyIndex, IpnsPointer } from "@rose-ash/durable-objects";

export interface WorkerEnv extends DatabaseEnv, CacheBindings, HotBindings {
  /** The resolver Worker (service binding); absent: the resolver runs in this Worker. */
  RESOLVER?: ServiceBinding;
  /** Signs session cookies. A secret in production (`wrangler secret put SESSION_SECRET`). */
  SESSION_SECRET?: string;
  /** Signs content webhooks (`POST /webhooks/content`). */
  WEBHOOK_SECRET?: string;
  /** "true": a request with `Cache-Control: no-cache` is rendered afresh (dev, benchmarks); off in production. */
  RENDER_ON_NO_CACHE?: string;
}

let site: Promise<Site> | null = null;

function currentSite(): Promise<Site> {
  site ??= loadSite([...sources, ...routes]).catch((e: unknown) => {
    site = null; // load again on the next request
    throw e;
  });
  return site;
}

/**
 * One evaluation of a route for a request, with its I/O context. Every I/O
 * call it makes is written down with its answer: with the route's key they
 * are the render's input key.
 */
async function runRoute(s: Site, match: RouteMatch, request: Request, env: WorkerEnv, shared: boolean, dbs: Db[], defer: Defer, fresh = false) {
  const io = { ...requestContext(s, request, env, dbs, await readForm(request), shared), fresh };
  const calls: IoCall[] = [];
  const ctx = evalContext(s, io, env, defer);
  ctx.recorders = [calls];
  const value = await apply(s.handler(match.route), [...match.params.values()] as Value[], ctx);
  return { io, result: routeResult(value), inputKey: (name: string) => inputKey(s.hasher, name, calls) };
}

type Defer = (p: Promise<unknown>) => void;

let components: ComponentStore | null = null;

/** An evaluation context for a request: its I/O, and the component plan (holes, cached components). */
function evalContext(s: Site, io: RequestInfo, env: WorkerEnv, defer: Defer): EvalContext {
  const hot = hotCacheFrom(env);
  components ??= hot ? new ComponentStore(hot) : null;
  const ctx = new EvalContext(createEnv(s.app.env), {}, io);
  ctx.hook = componentHook(s, io, components, defer);
  return ctx;
}

/** Answer one request from the site's routes. */
export async function handle(request: Request, env: WorkerEnv, context?: ExecutionContext): Promise<Response> {
  const dbs: Db[] = [];
  try {
    const s = await currentSite();
    const url = new URL(request.url);
    const match = matchRoute(s.routes, request.method, url.pathname);
    if (!match) {
      const allow = allowedMethods(s.routes, url.pathname);
      if (allow.length) return new Response("Method Not Allowed", { status: 405, headers: { allow: allow.join(", "), "content-type": "text/plain; charset=utf-8" } });
      return text(404, "Not Found");
    }
    if (request.method !== "GET" && request.method !== "HEAD") {
      // Cookies are SameSite=Lax; refusing foreign origins outright closes the rest of the CSRF door.
      const origin = request.headers.get("origin");
      if (origin && origin !== url.origin) return text(403, "Cross-site requests are refused");
    }
    const defer: Defer = (p) => (context ? context.waitUntil(p) : void p.catch(() => {}));
    const hot = hotCacheFrom(env);
    const fill: Filler = (html, io) => fillHoles(html, s, io, hot, (io) => evalContext(s, io, env, defer), defer);
    const caching = PageCache.from(env);
    // The plan: a route whose own body reads who is asking or the time is never shared, so not looked up;
    // nor is one declared `:cache false`.
    const effects = s.routeEffects(match.route).own;
    const cache = (request.method === "GET" || request.method === "HEAD") && match.route.cache && !effects.user && !effects.volatile ? caching : null;
    const name = PageCache.pageName(s.routeKey(match.route), url, request.headers.get("HX-Request") === "true");
    const found = cache ? await cache.lookup(name) : null;
    // `Cache-Control: no-cache` renders afresh where the operator allows it (RENDER_ON_NO_CACHE; dev and benchmarks).
    const fresh = env.RENDER_ON_NO_CACHE === "true" && /\bno-cache\b/.test(request.headers.get("cache-control") ?? "");
    if (found?.page && !fresh) return deliver(request, fill, name, found.page.html, found.page.cid, "hit", requestContext(s, request, env, dbs));

    const { io, result, inputKey } = await runRoute(s, match, request, env, cache !== null, dbs, defer, fresh);
    // The visitor changed something: what was cached for them is stale.
    if (io.resolver.actions.size) await io.session.bump();
    const cookie = await io.session.cookie();
    let response: Response;
    if (cache && result.html !== null && result.status === 200 && !io.userScoped && !io.volatile && !cookie) {
      // Compare-and-swap from the sequence the look-up saw; losing to a concurrent render is fine (same input).
      const { cid } = await cache.publish(name, result.html, found ?? { sequence: 0, cid: null }, [...io.resolver.reads], inputKey(name));
      response = await deliver(request, fill, name, result.html, cid, "miss", io);
    } else {
      response = await finish(result, fill, io, request.method === "GET" || request.method === "HEAD" ? "bypass" : null);
    }
    if (cookie) response.headers.append("set-cookie", cookie);
    // A change made by actions re-renders the shared pages that read what it wrote.
    if (io.resolver.actions.size && caching) {
      const written = [...io.resolver.actions].flatMap((a) => {
        const [, svc, n] = /^action ([^/]+)\/(.+)$/.exec(a)!;
        return tablesWritten(s.app.env.query(svc!, n!)?.sql ?? "");
      });
      const work = invalidate(written, s, env, caching, defer).catch((e: unknown) => console.error(`invalidation failed: ${formatError(e)}`));
      if (context) context.waitUntil(work);
      else await work;
    }
    return response;
  } catch (e) {
    // The Worker keeps serving; the error is logged with its position.
    console.error(formatError(e));
    return text(500, "Internal Server Error");
  } finally {
    // Connections are released after the response is on its way.
    for (const db of dbs) context ? context.waitUntil(db.close()) : await db.close();
  }
}

/** The request as primitives see it: parameters, form, cookies, session, and the resolver for its I/O. */
function requestContext(s: Site, request: Request, env: WorkerEnv, dbs: Db[], form = new Map<string, string>(), shared = false): RequestInfo {
  const url = new URL(request.url);
  const cookies = parseCookies(request.headers.get("cookie"));
  return {
    request,
    url,
    cookies,
    form,
    session: new Session(env.SESSION_SECRET, cookies.get(Session.cookieName), url.protocol === "https:"),
    resolver: new ResolverClient(env.RESOLVER ? serviceTransport(env.RESOLVER) : localTransport(s.app, () => (dbs[0] ??= databaseFromEnv(env)))),
    method: request.method,
    shared,
    components: { cached: 0, rendered: 0 },
  };
}

type Filler = (html: string, io: RequestInfo) => ReturnType<typeof fillHoles>;

async function deliver(request: Request, fill: Filler, name: string, shared: string, cid: string, state: "hit" | "miss", io: RequestInfo): Promise<Response> {
  const { html, holes, cached } = await fill(shared, io);
  const etag = await pageEtag(cid, holes);
  const headers = {
    etag,
    "cache-control": holes.length ? "private, no-cache" : "public, no-cache",
    "x-rose-cache": state,
    "x-rose-holes": `${holes.length - cached} rendered, ${cached} cached`,
    "x-rose-pointer": encodeURIComponent(name),
    "x-rose-cid": cid,
    ...componentsHeader(io),
  };
  metrics.pages[state]++;
  if (request.headers.get("if-none-match") === etag) return new Response(null, { status: 304, headers });
  return toResponse({ status: 200, html, location: null }, headers);
}

async function finish(result: RouteResult, fill: Filler, io: RequestInfo, state: "bypass" | null): Promise<Response> {
  const html = result.html === null ? null : (await fill(result.html, io)).html;
  if (state) metrics.pages[state]++;
  return toResponse({ ...result, html }, { ...(state ? { "x-rose-cache": state, "cache-control": "private, no-cache" } : {}), ...componentsHeader(io) });
}

/** What the component plan did for this response, when it did anything. */
function componentsHeader(io: RequestInfo): Record<string, string> {
  const { cached, rendered } = io.components;
  return cached + rendered ? { "x-rose-components": `${cached} cached, ${rendered} rendered` } : {};
}

/**
 * Re-render the shared pages that read any of `tables` and move their
 * pointers. Returns what moved.
 */
export async function invalidate(tables: readonly string[], s: Site, env: WorkerEnv, cache: PageCache, defer: Defer) {
  if (tables.length === 0) return [];
  const index = cache.index();
  const names = await index.pagesReading(touchedDependencies(await index.dependencies(), tables, s.app.env));
  const moved = [];
  for (const name of names) {
    const m = /^page:(\S+) (\S+?)( htmx)?$/.exec(name);
    if (!m) continue;
    const url = new URL(m[2]!, "https://rose-ash.internal");
    const request = new Request(url, { headers: m[3] ? { "HX-Request": "true" } : {} });
    const match = matchRoute(s.routes, "GET", url.pathname);
    if (!match || s.routeKey(match.route) !== m[1]) continue; // another version's page: no longer served
    const dbs: Db[] = [];
    try {
      for (let attempt = 0; attempt < 3; attempt++) {
        const current = await cache.pointer(name).current();
        const { io, result, inputKey } = await runRoute(s, match, request, env, true, dbs, defer);
        if (result.html === null || result.status !== 200 || io.userScoped || io.volatile) break;
        const key = inputKey(name);
        // Same input as the current render (the data this page reads did not change): nothing to store or move.
        if (key !== null && current?.inputKey === key) {
          moved.push({ name, cid: current.cid, status: "unchanged", sequence: current.sequence });
          break;
        }
        const { cid, result: published } = await cache.publish(name, result.html, current ?? { sequence: 0, cid: null }, [...io.resolver.reads], key);
        if (published.status !== "conflict") {
          moved.push({ name, cid, status: published.status, sequence: published.pointer?.sequence ?? current?.sequence ?? null });
          break;
        }
      }
    } finally {
      for (const db of dbs) await db.close();
    }
  }
  return moved;
}

/** `POST /webhooks/content` `{"tables": [...]}`, signed; each signature is accepted once, within its time window. */
async function contentWebhook(request: Request, env: WorkerEnv, context: ExecutionContext): Promise<Response> {
  const s = await currentSite();
  const cache = PageCache.from(env);
  if (!env.WEBHOOK_SECRET || !cache) return text(503, "Webhooks are not configured (WEBHOOK_SECRET, cache bindings)");
  const timestamp = request.headers.get("x-rose-timestamp") ?? "";
  const signature = request.headers.get("x-rose-signature") ?? "";
  const body = await request.text();
  const age = Math.abs(Date.now() / 1000 - Number(timestamp));
  if (!/^\d+$/.test(timestamp) || !(age <= WEBHOOK_WINDOW_S)) return text(401, "Stale or missing x-rose-timestamp");
  if (signature !== (await webhookSignature(env.WEBHOOK_SECRET, timestamp, body))) return text(401, "Bad x-rose-signature");
  if (!(await cache.index().firstUse(signature, (Number(timestamp) + WEBHOOK_WINDOW_S) * 1000 + 1000))) return text(409, "Replayed webhook refused");
  let tables: unknown;
  try {
    tables = (JSON.parse(body) as { tables?: unknown }).tables;
  } catch {
    return text(400, 'The body is JSON: {"tables": ["posts", ...]}');
  }
  if (!Array.isArray(tables) || !tables.every((t) => typeof t === "string")) return text(400, 'The body is JSON: {"tables": ["posts", ...]}');
  const moved = await invalidate(tables, s, env, cache, (p) => context.waitUntil(p));
  return Response.json({ tables, moved });
}

function text(status: number, body: string): Response {
  return new Response(body, { status, headers: { "content-type": "text/plain; charset=utf-8" } });
}

async function readForm(request: Request): Promise<Map<string, string>> {
  const form = new Map<string, string>();
  const type = request.headers.get("content-type") ?? "";
  if (request.method !== "POST" || !/^(application\/x-www-form-urlencoded|multipart\/form-data)/i.test(type)) return form;
  try {
    for (const [k, v] of await request.formData()) if (typeof v === "string" && !form.has(k)) form.set(k, v);
  } catch {
    // A malformed body reads as an empty form; the route decides what that means.
  }
  return form;
}

function parseCookies(header: string | null): Map<string, string> {
  const cookies = new Map<string, string>();
  for (const part of (header ?? "").split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0) cookies.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  return cookies;
}

const router = AutoRouter();
router.get("/_health", () => new Response("ok"));
router.get("/static/*", (request: Request) => staticAsset(new URL(request.url).pathname) ?? text(404, "Not Found"));
router.get("/ipns/*", (request: Request, env: WorkerEnv) => resolvePointer(request, env));
router.get("/ipfs/*", async (request: Request, env: WorkerEnv, context: ExecutionContext) => {
  if (!env.WARM) return text(503, "No content store here (the WARM binding)");
  // A CID names its bytes forever: the edge cache fronts the store (keyed by URL alone).
  const edge = caches.default;
  const key = new Request(new URL(request.url).toString());
  const conditional = request.headers.has("if-none-match");
  const cached = conditional ? undefined : await edge.match(key);
  if (cached) return cached;
  const r2 = bucketStore(env.WARM);
  const response = await serveContent(request, new WarmStore(r2, [r2]));
  if (response.status === 200) context.waitUntil(edge.put(key, response.clone()));
  return response;
});
router.get("/_sexp/cache", async (request: Request, env: WorkerEnv) => {
  const s = await currentSite();
  const dbs: Db[] = [];
  try {
    const io = requestContext(s, request, env, dbs);
    const page = await apply(s.app.env.lookup("~cache-metrics") as Value, [Keyword.of("metrics"), fromJson(metrics)], evalContext(s, io, env, (p) => void p));
    return toResponse({ status: 200, html: toHtml(page), location: null }, { "cache-control": "no-store" });
  } finally {
    for (const db of dbs) await db.close();
  }
});
router.post("/webhooks/content", (request: Request, env: WorkerEnv, context: ExecutionContext) => contentWebhook(request, env, context));
router.all("*", (request: Request, env: WorkerEnv, context: ExecutionContext) => handle(request, env, context));

export default { fetch: router.fetch };
