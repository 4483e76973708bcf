/**
 * Taking in a Create, Update or Delete of a Document: nothing embedded is trusted.
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
 * A component an instance shares (its source one definition of the name it
 * is published under) is verified as a definition and checked as the
 * definitions a document brings are, then kept; the documents of that
 * instance that use another version of it are fetched again.
 * A Delete is believed when the object's origin no longer serves it.
 * What is wrong with the document throws a FederationRefusal; what may pass
 * (its origin down, the database) throws as it is, for the sender to try
 * again. Either way the last good version stays.
 */
import type { InboxContext } from "@fedify/fedify";
import { Document, Link, PropertyValue, Update, type Create, type Delete } from "@fedify/vocab";
import type { DocumentLoader } from "@fedify/vocab-runtime";
import { definitionName, parse, pretty, sha3Hex } from "@rose-ash/sexp";
import {
  FederationRefusal,
  MAX_DEFINITIONS,
  SEXP_MEDIA_TYPE,
  checkFederated,
  checkFederatedDefinition,
  verifyDefinition,
  verifyDocument,
  type FederatedCheck,
} from "@rose-ash/federation";
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
  const actorId = activity.actorId!;
  const objectId = activity.objectId;
  if (!objectId) throw new FederationRefusal("format", "the activity names no object");
  await fromFollowed(ctx.data.store, actorId, objectId);
  const loader = await signedLoader(ctx);
  const handle = async () => {
    const actor = await activity.getActor({ documentLoader: loader, contextLoader: ctx.contextLoader });
    const username = actor?.preferredUsername?.toString() ?? "";
    if (!USERNAME.test(username)) throw new FederationRefusal("format", `the actor ${actorId.href} has no username this instance can name it by (${JSON.stringify(username.slice(0, 40))})`);
    return `${username}@${actorId.host}`;
  };
  return takeIn(ctx, loader, actorId, objectId, handle, `federation: ${activity instanceof Update ? "Update" : "Create"} of ${objectId.href}`);
}

/**
 * A Delete of an object kept here: its actor must be the one it is
 * attributed to here, and its origin must no longer serve it (a 404 or 410,
 * or a Tombstone): a Delete is believed only when the origin says so too.
 */
export async function receiveDelete(ctx: InboxContext<FedData>, activity: Delete): Promise<string> {
  const actorId = activity.actorId!;
  const objectId = activity.objectId;
  if (!objectId) throw new FederationRefusal("format", "the Delete names no object");
  if (objectId.origin !== actorId.origin) throw new FederationRefusal("attribution", `the object ${objectId.href} is not on its actor's server (${actorId.origin})`);
  const { store } = ctx.data;
  const [doc, component] = await Promise.all([store.documentById(objectId.href), store.componentById(objectId.href)]);
  const kept = doc ?? component;
  if (!kept) return `${objectId.href}: nothing kept here`;
  // Its own actor deletes it, or the actor this instance follows there (an instance actor speaks for its instance: an author with no post left is no actor).
  if (kept.actor !== actorId.href && !(await isFollowedActor(store, actorId, new URL(kept.actor).origin))) {
    throw new FederationRefusal("attribution", `${objectId.href} is ${kept.actor}'s here, not ${actorId.href}'s`);
  }
  const gone = await goneAtOrigin(await signedLoader(ctx), objectId);
  if (!gone) throw new FederationRefusal("format", `${objectId.href} is still served by its origin: it was not deleted there`);
  if (doc) await store.deleteDocument(objectId.href, doc.actor);
  if (component) await store.deleteComponent(objectId.href, component.actor);
  await ctx.data.changed({ tables: [doc ? "fed_documents" : "fed_components"], by: `federation: Delete of ${objectId.href}` });
  return doc ? `${doc.handle}/${doc.slug} deleted` : `${component!.instance} ${component!.name} deleted`;
}

/** The actor's instance is one this instance follows (accepted), and the object is on the actor's server. */
async function fromFollowed(store: FederationStore, actorId: URL, objectId: URL): Promise<void> {
  const here = (await store.following()).filter((f) => new URL(f.remote).origin === actorId.origin);
  if (!here.some((f) => f.state === "accepted")) {
    // Its Accept may not have been taken in yet (what it sends after accepting can overtake it): tried again, not refused.
    if (here.some((f) => f.state === "pending")) throw new Error(`${actorId.origin} has not answered this instance's Follow yet`);
    throw new FederationRefusal("unfollowed", `${actorId.origin} is not an instance this one follows`);
  }
  if (objectId.origin !== actorId.origin) throw new FederationRefusal("attribution", `the object ${objectId.href} is not on its actor's server (${actorId.origin})`);
}

