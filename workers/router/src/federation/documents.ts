/**
 * What this instance publishes, as ActivityPub `Document`s: a blog post is
 * the s-expression that renders it with its data in place —
 * `(~post-article :post {...} (p ...) ...)`, its body turned from HTML into
 * markup — and every definition that expression references is a `Document`
 * of its own, addressed by its Merkle hash. Each carries its canonical
 * s-expression in `source` (`application/x-rose-sexp`), its CID in `url`
 * (`ipfs://...`), its hash and IPNS name as properties, and the definitions
 * it references as `tag` links: what a receiving instance needs to re-fetch,
 * verify and render it with its own components. `content` is the body as
 * plain HTML, for servers that show only that (Mastodon).
 *
 * The site's components are published too, by the instance's own actor,
 * each a `Document` at one URL (`/ap/components/<name>`) whose source is
 * its defining form: what other instances render this site's documents
 * with where they lack their own.
 */
import { Document, Link, PUBLIC_COLLECTION, PropertyValue, Source } from "@fedify/vocab";
import type { Context } from "@fedify/fedify";
import { definitionOf, parseOne, render, type Node } from "@rose-ash/sexp";
import {
  SEXP_MEDIA_TYPE,
  canonicalSource,
  dataSource,
  definitionProblems,
  describeDefinition,
  describeDocument,
  htmlToMarkup,
  type DefinitionDescription,
} from "@rose-ash/federation";
import { catalogOf } from "../generated.ts";
import type { Site } from "../site.ts";
import type { PostRow } from "./store.ts";
import type { FedData } from "./context.ts";
import { instant } from "./instant.ts";

/** The property a document's Merkle hash is carried in (`attachment`, a PropertyValue). */
export const HASH_PROPERTY = "sexp-hash";
/** The property naming the pointer (IPNS-style) a document is published under. */
export const POINTER_PROPERTY = "ipns-name";

export type Described = Awaited<ReturnType<typeof describeDocument>>;

/** The pointer a post's document is published under (its moves are Updates). */
export function postPointer(post: Pick<PostRow, "slug">): string {
  return `fed:posts/${post.slug}`;
}

/** The post's own page on this instance: relative links in its body are resolved against it. */
export function postPage(post: Pick<PostRow, "slug">, origin: string): URL {
  return new URL(`/blog/${post.slug}/`, origin);
}

/** A post's s-expression: the component call that renders it, its data and body in place (its links absolute, against `origin`), canonical. */
export function postSource(post: PostRow, origin: string): string {
  const data = { id: post.id, slug: post.slug, title: post.title, author: post.author, published_at: new Date(post.published_at), tags: post.tags };
  return canonicalSource(`(~post-article :post ${dataSource(data)} ${htmlToMarkup(post.body_html, postPage(post, origin).href)})`);
}

/** A post's document as published now: its source, hash, CID and the definitions it references. */
export async function describePost(post: PostRow, definitions: ReadonlyMap<string, Node>, origin: string): Promise<Described> {
  return describeDocument(parseOne(postSource(post, origin)), definitions);
}

/** An activity's id for one version of an object: its kind, the version's pointer sequence and hash (and, for an Update, when it was sent). */
export function activityId(object: URL, kind: "create" | "update" | "delete", sequence: number, hash: string, at?: number): URL {
  return new URL(`#${kind}/${sequence}-${hash.slice(0, 16)}${at === undefined ? "" : `-${at.toString(36)}`}`, object);
}

export function definitionUri(ctx: Context<FedData>, hash: string): URL {
  return new URL(`/ap/definitions/${hash}`, ctx.canonicalOrigin);
}

function sexpLinks(ctx: Context<FedData>, references: Described["references"]): Link[] {
  return references.map((r) => new Link({ href: definitionUri(ctx, r.hash), name: r.name, mediaType: SEXP_MEDIA_TYPE }));
}

function addressing(cid: string, pointer: string | null, hash: string, page: URL | null) {
  return {
    urls: [new Link({ href: new URL(`ipfs://${cid}`), mediaType: SEXP_MEDIA_TYPE }), ...(page ? [new Link({ href: page, mediaType: "text/html" })] : [])],
    attachments: [
      new PropertyValue({ name: HASH_PROPERTY, value: hash }),
      ...(pointer ? [new PropertyValue({ name: POINTER_PROPERTY, value: pointer })] : []),
    ],
  };
}

