/**
 * Publishing: every object this instance federates has a pointer of its own
 * (the same Durable Objects as pages' and media's) — a post's document
 * `fed:posts/<slug>`, a shared component's `fed:definitions/<name>` — with
 * the CID of its source, and its Merkle hash as the input key. Each time,
 * every object is described again; one whose CID or hash is not its
 * pointer's is sent to its actor's followers (a post's author's and the
 * site's; a component's, the site's) — a `Create` on the pointer's first
 * publish, an `Update` after — and then the pointer moves (compare-and-swap).
 * The same version sends nothing; an activity sent twice has one id (by the
 * hash), so receivers take it in once, and they fetch the object again
 * anyway.
 *
 * Each set (`fed:posts`, `fed:definitions`) has a pointer too, at the CID of
 * its index (each object's pointer, id and actor, kept in the warm tier): an
 * object gone from the set since (a post unpublished or deleted, a component
 * no longer shared) is sent a `Delete` of its id, and its pointer retired.
 */
import type { Context } from "@fedify/fedify";
import { Create, Delete, Document, PUBLIC_COLLECTION, Tombstone, Update } from "@fedify/vocab";
import { sha3Hex, untrusted } from "@rose-ash/sexp";
import type { NamedPointerStore } from "@rose-ash/executor";
import { namedPointersFrom, warmTierFrom } from "../tiers.ts";
import type { FedData } from "./context.ts";
import {
  COMPONENTS_SET,
  PAGES_SET,
  POSTS_SET,
  SITE_ACTOR,
  activityId,
  componentDocument,
  componentPointer,
  componentUri,
  describePage,
  describePost,
  pageDocument,
  pagePointer,
  pageUri,
  postDocument,
  postPointer,
  sharedComponents,
  sharedPages,
} from "./documents.ts";
import { instant } from "./instant.ts";
import type { Follower } from "./store.ts";

export interface Published {
  readonly created: string[];
  readonly updated: string[];
  readonly deleted: string[];
  /** What could not be sent (tried again on the next change). */
  readonly failed: string[];
}

/** The largest s-expression other instances take in (the untrusted policy's source limit): a larger post is not sent. */
const MAX_FEDERATED_SOURCE = untrusted.limits.maxSourceBytes ?? Infinity;

/** One object as it is published now. */
interface Publication {
  /** What the log calls it: a post's slug, a component's name. */
  readonly what: string;
  readonly pointer: string;
  readonly id: URL;
  /** The local actor that publishes it. */
  readonly actor: string;
  readonly source: string;
  readonly cid: string;
  readonly hash: string;
  readonly document: () => Promise<Document>;
}

type Warm = ReturnType<typeof warmTierFrom>;

/** The site's components, its shared pages, then its posts: each sent where it changed, each gone one deleted. */
export async function publishAll(ctx: Context<FedData>): Promise<Published> {
  const names = namedPointersFrom(ctx.data.env);
  const warm = warmTierFrom(ctx.data.env);
  const published: Published = { created: [], updated: [], deleted: [], failed: [] };
  if (!names) return published;
  const followers = followersOf(ctx);
  const sets: [string, () => Promise<Publication[]>][] = [
    [COMPONENTS_SET, () => componentPublications(ctx)],
    [PAGES_SET, () => pagePublications(ctx)],
    [POSTS_SET, () => postPublications(ctx)],
  ];
  // One kind failing (its query, its pointer) does not keep the others from going out.
  for (const [set, items] of sets) {
    try {
      await publishSet(ctx, names, warm, set, await items(), followers, published);
    } catch (e) {
      console.error(`federation: publishing ${set} failed: ${e instanceof Error ? e.message : String(e)}`);
      published.failed.push(set);
    }
  }
  return published;
}

/** The shared components as published now (documents.ts's sharedComponents). */
async function componentPublications(ctx: Context<FedData>): Promise<Publication[]> {
  return (await sharedComponents(ctx.data.site)).map((d) => ({
    what: d.name,
    pointer: componentPointer(d.name),
    id: componentUri(ctx.canonicalOrigin, d.name),
    actor: SITE_ACTOR,
    source: d.source,
    cid: d.cid,
    hash: d.hash,
    document: async () => componentDocument(ctx, d),
  }));
}

/** The shared pages as they are now: each its component called with its query's rows. */
async function pagePublications(ctx: Context<FedData>): Promise<Publication[]> {
  const definitions = ctx.data.site.app.env.allDefinitions();
  const out: Publication[] = [];
  for (const page of sharedPages(ctx.data.site)) {
    const d = await describePage(page, await ctx.data.store.rows(page.query), definitions);
    out.push({
      what: page.slug,
      pointer: pagePointer(page.slug),
      id: pageUri(ctx.canonicalOrigin, page.slug),
      actor: SITE_ACTOR,
      source: d.source,
      cid: d.cid,
      hash: d.hash,
      document: async () => pageDocument(ctx, page, d),
    });
  }
  return out;
}