/** Whether `actor` is one this instance follows (accepted), on `origin`. */
async function isFollowedActor(store: FederationStore, actor: URL, origin: string): Promise<boolean> {
  return actor.origin === origin && (await store.following()).some((f) => f.state === "accepted" && f.remote === actor.href);
}

/** The loader fetches are made with: signed as this instance's actor, each with a deadline (a server that never answers does not hold this inbox). */
async function signedLoader(ctx: InboxContext<FedData>): Promise<DocumentLoader> {
  const signed = await ctx.getDocumentLoader({ identifier: SITE_ACTOR });
  return (url, options) => signed(url, { signal: options?.signal ?? AbortSignal.timeout(FETCH_TIMEOUT_MS) });
}

/** Whether the origin no longer serves an object: it answers 404 or 410, or serves a Tombstone. */
async function goneAtOrigin(loader: DocumentLoader, id: URL): Promise<boolean> {
  let json: unknown;
  try {
    json = (await loader(id.href)).document;
  } catch (e) {
    const status = (e as { response?: Response }).response?.status;
    if (status === 404 || status === 410) return true;
    throw new Error(`${id.href} could not be fetched: ${e instanceof Error ? e.message : String(e)}`);
  }
  const type = (json as { type?: unknown } | null)?.type;
  return type === "Tombstone" || (Array.isArray(type) && type.includes("Tombstone"));
}

/**
 * Fetch an object from its origin and keep it: a component where its source
 * is one definition of the name it is published under, else a document.
 * `handle` names the document's author here (user@host).
 */
async function takeIn(ctx: InboxContext<FedData>, loader: DocumentLoader, actorId: URL, objectId: URL, handle: () => Promise<string>, by: string, documentOnly = false): Promise<string> {
  const doc = await fetchDocument(ctx, loader, objectId);
  if (doc.attributionId?.href !== actorId.href) throw new FederationRefusal("attribution", `the object is attributed to ${doc.attributionId?.href ?? "no one"}, not to the activity's actor ${actorId.href}`);
  const parts = await sexpParts(doc, objectId);
  const kept = parts.tags.length ? await ctx.data.store.componentsOf(actorId.host) : [];
  const definitions = await fetchDefinitions(ctx, loader, parts.tags, actorId.origin, kept);
  const name = doc.name?.toString() ?? "";
  if (definesItsName(parts.source, name)) {
    // A document fetched again (a component it uses changed) stays a document: a component here would fetch others again, and so on.
    if (documentOnly) throw new FederationRefusal("format", `${objectId.href} was a document and is now a definition of ${name}`);
    return keepComponent(ctx, loader, { id: objectId, actor: actorId, name, parts, definitions }, by);
  }

  const { site, store, env } = ctx.data;
  const verified = await verifyDocument(parts, definitions);
  // The same check `(federated doc)` makes when it renders (federated.ts): what is kept will render.
  refuseProblems(checkFederated({ source: parts.source }, verified.definitions, federatedSite(site)));
  const author = await handle();
  const received: ReceivedDocument = {
    id: objectId.href,
    actor: actorId.href,
    handle: author,
    slug: await slugFor(store, author, objectId),
    instance: actorId.host,
    name: name || null,
    summary: doc.summary?.toString() ?? null,
    source: parts.source,
    hash: parts.hash,
    cid: parts.cid,
    definitions,
    url: pageUrl(doc, actorId.origin),
    published_at: doc.published?.toString() ?? null,
    updated_at: doc.updated?.toString() ?? null,
  };
  await keepBytes(env, [parts.source, ...definitions.map((d) => d.source)]);
  if (!(await store.storeDocument(received))) return `${received.handle}/${received.slug}: a newer version is kept`;
  await ctx.data.changed({ tables: ["fed_documents"], by });
  return `${received.handle}/${received.slug} at ${parts.cid}`;
}

/**
 * A component an instance shares: verified as a definition (its hash its
 * definition's), checked as the origin's definitions a document brings are
 * (even where this site has its own of that name), and kept. The documents
 * of that instance kept here that use another version of it are fetched
 * again: their hashes moved with it, and the origin serves them as they are
 * now. One that fails to be fetched keeps its last good version.
 */
