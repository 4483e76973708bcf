/**
 * The router Worker: HTTP. It matches a request to a `defroute`, refuses
 * writes from other sites, builds the request's context (parameters, form,
 * cookies, session), asks the executor for the page (@rose-ash/executor:
 * from its pointer, or rendered and published), and delivers it (holes
 * filled, ETags, 304s, headers), or the site's error page. Queries,
 * fragments and actions go to the resolver Worker over the RESOLVER service
 * binding, batched per wave; without the binding they run in-process.
 * Content changes re-render through the same executor (content-changes.ts).
 */
import { Keyword, apply, formatError, fromJson, type Value } from "@rose-ash/sexp";
import { type Db } from "@rose-ash/resolver";
import { negotiate, serveContent } from "@rose-ash/content";
import { metrics, pageName } from "@rose-ash/executor";
import { AutoRouter } from "itty-router";
import { consumeChanges, contentChanged, contentWebhook } from "./content-changes.ts";
import { deliverOwn, deliverShared, deliverStreamed } from "./deliver.ts";
import { deferTo, type ContentChange, type WorkerEnv } from "./env.ts";
import { tablesWritten } from "./invalidate.ts";
import { errorResponse } from "./error-page.ts";
import { isCrossSite } from "./cross-site.ts";
import { getActor, getCatalog, getGeneration, getGrammar, getLlm, postFeedback, postLlm } from "./llm.ts";
import { consumeRenders, mediaPoll, mediaRetry, renderCallback, renderJobStatus, renderWebhook } from "./media/http.ts";
import { renderingMissing, type RenderMessage } from "./media/jobs.ts";
import { operatorPage } from "./operator.ts";
import { componentRequest, consumeFederation, definitionRequest, federationPage, federationRequest, followRequest, pageRequest, publishRequest, unfollowRequest } from "./federation/http.ts";
import { planPicture } from "./plan-picture.ts";
import type { Site } from "./site.ts";
import { storesFrom, warmTierFrom } from "./tiers.ts";
import { anonymousHit, isAnonymous } from "./anonymous-hits.ts";
import { resolvePointer } from "./pointers.ts";
import { currentSite, executorFor, readForm, requestContext, type RouteJob, type RouteRender } from "./render.ts";
import { allowedMethods, matchRoute } from "./routes.ts";
import { staticAsset } from "./static.ts";

export { DependencyIndex, IpnsPointer, RateLimiter, RenderJob } from "@rose-ash/durable-objects";
export type { WorkerEnv } from "./env.ts";

/** How a request is answered: `whole: true` for a caller that wants a page no one had complete, with its CID (not streamed). */
export interface HandleOptions {
  readonly whole?: boolean;
}