/** The published posts as their documents are now. */
async function postPublications(ctx: Context<FedData>): Promise<Publication[]> {
  const definitions = ctx.data.site.app.env.allDefinitions();
  const out: Publication[] = [];
  for (const post of await ctx.data.store.posts()) {
    const d = await describePost(post, definitions, ctx.canonicalOrigin);
    out.push({
      what: post.slug,
      pointer: postPointer(post),
      id: ctx.getObjectUri(Document, { slug: post.slug }),
      actor: post.handle,
      source: d.source,
      cid: d.cid,
      hash: d.hash,
      document: () => postDocument(ctx, post, d),
    });
  }
  return out;
}

/**
 * Publish a set: each object that changed, then (where the set's index
 * moved) a Delete of each object gone from it since. One object failing (a
 * follower's inbox, a queue) does not stop the others; it is sent again next
 * time, and so is a Delete that could not be sent. The set's pointer keeps,
 * as its input key, the versions of all its objects: where none moved (the
 * components between deploys, the posts when a change touched none), one
 * look at it is all, not one at each object's pointer.
 */
async function publishSet(ctx: Context<FedData>, names: NamedPointerStore, warm: Warm, set: string, items: readonly Publication[], followers: (actor: string) => Promise<Follower[]>, published: Published): Promise<void> {
  const versions = sha3Hex(items.map((i) => `${i.pointer}\t${i.cid}\t${i.hash}`).sort().join("\n"));
  // Without a warm tier there is no index to keep: nothing is known to be gone, and each object is looked at.
  const current = warm ? await names.current(set, true) : null;
  const live = current && !current.retired ? current : null;
  if (live?.inputKey === versions) return;
  let failed = false;
  for (const item of items) {
    try {
      const sent = await publishOne(ctx, names, warm, item, followers);
      if (sent) published[sent].push(item.id.href);
    } catch (e) {
      console.error(`federation: publishing ${item.what} failed: ${e instanceof Error ? e.message : String(e)}`);
      published.failed.push(item.what);
      failed = true;
    }
  }
  if (!warm) return;
  const before = live ? await warm.store.get(live.cid) : null;
  // What could not be deleted stays in the index, to be tried again; the rest moves on.
  const pending: IndexEntry[] = [];
  for (const gone of goneFrom(before ? new TextDecoder().decode(before) : "", items)) {
    try {
      await deleteOne(ctx, names, gone, followers);
      published.deleted.push(gone.id);
    } catch (e) {
      console.error(`federation: deleting ${gone.id} failed: ${e instanceof Error ? e.message : String(e)}`);
      published.failed.push(gone.id);
      pending.push(gone);
    }
  }
  const index = indexOf([...items.map((i) => ({ pointer: i.pointer, id: i.id.href, actor: i.actor })), ...pending]);
  const cid = await warm.store.put(new TextEncoder().encode(index));
  // Where something failed, a key that is not the versions': the next time looks at every object again.
  const key = failed || pending.length ? sha3Hex(`${versions}\n${index}`) : versions;
  await names.publish(set, cid, { sequence: current?.sequence ?? 0, cid: live?.cid ?? null }, key);
}

/** Send an object's Create or Update where its pointer is not at it, then move the pointer; what was sent, or null. */
async function publishOne(ctx: Context<FedData>, names: NamedPointerStore, warm: Warm, item: Publication, followers: (actor: string) => Promise<Follower[]>): Promise<"created" | "updated" | null> {
  if (item.source.length > MAX_FEDERATED_SOURCE) {
    console.warn(`federation: ${item.what} is not published: its s-expression is ${item.source.length} bytes, more than others take in (${MAX_FEDERATED_SOURCE})`);
    return null;
  }
  const current = await names.current(item.pointer, true);
  const live = current && !current.retired ? current : null;
  // The pointer keeps the CID of the source and, as its input key, the hash (which also moves when a definition it uses changes).
  if (live && live.cid === item.cid && live.inputKey === item.hash) return null;
  // The bytes first: a pointer never names what the warm tier cannot serve.
  if (warm) await warm.store.put(new TextEncoder().encode(item.source));
  const document = await item.document();
  const first = live === null;
  const values = { actor: ctx.getActorUri(item.actor), to: document.toId, ccs: document.ccIds };
  // Its id names the version (the pointer's next sequence and the hash): sent twice, it is taken in once. An
  // Update's also names when it was sent: a pointer that goes back to a CID keeps its sequence (A, B, A, B).
  const id = activityId(item.id, first ? "create" : "update", (current?.sequence ?? 0) + 1, item.hash, first ? undefined : Date.now());
  const activity = first
    ? new Create({ id, ...values, object: document, published: document.published ?? instant() })
    : new Update({ id, ...values, object: document, updated: instant() });
  // Sent before the pointer moves: if sending fails, the next time sends it again; nothing is lost.
  await send(ctx, item.actor, await followers(item.actor), activity);
  // A conflict is another publisher that got there first, and sent too.
  await names.publish(item.pointer, item.cid, { sequence: current?.sequence ?? 0, cid: live?.cid ?? null }, item.hash);
  return first ? "created" : "updated";
}

