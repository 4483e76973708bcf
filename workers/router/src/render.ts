/**
 * Rendering for a request: the site (loaded once per isolate), the request
 * as the primitives see it, and the executor of the request with the leaf
 * executors only the router can run: `page` (evaluate a route body for this
 * request) and `hole` (render a visitor's part of a shared page); the I/O
 * leaves send through the resolver's client.
 */
import { EvalContext, PageStream, apply, askAgain, createEnv, emitApply, formatError, inputKey, toHtml, type IoCall, type Value } from "@rose-ash/sexp";
import { fragmentError, type Db, type Json, type Op } from "@rose-ash/resolver";
import { Executor, Leaves, componentLeaf, ioLeaf, pageName, resolveMedia, type HoleJob, type HoleRender, type PageJob, type PageLeaf, type PageRender, type Stores, type Streaming } from "@rose-ash/executor";
import { routes, sources } from "@rose-ash/app";
import { DATA_READS, SESSION_READS, isResponse, routeResult, type RouteResult } from "@rose-ash/vocabulary";
import { isDevelopment, type Defer, type WorkerEnv } from "./env.ts";
import { callbackOrigin, jobOf, renderingMissing } from "./media/jobs.ts";
import { mediaLeaf } from "./media/leaf.ts";
import { markSessionsEnded, visitorScope } from "./visitor-scope.ts";
import { resolverClient } from "./resolver-client.ts";
import { hotCacheFrom, storesFrom } from "./tiers.ts";
import type { RequestInfo } from "./request.ts";
import type { RouteMatch } from "./routes.ts";
import { Session } from "./session.ts";
import { loadSite, type Site } from "./site.ts";

let site: Promise<Site> | null = null;

export function currentSite(): Promise<Site> {
  site ??= loadSite([...sources, ...routes]).catch((e: unknown) => {
    site = null; // load again on the next request
    throw e;
  });
  return site;
}

/** A page of a route for this request. */
export interface RouteJob extends PageJob {
  readonly match: RouteMatch;
}

/** A route's render for this request: the page, and the request as it was left (session, limits). */
export interface RouteRender extends PageRender {
  readonly io: RequestInfo;
  /** The session cookie to set, when the session changed. */
  readonly cookie: string | null;
  /** Seconds until a rate-limited attempt may be made again (the answer is a 429). */
  readonly rateLimited: number | undefined;
}

/**
 * The executor for a request, its leaves bound to `io`: the route's page,
 * the visitor's holes, components, and the I/O calls (now traced through it).
 */
export function executorFor(s: Site, io: RequestInfo, env: WorkerEnv, defer: Defer, stores: Stores = storesFrom(env)): Executor {
  const leaves = new Leaves();
  const exec = new Executor({ site: s, stores, leaves, defer, sessionReads: SESSION_READS, dataReads: DATA_READS });
  traceThrough(exec, io);
  leaves
    .register(routeLeaf(s, io, exec))
    .register(holeLeaf(s, io, exec))
    .register(componentLeaf)
    .register(ioLeaf("query"))
    .register(ioLeaf("fragment"))
    .register(ioLeaf("action"))
    .register(mediaLeaf(env, callbackOrigin(env, io.url), defer));
  return exec;
}

/** The request's I/O calls and media go through the executor (a node of its trace each). */
function traceThrough(exec: Executor, io: RequestInfo): RequestInfo {
  io.resolver = exec.io<Op, { [key: string]: Json }, Json>(io.client);
  io.media = (request) => resolveMedia(exec, request);
  return io;
}

/** The `page` leaf: one evaluation of the route's body, every I/O call written down with its answer. */
function routeLeaf(s: Site, request: RequestInfo, exec: Executor): PageLeaf<RouteJob, RouteRender> {
  return {
    kind: "page",
    execute: async (job) => {
      // A re-render reads everything afresh: one tried again after losing the pointer must not reuse the answers it lost with.
      const io = job.mode === "refresh" ? traceThrough(exec, request.again()) : request;
      const calls: IoCall[] = [];
      const ctx = evalContext(s, io, exec);
      ctx.recorders = [calls];
      const value = await apply(s.handler(job.match.route), [...job.match.params.values()] as Value[], ctx);
      return rendered(s, io, job, calls, routeResult(value));
    },
    stream: (job) => streamRoute(s, request, exec, job),
    askAgain: async (job, written) => inputKey(s.hasher, pageName(job.page), await askAgain(written, evalContext(s, request, exec))),
  };
}

/** A route's render, once its result is in: what it read and did, for keeping it and for the response. */
async function rendered(s: Site, io: RequestInfo, job: RouteJob, calls: IoCall[], result: RouteResult): Promise<RouteRender> {
  // The visitor changed something: what was kept for them is stale.
  if (io.client.actions().length) await io.session.bump();
  const cookie = await io.session.cookie();
  return {
    ...result,
    calls,
    reads: [...io.client.reads(), ...io.mediaReads],
    inputKey: inputKey(s.hasher, pageName(job.page), calls),
    userScoped: io.userScoped === true,
    volatile: io.volatile === true,
    degraded: io.degraded === true,
    sessionStarted: cookie !== null,
    io,
    cookie,
    rateLimited: io.rateLimited,
  };
}

/**
 * A route rendered to be sent as it is written: the body runs in render
 * position, so `(render page)` hands over the response (its status) before
 * the page, and the page's shell is written before its queries answer. A
 * part that fails after that shows the site's notice (the page is degraded,
 * not kept). A redirect, or a page whose response comes only at the end,
 * is given whole.
 */
