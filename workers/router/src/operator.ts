/**
 * The operator pages and actions (`/_sexp/...`): open in development; in
 * production only to a visitor signed in as an operator (`is_admin`), and a
 * 404 to everyone else, as if there were nothing there.
 */
import { apply, toHtml, type EvalContext, type Value } from "@rose-ash/sexp";
import type { Db } from "@rose-ash/resolver";
import { isCrossSite } from "./cross-site.ts";
import { toResponse } from "./deliver.ts";
import { deferTo, isDevelopment, type Defer, type WorkerEnv } from "./env.ts";
import { currentSite, evalContext, executorFor, requestContext } from "./render.ts";
import type { Site } from "./site.ts";

export async function isOperator(s: Site, request: Request, env: WorkerEnv, dbs: Db[], defer: Defer): Promise<boolean> {
  if (isDevelopment(env)) return true;
  const io = requestContext(s, request, env, dbs);
  const user = await apply(s.app.env.lookup("current-user") as Value, [], evalContext(s, io, executorFor(s, io, env, defer)));
  return user instanceof Map && user.get("is_admin") === true;
}

export const notFound = (): Response => new Response("Not Found", { status: 404, headers: { "content-type": "text/plain; charset=utf-8" } });

/**
 * An operator's request: `work` runs only for an operator (a 404 otherwise),
 * and a write only from this site's own pages (or from no page: a script).
 * The database connection it opens is let go after.
 */
export async function operatorOnly(request: Request, env: WorkerEnv, context: ExecutionContext, work: (s: Site, dbs: Db[], defer: Defer) => Promise<Response>): Promise<Response> {
  const s = await currentSite();
  const dbs: Db[] = [];
  const defer = deferTo(context);
  try {
    if (!(await isOperator(s, request, env, dbs, defer))) return notFound();
    if (request.method !== "GET" && request.method !== "HEAD" && isCrossSite(request, new URL(request.url))) return new Response("Cross-site requests are refused", { status: 403 });
    return await work(s, dbs, defer);
  } finally {
    for (const db of dbs) await db.close();
  }
}

/** An operator page: what `page` renders in the request's context, never cached. */
export function operatorPage(request: Request, env: WorkerEnv, context: ExecutionContext, page: (s: Site, ctx: EvalContext, dbs: Db[], defer: Defer) => Promise<Value>): Promise<Response> {
  return operatorOnly(request, env, context, async (s, dbs, defer) => {
    const io = requestContext(s, request, env, dbs);
    const ctx = evalContext(s, io, executorFor(s, io, env, defer));
    return toResponse({ status: 200, html: toHtml(await page(s, ctx, dbs, defer)), location: null }, { "cache-control": "no-store" });
  });
}