/** An object gone from its set: its Delete (a Tombstone of its id) sent, its pointer retired. */
async function deleteOne(ctx: Context<FedData>, names: NamedPointerStore, gone: IndexEntry, followers: (actor: string) => Promise<Follower[]>): Promise<void> {
  const current = await names.current(gone.pointer, true);
  if (!current || current.retired) return;
  const object = new URL(gone.id);
  // An author with no published post left is no actor any more (no keys to sign with): the site speaks for its instance.
  const actor = gone.actor === SITE_ACTOR || (await ctx.data.store.author(gone.actor)) ? gone.actor : SITE_ACTOR;
  const activity = new Delete({
    id: activityId(object, "delete", current.sequence + 1, current.inputKey ?? current.cid),
    actor: ctx.getActorUri(actor),
    object: new Tombstone({ id: object, deleted: instant() }),
    to: PUBLIC_COLLECTION,
    ccs: [ctx.getFollowersUri(gone.actor), ctx.getFollowersUri(SITE_ACTOR)],
  });
  await send(ctx, actor, await followers(gone.actor), activity);
  await names.retire(gone.pointer, current.sequence);
}

/**
 * Send the site's shared components, as they are, to one new follower of
 * the site: what it needs to render this site's documents, which it would
 * otherwise have only at their next change. Their ids name the version, as
 * publishing's do (sequence 0: before any move).
 */
export async function sendComponentsTo(ctx: Context<FedData>, follower: Follower): Promise<number> {
  const items = await componentPublications(ctx);
  for (const item of items) {
    const document = await item.document();
    const activity = new Create({ id: activityId(item.id, "create", 0, item.hash), actor: ctx.getActorUri(SITE_ACTOR), to: document.toId, ccs: document.ccIds, object: document, published: instant() });
    await send(ctx, SITE_ACTOR, [follower], activity);
  }
  return items.length;
}

/** The followers of an actor and of the site (each once), each asked once per publishing. */
function followersOf(ctx: Context<FedData>): (actor: string) => Promise<Follower[]> {
  const asked = new Map<string, Promise<Follower[]>>();
  const of = (actor: string) => {
    let f = asked.get(actor);
    if (!f) asked.set(actor, (f = ctx.data.store.followers(actor)));
    return f;
  };
  return async (actor) => distinct([...(await of(SITE_ACTOR)), ...(actor === SITE_ACTOR ? [] : await of(actor))]);
}

async function send(ctx: Context<FedData>, actor: string, recipients: readonly Follower[], activity: Create | Update | Delete): Promise<void> {
  if (recipients.length) await ctx.sendActivity({ identifier: actor }, recipients.map(recipientOf), activity, { preferSharedInbox: true });
}

/** A set's index: a line per object, its pointer, id and actor (what a Delete needs once it is gone), sorted. */
function indexOf(entries: readonly IndexEntry[]): string {
  return entries.map((e) => `${e.pointer}\t${e.id}\t${e.actor}`).sort().join("\n");
}

interface IndexEntry {
  readonly pointer: string;
  readonly id: string;
  readonly actor: string;
}

/** The objects of an earlier index that are not among the items now. */
function goneFrom(before: string, items: readonly Publication[]): IndexEntry[] {
  const now = new Set(items.map((i) => i.pointer));
  return before
    .split("\n")
    .map((line) => line.split("\t"))
    .filter((f): f is [string, string, string] => f.length === 3)
    .map(([pointer, id, actor]) => ({ pointer, id, actor }))
    .filter((e) => !now.has(e.pointer));
}

function distinct(followers: readonly Follower[]): Follower[] {
  return [...new Map(followers.map((f) => [f.follower, f])).values()];
}

function recipientOf(f: Follower) {
  return { id: new URL(f.follower), inboxId: new URL(f.inbox), endpoints: f.shared_inbox ? { sharedInbox: new URL(f.shared_inbox) } : null };
}
