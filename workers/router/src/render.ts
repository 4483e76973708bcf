/**
 * Rendering a route for a request: the site (loaded once per isolate), the
 * request as primitives see it, and one evaluation of a route body with the
 * component plan (components.ts) and every I/O call written down.
 */
import { EvalContext, apply, createEnv, inputKey, writeCalls, type IoCall, type Value } from "@rose-ash/sexp";
import { hotKey, type HotCache, type Db } from "@rose-ash/resolver";
import { routes, sources } from "../../../app/index.ts";
import { ComponentStore, componentHook } from "./components.ts";
import type { ContentChange } from "./content-changes.ts";
import type { RateLimiter } from "@rose-ash/durable-objects";
import type { CacheBindings } from "./page-cache.ts";
import { isDevelopment, type ErrorPageBindings } from "./error-page.ts";
import { markSessionsEnded, visitorScope } from "./visitor-scope.ts";
import { resolverClient, type ResolverBindings } from "./resolver-client.ts";
import { hotCacheFrom, type HotBindings } from "./tiers.ts";
import { routeResult, type RequestInfo } from "./request.ts";
import type { RouteMatch } from "./routes.ts";
import { Session } from "./session.ts";
import { loadSite, type Site } from "./site.ts";

export interface WorkerEnv extends ResolverBindings, CacheBindings, HotBindings, ErrorPageBindings {
  /** Signs session cookies. A secret in production (`wrangler secret put SESSION_SECRET`). */
  SESSION_SECRET?: string;
  /** Signs content webhooks (`POST /webhooks/content`). */
  WEBHOOK_SECRET?: string;
  /** "true": a request with `Cache-Control: no-cache` is rendered afresh (dev, benchmarks); off in production. */
  RENDER_ON_NO_CACHE?: string;
  /** Content changes to re-render; absent: they are re-rendered in the request that made them. */
  INVALIDATIONS?: Queue<ContentChange>;
  /** Rate limits (sign-in attempts); absent: none. */
  LIMITS?: DurableObjectNamespace<RateLimiter>;
}

/** Work that may finish after the response (ExecutionContext.waitUntil). */
export type Defer = (p: Promise<unknown>) => void;

let site: Promise<Site> | null = null;

export function currentSite(): Promise<Site> {
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
export async function runRoute(s: Site, match: RouteMatch, request: Request, env: WorkerEnv, shared: boolean, dbs: Db[], defer: Defer, fresh = false) {
  const io = { ...requestContext(s, request, env, dbs, await readForm(request), shared), fresh };
  const calls: IoCall[] = [];
  const ctx = evalContext(s, io, env, defer);
  ctx.recorders = [calls];
  const value = await apply(s.handler(match.route), [...match.params.values()] as Value[], ctx);
  return { io, result: routeResult(value), calls, inputKey: (name: string) => inputKey(s.hasher, name, calls) };
}

/** Where a page render's I/O calls are kept, by its input key, so a later check can ask them again instead of rendering. */
export const pageCallsKey = (inputKey: string) => hotKey(`page-calls ${inputKey}`, null);
const PAGE_CALLS_TTL_S = 30 * 24 * 3600;

/** Keep the calls behind a page's input key (immutable under it). */
export function rememberPageCalls(env: WorkerEnv, key: string | null, calls: readonly IoCall[], defer: Defer): void {
  const hot = hotCacheFrom(env);
  const written = key === null ? null : writeCalls(calls);
  if (hot && key !== null && written !== null) defer(hot.put(pageCallsKey(key), written, PAGE_CALLS_TTL_S).catch(() => {}));
}

/** The component store over each hot tier (its in-isolate copy lives as long as the isolate). */
const componentStores = new WeakMap<HotCache, ComponentStore>();

/** An evaluation context for a request: its I/O, and the component plan (holes, cached components). */
export function evalContext(s: Site, io: RequestInfo, env: WorkerEnv, defer: Defer): EvalContext {
  const hot = hotCacheFrom(env);
  let store = hot ? componentStores.get(hot) : undefined;
  if (hot && !store) componentStores.set(hot, (store = new ComponentStore(hot)));
  const ctx = new EvalContext(createEnv(s.app.env), {}, io);
  ctx.hook = componentHook(s, io, store ?? null, defer);
  return ctx;
}

/** The request as primitives see it: parameters, form, cookies, session, and the resolver for its I/O. */
export function requestContext(s: Site, request: Request, env: WorkerEnv, dbs: Db[], form = new Map<string, string>(), shared = false): RequestInfo {
  const url = new URL(request.url);
  const cookies = parseCookies(request.headers.get("cookie"));
  // Secure everywhere but development (plain http on localhost).
  const session = new Session(env.SESSION_SECRET, cookies.get(Session.cookieName), !isDevelopment(env));
  const hot = hotCacheFrom(env);
  return {
    request,
    url,
    cookies,
    form,
    session,
    resolver: resolverClient(s.app, env, dbs),
    method: request.method,
    shared,
    components: { cached: 0, rendered: 0 },
    // Set by Cloudflare's edge to the connecting address (a client cannot choose it there); in development any client can.
    client: request.headers.get("cf-connecting-ip") ?? "unknown",
    visitorScope: () => visitorScope(session, hot),
    sessionsEnded: (sids) => markSessionsEnded(sids, hot),
    limit: env.LIMITS ? (key, limit, windowMs) => env.LIMITS!.get(env.LIMITS!.idFromName(key)).take(limit, windowMs) : undefined,
  };
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
