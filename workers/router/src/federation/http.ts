/**
 * Federation over HTTP, and its queue.
 *
 * /.well-known/webfinger, /.well-known/nodeinfo, /nodeinfo/2.1, /ap/...
 *                              Fedify: actors, inboxes, outboxes, followers, posts
 * GET  /ap/definitions/<hash>  a definition as a Document (by its Merkle hash)
 * GET  /ap/components/<name>   a shared component as a Document (its version now)
 * GET  /ap/pages/<slug>        a shared page as a Document (its data now)
 * GET  /_sexp/federation       the operator's view (HTML, or JSON when asked)
 * POST /_sexp/federation/follow    `account=<actor URL or user@host>`: follow it
 * POST /_sexp/federation/unfollow  `account=<actor URL>`: stop following it (an Undo of the Follow)
 * POST /_sexp/federation/publish   publish the components and posts now (what changed; Deletes of what is gone)
 * queue rose-ash-federation    deliveries (Fedify's outbox and fan-out)
 */
import type { Context } from "@fedify/fedify";
import { Follow, Undo, isActor, type Actor } from "@fedify/vocab";
import { Keyword, apply, fromJson, type Value } from "@rose-ash/sexp";
import { contentChanged } from "../content-changes.ts";
import { deferTo, type Defer, type WorkerEnv } from "../env.ts";
import { notFound, operatorOnly, operatorPage } from "../operator.ts";
import { currentSite, readForm } from "../render.ts";
import type { Site } from "../site.ts";
import { fedData, withContext, type FedData } from "./context.ts";
import { SITE_ACTOR, componentDocument, definitionDocument, describePage, pageDocument, sharedComponents, sharedPages } from "./documents.ts";
import { federationFor } from "./federation.ts";
import { publishAll } from "./publish.ts";

const unavailable = () => Response.json({ error: "Federation is not configured here (it needs the HOT KV namespace)" }, { status: 503 });

function dataFor(s: Site, env: WorkerEnv, defer: Defer) {
  return fedData(s, env, defer, (c) => contentChanged(c, env, defer));
}

/** What Fedify answers: WebFinger, NodeInfo, actors, inboxes, collections, posts. */
export async function federationRequest(request: Request, env: WorkerEnv, context: ExecutionContext): Promise<Response> {
  const fed = federationFor(env);
  if (!fed) return unavailable();
  if (request.method === "POST" && INBOX.test(new URL(request.url).pathname)) {
    const tooLarge = () => new Response(`An activity is at most ${INBOX_MAX_BYTES} bytes`, { status: 413 });
    if (Number(request.headers.get("content-length") ?? 0) > INBOX_MAX_BYTES) return tooLarge();
    const body = await request.text();
    if (body.length > INBOX_MAX_BYTES) return tooLarge();
    const refused = signerElsewhere(request.headers, body);
    if (refused) return new Response(refused, { status: 401, headers: { "content-type": "text/plain; charset=utf-8" } });
    // (The router's request is its own proxy object: a new Request is made from its parts.)
    request = new Request(request.url, { method: "POST", headers: request.headers, body });
  }
  const defer = deferTo(context);
  const { data, close } = dataFor(await currentSite(), env, defer);
  try {
    return await fed.fetch(request, {
      contextData: data,
      onNotFound: notFound,
      onNotAcceptable: () =>
        new Response("This is an ActivityPub resource: ask for it as application/activity+json.", { status: 406, headers: { vary: "Accept", "content-type": "text/plain; charset=utf-8" } }),
    });
  } finally {
    defer(close());
  }
}

const INBOX = /^\/ap\/(?:users\/[^/]+\/)?inbox$/;
/** The largest activity an inbox reads (Mastodon's own limit is 1 MB too). */
const INBOX_MAX_BYTES = 1024 * 1024;

/**
 * Why an activity is refused before Fedify sees it: a key that signed it
 * (its HTTP signature's keyId, cavage or RFC 9421, or an object proof's
 * verification method) is not on the actor's server. Fedify takes a key's
 * own word for who owns it, so a key on one server could speak for an actor
 * on another; the key must at least be where the actor is. Null when it is.
 */
