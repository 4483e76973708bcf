/**
 * The router Worker: matches a request to a `defroute`, runs its body with the
 * request's context (parameters, form, cookies, session) and answers with the
 * page, a redirect or a status. Queries, fragments and actions go to the
 * resolver Worker over the RESOLVER service binding, batched per wave; without
 * the binding they run in-process. Shared GET pages are served from their
 * pointers (page-cache.ts); content changes move those pointers
 * (content-changes.ts). The site's sources are bundled as text and evaluated once
 * per isolate.
 */
import { Keyword, apply, formatError, fromJson, toHtml, type EvalContext, type Value } from "@rose-ash/sexp";
import { negotiate, type Db } from "@rose-ash/resolver";
import { AutoRouter } from "itty-router";
import { consumeChanges, contentChanged, contentWebhook, type ContentChange } from "./content-changes.ts";
import { tablesWritten } from "./invalidate.ts";
import { PageCache, canonicalPath, fillHoles, pageEtag, templateOf, type Template } from "./page-cache.ts";
import { errorResponse, isDevelopment } from "./error-page.ts";
import { isCrossSite } from "./cross-site.ts";
import type { Site } from "./site.ts";
import { hotCacheFrom, warmTierFrom } from "./tiers.ts";
import { resolvePointer, serveContent } from "./pointers.ts";
import { currentSite, evalContext, rememberPageCalls, requestContext, runRoute, type Defer, type WorkerEnv } from "./render.ts";
import { toResponse, type RequestInfo, type RouteResult } from "./request.ts";
import { allowedMethods, matchRoute } from "./routes.ts";
import { metrics } from "./metrics.ts";
import { staticAsset } from "./static.ts";

export { DependencyIndex, IpnsPointer, RateLimiter } from "@rose-ash/durable-objects";
export type { WorkerEnv } from "./render.ts";

