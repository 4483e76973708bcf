/**
 * Content changes: a signed webhook or an action names the tables it
 * changed; the shared pages that read them are re-rendered and their
 * pointers moved. With a queue (INVALIDATIONS) the work is queued and the
 * webhook answers at once; deliveries may repeat or come out of order, and
 * input keys make that harmless. Without one it runs in the request.
 */
import { askAgain, formatError, inputKey } from "@rose-ash/sexp";
import type { Db } from "@rose-ash/resolver";
import { WEBHOOK_MAX_BYTES, WEBHOOK_WINDOW_S, touchedDependencies, verifyWebhookSignature } from "./invalidate.ts";
import { PageCache } from "./page-cache.ts";
import { hotCacheFrom } from "./tiers.ts";
import { currentSite, evalContext, pageCallsKey, rememberPageCalls, requestContext, runRoute, type Defer, type WorkerEnv } from "./render.ts";
import { matchRoute } from "./routes.ts";
import type { Site } from "./site.ts";

/** What a queued change says: the tables written, and by what (for the log). */
export interface ContentChange {
  readonly tables: readonly string[];
  readonly by: string;
}

export interface PageChange {
  readonly name: string;
  readonly cid: string;
  readonly status: "moved" | "unchanged" | "retired";
  readonly sequence: number | null;
  /** False when asking the page's I/O again showed nothing changed, so it was not rendered. */
  readonly rendered: boolean;
}

/**
 * Re-render the shared pages that read any of `tables` and move their
 * pointers. A page whose input key is what its pointer already has (the data
 * it reads did not change, or this change was delivered before) moves
 * nothing; one that is no longer a shared page (now a 404, a redirect, per
 * visitor) is retired. One page failing does not stop the others: what
 * failed is returned beside what happened to the rest.
 */
export async function invalidate(tables: readonly string[], s: Site, env: WorkerEnv, cache: PageCache, defer: Defer) {
  const pages: PageChange[] = [];
  const failed: { name: string; error: string }[] = [];
  if (tables.length === 0) return { pages, failed };
  const index = cache.index();
  for (const name of await index.pagesReading(touchedDependencies(await index.dependencies(), tables, s.app.env))) {
    try {
      const change = await refresh(name, s, env, cache, defer);
      if (change) pages.push(change);
    } catch (e) {
      failed.push({ name, error: formatError(e) });
    }
  }
  return { pages, failed };
}

/** Re-render one shared page from current data; what happened to its pointer, or null when it is not ours to serve. */
async function refresh(name: string, s: Site, env: WorkerEnv, cache: PageCache, defer: Defer): Promise<PageChange | null> {
  const m = /^page:(\S+) (\S+?)( htmx)?$/.exec(name);
  if (!m) return null;
  const url = new URL(m[2]!, "https://rose-ash.internal");
  const request = new Request(url, { headers: m[3] ? { "HX-Request": "true" } : {} });
  const match = matchRoute(s.routes, "GET", url.pathname);
  if (!match || s.routeKey(match.route) !== m[1]) return null; // another version's page: no longer served
  const dbs: Db[] = [];
  try {
    // The plan: ask the current render's I/O again; the same answers give the same input key, and nothing to render.
    const seen = await cache.pointer(name).current();
    if (seen?.retired) return null;
    if (seen && (await sameInput(seen.inputKey, name, s, request, env, dbs, defer))) {
      return { name, cid: seen.cid, status: "unchanged", sequence: seen.sequence, rendered: false };
    }
    for (let attempt = 0; attempt < 3; attempt++) {
      const current = attempt === 0 ? seen : await cache.pointer(name).current();
      const { io, result, calls, inputKey } = await runRoute(s, match, request, env, true, dbs, defer);
      // A part that failed is not fixed into the page: the pointer stays, and the next change tries again.
      if (io.degraded) throw new Error(`a part of ${name} failed to render`);
      if (result.html === null || result.status !== 200 || io.userScoped || io.volatile) {
        if (!current || current.retired) return null;
        const retired = await cache.retire(name, current.sequence);
        if (retired.status === "conflict") continue;
        return { name, cid: current.cid, status: "retired", sequence: retired.pointer?.sequence ?? null, rendered: true };
      }
      const key = inputKey(name);
      // The same input renders the same bytes: publishing them stores and moves nothing.
      const { cid, result: published } = await cache.publish(name, result.html, current?.retired ? { sequence: current.sequence, cid: null } : (current ?? { sequence: 0, cid: null }), [...io.resolver.reads], key, defer);
      if (published.status !== "conflict") {
        rememberPageCalls(env, key, calls, defer);
        return { name, cid, status: published.status, sequence: published.pointer?.sequence ?? current?.sequence ?? null, rendered: true };
      }
    }
    throw new Error(`${name}: the pointer kept moving under three re-renders`);
  } finally {
    for (const db of dbs) await db.close();
  }
}