/** Answer one request from the site's routes. */
export async function handle(request: Request, env: WorkerEnv, context?: ExecutionContext, options: HandleOptions = {}): Promise<Response> {
  const dbs: Db[] = [];
  let s: Site | null = null;
  /** A page still being sent: what the connections are released after. */
  let finishing: Promise<unknown> | null = null;
  try {
    s = await currentSite();
    const url = new URL(request.url);
    const match = matchRoute(s.routes, request.method, url.pathname);
    if (!match) {
      const allow = allowedMethods(s.routes, url.pathname);
      if (allow.length) return new Response("Method Not Allowed", { status: 405, headers: { allow: allow.join(", "), "content-type": "text/plain; charset=utf-8" } });
      return text(404, "Not Found");
    }
    // Cookies are SameSite=Lax; refusing writes from other sites closes the rest of the CSRF door.
    if (request.method !== "GET" && request.method !== "HEAD" && isCrossSite(request, url)) return text(403, "Cross-site requests are refused");
    const defer = deferTo(context);
    const page = s.pageOf(match.route, url, request.headers.get("HX-Request") === "true", renderingMissing(env) === null);
    // `Cache-Control: no-cache` renders afresh where the operator allows it (RENDER_ON_NO_CACHE; dev and benchmarks).
    const fresh = env.RENDER_ON_NO_CACHE === "true" && /\bno-cache\b/.test(request.headers.get("cache-control") ?? "");
    const shared = s.routeIsShared(match.route, request.method);
    if (shared && !fresh && isAnonymous(request)) {
      const again = await anonymousHit(request, storesFrom(env), page, pageName(page));
      if (again) return again;
    }
    const io = requestContext(s, request, env, dbs, await readForm(request), shared, fresh);
    const exec = executorFor(s, io, env, defer);
    const job: RouteJob = { page, shared, mode: "serve", fresh, match, stream: options.whole !== true && (shared || s.routeStreams(match.route, request.method)) };
    const resolved = await exec.resolvePage<RouteJob, RouteRender>(job);
    const canonical = { link: `<${url.origin}${page.path}>; rel="canonical"` };
    if (resolved.state === "streamed") {
      // The connections are needed until the page is all there.
      finishing = resolved.render;
      return deliverStreamed(exec, io, resolved.kept ? pageName(page) : null, resolved.status, resolved.body, canonical);
    }
    if (resolved.state === "hit" || resolved.state === "stale" || resolved.state === "miss") {
      // A shared render started no session (plan.ts): there is no cookie to set.
      return deliverShared(request, exec, io, pageName(page), resolved.page, resolved.state, canonical);
    }
    if (resolved.state !== "bypass") throw new Error(`a page served as ${resolved.state}`);
    const render = resolved.render;
    if (render.rateLimited) {
      return new Response(`Too many attempts. Try again in ${render.rateLimited} seconds.`, {
        status: 429,
        headers: { "retry-after": String(render.rateLimited), "content-type": "text/plain; charset=utf-8" },
      });
    }
    const response = await deliverOwn(exec, io, render, request.method === "GET" || request.method === "HEAD" ? "bypass" : null);
    if (render.cookie) response.headers.append("set-cookie", render.cookie);
    // A change made by actions re-renders the shared pages that read what it wrote.
    const actions = io.client.actions();
    if (actions.length) {
      const written = actions.flatMap((a) => {
        const def = s!.app.env.query(a.service, a.name);
        return def ? tablesWritten(def) : [];
      });
      const work = contentChanged({ tables: [...new Set(written)], by: actions.map((a) => `action ${a.service}/${a.name}`).join(", "), origin: url.origin }, env, defer).catch((e: unknown) =>
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
    // Connections are released after the response is on its way (a streamed page: once it is all there).
    const close = (): Promise<unknown> => Promise.all(dbs.map((db) => db.close()));
    if (finishing) {
      const closed = finishing.then(close, close).catch((e: unknown) => console.error(`closing connections: ${formatError(e)}`));
      context?.waitUntil(closed);
    } else if (context) context.waitUntil(close());
    else await close();
  }
}

/** A path parameter as it was meant (itty-router leaves its %-escapes); as given when it is not a valid escape. */
function decodeParam(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

function text(status: number, body: string): Response {
  return new Response(body, { status, headers: { "content-type": "text/plain; charset=utf-8" } });
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
router.get("/_sexp/cache", (request: Request, env: WorkerEnv, context: ExecutionContext) =>
  operatorPage(request, env, context, async (s, ctx) => await apply(s.app.env.lookup("~cache-metrics") as Value, [Keyword.of("metrics"), fromJson(metrics)], ctx)),
);
// `?path=/blog/apple-day-2026/`: that page's nodes as the executor last resolved them in this isolate (resolved now when it has not).
router.get("/_sexp/plan", (request: Request, env: WorkerEnv, context: ExecutionContext) =>
  operatorPage(request, env, context, async (s, ctx, dbs, defer) => {
    const path = new URL(request.url).searchParams.get("path") || "/";
    const picture = await planPicture(s, new URL(path, request.url), env, dbs, defer);
    return await apply(s.app.env.lookup("~plan-page") as Value, [Keyword.of("path"), path, Keyword.of("picture"), picture], ctx);
  }),
);
router.post("/llm", (request: Request, env: WorkerEnv, context: ExecutionContext) => postLlm(request, env, context, handle));
router.get("/llm", (request: Request, env: WorkerEnv, context: ExecutionContext) => getLlm(request, env, handle, context));
router.post("/llm/feedback", (request: Request, env: WorkerEnv) => postFeedback(request, env));
router.get("/llm/catalog", (request: Request, env: WorkerEnv) => getCatalog(request, env));
router.get("/llm/grammar.gbnf", (_request: Request, env: WorkerEnv) => getGrammar(env));
router.get("/llm/actor", (request: Request) => getActor(request));
router.get("/llm/generations/:hash", (request: Request & { params: { hash: string } }, env: WorkerEnv) => getGeneration(request, env, request.params.hash));
router.post("/webhooks/content", (request: Request, env: WorkerEnv, context: ExecutionContext) => contentWebhook(request, env, context));
router.post("/webhooks/render", (request: Request, env: WorkerEnv, context: ExecutionContext) => renderWebhook(request, env, context));
router.get("/render/jobs/:id", (request: Request & { params: { id: string } }, env: WorkerEnv, context: ExecutionContext) => renderJobStatus(request, env, context, request.params.id));
router.get("/render/media/:key", (request: Request & { params: { key: string } }, env: WorkerEnv, context: ExecutionContext) => mediaPoll(request, env, context, request.params.key));
router.post("/render/media/:key/retry", (request: Request & { params: { key: string } }, env: WorkerEnv, context: ExecutionContext) => mediaRetry(request, env, context, request.params.key));
router.post("/render/callback/:key", (request: Request & { params: { key: string } }, env: WorkerEnv, context: ExecutionContext) => renderCallback(request, env, context, request.params.key));
// Federation (federation/http.ts): Fedify's WebFinger, NodeInfo and ActivityPub endpoints, definitions by hash, shared components, the operator's view.
router.get("/ap/definitions/:hash", (request: Request & { params: { hash: string } }, env: WorkerEnv, context: ExecutionContext) => definitionRequest(request, env, context, request.params.hash));
router.get("/ap/pages/:slug", (request: Request & { params: { slug: string } }, env: WorkerEnv, context: ExecutionContext) => pageRequest(request, env, context, decodeParam(request.params.slug)));
router.get("/ap/components/:name", (request: Request & { params: { name: string } }, env: WorkerEnv, context: ExecutionContext) => componentRequest(request, env, context, decodeParam(request.params.name)));
for (const path of ["/.well-known/webfinger", "/.well-known/nodeinfo", "/nodeinfo/*", "/ap/*"]) {
  router.all(path, (request: Request, env: WorkerEnv, context: ExecutionContext) => federationRequest(request, env, context));
}
router.get("/_sexp/federation", (request: Request, env: WorkerEnv, context: ExecutionContext) => federationPage(request, env, context));
router.post("/_sexp/federation/follow", (request: Request, env: WorkerEnv, context: ExecutionContext) => followRequest(request, env, context));
router.post("/_sexp/federation/unfollow", (request: Request, env: WorkerEnv, context: ExecutionContext) => unfollowRequest(request, env, context));
router.post("/_sexp/federation/publish", (request: Request, env: WorkerEnv, context: ExecutionContext) => publishRequest(request, env, context));
router.all("*", (request: Request, env: WorkerEnv, context: ExecutionContext) => handle(request, env, context));

/**
 * The first path segments the routes above answer (`/ap/...`, `/_health`):
 * any other path is a site page, handed to `handle` without trying each of
 * those routes' patterns in turn (the hit path's commonest request).
 */
const OWN_SEGMENTS = new Set((router.routes as [string, RegExp, unknown[], string][]).map(([, , , path]) => firstSegment(path)).filter((s) => s !== ""));

function firstSegment(path: string): string {
  const end = path.indexOf("/", 1);
  return path.slice(1, end < 0 ? undefined : end);
}

/** A request's path, without parsing the whole URL. */
function pathOf(url: string): string {
  const start = url.indexOf("/", url.indexOf("//") + 2);
  if (start < 0) return "/";
  const end = url.slice(start).search(/[?#]/);
  return end < 0 ? url.slice(start) : url.slice(start, start + end);
}

/** The queues the consumers read (production and development use the same names); any other is content changes'. */
const RENDER_QUEUE = "rose-ash-renders";
const FEDERATION_QUEUE = "rose-ash-federation";

export default {
  fetch: (request: Request, env: WorkerEnv, context: ExecutionContext) =>
    OWN_SEGMENTS.has(firstSegment(pathOf(request.url))) ? router.fetch(request, env, context) : handle(request, env, context),
  queue: (batch: MessageBatch<unknown>, env: WorkerEnv, context: ExecutionContext) => {
    if (batch.queue === RENDER_QUEUE) return consumeRenders(batch as MessageBatch<RenderMessage>, env, context);
    if (batch.queue === FEDERATION_QUEUE) return consumeFederation(batch, env, context);
    return consumeChanges(batch as MessageBatch<ContentChange>, env, context);
  },
} satisfies ExportedHandler<WorkerEnv, unknown>;
