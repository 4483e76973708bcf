/**
 * Publishing: each published post's document has a pointer of its own
 * (`fed:posts/<slug>`, the same Durable Objects as pages' and media's): the
 * CID of its source, and its Merkle hash as the input key. When the data
 * posts are made from changes, every post's document is described again;
 * one whose CID or hash is not the pointer's is sent to the followers of the
 * site and of its author — a `Create` on the pointer's first publish, an
 * `Update` after — and then the pointer moves (compare-and-swap). The same
 * version sends nothing; an activity sent twice has one id (by the hash), so
 * receivers take it in once, and they fetch the object again anyway.
 */
import type { Context, Federation } from "@fedify/fedify";
import { Create, Update } from "@fedify/vocab";
import { untrusted } from "@rose-ash/sexp";
import type { Defer, WorkerEnv } from "../env.ts";
import { tablesRead } from "../invalidate.ts";
import type { Site } from "../site.ts";
import { namedPointersFrom, warmTierFrom } from "../tiers.ts";
import { fedData, type FedData } from "./context.ts";
import { SITE_ACTOR, activityId, describePost, postDocument, postPointer } from "./documents.ts";
import { federationFor } from "./federation.ts";
import { instant } from "./instant.ts";
import type { Follower } from "./store.ts";

export interface Published {
  readonly created: string[];
  readonly updated: string[];
  /** Slugs of posts that could not be sent (tried again on the next change). */
  readonly failed: string[];
}

/** The largest s-expression other instances take in (the untrusted policy's source limit): a larger post is not sent. */
const MAX_FEDERATED_SOURCE = untrusted.limits.maxSourceBytes ?? Infinity;

/** Describe every post again, send those that changed a Create or an Update, and move their pointers. */
export async function publishPosts(ctx: Context<FedData>): Promise<Published> {
  const names = namedPointersFrom(ctx.data.env);
  const published: Published = { created: [], updated: [], failed: [] };
  if (!names) return published;
  const { store, site } = ctx.data;
  const definitions = site.app.env.allDefinitions();
  const warm = warmTierFrom(ctx.data.env);
  const siteFollowers = await store.followers(SITE_ACTOR);
  // One post failing (a follower's inbox, a queue) does not stop the others; it is sent again on the next change.
  for (const post of await store.posts()) {
    try {
      const d = await describePost(post, definitions, ctx.canonicalOrigin);
      if (d.source.length > MAX_FEDERATED_SOURCE) {
        console.warn(`federation: ${post.slug} is not published: its s-expression is ${d.source.length} bytes, more than others take in (${MAX_FEDERATED_SOURCE})`);
        continue;
      }
      const name = postPointer(post);
      const current = await names.current(name, true);
      const live = current && !current.retired ? current : null;
      // The pointer keeps the CID of the source and, as its input key, the hash (which also moves when a definition it uses changes).
      if (live && live.cid === d.cid && live.inputKey === d.hash) continue;
      // The bytes first: a pointer never names what the warm tier cannot serve.
      if (warm) await warm.store.put(new TextEncoder().encode(d.source));
      const document = await postDocument(ctx, post, d);
      const first = live === null;
      const values = { actor: document.attributionId, to: document.toId, ccs: document.ccIds };
      // Its id names the version (the pointer's next sequence and the hash): sent twice, it is taken in once.
      const id = activityId(document.id!, first ? "create" : "update", (current?.sequence ?? 0) + 1, d.hash);
      const activity = first
        ? new Create({ id, ...values, object: document, published: document.published })
        : new Update({ id, ...values, object: document, updated: instant() });
      const recipients = distinct([...siteFollowers, ...(await store.followers(post.handle))]);
      // Sent before the pointer moves: if sending fails, the next change sends it again; nothing is lost.
      if (recipients.length) {
        await ctx.sendActivity({ identifier: post.handle }, recipients.map(recipientOf), activity, { preferSharedInbox: true });
      }
      // A conflict is another publisher that got there first, and sent too.
      await names.publish(name, d.cid, { sequence: current?.sequence ?? 0, cid: live?.cid ?? null }, d.hash);
      (first ? published.created : published.updated).push(document.id!.href);
    } catch (e) {
      console.error(`federation: publishing ${post.slug} failed: ${e instanceof Error ? e.message : String(e)}`);
      published.failed.push(post.slug);
    }
  }
  return published;
}

/** Whether a change to these tables can change what posts federate as. */
export function changesPosts(site: Site, tables: readonly string[]): boolean {
  const posts = site.app.env.query("federation", "posts");
  if (!posts) return false;
  const read = new Set(tablesRead(posts.sql));
  return tables.some((t) => read.has(t.toLowerCase()));
}

/**
 * After a content change: publish the posts' documents again, when the
 * change could touch them and this instance knows its public origin (the
 * change's, else PUBLIC_ORIGIN).
 */
export async function federateChange(tables: readonly string[], origin: string | undefined, site: Site, env: WorkerEnv, defer: Defer, changed: FedData["changed"]): Promise<Published | null> {
  if (!changesPosts(site, tables)) return null;
  // The site's public origin names its actors and objects; a change's own request's, where none is set (development).
  const at = env.PUBLIC_ORIGIN ?? origin;
  const fed = federationFor(env);
  if (!at || !fed) {
    if (!at) console.warn("federation: posts changed, but this instance's public origin is not known (PUBLIC_ORIGIN): nothing was published");
    return null;
  }
  return withContext(fed, at, fedData(site, env, defer, changed), publishPosts);
}

/** Run `work` in a Fedify context of this origin, the data's database connection closed after. */
export async function withContext<T>(fed: Federation<FedData>, origin: string, { data, close }: ReturnType<typeof fedData>, work: (ctx: Context<FedData>) => Promise<T>): Promise<T> {
  try {
    return await work(fed.createContext(new URL(origin), data));
  } finally {
    await close();
  }
}

function distinct(followers: readonly Follower[]): Follower[] {
  return [...new Map(followers.map((f) => [f.follower, f])).values()];
}

function recipientOf(f: Follower) {
  return { id: new URL(f.follower), inboxId: new URL(f.inbox), endpoints: f.shared_inbox ? { sharedInbox: new URL(f.shared_inbox) } : null };
}