export function signerElsewhere(headers: Headers, body: string): string | null {
  let activity: { actor?: unknown; proof?: unknown };
  try {
    activity = JSON.parse(body) as typeof activity;
  } catch {
    return null; // not JSON: Fedify answers it
  }
  const actor = typeof activity.actor === "string" ? activity.actor : (activity.actor as { id?: unknown } | null)?.id;
  if (typeof actor !== "string") return null;
  const keys = [
    ...[...(headers.get("signature") ?? "").matchAll(/keyId="([^"]+)"/gi)].map((m) => m[1]!),
    ...[...(headers.get("signature-input") ?? "").matchAll(/keyid="([^"]+)"/gi)].map((m) => m[1]!),
    ...[activity.proof].flat().flatMap((p) => (p && typeof (p as { verificationMethod?: unknown }).verificationMethod === "string" ? [(p as { verificationMethod: string }).verificationMethod] : [])),
  ];
  const origin = originOf(actor);
  const elsewhere = keys.find((k) => originOf(k) !== origin);
  return elsewhere === undefined ? null : `The key ${elsewhere} is not on the server of the activity's actor (${actor})`;
}

function originOf(url: string): string | null {
  try {
    return new URL(url).origin;
  } catch {
    return null;
  }
}

/** `GET /ap/definitions/<hash>`: the site's definition with that Merkle hash. What a hash names never changes. */
export async function definitionRequest(request: Request, env: WorkerEnv, context: ExecutionContext, hash: string): Promise<Response> {
  const fed = federationFor(env);
  if (!fed) return unavailable();
  return withContext(fed, new URL(request.url).origin, dataFor(await currentSite(), env, deferTo(context)), async (ctx) => {
    const doc = await definitionDocument(ctx, hash);
    return doc ? activityJson(ctx, doc, "public, max-age=86400") : notFound();
  });
}

/** `GET /ap/components/<name>`: a component the site shares, as it is now (it moves with deploys: not cached for long). */
export async function componentRequest(request: Request, env: WorkerEnv, context: ExecutionContext, name: string): Promise<Response> {
  const fed = federationFor(env);
  if (!fed) return unavailable();
  const s = await currentSite();
  return withContext(fed, new URL(request.url).origin, dataFor(s, env, deferTo(context)), async (ctx) => {
    const d = (await sharedComponents(s)).find((c) => c.name === name);
    return d ? activityJson(ctx, componentDocument(ctx, d), "public, max-age=60") : notFound();
  });
}

/** `GET /ap/pages/<slug>`: a page the site shares, with its data as it is now. */
export async function pageRequest(request: Request, env: WorkerEnv, context: ExecutionContext, slug: string): Promise<Response> {
  const fed = federationFor(env);
  if (!fed) return unavailable();
  const s = await currentSite();
  const page = sharedPages(s).find((p) => p.slug === slug);
  if (!page) return notFound();
  return withContext(fed, new URL(request.url).origin, dataFor(s, env, deferTo(context)), async (ctx) => {
    const d = await describePage(page, await ctx.data.store.rows(page.query), s.app.env.allDefinitions());
    return activityJson(ctx, pageDocument(ctx, page, d), "no-cache");
  });
}

async function activityJson(ctx: Context<FedData>, doc: { toJsonLd(o: { contextLoader: Context<FedData>["contextLoader"] }): Promise<unknown> }, cacheControl: string): Promise<Response> {
  return new Response(JSON.stringify(await doc.toJsonLd({ contextLoader: ctx.contextLoader })), {
    headers: { "content-type": "application/activity+json", "cache-control": cacheControl },
  });
}