/** Answer one request from the site's routes. */
export async function handle(request: Request, env: WorkerEnv, context?: ExecutionContext): Promise<Response> {
  const dbs: Db[] = [];
  let s: Site | null = null;
  try {
    s = await currentSite();
    const url = new URL(request.url);
    const match = matchRoute(s.routes, request.method, url.pathname);
    if (!match) {
      const allow = allowedMethods(s.routes, url.pathname);
      if (allow.length) return new Response("Method Not Allowed", { status: 405, headers: { allow: allow.join(", "), "content-type": "text/plain; charset=utf-8" } });
      return text(404, "Not Found");
    }
    const reading = request.method === "GET" || request.method === "HEAD";
    // Cookies are SameSite=Lax; refusing writes from other sites closes the rest of the CSRF door.
    if (!reading && isCrossSite(request, url)) return text(403, "Cross-site requests are refused");
    const defer: Defer = (p) => (context ? context.waitUntil(p) : void p.catch(() => {}));
    const hot = hotCacheFrom(env);
    const fill: Filler = (template, io) => fillHoles(template, s!, io, hot, (io) => evalContext(s!, io, env, defer), defer);
    const caching = PageCache.from(env);
    // The plan: a route whose own body reads who is asking or the time is never shared, so not looked up;
    // nor is one declared `:cache false`.
    const effects = s.routeEffects(match.route).own;
    const cache = reading && match.route.cache && !effects.user && !effects.volatile ? caching : null;
    const reads = s.routeQuery(match.route);
    const name = PageCache.pageName(s.routeKey(match.route), url, request.headers.get("HX-Request") === "true", reads);
    const canonical = { link: `<${url.origin}${canonicalPath(url, reads)}>; rel="canonical"` };
    const found = cache ? await cache.lookup(name) : null;
    const shared = (state: "hit" | "stale") => deliver(request, fill, name, found!.page!.template, found!.page!.cid, state, requestContext(s!, request, env, dbs), canonical);
    // `Cache-Control: no-cache` renders afresh where the operator allows it (RENDER_ON_NO_CACHE; dev and benchmarks).
    const fresh = env.RENDER_ON_NO_CACHE === "true" && /\bno-cache\b/.test(request.headers.get("cache-control") ?? "");
    if (found?.page && !fresh) return shared("hit");

    let rendered: Awaited<ReturnType<typeof runRoute>>;
    try {
      rendered = await runRoute(s, match, request, env, cache !== null, dbs, defer, fresh);
    } catch (e) {
      // A shared page that cannot be made again now is served as it was.
      if (!found?.page) throw e;
      console.error(`${name}: served stale, the render failed: ${formatError(e)}`);
      return shared("stale");
    }
    const { io, result, calls, inputKey } = rendered;
    if (found?.page && io.degraded) return shared("stale");
    if (io.rateLimited) {
      return new Response(`Too many attempts. Try again in ${io.rateLimited} seconds.`, {
        status: 429,
        headers: { "retry-after": String(io.rateLimited), "content-type": "text/plain; charset=utf-8" },
      });
    }
    // The visitor changed something: what was cached for them is stale.
    if (io.resolver.actions.size) await io.session.bump();
    const cookie = await io.session.cookie();
    let response: Response;
    // Shared only when nothing read who is asking or the time, nothing failed, and no session was started.
    if (cache && result.html !== null && result.status === 200 && !io.userScoped && !io.volatile && !io.degraded && !cookie) {
      // Compare-and-swap from the sequence the look-up saw; losing to a concurrent render is fine (same input).
      const key = inputKey(name);
      const { cid } = await cache.publish(name, result.html, found ?? { sequence: 0, cid: null }, [...io.resolver.reads], key, defer);
      rememberPageCalls(env, key, calls, defer);
      response = await deliver(request, fill, name, templateOf(result.html, cid), cid, "miss", io, canonical);
    } else {
      response = await finish(result, fill, io, reading ? "bypass" : null);
    }
    if (cookie) response.headers.append("set-cookie", cookie);
    // A change made by actions re-renders the shared pages that read what it wrote.
    if (io.resolver.actions.size && caching) {
      const written = [...io.resolver.actions].flatMap((a) => {
        const [, svc, n] = /^action ([^/]+)\/(.+)$/.exec(a)!;
        const def = s!.app.env.query(svc!, n!);
        return def ? tablesWritten(def) : [];
      });
      const work = contentChanged({ tables: [...new Set(written)], by: [...io.resolver.actions].join(", ") }, env, defer).catch((e: unknown) =>
        console.error(`content change failed: ${formatError(e)}`),
      );
      if (context) context.waitUntil(work);
      else await work;
    }
    return response;
  } catch (e) {
    // The Worker keeps serving: the person gets the site's error page, the log the detail.
    return errorResponse(e, env, s);
  } finally {
    // Connections are released after the response is on its way.
    for (const db of dbs) context ? context.waitUntil(db.close()) : await db.close();
  }
}

type Filler = (template: Template, io: RequestInfo) => ReturnType<typeof fillHoles>;

async function deliver(
  request: Request, fill: Filler, name: string, shared: Template, cid: string, state: "hit" | "miss" | "stale", io: RequestInfo, extra: Record<string, string>,
): Promise<Response> {
  const { body, holes, cached, failed } = await fill(shared, io);
  const etag = await pageEtag(cid, holes);
  const headers: Record<string, string> = {
    ...extra,
    etag,
    "cache-control": holes.length ? "private, no-cache" : "public, no-cache",
    "x-rose-cache": state,
    "x-rose-holes": `${holes.length - cached} rendered, ${cached} cached`,
    "x-rose-pointer": encodeURIComponent(name),
    "x-rose-cid": cid,
    ...componentsHeader(io),
  };
  if (failed) headers["x-rose-degraded"] = `${failed} part${failed === 1 ? "" : "s"} unavailable`;
  metrics.pages[state]++;
  if (request.headers.get("if-none-match") === etag) return new Response(null, { status: 304, headers });
  return toResponse({ status: 200, html: body, location: null }, headers);
}