async function streamRoute(s: Site, io: RequestInfo, exec: Executor, job: RouteJob): Promise<Streaming<RouteRender>> {
  const calls: IoCall[] = [];
  const ctx = evalContext(s, io, exec);
  ctx.recorders = [calls];
  const page = new PageStream({ keep: true });
  ctx.outOfOrder = page;
  let abandoned = false;
  ctx.renderError = async (e, into) => {
    if (abandoned) return;
    console.error(`${pageName(job.page)}: a part failed after the page was started, shown as a notice: ${formatError(e)}`);
    io.degraded = true;
    if (into) into.text += toHtml(await fragmentError("page", pageName(job.page), ctx));
  };
  let response: Value = null;
  const answered = new Promise<void>((resolve) => {
    ctx.respond = (v) => {
      if (!isResponse(v)) return false;
      ctx.respond = null;
      response = v;
      resolve();
      return true;
    };
  });
  const done = emitApply(s.handler(job.match.route), [...job.match.params.values()] as Value[], ctx, page.sink);
  // What the page asked for so far goes now: the visitor's parts of the shell (its holes) come in a batch of their own.
  io.client.sendNow();
  const finished = done ?? Promise.resolve();
  await Promise.race([answered, finished]);
  const result = response === null ? null : routeResult(response);
  // The page streams when the response came first and its page is the one being written.
  if (result === null || result.html !== "") {
    await finished;
    return { state: "whole", render: await rendered(s, io, job, calls, result ?? { status: 200, html: page.sink.finish(), location: null }) };
  }
  if (!job.shared) {
    // A page for one visitor waits for its first queries: a database that is down or frozen is answered with the 503 page (Retry-After), not a page already begun.
    try {
      const down = await Promise.race([io.client.firstBatchAnswered(), finished.then(() => null)]);
      if (down) throw down;
    } catch (e) {
      abandoned = true;
      void page.body.cancel();
      throw e;
    }
  }
  const sent = page.follow(done, (e) => {
    console.error(`${pageName(job.page)}: failed after the page was started: ${formatError(e)}`);
    io.degraded = true;
    return "";
  });
  return { state: "streaming", status: result.status, body: page.body, render: sent.then(() => rendered(s, io, job, calls, { ...result, html: page.text })) };
}

/** The `hole` leaf: a user-scoped component rendered for this request's visitor. */
function holeLeaf(s: Site, io: RequestInfo, exec: Executor) {
  return {
    kind: "hole",
    execute: async ({ component, given }: HoleJob): Promise<HoleRender> => {
      const fill: RequestInfo = { ...io, shared: false, degraded: false };
      const made: IoCall[] = [];
      const ctx = evalContext(s, fill, exec);
      ctx.recorders = [made];
      try {
        return { html: toHtml(await apply(s.app.env.lookup(component) as Value, [...given], ctx)), calls: made, failed: false, degraded: fill.degraded === true };
      } catch (e) {
        // The rest of the page stands: this part shows the site's notice, and is not kept.
        console.error(`hole ${component} failed, rendered as an error: ${formatError(e)}`);
        return { html: toHtml(await fragmentError("page", component, ctx)), calls: made, failed: true, degraded: true };
      }
    },
  };
}

/** An evaluation context for a request: its I/O, and the component plan (holes, cached components). */
export function evalContext(s: Site, io: RequestInfo, exec: Executor): EvalContext {
  const ctx = new EvalContext(createEnv(s.app.env), {}, io);
  ctx.hook = exec.componentHook(io);
  return ctx;
}

/**
 * The request as primitives see it: parameters, form, cookies, session, and
 * the resolver for its I/O (traced once `executorFor` has the request).
 * `shared`: the render is the one everyone is served (holes for user-scoped
 * parts); `fresh`: nothing is taken from a cache.
 */
export function requestContext(s: Site, request: Request, env: WorkerEnv, dbs: Db[], form = new Map<string, string>(), shared = false, fresh = false): RequestInfo {
  const url = new URL(request.url);
  const cookies = parseCookies(request.headers.get("cookie"));
  // Secure everywhere but development (plain http on localhost).
  const session = new Session(env.SESSION_SECRET, cookies.get(Session.cookieName), !isDevelopment(env));
  const hot = hotCacheFrom(env);
  const client = resolverClient(s.app, env, dbs);
  return {
    again: () => requestContext(s, request, env, dbs, form, shared, fresh),
    request,
    url,
    cookies,
    form,
    session,
    client,
    resolver: client,
    method: request.method,
    shared,
    fresh,
    components: { cached: 0, rendered: 0 },
    // Set by Cloudflare's edge to the connecting address (a client cannot choose it there); in development any client can.
    address: request.headers.get("cf-connecting-ip") ?? "unknown",
    limit: env.LIMITS ? (key, limit, windowMs) => env.LIMITS!.get(env.LIMITS!.idFromName(key)).take(limit, windowMs) : undefined,
    visitorScope: () => visitorScope(session, hot),
    sessionsEnded: (sids) => markSessionsEnded(sids, hot),
    mediaReads: [],
    mediaShape: async (key) => (renderingMissing(env) ? null : await jobOf(env, key)),
  };
}

/** The fields of a POSTed form (urlencoded or multipart); empty for anything else. */
export async function readForm(request: Request): Promise<Map<string, string>> {
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