/** What the operator's page shows, as JSON. */
async function overview(ctx: Context<FedData>) {
  const { store } = ctx.data;
  const [following, followers, documents, components, activities] = await Promise.all([store.following(), store.allFollowers(), store.documents(), store.components(), store.activities(50)]);
  return {
    actor: ctx.getActorUri(SITE_ACTOR).href,
    handle: `${SITE_ACTOR}@${ctx.host}`,
    following,
    followers,
    documents: documents.map((d) => ({ ...d, local: `/fed/${d.handle}/${d.slug}/` })),
    components: components.map((c) => ({ ...c, local: `/fed/components/${c.instance}/${encodeURIComponent(c.name)}/` })),
    activities,
  };
}

/** `GET /_sexp/federation`: whom this instance follows, its followers, what it received, the last activities and what came of them. */
export async function federationPage(request: Request, env: WorkerEnv, context: ExecutionContext): Promise<Response> {
  const fed = federationFor(env);
  if (!fed) return unavailable();
  const origin = new URL(request.url).origin;
  if (wantsJson(request)) {
    return operatorOnly(request, env, context, (s, _dbs, defer) =>
      withContext(fed, origin, dataFor(s, env, defer), async (ctx) => Response.json(await overview(ctx), { headers: { "cache-control": "no-store" } })),
    );
  }
  return operatorPage(request, env, context, (s, evalCtx, _dbs, defer) =>
    withContext(fed, origin, dataFor(s, env, defer), async (ctx) => {
      const o = await overview(ctx);
      const args = Object.entries({ "actor-url": o.actor, handle: o.handle, following: o.following, followers: o.followers, documents: o.documents, components: o.components, activities: o.activities });
      return (await apply(s.app.env.lookup("~federation-page") as Value, args.flatMap(([k, v]) => [Keyword.of(k), fromJson(v)]), evalCtx)) as Value;
    }),
  );
}

/** An operator's action on this instance's actor: 503 without federation, the operator gate, then a Fedify context. */
function asOperator(request: Request, env: WorkerEnv, context: ExecutionContext, act: (ctx: Context<FedData>) => Promise<Response>): Promise<Response> {
  const fed = federationFor(env);
  if (!fed) return Promise.resolve(unavailable());
  return operatorOnly(request, env, context, (s, _dbs, defer) => withContext(fed, new URL(request.url).origin, dataFor(s, env, defer), act));
}

/** `POST /_sexp/federation/follow`: this instance's actor follows an account (an actor's URL, or user@host). */
export async function followRequest(request: Request, env: WorkerEnv, context: ExecutionContext): Promise<Response> {
  return asOperator(request, env, context, async (ctx) => {
    const account = (await readAccount(request)).trim();
    if (!account) return answer(request, 400, { error: "Say which account to follow: account=<an actor's URL, or user@host>" });
    const target = await findActor(ctx, account);
    if (!target?.id || !target.inboxId) return answer(request, 404, { error: `No ActivityPub actor found for ${account}` });
    const followId = new URL(`#follows/${crypto.randomUUID()}`, ctx.getActorUri(SITE_ACTOR));
    const handle = `${target.preferredUsername?.toString() ?? "actor"}@${target.id.host}`;
    await ctx.data.store.follow(target.id.href, handle, target.inboxId.href, followId.href);
    await ctx.sendActivity({ identifier: SITE_ACTOR }, target, new Follow({ id: followId, actor: ctx.getActorUri(SITE_ACTOR), object: target.id }));
    return answer(request, 202, { following: target.id.href, handle, state: "pending" });
  });
}

/** `POST /_sexp/federation/unfollow`: this instance's actor stops following an actor it follows (by its URL): an Undo of its Follow is sent. */
export async function unfollowRequest(request: Request, env: WorkerEnv, context: ExecutionContext): Promise<Response> {
  return asOperator(request, env, context, async (ctx) => {
    const account = (await readAccount(request)).trim();
    const followed = account ? await ctx.data.store.followed(account) : null;
    if (!followed) return answer(request, 404, { error: account ? `This instance does not follow ${account}` : "Say which actor to stop following: account=<its URL>" });
    const actor = ctx.getActorUri(SITE_ACTOR);
    const follow = new Follow({ id: new URL(followed.follow_id), actor, object: new URL(followed.remote) });
    const recipient = { id: new URL(followed.remote), inboxId: new URL(followed.inbox) };
    // The Undo is on its way (queued) before the row goes: if sending fails, the operator can ask again.
    await ctx.sendActivity({ identifier: SITE_ACTOR }, recipient, new Undo({ id: new URL(`#undo/${crypto.randomUUID()}`, actor), actor, object: follow }));
    await ctx.data.store.unfollow(followed.remote);
    return answer(request, 200, { unfollowed: followed.remote, handle: followed.handle });
  });
}

