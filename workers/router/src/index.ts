/**
 * The router Worker: matches a request to a `defroute`, runs its body (with
 * the request's I/O: queries through the Neon driver) and answers with the
 * page, a redirect or a status. The site's sources are bundled as text and
 * evaluated once per isolate.
 */
import { EvalContext, apply, createEnv, formatError, type Value } from "@rose-ash/sexp";
import { RequestIO, configureNeon, neonDb, type Db, type ResolverIO } from "@rose-ash/resolver";
import { AutoRouter } from "itty-router";
import { app } from "./app.ts";
import { toResponse, type RequestInfo } from "./request.ts";
import { matchRoute } from "./routes.ts";
import { loadSite, type Site } from "./site.ts";
import { staticAsset } from "./static.ts";

export interface WorkerEnv {
  /** Postgres (Neon) connection string. */
  DATABASE_URL?: string;
  /** Development only: the dev database relay, e.g. `127.0.0.1:5488/v2` (see dev/db). */
  NEON_WS_PROXY?: string;
}

let site: Promise<Site> | null = null;

/** Answer one request from the site's routes. */
export async function handle(request: Request, env: WorkerEnv, context?: ExecutionContext): Promise<Response> {
  let db: Db | null = null;
  try {
    site ??= loadSite(app);
    const s = await site;
    const url = new URL(request.url);
    const match = matchRoute(s.routes, request.method, url.pathname);
    if (!match) return new Response("Not Found", { status: 404, headers: { "content-type": "text/plain" } });
    db = database(env);
    const io: RequestInfo & ResolverIO = {
      request,
      url,
      cookies: parseCookies(request.headers.get("cookie")),
      db,
      requests: new RequestIO(),
    };
    const ctx = new EvalContext(createEnv(s.env), {}, io);
    const value = await apply(s.handler(match.route), [...match.params.values()] as Value[], ctx);
    return toResponse(value);
  } catch (e) {
    // The Worker keeps serving; the error is logged with its position. A
    // site that failed to load is loaded again on the next request.
    console.error(formatError(e));
    if (site && !(await site.then(() => true, () => false))) site = null;
    return new Response("Internal Server Error", { status: 500, headers: { "content-type": "text/plain" } });
  } finally {
    // Connections are released after the response is on its way.
    if (db) context ? context.waitUntil(db.close()) : await db.close();
  }
}

function database(env: WorkerEnv): Db {
  if (!env.DATABASE_URL) {
    const missing = () => Promise.reject(new Error("no database configured (DATABASE_URL)"));
    return { query: missing, close: async () => {} };
  }
  if (env.NEON_WS_PROXY) {
    const proxy = env.NEON_WS_PROXY;
    configureNeon({ wsProxy: () => proxy, useSecureWebSocket: false, pipelineTLS: false, pipelineConnect: false });
  }
  return neonDb(env.DATABASE_URL);
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
router.get("/static/*", (request: Request) => staticAsset(new URL(request.url).pathname) ?? new Response("Not Found", { status: 404 }));
router.all("*", (request: Request, env: WorkerEnv, context: ExecutionContext) => handle(request, env, context));

export default { fetch: router.fetch };
