/**
 * Content changes: a signed webhook or an action names the tables it
 * changed; the shared pages that read them are re-rendered through the
 * executor (`resolvePage` in `refresh` mode: the same walk that serves them)
 * and their pointers moved. With a queue (INVALIDATIONS) the work is queued
 * and the webhook answers at once; deliveries may repeat or come out of
 * order, and input keys make that harmless. Without one it runs in the request.
 */
import { formatError } from "@rose-ash/sexp";
import type { Db } from "@rose-ash/resolver";
import { dependencyName, pageName, type PageKey } from "@rose-ash/executor";
import { renderingMissing } from "./media/jobs.ts";
import { readSigned, replayGuard } from "./signed-request.ts";
import type { ContentChange, Defer, WorkerEnv } from "./env.ts";
import { WEBHOOK_MAX_BYTES, touchedDependencies } from "./invalidate.ts";
import { currentSite, executorFor, requestContext, type RouteJob, type RouteRender } from "./render.ts";
import { matchRoute } from "./routes.ts";
import type { Site } from "./site.ts";
import { storesFrom } from "./tiers.ts";
import { federateChange } from "./federation/change.ts";

export interface PageChange {
  readonly name: string;
  readonly cid: string;
  readonly status: "moved" | "unchanged" | "retired";
  readonly sequence: number | null;
  /** False when asking the page's I/O again showed nothing changed, so it was not rendered. */
  readonly rendered: boolean;
}

/**
 * Re-render the shared pages that read what changed (any of its tables, or
 * media whose render landed) and move their pointers. One page failing does
 * not stop the others: what failed is returned beside what happened to the rest.
 */
export async function invalidate(change: ContentChange, s: Site, env: WorkerEnv, defer: Defer) {
  const pages: PageChange[] = [];
  const failed: { name: string; error: string }[] = [];
  const stores = storesFrom(env).pages;
  if (changesNothing(change) || !stores) return { pages, failed };
  const touched = [...(change.tables.length ? touchedDependencies(await stores.dependencies.dependencies(), change.tables, s.app.env) : []), ...(change.reads ?? [])];
  for (const page of await stores.dependencies.pagesReading(touched)) {
    try {
      const change = await refresh(page, s, env, defer);
      if (change) pages.push(change);
    } catch (e) {
      failed.push({ name: pageName(page), error: formatError(e) });
    }
  }
  return { pages, failed };
}

/** Re-render one shared page from current data; what happened to its pointer, or null when it is not ours to serve. */
async function refresh(page: PageKey, s: Site, env: WorkerEnv, defer: Defer): Promise<PageChange | null> {
  const url = new URL(page.path, "https://rose-ash.internal");
  const match = matchRoute(s.routes, "GET", url.pathname);
  if (!match || s.routeKey(match.route, renderingMissing(env) === null) !== page.route) return null; // another version's page: no longer served
  const request = new Request(url, { headers: page.htmx ? { "HX-Request": "true" } : {} });
  const dbs: Db[] = [];
  try {
    const io = requestContext(s, request, env, dbs, new Map(), true);
    const exec = executorFor(s, io, env, defer);
    const r = await exec.resolvePage<RouteJob, RouteRender>({ page, shared: true, mode: "refresh", fresh: false, match });
    const name = pageName(page);
    switch (r.state) {
      case "unchanged":
        return { name, cid: r.cid, status: "unchanged", sequence: r.sequence, rendered: false };
      case "miss":
        return { name, cid: r.page.cid, status: r.moved.status === "moved" ? "moved" : "unchanged", sequence: r.moved.sequence, rendered: true };
      case "retired":
        return { name, cid: r.cid, status: "retired", sequence: r.sequence, rendered: true };
      default:
        return null;
    }
  } finally {
    for (const db of dbs) await db.close();
  }
}

/** A change happened: queue its re-renders, or run them now when there is no queue. */
export async function contentChanged(change: ContentChange, env: WorkerEnv, defer: Defer): Promise<{ queued: boolean; pages: PageChange[]; failed: { name: string; error: string }[] }> {
  if (changesNothing(change) || !storesFrom(env).pages) return { queued: false, pages: [], failed: [] };
  if (env.INVALIDATIONS) {
    await env.INVALIDATIONS.send(change);
    return { queued: true, pages: [], failed: [] };
  }
  const s = await currentSite();
  const done = await invalidate(change, s, env, defer);
  await federate(change, s, env, defer);
  return { queued: false, ...done };
}