/** `POST /_sexp/federation/publish`: describe every component and post again now, send what moved, delete what is gone. */
export async function publishRequest(request: Request, env: WorkerEnv, context: ExecutionContext): Promise<Response> {
  return asOperator(request, env, context, async (ctx) => answer(request, 200, await publishAll(ctx)));
}

/** The Worker's queue handler for rose-ash-federation: each message is one of Fedify's tasks; a failure is retried by the Queue. */
export async function consumeFederation(batch: MessageBatch<unknown>, env: WorkerEnv, context: ExecutionContext): Promise<void> {
  const fed = federationFor(env);
  if (!fed) return batch.ackAll();
  const s = await currentSite();
  const defer = deferTo(context);
  for (const message of batch.messages) {
    const { data, close } = dataFor(s, env, defer);
    try {
      await fed.processQueuedTask(data, message.body as Parameters<typeof fed.processQueuedTask>[1]);
      message.ack();
    } catch (e) {
      console.error(`federation delivery failed, attempt ${message.attempts}: ${e instanceof Error ? e.message : String(e)}`);
      message.retry({ delaySeconds: Math.min(600, 2 ** message.attempts) });
    } finally {
      await close();
    }
  }
}

/**
 * An actor by URL or handle. A handle is looked up with WebFinger over
 * https; where private addresses are allowed (two local instances), over
 * plain http first (https to a plain-http port only times out).
 */
async function findActor(ctx: Context<FedData>, account: string): Promise<Actor | null> {
  const handle = /^@?([^@\s/]+)@([^@\s/]+)$/.exec(account);
  const self = handle && ctx.data.env.FEDERATION_ALLOW_PRIVATE_ADDRESS === "true" ? await plainWebFinger(handle[1]!, handle[2]!) : null;
  const found = await ctx.lookupObject(self ?? account).catch(() => null);
  return isActor(found) ? found : null;
}

/** The actor URL plain-http WebFinger gives for user@host, or null. */
async function plainWebFinger(user: string, host: string): Promise<string | null> {
  const resource = encodeURIComponent(`acct:${user}@${host}`);
  const jrd = (await fetch(`http://${host}/.well-known/webfinger?resource=${resource}`, { signal: AbortSignal.timeout(5000) }).then(
    (r) => (r.ok ? r.json() : null),
    () => null,
  )) as { links?: { rel?: string; type?: string; href?: string }[] } | null;
  return jrd?.links?.find((l) => l.rel === "self" && l.href && /activity\+json|ld\+json/.test(l.type ?? ""))?.href ?? null;
}

function wantsJson(request: Request): boolean {
  return /application\/json/.test(request.headers.get("accept") ?? "") || (request.headers.get("content-type") ?? "").includes("application/json");
}

async function readAccount(request: Request): Promise<string> {
  if ((request.headers.get("content-type") ?? "").includes("application/json")) {
    const body = (await request.json().catch(() => null)) as { account?: unknown } | null;
    return typeof body?.account === "string" ? body.account : "";
  }
  return (await readForm(request)).get("account") ?? "";
}

/** JSON for scripts; a browser's form goes back to the operator's page. */
function answer(request: Request, status: number, body: object): Response {
  if (wantsJson(request) || status >= 400) return Response.json(body, { status, headers: { "cache-control": "no-store" } });
  return new Response(null, { status: 303, headers: { location: "/_sexp/federation" } });
}
