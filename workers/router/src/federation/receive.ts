/**
 * Taking in a Create or Update of a Document: nothing embedded is trusted.
 *
 * 1. The actor's instance is one this instance follows (accepted).
 * 2. The object lives on its actor's origin; it is fetched again from its id
 *    (signed, as this instance's actor), and must say it is that object and
 *    attributed to that actor.
 * 3. Its s-expression (`source`, application/x-rose-sexp), CID (`url`
 *    ipfs://) and Merkle hash (the `sexp-hash` property), and the
 *    definitions it references (`tag` links, on the same origin, fetched and
 *    read the same way, each by its hash): every CID recomputed, the hash
 *    recomputed over those definitions (@rose-ash/federation's verifyDocument).
 * 4. The checker's rules for federated content (checkFederated): the
 *    untrusted policy, no I/O of its own; this instance's components win over
 *    the origin's, and the origin's it lacks are checked too.
 * 5. Kept: its bytes by CID in the warm tier, the row the /fed/ pages read;
 *    those pages are re-rendered (the content-change path).
 * What is wrong with the document throws a FederationRefusal; what may pass
 * (its origin down, the database) throws as it is, for the sender to try
 * again. Either way the last good version stays.
 */
import type { InboxContext } from "@fedify/fedify";
import { Document, Link, PropertyValue, Update, type Create } from "@fedify/vocab";
import type { DocumentLoader } from "@fedify/vocab-runtime";
import { sha3Hex } from "@rose-ash/sexp";
import { FederationRefusal, MAX_DEFINITIONS, SEXP_MEDIA_TYPE, checkFederated, verifyDocument } from "@rose-ash/federation";
import { catalogOf } from "../generated.ts";
import { warmTierFrom } from "../tiers.ts";
import type { FedData } from "./context.ts";
import { HASH_PROPERTY, SITE_ACTOR } from "./documents.ts";
import type { FederationStore, ReceivedDocument } from "./store.ts";

/** How long one fetch from the origin may take. */
const FETCH_TIMEOUT_MS = 10_000;
/** The most attachments read from one document (its hash is among the first). */
const MAX_ATTACHMENTS = 16;

/** Tags and attachments are read as the document carries them: one given only as a URL is not fetched (it could be anywhere). */
const embeddedOnly = { documentLoader: () => Promise.reject(new Error("not fetched: only what the document carries is read")), suppressError: true } as const;

interface SexpParts {
  readonly source: string;
  readonly cid: string;
  readonly hash: string;
  readonly tags: readonly Link[];
}

export async function receiveDocument(ctx: InboxContext<FedData>, activity: Create | Update): Promise<string> {
  const { store, site, env } = ctx.data;
  const actorId = activity.actorId!;
  const objectId = activity.objectId;
  if (!objectId) throw new FederationRefusal("format", "the activity names no object");
  const following = await store.following();
  if (!following.some((f) => f.state === "accepted" && new URL(f.remote).origin === actorId.origin)) {
    throw new FederationRefusal("unfollowed", `${actorId.origin} is not an instance this one follows`);
  }
  if (objectId.origin !== actorId.origin) throw new FederationRefusal("attribution", `the object ${objectId.href} is not on its actor's server (${actorId.origin})`);

  const signed = await ctx.getDocumentLoader({ identifier: SITE_ACTOR });
  // Every fetch has a deadline: a server that never answers does not hold this inbox.
  const loader: DocumentLoader = (url, options) => signed(url, { signal: options?.signal ?? AbortSignal.timeout(FETCH_TIMEOUT_MS) });
  const doc = await fetchDocument(ctx, loader, objectId);
  if (doc.attributionId?.href !== actorId.href) throw new FederationRefusal("attribution", `the object is attributed to ${doc.attributionId?.href ?? "no one"}, not to the activity's actor ${actorId.href}`);
  const parts = await sexpParts(doc, objectId);
  const definitions = await fetchDefinitions(ctx, loader, parts.tags, actorId.origin);
  const verified = await verifyDocument(parts, definitions);
  // The same check `(federated doc)` makes when it renders (federated.ts): what is kept will render.
  const checked = checkFederated({ source: parts.source }, verified.definitions, { registry: site.registry, env: site.app.env, catalog: catalogOf(site.app.env) });
  const problem = checked.problems[0];
  if (problem) {
    const more = checked.problems.length > 1 ? ` (and ${checked.problems.length - 1} more)` : "";
    throw new FederationRefusal("policy", `${problem.where} ${problem.line}:${problem.col}: ${problem.message}${more}`, problem.line, problem.col);
  }

  const actor = await activity.getActor({ documentLoader: loader, contextLoader: ctx.contextLoader });
  const username = actor?.preferredUsername?.toString() ?? "";
  if (!USERNAME.test(username)) throw new FederationRefusal("format", `the actor ${actorId.href} has no username this instance can name it by (${JSON.stringify(username.slice(0, 40))})`);
  const handle = `${username}@${actorId.host}`;
  const received: ReceivedDocument = {
    id: objectId.href,
    actor: actorId.href,
    handle,
    slug: await slugFor(store, handle, objectId),
    instance: actorId.host,
    name: doc.name?.toString() ?? null,
    summary: doc.summary?.toString() ?? null,
    source: parts.source,
    hash: parts.hash,
    cid: parts.cid,
    definitions,
    url: pageUrl(doc, actorId.origin),
    published_at: doc.published?.toString() ?? null,
    updated_at: doc.updated?.toString() ?? null,
  };
  // Cached by CID: what it is can be served (and checked) by anyone from here.
  const warm = warmTierFrom(env);
  if (warm) for (const s of [parts.source, ...definitions.map((d) => d.source)]) await warm.store.put(new TextEncoder().encode(s));
  if (!(await store.storeDocument(received))) return `${received.handle}/${received.slug}: a newer version is kept`;
  await ctx.data.changed({ tables: ["fed_documents"], by: `federation: ${activity instanceof Update ? "Update" : "Create"} of ${objectId.href}` });
  return `${received.handle}/${received.slug} at ${parts.cid}`;
}

