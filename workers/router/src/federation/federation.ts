/**
 * The Fedify federation of this instance: its actors (the instance's own,
 * `site`, and one per author of published posts) with WebFinger, keys,
 * inboxes, outboxes and followers; its posts as `Document`s; NodeInfo. Built
 * per request, as Fedify's Workers example does: the bindings are the
 * request's. Outgoing activities go through the FEDERATION_QUEUE (sent by
 * the Worker's queue handler, retried by the Queue); incoming ones are
 * handled as they arrive (inbox.ts), once each.
 */
import { createFederation, type Federation } from "@fedify/fedify";
import { Application, Create, Document, Endpoints, Person } from "@fedify/vocab";
import type { WorkerEnv } from "../env.ts";
import type { FedData } from "./context.ts";
import { SITE_ACTOR, activityId, componentDocument, describePage, describePost, pageDocument, postDocument, sharedComponents, sharedPages } from "./documents.ts";
import { listenToInbox } from "./inbox.ts";
import { actorKeyPairs } from "./keys.ts";
import { workersKvStore } from "./kv-store.ts";
import { workersQueue } from "./queue.ts";

export const SOFTWARE = { name: "rose-ash-edge", version: "0.1.0" };

/** The federation, or null where there is no KV namespace for Fedify's caches (the HOT binding). */
export function federationFor(env: WorkerEnv): Federation<FedData> | null {
  if (!env.HOT) return null;
  const queue = env.FEDERATION_QUEUE ? workersQueue(env.FEDERATION_QUEUE) : null;
  const fed = createFederation<FedData>({
    kv: workersKvStore(env.HOT),
    ...(queue ? { queue: { outbox: queue, fanout: queue } } : {}),
    // The Worker's queue() handler delivers; nothing listens.
    manuallyStartQueue: true,
    // Where it is public, the site's actors and objects are named by that origin whichever host a request came to.
    ...(env.PUBLIC_ORIGIN ? { origin: env.PUBLIC_ORIGIN } : {}),
    allowPrivateAddress: env.FEDERATION_ALLOW_PRIVATE_ADDRESS === "true",
    userAgent: { software: `${SOFTWARE.name}/${SOFTWARE.version}` },
  });

  fed
    .setActorDispatcher("/ap/users/{identifier}", async (ctx, identifier) => {
      const keys = await ctx.getActorKeyPairs(identifier);
      const common = {
        id: ctx.getActorUri(identifier),
        preferredUsername: identifier,
        inbox: ctx.getInboxUri(identifier),
        endpoints: new Endpoints({ sharedInbox: ctx.getInboxUri() }),
        outbox: ctx.getOutboxUri(identifier),
        followers: ctx.getFollowersUri(identifier),
        publicKey: keys[0]?.cryptographicKey ?? null,
        assertionMethods: keys.map((k) => k.multikey),
        manuallyApprovesFollowers: false,
        discoverable: true,
      };
      if (identifier === SITE_ACTOR) {
        const name = ctx.data.env.INSTANCE_NAME ? `Rose Ash (${ctx.data.env.INSTANCE_NAME})` : "Rose Ash";
        return new Application({ ...common, name, summary: "The site: its shared pages and components, as s-expressions.", url: new URL("/", ctx.canonicalOrigin) });
      }
      const author = await ctx.data.store.author(identifier);
      if (!author) return null;
      return new Person({ ...common, name: author.name, summary: `Posts on the Rose Ash blog by ${author.name}.`, url: new URL("/blog/", ctx.canonicalOrigin) });
    })
    .setKeyPairsDispatcher(async (ctx, identifier) => {
      if (identifier !== SITE_ACTOR && !(await ctx.data.store.author(identifier))) return [];
      return actorKeyPairs(ctx.data.store, identifier);
    });

  fed.setFollowersDispatcher("/ap/users/{identifier}/followers", async (ctx, identifier) => {
    const followers = await ctx.data.store.followers(identifier);
    return {
      items: followers.map((f) => ({
        id: new URL(f.follower),
        inboxId: new URL(f.inbox),
        endpoints: f.shared_inbox ? { sharedInbox: new URL(f.shared_inbox) } : null,
      })),
    };
  });

  // An outbox: the Create of each document as it is now (its first version's id) — an author's posts; the site's components and shared pages.
  fed.setOutboxDispatcher("/ap/users/{identifier}/outbox", async (ctx, identifier) => {
    const definitions = ctx.data.site.app.env.allDefinitions();
    const created = (document: Document, hash: string) =>
      new Create({ id: activityId(document.id!, "create", 1, hash), actor: document.attributionId, object: document, to: document.toId, ccs: document.ccIds, published: document.published });
    if (identifier === SITE_ACTOR) {
      const pages = await Promise.all(
        sharedPages(ctx.data.site).map(async (page) => {
          const d = await describePage(page, await ctx.data.store.rows(page.query), definitions);
          return created(pageDocument(ctx, page, d), d.hash);
        }),
      );
      const components = (await sharedComponents(ctx.data.site)).map((d) => created(componentDocument(ctx, d), d.hash));
      return { items: [...pages, ...components] };
    }
    const posts = (await ctx.data.store.posts()).filter((p) => p.handle === identifier);
    const items = await Promise.all(posts.map(async (post) => {
      const d = await describePost(post, definitions, ctx.canonicalOrigin);
      return created(await postDocument(ctx, post, d), d.hash);
    }));
    return { items: items.reverse() };
  });

  fed.setObjectDispatcher(Document, "/ap/posts/{slug}", async (ctx, { slug }) => {
    const post = await ctx.data.store.post(slug);
    return post ? postDocument(ctx, post, await describePost(post, ctx.data.site.app.env.allDefinitions(), ctx.canonicalOrigin)) : null;
  });

  fed.setNodeInfoDispatcher("/nodeinfo/2.1", async (ctx) => {
    const [authors, posts] = await Promise.all([ctx.data.store.authors(), ctx.data.store.posts()]);
    return {
      software: { name: SOFTWARE.name, version: SOFTWARE.version, homepage: new URL("/", ctx.canonicalOrigin) },
      protocols: ["activitypub"],
      openRegistrations: false,
      usage: { users: { total: authors.length + 1, activeMonth: authors.length, activeHalfyear: authors.length }, localPosts: posts.length, localComments: 0 },
      metadata: { sexpMediaType: "application/x-rose-sexp" },
    };
  });

  listenToInbox(fed);
  return fed;
}