/** Whether asking a page's written-down I/O calls again gives its current input key. */
async function sameInput(key: string | null, name: string, s: Site, request: Request, env: WorkerEnv, dbs: Db[], defer: Defer): Promise<boolean> {
  const written = key === null ? null : await hotCacheFrom(env)?.get(pageCallsKey(key)).catch(() => null);
  if (!written) return false;
  const ctx = evalContext(s, requestContext(s, request, env, dbs, new Map(), true), env, defer);
  const calls = await askAgain(written, ctx).catch(() => null);
  return calls !== null && inputKey(s.hasher, name, calls) === key;
}

/** A change happened: queue its re-renders, or run them now when there is no queue. */
export async function contentChanged(change: ContentChange, env: WorkerEnv, defer: Defer): Promise<{ queued: boolean; pages: PageChange[]; failed: { name: string; error: string }[] }> {
  const cache = PageCache.from(env);
  if (change.tables.length === 0 || !cache) return { queued: false, pages: [], failed: [] };
  if (env.INVALIDATIONS) {
    await env.INVALIDATIONS.send(change);
    return { queued: true, pages: [], failed: [] };
  }
  return { queued: false, ...(await invalidate(change.tables, await currentSite(), env, cache, defer)) };
}

/** The queue consumer: each change's re-renders; a failure is retried (the queue's max_retries). */
export async function consumeChanges(batch: MessageBatch<ContentChange>, env: WorkerEnv, context: ExecutionContext): Promise<void> {
  const cache = PageCache.from(env);
  if (!cache) return batch.ackAll();
  const s = await currentSite();
  for (const message of batch.messages) {
    const what = `content change (${message.body.by}; ${message.body.tables.join(", ")})`;
    try {
      const { pages, failed } = await invalidate(message.body.tables, s, env, cache, (p) => context.waitUntil(p));
      const count = (status: PageChange["status"]) => pages.filter((p) => p.status === status).length;
      const skipped = pages.filter((p) => !p.rendered).length;
      console.log(`${what}: ${pages.length + failed.length} pages read them: ${count("moved")} moved, ${count("unchanged")} unchanged (${skipped} without rendering), ${count("retired")} retired, ${failed.length} failed`);
      for (const f of failed) console.error(`${what}: ${f.name}: ${f.error}`);
      // Pages that did their part move nothing when delivered again, so a retry redoes only what failed.
      if (failed.length) message.retry();
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
  const cache = PageCache.from(env);
  if (!env.WEBHOOK_SECRET || !cache) return text(503, "Webhooks are not configured (WEBHOOK_SECRET, cache bindings)");
  const timestamp = request.headers.get("x-rose-timestamp") ?? "";
  const signature = request.headers.get("x-rose-signature") ?? "";
  const age = Math.abs(Date.now() / 1000 - Number(timestamp));
  if (!/^\d+$/.test(timestamp) || !(age <= WEBHOOK_WINDOW_S)) return text(401, "Stale or missing x-rose-timestamp");
  const body = await readText(request, WEBHOOK_MAX_BYTES);
  if (body === null) return text(413, `The body is larger than ${WEBHOOK_MAX_BYTES} bytes`);
  if (!(await verifyWebhookSignature(env.WEBHOOK_SECRET, timestamp, body, signature))) return text(401, "Bad x-rose-signature");
  if (!(await cache.index().firstUse(signature, (Number(timestamp) + WEBHOOK_WINDOW_S) * 1000 + 1000))) return text(409, "Replayed webhook refused");
  let tables: unknown;
  try {
    tables = (JSON.parse(body) as { tables?: unknown }).tables;
  } catch {
    return text(400, 'The body is JSON: {"tables": ["posts", ...]}');
  }
  if (!Array.isArray(tables) || !tables.every((t) => typeof t === "string")) return text(400, 'The body is JSON: {"tables": ["posts", ...]}');
  const { queued, pages, failed } = await contentChanged({ tables, by: `webhook ${signature.slice(0, 12)}` }, env, (p) => context.waitUntil(p));
  return Response.json(queued ? { tables, queued } : { tables, queued, pages, failed }, { status: queued ? 202 : 200 });
}

/** The body as text, or null (unread past the limit) when it is larger than `max` bytes, by its length or as it streams. */
async function readText(request: Request, max: number): Promise<string | null> {
  if (Number(request.headers.get("content-length")) > max) return null;
  if (!request.body) return "";
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.length;
    if (size > max) {
      await reader.cancel();
      return null;
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) (bytes.set(c, at), (at += c.length));
  return new TextDecoder().decode(bytes);
}

function text(status: number, body: string): Response {
  return new Response(body, { status, headers: { "content-type": "text/plain; charset=utf-8" } });
}