/** Documents published again after a change that may touch the posts (federation/change.ts); whether any failed to be sent. */
async function federate(change: ContentChange, s: Site, env: WorkerEnv, defer: Defer): Promise<boolean> {
  const published = await federateChange(change.tables, change.origin, s, env, defer, (c) => contentChanged(c, env, defer));
  if (published && (published.created.length || published.updated.length || published.deleted.length || published.failed.length)) {
    const { created, updated, deleted, failed } = published;
    console.log(`federation (${change.by}): ${created.length} documents created, ${updated.length} updated, ${deleted.length} deleted, ${failed.length} failed`);
  }
  return !!published?.failed.length;
}

const changesNothing = (c: ContentChange): boolean => c.tables.length === 0 && !c.reads?.length;

/** The queue consumer: each change's re-renders; a failure is retried (the queue's max_retries). */
export async function consumeChanges(batch: MessageBatch<ContentChange>, env: WorkerEnv, context: ExecutionContext): Promise<void> {
  if (!storesFrom(env).pages) return batch.ackAll();
  const s = await currentSite();
  for (const message of batch.messages) {
    const what = `content change (${message.body.by}; ${[...message.body.tables, ...(message.body.reads ?? []).map(dependencyName)].join(", ")})`;
    try {
      const defer: Defer = (p) => context.waitUntil(p);
      const { pages, failed } = await invalidate(message.body, s, env, defer);
      // Posts not sent are sent when the change is delivered again (what was sent is not sent twice).
      const unsent = await federate(message.body, s, env, defer);
      const count = (status: PageChange["status"]) => pages.filter((p) => p.status === status).length;
      const skipped = pages.filter((p) => !p.rendered).length;
      console.log(`${what}: ${pages.length + failed.length} pages read them: ${count("moved")} moved, ${count("unchanged")} unchanged (${skipped} without rendering), ${count("retired")} retired, ${failed.length} failed`);
      for (const f of failed) console.error(`${what}: ${f.name}: ${f.error}`);
      // Pages that did their part move nothing when delivered again, so a retry redoes only what failed.
      if (failed.length || unsent) message.retry();
      else message.ack();
    } catch (e) {
      console.error(`${what} failed, attempt ${message.attempts}: ${formatError(e)}`);
      message.retry();
    }
  }
}

/**
 * `POST /webhooks/content` `{"tables": [...]}`, signed; each signature is
 * accepted once, within its time window. 202 when queued, else 200 with what
 * happened to each page.
 */
export async function contentWebhook(request: Request, env: WorkerEnv, context: ExecutionContext): Promise<Response> {
  const index = replayGuard(env);
  if (!env.WEBHOOK_SECRET || !index || !storesFrom(env).pages) return text(503, "Webhooks are not configured (WEBHOOK_SECRET, cache bindings)");
  const signed = await readSigned(request, env.WEBHOOK_SECRET, index, WEBHOOK_MAX_BYTES);
  if (signed instanceof Response) return signed;
  const { body, signature } = signed;
  let tables: unknown;
  try {
    tables = (JSON.parse(body) as { tables?: unknown }).tables;
  } catch {
    return text(400, 'The body is JSON: {"tables": ["posts", ...]}');
  }
  if (!Array.isArray(tables) || !tables.every((t) => typeof t === "string")) return text(400, 'The body is JSON: {"tables": ["posts", ...]}');
  const { queued, pages, failed } = await contentChanged({ tables, by: `webhook ${signature.slice(0, 12)}`, origin: new URL(request.url).origin }, env, (p) => context.waitUntil(p));
  return Response.json(queued ? { tables, queued } : { tables, queued, pages, failed }, { status: queued ? 202 : 200 });
}

function text(status: number, body: string): Response {
  return new Response(body, { status, headers: { "content-type": "text/plain; charset=utf-8" } });
}
