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
 */
import { Document, Link, PUBLIC_COLLECTION, PropertyValue, Source } from "@fedify/vocab";
import type { Context } from "@fedify/fedify";
import { parseOne, printString, render, type Node } from "@rose-ash/sexp";
import { SEXP_MEDIA_TYPE, canonicalSource, describeDefinition, describeDocument, htmlToMarkup } from "@rose-ash/federation";
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
  const data = [
    `:id ${post.id}`,
    `:slug ${printString(post.slug)}`,
    `:title ${printString(post.title)}`,
    `:author ${printString(post.author)}`,
    `:published_at ${printString(new Date(post.published_at).toISOString())}`,
    `:tags (list ${post.tags.map(printString).join(" ")})`,
  ].join(" ");
  return canonicalSource(`(~post-article :post {${data}} ${htmlToMarkup(post.body_html, postPage(post, origin).href)})`);
}

/** A post's document as published now: its source, hash, CID and the definitions it references. */
export async function describePost(post: PostRow, definitions: ReadonlyMap<string, Node>, origin: string): Promise<Described> {
  return describeDocument(parseOne(postSource(post, origin)), definitions);
}

/** An activity's id for one version of an object: its kind, the version's pointer sequence and hash. */
export function activityId(object: URL, kind: "create" | "update", sequence: number, hash: string): URL {
  return new URL(`#${kind}/${sequence}-${hash.slice(0, 16)}`, object);
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

/** The instance's own actor: it publishes the site's definitions (and follows other instances). */
export const SITE_ACTOR = "site";

/** A definition as a Document, by its Merkle hash; null when this site has none with that hash. */
export async function definitionDocument(ctx: Context<FedData>, hash: string): Promise<Document | null> {
  const name = definitionNamed(ctx.data, hash);
  if (name === null) return null;
  const d = await describeDefinition(name, ctx.data.site.app.env.allDefinitions());
  return new Document({
    id: definitionUri(ctx, d.hash),
    attribution: ctx.getActorUri(SITE_ACTOR),
    name: d.name,
    source: new Source({ content: d.source, mediaType: SEXP_MEDIA_TYPE }),
    ...addressing(d.cid, null, d.hash, null),
    tags: sexpLinks(ctx, d.references),
    to: PUBLIC_COLLECTION,
  });
}

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