async function finish(result: RouteResult, fill: Filler, io: RequestInfo, state: "bypass" | null): Promise<Response> {
  const html = result.html === null ? null : (await fill(templateOf(result.html, null), io)).body;
  if (state) metrics.pages[state]++;
  return toResponse({ ...result, html }, { ...(state ? { "x-rose-cache": state, "cache-control": "private, no-cache" } : {}), ...componentsHeader(io) });
}

/** What the component plan did for this response, when it did anything. */
function componentsHeader(io: RequestInfo): Record<string, string> {
  const { cached, rendered } = io.components;
  return cached + rendered ? { "x-rose-components": `${cached} cached, ${rendered} rendered` } : {};
}

function text(status: number, body: string): Response {
  return new Response(body, { status, headers: { "content-type": "text/plain; charset=utf-8" } });
}

/** Whether the visitor is signed in as an operator (`is_admin`). */
async function isAdmin(s: Site, ctx: EvalContext): Promise<boolean> {
  const user = await apply(s.app.env.lookup("current-user") as Value, [], ctx);
  return user instanceof Map && user.get("is_admin") === true;
}

// Whatever fails outside a page (a pointer, the content store) also answers with the error page.
const router = AutoRouter({ catch: async (e: unknown, _request: Request, env: WorkerEnv) => errorResponse(e, env, await currentSite().catch(() => null)) });
router.get("/_health", () => new Response("ok"));
router.get("/static/*", (request: Request) => staticAsset(new URL(request.url).pathname) ?? text(404, "Not Found"));
// Where browsers and crawlers look without being told (the pages name /static/favicon.svg).
router.get("/favicon.ico", () => staticAsset("/static/favicon.svg"));
router.get("/ipns/*", (request: Request, env: WorkerEnv) => resolvePointer(request, env));
router.get("/ipfs/*", async (request: Request, env: WorkerEnv, context: ExecutionContext) => {
  const warm = warmTierFrom(env);
  if (!warm) return text(503, "No content store here (the WARM binding)");
  // A CID names its bytes forever: the edge cache fronts the store, keyed by URL alone, so only
  // for what the URL alone says (a format chosen by Accept is not kept there).
  const url = new URL(request.url);
  const wanted = negotiate(url, request.headers.get("accept"));
  const edge = "error" in wanted || (wanted.format && !wanted.fromQuery) || request.headers.has("if-none-match") ? null : caches.default;
  const key = new Request(url.toString());
  const cached = edge ? await edge.match(key) : undefined;
  if (cached) return cached;
  const response = await serveContent(request, warm.store);
  if (edge && response.status === 200) context.waitUntil(edge.put(key, response.clone()));
  return response;
});
router.get("/_sexp/cache", async (request: Request, env: WorkerEnv) => {
  const s = await currentSite();
  const dbs: Db[] = [];
  try {
    const io = requestContext(s, request, env, dbs);
    const ctx = evalContext(s, io, env, (p) => void p);
    // Open in development; in production only for an operator, and unseen by anyone else.
    if (!isDevelopment(env) && !(await isAdmin(s, ctx))) return text(404, "Not Found");
    const page = await apply(s.app.env.lookup("~cache-metrics") as Value, [Keyword.of("metrics"), fromJson(metrics)], ctx);
    return toResponse({ status: 200, html: toHtml(page), location: null }, { "cache-control": "no-store" });
  } finally {
    for (const db of dbs) await db.close();
  }
});
router.post("/webhooks/content", (request: Request, env: WorkerEnv, context: ExecutionContext) => contentWebhook(request, env, context));
router.all("*", (request: Request, env: WorkerEnv, context: ExecutionContext) => handle(request, env, context));

export default {
  fetch: router.fetch,
  queue: (batch: MessageBatch<ContentChange>, env: WorkerEnv, context: ExecutionContext) => consumeChanges(batch, env, context),
} satisfies ExportedHandler<WorkerEnv, ContentChange>;
