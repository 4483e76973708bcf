/**
 * The router Worker: matches a request to a `defroute`, runs its body with the
 * request's context (parameters, form, cookies, session) and answers with the
 * page, a redirect or a status. Queries, fragments and actions go to the
 * resolver Worker over the RESOLVER service binding, batched per wave; without
 * the binding they run in-process. The site's sources are bundled as text and
 * evaluated once per isolate.
 */
import { EvalContext, apply, createEnv, formatError, type Value } from "@rose-ash/sexp";
import { ResolverClient, WarmStore, bucketStore, databaseFromEnv, localTransport, serviceTransport, type DatabaseEnv, type Db, type ServiceBinding } from "@rose-ash/resolver";
import { AutoRouter } from "itty-router";
import { routes, sources } from "../../../app/index.ts";
import { toResponse, type RequestInfo } from "./request.ts";
import { allowedMethods, matchRoute } from "./routes.ts";
import { Session } from "./session.ts";
import { loadSite, type Site } from "./site.ts";
import { resolvePointer, serveContent, type PointerBindings } from "./pointers.ts";
import { staticAsset } from "./static.ts";

export { IpnsPointer } from "@rose-ash/durable-objects";

export interface WorkerEnv extends DatabaseEnv, PointerBindings {
  /** The resolver Worker (service binding); absent: the resolver runs in this Worker. */
  RESOLVER?: ServiceBinding;
  /** Signs session cookies. A secret in production (`wrangler secret put SESSION_SECRET`). */
  SESSION_SECRET?: string;
}

let site: Promise<Site> | null = null;

/** Answer one request from the site's routes. */
export async function handle(request: Request, env: WorkerEnv, context?: ExecutionContext): Promise<Response> {
  let db: Db | null = null;
  try {
    site ??= loadSite([...sources, ...routes]);
    const s = await site;
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
    const cookies = parseCookies(request.headers.get("cookie"));
    const io: RequestInfo = {
      request,
      url,
      cookies,
      form: await readForm(request),
      session: new Session(env.SESSION_SECRET, cookies.get(Session.cookieName), url.protocol === "https:"),
      resolver: new ResolverClient(env.RESOLVER ? serviceTransport(env.RESOLVER) : localTransport(s.app, () => (db ??= databaseFromEnv(env)))),
      method: request.method,
    };
    const ctx = new EvalContext(createEnv(s.app.env), {}, io);
    const response = toResponse(await apply(s.handler(match.route), [...match.params.values()] as Value[], ctx));
    const cookie = await io.session.cookie();
    if (cookie) response.headers.append("set-cookie", cookie);
    return response;
  } catch (e) {
    // The Worker keeps serving; the error is logged with its position. A
    // site that failed to load is loaded again on the next request.
    console.error(formatError(e));
    if (site && !(await site.then(() => true, () => false))) site = null;
    return text(500, "Internal Server Error");
  } finally {
    // Connections are released after the response is on its way.
    const open = db as Db | null;
    if (open) context ? context.waitUntil(open.close()) : await open.close();
  }
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
router.get("/ipns/*", (request: Request, env: WorkerEnv) => resolvePointer(request, env));
router.get("/ipfs/*", (request: Request, env: WorkerEnv) => {
  const r2 = bucketStore(env.WARM);
  return serveContent(request, new WarmStore(r2, [r2]));
});
router.get("/static/*", (request: Request) => staticAsset(new URL(request.url).pathname) ?? text(404, "Not Found"));
router.all("*", (request: Request, env: WorkerEnv, context: ExecutionContext) => handle(request, env, context));

export default { fetch: router.fetch };