async function keepComponent(
  ctx: InboxContext<FedData>,
  loader: DocumentLoader,
  c: { id: URL; actor: URL; name: string; parts: SexpParts; definitions: ReceivedDefinitionRow[] },
  by: string,
): Promise<string> {
  const { site, store, env } = ctx.data;
  // The instance's components are what the actor this instance follows there shares: no other actor of it names one.
  if (!(await isFollowedActor(store, c.actor, c.actor.origin))) throw new FederationRefusal("attribution", `${c.actor.href} is not the actor this instance follows on ${c.actor.host}: only that one's components are kept`);
  const { form, definitions } = await verifyDefinition({ name: c.name, source: c.parts.source, cid: c.parts.cid, hash: c.parts.hash }, c.definitions);
  refuseProblems(checkFederatedDefinition(form, definitions, federatedSite(site)));
  const instance = c.actor.host;
  await keepBytes(env, [c.parts.source, ...c.definitions.map((d) => d.source)]);
  await store.storeComponent({
    id: c.id.href,
    actor: c.actor.href,
    instance,
    name: c.name,
    source: c.parts.source,
    pretty: pretty(form),
    hash: c.parts.hash,
    cid: c.parts.cid,
    definitions: c.definitions.filter((d) => d.name !== c.name),
  });
  await ctx.data.changed({ tables: ["fed_components"], by });
  const stale = await store.documentsUsing(instance, c.name, c.parts.hash);
  let failed = 0;
  for (const d of stale) {
    try {
      await takeIn(ctx, loader, new URL(d.actor), new URL(d.id), async () => d.handle, `federation: ${d.id} again, as ${c.name} changed`, true);
    } catch (e) {
      failed++;
      console.warn(`federation: fetching ${d.id} again after ${c.name} changed failed (its last good version stays): ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  const again = stale.length ? `; ${stale.length - failed} document(s) using it fetched again${failed ? `, ${failed} failed` : ""}` : "";
  return `component ${c.name} of ${instance} at ${c.parts.cid}${again}`;
}

type ReceivedDefinitionRow = { name: string; source: string; cid: string; hash: string };
type KeptComponent = ReceivedDefinitionRow & { readonly definitions: readonly ReceivedDefinitionRow[] };

/** Whether a source is one definition of `name` (a component published on its own), not a document. */
function definesItsName(source: string, name: string): boolean {
  if (!name) return false;
  try {
    const forms = parse(source, { src: "<federated>" });
    return forms.length === 1 && definitionName(forms[0]!) === name;
  } catch {
    return false; // verifyDocument says what is wrong with it
  }
}

function federatedSite(site: FedData["site"]) {
  return { registry: site.registry, env: site.app.env, catalog: catalogOf(site.app.env) };
}

/** The first problem the check found, as the refusal (with how many more). */
function refuseProblems(checked: FederatedCheck): void {
  const problem = checked.problems[0];
  if (!problem) return;
  const more = checked.problems.length > 1 ? ` (and ${checked.problems.length - 1} more)` : "";
  throw new FederationRefusal("policy", `${problem.where} ${problem.line}:${problem.col}: ${problem.message}${more}`, problem.line, problem.col);
}

/** Cached by CID: what it is can be served (and checked) by anyone from here. */
async function keepBytes(env: FedData["env"], sources: readonly string[]): Promise<void> {
  const warm = warmTierFrom(env);
  if (warm) for (const s of sources) await warm.store.put(new TextEncoder().encode(s));
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

/**
 * The definitions a document references, and theirs, from its origin, each
 * read as a document of its own — except those this instance keeps already
 * as components of that origin (`kept`), at the hash the link names, which
 * come with the definitions they use. Nothing kept is trusted more than what
 * is fetched: verifying recomputes every CID and hash from the sources.
 */
async function fetchDefinitions(ctx: InboxContext<FedData>, loader: DocumentLoader, tags: readonly Link[], origin: string, kept: readonly KeptComponent[]) {
  const out: ReceivedDefinitionRow[] = [];
  const seen = new Set<string>();
  const fromKept = new Set<string>();
  const pending = [...tags];
  for (let tag = pending.shift(); tag; tag = pending.shift()) {
    const href = tag.href;
    if (!href || seen.has(href.href)) continue;
    seen.add(href.href);
    if (href.origin !== origin) throw new FederationRefusal("attribution", `the definition ${href.href} is not on the document's server`);
    if (seen.size > MAX_DEFINITIONS || out.length > MAX_DEFINITIONS) throw new FederationRefusal("format", `more than ${MAX_DEFINITIONS} definitions`);
    const named = tag.name?.toString() ?? "";
    if (fromKept.has(named)) continue;
    const known = kept.find((k) => k.name === named && href.pathname.endsWith(`/${k.hash}`));
    if (known) {
      const names = new Set(out.map((d) => d.name));
      for (const d of [known, ...known.definitions]) {
        fromKept.add(d.name);
        if (!names.has(d.name)) out.push({ name: d.name, source: d.source, cid: d.cid, hash: d.hash });
      }
      continue;
    }
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
