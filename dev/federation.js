// @ts-check
/**
 * Driving local instances from outside, as an operator and a content system
 * would: follow an account (the operator's endpoint), watch an instance's
 * federation state, write a post into an instance's development database
 * (through its relay's Neon HTTP endpoint) and tell the instance with its
 * signed content webhook. Used by `npm run federation:demo` and the
 * two-instance test.
 */
import { createHmac } from "node:crypto";
import { PGLITE_CONNECTION_STRING } from "./db/server.js";

/** The development webhook secret (wrangler.toml's [vars]). */
const WEBHOOK_SECRET = "development-only-webhook-secret";

/**
 * One statement on an instance's development database; the rows as objects of text values.
 * @param {number} relayPort
 * @param {string} query
 * @param {unknown[]} [params]
 * @returns {Promise<Record<string, string | null>[]>}
 */
export async function devSql(relayPort, query, params = []) {
  const response = await fetch(`http://127.0.0.1:${relayPort}/sql`, {
    method: "POST",
    headers: { "content-type": "application/json", "neon-connection-string": PGLITE_CONNECTION_STRING },
    body: JSON.stringify({ query, params }),
  });
  const body = /** @type {{ rows: (string | null)[][], fields: { name: string }[], message?: string }} */ (await response.json());
  if (!response.ok) throw new Error(`${query.split("\n")[0]}: ${body.message ?? response.status}`);
  return body.rows.map((row) => Object.fromEntries(body.fields.map((f, i) => [f.name, row[i] ?? null])));
}

/**
 * The instance's signed content webhook: these tables changed.
 * @param {string} url the instance's origin
 * @param {string[]} tables
 */
export async function contentChanged(url, tables) {
  const body = JSON.stringify({ tables });
  const timestamp = String(Math.floor(Date.now() / 1000));
  const signature = createHmac("sha256", WEBHOOK_SECRET).update(`${timestamp}.${body}`).digest("hex");
  const response = await fetch(`${url}/webhooks/content`, { method: "POST", headers: { "content-type": "application/json", "x-rose-timestamp": timestamp, "x-rose-signature": signature }, body });
  if (!response.ok) throw new Error(`POST ${url}/webhooks/content: ${response.status} ${await response.text()}`);
}

/**
 * Publish a post on an instance: written into its database as an author's, then announced with the webhook.
 * @param {{ url: string, relayPort: number }} instance
 * @param {{ slug: string, title: string, excerpt: string, bodyHtml: string, authorEmail: string, tags?: string[] }} post
 */
export async function publishPost(instance, post) {
  await devSql(
    instance.relayPort,
    `INSERT INTO posts (slug, title, excerpt, body_html, author_id, tags, published, published_at)
     SELECT $1, $2, $3, $4, id, $6::text[], true, now() FROM users WHERE email = $5
     ON CONFLICT (slug) DO UPDATE SET title = EXCLUDED.title, excerpt = EXCLUDED.excerpt, body_html = EXCLUDED.body_html`,
    [post.slug, post.title, post.excerpt, post.bodyHtml, post.authorEmail, `{${(post.tags ?? []).join(",")}}`],
  );
  await contentChanged(instance.url, ["posts"]);
}

/**
 * The operator's federation state of an instance (GET /_sexp/federation as JSON).
 * @param {string} url
 * @returns {Promise<{ actor: string, handle: string, following: { remote: string, handle: string, state: string }[], followers: { actor: string, follower: string }[], documents: { handle: string, slug: string, name: string, local: string }[], components: { instance: string, name: string, hash: string, cid: string, local: string }[], activities: { id: string, type: string, actor: string, object: string | null, outcome: string, reason: string | null }[] }>}
 */
export async function federationState(url) {
  const response = await fetch(`${url}/_sexp/federation`, { headers: { accept: "application/json" } });
  if (!response.ok) throw new Error(`GET ${url}/_sexp/federation: ${response.status} ${await response.text()}`);
  return response.json();
}

/**
 * The instance at `url` follows `account` (an actor's URL, or user@host).
 * @param {string} url
 * @param {string} account
 */
export async function follow(url, account) {
  const response = await fetch(`${url}/_sexp/federation/follow`, { method: "POST", headers: { "content-type": "application/json", accept: "application/json" }, body: JSON.stringify({ account }) });
  const body = await response.json();
  if (!response.ok) throw new Error(`following ${account} from ${url}: ${response.status} ${JSON.stringify(body)}`);
  return body;
}

/**
 * The instance at `url` stops following `actor` (its URL): an Undo of its Follow is sent.
 * @param {string} url
 * @param {string} actor
 */
export async function unfollow(url, actor) {
  const response = await fetch(`${url}/_sexp/federation/unfollow`, { method: "POST", headers: { "content-type": "application/json", accept: "application/json" }, body: JSON.stringify({ account: actor }) });
  const body = await response.json();
  if (!response.ok) throw new Error(`unfollowing ${actor} from ${url}: ${response.status} ${JSON.stringify(body)}`);
  return body;
}

/**
 * Publish the components and posts of the instance at `url` now (what has moved since; Deletes of what is gone).
 * @param {string} url
 * @returns {Promise<{ created: string[], updated: string[], deleted: string[], failed: string[] }>}
 */
export async function publishNow(url) {
  const response = await fetch(`${url}/_sexp/federation/publish`, { method: "POST", headers: { accept: "application/json" } });
  if (!response.ok) throw new Error(`POST ${url}/_sexp/federation/publish: ${response.status} ${await response.text()}`);
  return response.json();
}

/**
 * Ask until `check` gives something (not null/undefined/false), or fail after `timeoutMs` saying what was awaited.
 * @template T
 * @param {string} what
 * @param {() => Promise<T | null | undefined | false>} check
 * @param {number} [timeoutMs]
 * @returns {Promise<T>}
 */
export async function waitFor(what, check, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  let last;
  for (;;) {
    try {
      const got = await check();
      if (got) return got;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`waited ${timeoutMs / 1000} s for ${what}${last ? ` (last error: ${last instanceof Error ? last.message : String(last)})` : ""}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