/** A post as a Document, attributed to its author. */
export async function postDocument(ctx: Context<FedData>, post: PostRow, d: Described): Promise<Document> {
  const id = ctx.getObjectUri(Document, { slug: post.slug });
  return new Document({
    id,
    attribution: ctx.getActorUri(post.handle),
    name: post.title,
    summary: post.excerpt || null,
    // The body for servers that show only HTML: the same markup, rendered (and escaped) by the renderer.
    content: await render(htmlToMarkup(post.body_html, postPage(post, ctx.canonicalOrigin).href)),
    mediaType: "text/html",
    source: new Source({ content: d.source, mediaType: SEXP_MEDIA_TYPE }),
    ...addressing(d.cid, postPointer(post), d.hash, postPage(post, ctx.canonicalOrigin)),
    tags: sexpLinks(ctx, d.references),
    published: instant(post.published_at),
    to: PUBLIC_COLLECTION,
    ccs: [ctx.getFollowersUri(post.handle), ctx.getFollowersUri(SITE_ACTOR)],
  });
}

/** The instance's own actor: it publishes the site's components (and follows other instances). */
export const SITE_ACTOR = "site";

/** The pointer a component's document is published under (its moves are Updates). */
export function componentPointer(name: string): string {
  return `fed:definitions/${name}`;
}

/** The pointers of the sets published (their CID the set's index): an item gone from its set is Deleted. */
export const POSTS_SET = "fed:posts";
export const COMPONENTS_SET = "fed:definitions";

/** A component's document: one URL for its name, whatever version it is at. */
export function componentUri(origin: string, name: string): URL {
  return new URL(`/ap/components/${encodeURIComponent(name)}`, origin);
}

/** A shared page, as the app declares it (`shared-pages`, app/routes/fed.sexp). */
export interface SharedPage {
  readonly slug: string;
  readonly title: string;
  /** The page here it is the shared form of. */
  readonly path: string;
  /** The component it calls, with the query's rows as `key`. */
  readonly component: string;
  readonly key: string;
  /** A query of the federation service, without parameters. */
  readonly query: string;
}

/** The pointer a shared page's document is published under. */
export function pagePointer(slug: string): string {
  return `fed:pages/${slug}`;
}

export const PAGES_SET = "fed:pages";

export function pageUri(origin: string, slug: string): URL {
  return new URL(`/ap/pages/${encodeURIComponent(slug)}`, origin);
}

const SLUG = /^[a-z0-9]+(-[a-z0-9]+)*$/;

/**
 * The shared pages the app declares: its `shared-pages` list of maps. One
 * that is not as described (a missing field, a slug that is not one) is left
 * out, and the log says why; none, where the app declares none.
 */
export function sharedPages(site: Site): readonly SharedPage[] {
  let pages = pagesBySite.get(site);
  if (pages) return pages;
  const declared = site.app.env.lookup("shared-pages");
  pages = (Array.isArray(declared) ? declared : []).flatMap((entry, i) => {
    const field = (k: string) => (entry instanceof Map ? entry.get(k) : undefined);
    const page = { slug: field("slug"), title: field("title"), path: field("path"), component: field("component"), key: field("key"), query: field("query") };
    const missing = Object.entries(page).filter(([, v]) => typeof v !== "string").map(([k]) => `:${k}`);
    if (missing.length || !SLUG.test(page.slug as string) || !site.app.env.query("federation", page.query as string)) {
      console.warn(`federation: shared page ${i + 1} is left out: ${missing.length ? `${missing.join(", ")} must be text` : `its :slug must be a slug and its :query a query of the federation service`}`);
      return [];
    }
    return [page as SharedPage];
  });
  pagesBySite.set(site, pages);
  return pages;
}

const pagesBySite = new WeakMap<Site, readonly SharedPage[]>();