/** A Document read from its id (not the copy an activity carries): it must say it is that id. */
async function fetchDocument(ctx: InboxContext<FedData>, loader: DocumentLoader, id: URL): Promise<Document> {
  let json: unknown;
  try {
    json = (await loader(id.href)).document;
  } catch (e) {
    // Passing (the origin down or slow): not a refusal. The sender tries again, and the retry is taken in.
    throw new Error(`${id.href} could not be fetched: ${e instanceof Error ? e.message : String(e)}`);
  }
  let doc: unknown;
  try {
    doc = await Document.fromJsonLd(json, { documentLoader: loader, contextLoader: ctx.contextLoader });
  } catch (e) {
    throw new FederationRefusal("format", `${id.href} is not a Document: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (!(doc instanceof Document)) throw new FederationRefusal("format", `${id.href} is not a Document`);
  if (doc.id?.href !== id.href) throw new FederationRefusal("attribution", `${id.href} answered with another object (${doc.id?.href ?? "no id"})`);
  return doc;
}

/** The s-expression, CID, hash and definition links a Document carries. */
async function sexpParts(doc: Document, id: URL): Promise<SexpParts> {
  const source = doc.source;
  if (!source || source.mediaType !== SEXP_MEDIA_TYPE || typeof source.content !== "string") {
    throw new FederationRefusal("format", `${id.href} carries no s-expression (source of type ${SEXP_MEDIA_TYPE})`);
  }
  const ipfs = doc.urls.map((u) => (u instanceof Link ? u.href : u)).find((u) => u?.protocol === "ipfs:");
  if (!ipfs) throw new FederationRefusal("format", `${id.href} names no CID (a url ipfs://...)`);
  let hash: string | null = null;
  let read = 0;
  for await (const a of doc.getAttachments(embeddedOnly)) {
    if (a instanceof PropertyValue && a.name?.toString() === HASH_PROPERTY) hash = a.value?.toString() ?? null;
    if (hash || ++read >= MAX_ATTACHMENTS) break;
  }
  if (!hash) throw new FederationRefusal("format", `${id.href} has no ${HASH_PROPERTY}`);
  const tags: Link[] = [];
  for await (const t of doc.getTags(embeddedOnly)) {
    if (t instanceof Link && t.mediaType === SEXP_MEDIA_TYPE) tags.push(t);
    if (tags.length > MAX_DEFINITIONS) throw new FederationRefusal("format", `${id.href} references more than ${MAX_DEFINITIONS} definitions`);
  }
  return { source: source.content, cid: ipfs.host || ipfs.pathname.replace(/^\/+/, ""), hash, tags };
}

/** The definitions a document references, and theirs, from its origin, each read as a document of its own. */
async function fetchDefinitions(ctx: InboxContext<FedData>, loader: DocumentLoader, tags: readonly Link[], origin: string) {
  const out: { name: string; source: string; cid: string; hash: string }[] = [];
  const seen = new Set<string>();
  const pending = [...tags];
  for (let tag = pending.shift(); tag; tag = pending.shift()) {
    const href = tag.href;
    if (!href || seen.has(href.href)) continue;
    seen.add(href.href);
    if (href.origin !== origin) throw new FederationRefusal("attribution", `the definition ${href.href} is not on the document's server`);
    if (seen.size > MAX_DEFINITIONS) throw new FederationRefusal("format", `more than ${MAX_DEFINITIONS} definitions`);
    const doc = await fetchDocument(ctx, loader, href);
    const parts = await sexpParts(doc, href);
    const name = doc.name?.toString() ?? "";
    if (name !== tag.name?.toString()) throw new FederationRefusal("format", `${href.href} defines ${name || "nothing"}, not ${tag.name?.toString() ?? "?"}`);
    out.push({ name, source: parts.source, cid: parts.cid, hash: parts.hash });
    pending.push(...parts.tags);
  }
  return out;
}

/** What a remote username may be to name its pages here (`/fed/<user@host>/...`). */
const USERNAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$/;

/**
 * The document's slug here: the last segment of its id's path, made a slug;
 * where another document of the same author has it already, with a short
 * hash of the id after it, so two ids never share a page.
 */
async function slugFor(store: FederationStore, handle: string, id: URL): Promise<string> {
  const last = decodeURIComponent(id.pathname.split("/").filter(Boolean).pop() ?? "");
  const slug = last.toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 80) || "document";
  const holder = await store.document(handle, slug);
  return !holder || holder.id === id.href ? slug : `${slug}-${sha3Hex(id.href).slice(0, 8)}`;
}

/** The origin's own HTML page for the document, if it names one on its own server (the "Original" link shown here). */
function pageUrl(doc: Document, origin: string): string | null {
  for (const u of doc.urls) if (u instanceof Link && u.mediaType === "text/html" && u.href?.origin === origin) return u.href.href;
  return null;
}