/** A shared page's s-expression: its component called with the query's rows in place, canonical. */
export function pageSource(page: SharedPage, rows: unknown): string {
  return canonicalSource(`(${page.component} :${page.key} ${dataSource(rows)})`);
}

/** A shared page's document as published now, with these rows. */
export async function describePage(page: SharedPage, rows: unknown, definitions: ReadonlyMap<string, Node>): Promise<Described> {
  return describeDocument(parseOne(pageSource(page, rows)), definitions);
}

/** A shared page as a Document, published by the site's actor at one URL. */
export function pageDocument(ctx: Context<FedData>, page: SharedPage, d: Described): Document {
  return new Document({
    id: pageUri(ctx.canonicalOrigin, page.slug),
    attribution: ctx.getActorUri(SITE_ACTOR),
    name: page.title,
    source: new Source({ content: d.source, mediaType: SEXP_MEDIA_TYPE }),
    ...addressing(d.cid, pagePointer(page.slug), d.hash, new URL(page.path, ctx.canonicalOrigin)),
    tags: sexpLinks(ctx, d.references),
    updated: instant(),
    to: PUBLIC_COLLECTION,
    cc: ctx.getFollowersUri(SITE_ACTOR),
  });
}

/** A definition as a Document, by its Merkle hash (what never changes); null when this site has none with that hash. */
export async function definitionDocument(ctx: Context<FedData>, hash: string): Promise<Document | null> {
  const name = definitionNamed(ctx.data, hash);
  if (name === null) return null;
  const d = await describeDefinition(name, ctx.data.site.app.env.allDefinitions());
  return definitionObject(ctx, d, definitionUri(ctx, d.hash), null);
}

/** A component the site shares, as the Document its actor publishes and updates at one URL. */
export function componentDocument(ctx: Context<FedData>, d: DefinitionDescription): Document {
  return definitionObject(ctx, d, componentUri(ctx.canonicalOrigin, d.name), componentPointer(d.name));
}

function definitionObject(ctx: Context<FedData>, d: DefinitionDescription, id: URL, pointer: string | null): Document {
  return new Document({
    id,
    attribution: ctx.getActorUri(SITE_ACTOR),
    name: d.name,
    source: new Source({ content: d.source, mediaType: SEXP_MEDIA_TYPE }),
    ...addressing(d.cid, pointer, d.hash, null),
    tags: sexpLinks(ctx, d.references),
    to: PUBLIC_COLLECTION,
    ...(pointer ? { cc: ctx.getFollowersUri(SITE_ACTOR) } : {}),
  });
}

/**
 * The components this site shares with the instances that follow it: each
 * of its components that passes, here, the check a receiver makes of a
 * definition from elsewhere (@rose-ash/federation's definitionProblems:
 * no I/O of its own, nothing that sends to the receiver), described for
 * publishing, by name. Made once per site (its definitions never change in
 * an isolate).
 */
export function sharedComponents(site: Site): Promise<readonly DefinitionDescription[]> {
  let shared = sharedBySite.get(site);
  if (!shared) {
    const definitions = site.app.env.allDefinitions();
    const checkedAs = { registry: site.registry, env: site.app.env, catalog: catalogOf(site.app.env) };
    const names = [...definitions]
      .filter(([name, form]) => definitionOf(form)?.kind === "component" && definitionProblems(form, [], checkedAs).length === 0 && name.startsWith("~"))
      .map(([name]) => name)
      .sort();
    shared = Promise.all(names.map((name) => describeDefinition(name, definitions)));
    sharedBySite.set(site, shared);
  }
  return shared;
}

const sharedBySite = new WeakMap<Site, Promise<readonly DefinitionDescription[]>>();

/** Definitions by hash, per site (the site's definitions never change in an isolate). */
const byHash = new WeakMap<object, Map<string, string>>();

function definitionNamed(data: FedData, hash: string): string | null {
  let names = byHash.get(data.site);
  if (!names) {
    names = new Map();
    for (const name of data.site.app.env.allDefinitions().keys()) {
      const h = data.site.hasher.definitionHash(name);
      if (h) names.set(h, name);
    }
    byHash.set(data.site, names);
  }
  return names.get(hash) ?? null;
}
