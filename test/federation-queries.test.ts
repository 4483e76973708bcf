/// <reference path="../app/text-modules.d.ts" />
/**
 * The federation service's queries and actions (app/queries/federation.sexp)
 * against a real database: schema.sql with its seed applied, on PGlite and,
 * when DATABASE_URL is set, on that Postgres in a scratch schema. Every call
 * goes the way the router's FederationStore sends it: as a JSON batch through
 * the resolver's executor (executeBatch), so reads run as its combined
 * json_agg statement and jsonb goes in as JSON text and comes back as data.
 * Also: the LLM catalog leaves the keys out, and the pages' components
 * render received documents with their provenance, escaped.
 */
import { neonConfig } from "@neondatabase/serverless";
import { sources } from "@rose-ash/app";
import { executeBatch, loadApp, neonDb, neonHttpDb, type App, type Call, type Db, type Json } from "@rose-ash/resolver";
import { buildCatalog, createEnv, evaluateForms, parse, render } from "@rose-ash/sexp";
import { siteVocabulary } from "@rose-ash/vocabulary";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import ws from "ws";
import { createScratchSchema } from "../dev/db/scratch.js";
import { neonLocalConfig, startDevDatabase } from "../dev/db/server.js";

neonConfig.webSocketConstructor = ws;

const registry = siteVocabulary();
const app: App = await loadApp(sources, registry);

/** What the router's code calls, with the parameters it passes (workers/router/src/federation/store.ts). */
const CONTRACT: Record<string, { kind: "query" | "action"; params: string[]; returns: string }> = {
  author: { kind: "query", params: ["handle"], returns: "one" },
  authors: { kind: "query", params: [], returns: "many" },
  posts: { kind: "query", params: [], returns: "many" },
  post: { kind: "query", params: ["slug"], returns: "one" },
  // The shared events page's list (app/routes/fed.sexp's shared pages), through the router's shared-page query call.
  "upcoming-events": { kind: "query", params: [], returns: "many" },
  "actor-keys": { kind: "query", params: ["actor"], returns: "one" },
  "store-keys": { kind: "action", params: ["actor", "secret_jwks"], returns: "one" },
  followers: { kind: "query", params: ["actor"], returns: "many" },
  "all-followers": { kind: "query", params: [], returns: "many" },
  "add-follower": { kind: "action", params: ["actor", "follower", "inbox", "shared_inbox", "follow_id"], returns: "one" },
  "remove-follower": { kind: "action", params: ["actor", "follower"], returns: "none" },
  following: { kind: "query", params: [], returns: "many" },
  followed: { kind: "query", params: ["remote"], returns: "one" },
  follow: { kind: "action", params: ["remote", "handle", "inbox", "follow_id"], returns: "one" },
  "follow-answered": { kind: "action", params: ["remote", "follow_id", "state"], returns: "one" },
  unfollow: { kind: "action", params: ["remote"], returns: "one" },
  document: { kind: "query", params: ["handle", "slug"], returns: "one" },
  "document-by-id": { kind: "query", params: ["id"], returns: "one" },
  documents: { kind: "query", params: [], returns: "many" },
  "store-document": {
    kind: "action",
    params: ["id", "actor", "handle", "slug", "instance", "name", "summary", "source", "hash", "cid", "definitions", "url", "published_at", "updated_at"],
    returns: "one",
  },
  "documents-using": { kind: "query", params: ["instance", "name", "hash"], returns: "many" },
  "delete-document": { kind: "action", params: ["id", "actor"], returns: "one" },
  // Pages' (app/routes/fed.sexp) and the operator's view: components, component.
  components: { kind: "query", params: [], returns: "many" },
  component: { kind: "query", params: ["instance", "name"], returns: "one" },
  "store-component": { kind: "action", params: ["id", "actor", "instance", "name", "source", "pretty", "hash", "cid", "definitions"], returns: "one" },
  "component-by-id": { kind: "query", params: ["id"], returns: "one" },
  "components-of": { kind: "query", params: ["instance"], returns: "many" },
  "delete-component": { kind: "action", params: ["id", "actor"], returns: "one" },
  "record-activity": { kind: "action", params: ["id", "type", "actor", "object", "outcome", "reason"], returns: "one" },
  "activity-outcome": { kind: "action", params: ["id", "outcome", "reason"], returns: "none" },
  activities: { kind: "query", params: ["limit"], returns: "many" },
};

/** Declared shape types, checked on the JSON the executor answers (timestamps as ISO 8601 in UTC). */
const TYPE_CHECKS: Record<string, (v: unknown) => boolean> = {
  int: (v) => Number.isInteger(v),
  text: (v) => typeof v === "string",
  bool: (v) => typeof v === "boolean",
  timestamp: (v) => typeof v === "string" && /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/.test(v),
  list: (v) => Array.isArray(v),
  map: (v) => v !== null && typeof v === "object" && !Array.isArray(v),
};

const JWKS_A = { rsa: { private: { kty: "RSA", n: "a", d: "secret-a" }, public: { kty: "RSA", n: "a" } }, ed25519: { private: { kty: "OKP", x: "a", d: "secret-a" }, public: { kty: "OKP", x: "a" } } };
const JWKS_B = { rsa: { private: { kty: "RSA", n: "b", d: "secret-b" }, public: { kty: "RSA", n: "b" } }, ed25519: { private: { kty: "OKP", x: "b", d: "secret-b" }, public: { kty: "OKP", x: "b" } } };

const ORIGIN = "http://127.0.0.1:8801";
const DEFINITIONS = [{ name: "~note", source: '(defcomp ~note (&key text) (p :class "note" text))', hash: "a".repeat(64), cid: "bafkreinote" }];
const documentArgs = (over: Record<string, Json> = {}): Record<string, Json> => ({
  id: `${ORIGIN}/ap/posts/apple-day-2026`,
  actor: `${ORIGIN}/ap/actors/priya`,
  handle: "priya@127.0.0.1:8801",
  slug: "apple-day-2026",
  instance: "127.0.0.1:8801",
  name: "Apple Day 2026",
  summary: "Bigger press, more apples, the same queue.",
  source: '(~post-article :post {:id 21 :slug "apple-day-2026" :title "Apple Day 2026" :author "Priya Raman" :published_at "2026-10-19T10:00:00.000Z" :tags (list "events")} (p "We borrowed a bigger press."))',
  hash: "1".repeat(64),
  cid: "bafkreiversionone",
  definitions: JSON.stringify(DEFINITIONS),
  url: `${ORIGIN}/blog/apple-day-2026/`,
  published_at: "2026-10-19T10:00:00Z",
  updated_at: null,
  ...over,
});

const targets: [string, string | undefined][] = [["PGlite", undefined]];
if (process.env.DATABASE_URL) targets.push(["Postgres (DATABASE_URL)", process.env.DATABASE_URL]);

describe("the federation service's declarations", () => {
  it("has exactly the queries and actions the router calls, with their parameters", () => {
    const mine = app.env.allQueries().filter((q) => q.service === "federation");
    expect(mine.map((q) => q.name).sort()).toEqual(Object.keys(CONTRACT).sort());
    for (const q of mine) {
      const c = CONTRACT[q.name]!;
      expect([q.kind, q.params.map((p) => p.name), q.returns], q.name).toEqual([c.kind, c.params, c.returns]);
      expect(q.doc.length, `${q.name} has a doc string`).toBeGreaterThan(10);
    }
  });

  it("leaves the actors' keys out of the LLM catalog, and every action", () => {
    const catalog = buildCatalog({ registry, env: app.env });
    const excluded = new Map(catalog.excluded.map((e) => [e.name, e.why]));
    expect(excluded.get("federation/actor-keys")).toMatch(/its rows hold a secret \(:secret_jwks\)/);
    const listed = catalog.queries.filter((q) => q.service === "federation").map((q) => q.name);
    expect(listed).not.toContain("actor-keys");
    expect(listed).not.toContain("store-keys");
    expect(listed).toEqual(expect.arrayContaining(["documents", "document", "components", "component"]));
    // federation's own lookups, by the origin's ids and hashes, are left out with what they are for, as the other private ones.
    const own = ["documents-using", "component-by-id", "document-by-id", "components-of"];
    for (const name of own) {
      expect(listed, name).not.toContain(name);
      expect(excluded.get(`federation/${name}`), name).toMatch(/^federation's own: /);
      expect(excluded.get(`federation/${name}`), name).toBe(app.env.allQueries().find((q) => q.service === "federation" && q.name === name)!.private);
    }
    expect(excluded.get("federation/documents-using")).toContain("which received documents to fetch again");
    expect(excluded.get("federation/component-by-id")).toContain("a received component by its origin's id");
    // Actions are never in it: the new ones neither.
    for (const name of ["unfollow", "delete-document", "store-component", "delete-component"]) expect(listed, name).not.toContain(name);
    expect(catalog.text).not.toContain("secret_jwks");
    expect(catalog.text).not.toContain("fed_keys");
  });
});

describe.each(targets)("federation queries and actions on %s", (_name, databaseUrl) => {
  let stop: () => Promise<void>;
  let connectionString: string;
  let db: Db;

  beforeAll(async () => {
    if (databaseUrl) {
      const scratch = await createScratchSchema(databaseUrl);
      connectionString = scratch.connectionString;
      stop = scratch.drop;
    } else {
      const dev = await startDevDatabase();
      Object.assign(neonConfig, neonLocalConfig(dev.relayPort));
      connectionString = dev.connectionString;
      stop = dev.stop;
    }
    db = neonHttpDb(connectionString);
  }, 60_000);
  afterAll(async () => {
    await stop?.();
  });

  /** One call as the router makes it; its result, or the error thrown. */
  async function call(op: "query" | "action", name: string, args: Record<string, Json> = {}, on: Db = db): Promise<Json> {
    const [result] = await executeBatch(app, on, [{ op, service: "federation", name, args } satisfies Call]);
    if (!result || "error" in result) throw new Error(`${op} federation/${name}: ${result?.error}`);
    return result.ok;
  }
  const query = (name: string, args?: Record<string, Json>) => call("query", name, args);
  const action = (name: string, args?: Record<string, Json>) => call("action", name, args);

  it("finds the authors by their handle (users.handle): only users with published posts", async () => {
    expect(await query("author", { handle: "hannah" })).toEqual({ id: 4, name: "Hannah Pryce", handle: "hannah" });
    expect(await query("author", { handle: "giles" })).toEqual({ id: 1, name: "Giles Bradshaw", handle: "giles" });
    expect(await query("author", { handle: "kwame" })).toBeNull(); // a user without posts
    expect(await query("author", { handle: "nobody" })).toBeNull();
    expect(await query("author", { handle: "hannah@example.org" })).toBeNull();
    const authors = (await query("authors")) as { handle: string }[];
    expect(authors.map((a) => a.handle)).toEqual(["giles", "priya", "tom", "hannah"]);
  });

  it("lists every published post, oldest first, with its author's handle", async () => {
    const posts = (await query("posts")) as { id: number; slug: string; handle: string; author: string; tags: string[]; published_at: string; body_html: string }[];
    expect(posts).toHaveLength(22); // 24 seeded, 2 drafts
    expect(posts.map((p) => p.published_at)).toEqual([...posts.map((p) => p.published_at)].sort());
    expect(posts[0]).toMatchObject({ id: 1, slug: "welcome-to-rose-ash", author: "Giles Bradshaw", handle: "giles", tags: ["co-op", "news"], published_at: "2025-01-15T09:00:00.000Z" });
    expect(posts[0]!.body_html).toMatch(/^<p>Rose Ash is a co-operative/);
    expect(posts.find((p) => p.slug === "wild-garlic-pesto")).toMatchObject({ handle: "hannah", author: "Hannah Pryce" });
    expect(posts.some((p) => p.slug.startsWith("draft-"))).toBe(false);
  });

  it("takes handles from users.handle, not emails: a namesake at another domain is another author, a user without one is not federated", async () => {
    // Another Hannah at another domain (her handle her own), and a user with no handle, each with a published post.
    const [other] = await db.query("INSERT INTO users (email, handle, name) VALUES ('hannah@elsewhere.example', 'hannah_p', 'Hannah Other') RETURNING id", []);
    const [nameless] = await db.query("INSERT INTO users (email, name) VALUES ('nohandle@example.org', 'No Handle') RETURNING id", []);
    const otherId = (other as { id: number }).id;
    const namelessId = (nameless as { id: number }).id;
    await db.query(
      `INSERT INTO posts (slug, title, author_id, published, published_at) VALUES
         ('by-the-other-hannah', 'By the other Hannah', $1, true, '2030-01-01 09:00:00+00'),
         ('by-no-handle', 'By no handle', $2, true, '2030-01-02 09:00:00+00')`,
      [otherId, namelessId],
    );
    try {
      expect(await query("author", { handle: "hannah" })).toEqual({ id: 4, name: "Hannah Pryce", handle: "hannah" });
      expect(await query("author", { handle: "hannah_p" })).toEqual({ id: otherId, name: "Hannah Other", handle: "hannah_p" });
      expect(await query("author", { handle: "nohandle" })).toBeNull();
      const authors = (await query("authors")) as { id: number; handle: string }[];
      expect(authors.map((a) => a.handle)).toEqual(["giles", "priya", "tom", "hannah", "hannah_p"]);
      const posts = (await query("posts")) as { slug: string; handle: string }[];
      expect(posts.find((p) => p.slug === "by-the-other-hannah")).toMatchObject({ handle: "hannah_p" });
      expect(posts.some((p) => p.slug === "by-no-handle")).toBe(false);
      // The schema's check: handles are [a-z0-9_]{1,30}, never the instance actor's, and unique.
      for (const bad of ["site", "Hannah", "han-nah", "", "x".repeat(31)]) {
        await expect(db.query("UPDATE users SET handle = $1 WHERE id = $2", [bad, namelessId]), bad).rejects.toThrow(/users_handle_check|check constraint/);
      }
      await expect(db.query("UPDATE users SET handle = 'hannah' WHERE id = $1", [namelessId])).rejects.toThrow(/users_handle_idx|duplicate key/);
    } finally {
      await db.query("DELETE FROM posts WHERE author_id IN ($1, $2)", [otherId, namelessId]);
      await db.query("DELETE FROM users WHERE id IN ($1, $2)", [otherId, namelessId]);
    }
    expect(await query("posts")).toHaveLength(22);
  });

  it("keeps an actor's keys once: a second store, even racing the first, gets the first's", async () => {
    expect(await query("actor-keys", { actor: "site" })).toBeNull();
    expect(await action("store-keys", { actor: "site", secret_jwks: JSON.stringify(JWKS_A) })).toEqual({ actor: "site", secret_jwks: JWKS_A });
    expect(await action("store-keys", { actor: "site", secret_jwks: JSON.stringify(JWKS_B) })).toEqual({ actor: "site", secret_jwks: JWKS_A });
    expect(await query("actor-keys", { actor: "site" })).toEqual({ actor: "site", secret_jwks: JWKS_A });
    // Two first requests at once, each on its own connection: both get the one that was kept.
    const [one, two] = [neonDb(connectionString), neonDb(connectionString)];
    try {
      const raced = await Promise.all([
        call("action", "store-keys", { actor: "hannah", secret_jwks: JSON.stringify(JWKS_A) }, one),
        call("action", "store-keys", { actor: "hannah", secret_jwks: JSON.stringify(JWKS_B) }, two),
      ]);
      expect(raced[0]).toEqual(raced[1]);
      expect(raced[0]).toEqual(await query("actor-keys", { actor: "hannah" }));
    } finally {
      await Promise.all([one.close(), two.close()]);
    }
  });

  it("refuses keys that are not a JSON object", async () => {
    await expect(action("store-keys", { actor: "tom", secret_jwks: "not json" })).rejects.toThrow(/json/i);
    await expect(action("store-keys", { actor: "tom", secret_jwks: "[1, 2]" })).rejects.toThrow(/fed_keys_secret_jwks_check|check constraint/);
    expect(await query("actor-keys", { actor: "tom" })).toBeNull();
  });

  it("adds a follower (again: its inboxes updated), lists followers per actor and all, and removes one", async () => {
    const ann = { actor: "site", follower: "https://m.example/users/ann", inbox: "https://m.example/users/ann/inbox", shared_inbox: "https://m.example/inbox", follow_id: "https://m.example/1" };
    expect(await action("add-follower", ann)).toEqual(ann);
    await action("add-follower", { actor: "hannah", follower: "https://m.example/users/bob", inbox: "https://m.example/users/bob/inbox", shared_inbox: null, follow_id: null });
    expect(await query("followers", { actor: "site" })).toEqual([{ follower: ann.follower, inbox: ann.inbox, shared_inbox: ann.shared_inbox }]);
    // Following again (a new Follow): one row, the new inbox.
    await action("add-follower", { ...ann, inbox: "https://m.example/users/ann/inbox2", follow_id: "https://m.example/2" });
    expect(await query("followers", { actor: "site" })).toEqual([{ follower: ann.follower, inbox: "https://m.example/users/ann/inbox2", shared_inbox: ann.shared_inbox }]);
    const all = (await query("all-followers")) as { actor: string; follower: string; created_at: string }[];
    expect(all.map((f) => [f.actor, f.follower])).toEqual([["hannah", "https://m.example/users/bob"], ["site", ann.follower]]);
    expect(all[0]!.created_at).toMatch(/Z$/);
    expect(await action("remove-follower", { actor: "site", follower: ann.follower })).toBeNull();
    expect(await query("followers", { actor: "site" })).toEqual([]);
    expect(await query("followers", { actor: "hannah" })).toHaveLength(1);
    await action("remove-follower", { actor: "hannah", follower: "https://m.example/users/bob" });
  });

  it("follows a remote actor (pending), and takes its answer only for the Follow it was sent", async () => {
    const remote = `${ORIGIN}/ap/actors/site`;
    const follow = { remote, handle: "site@127.0.0.1:8801", inbox: `${remote}/inbox`, follow_id: "http://127.0.0.1:8802/ap/actors/site#follows/1" };
    expect(await query("followed", { remote })).toBeNull();
    expect(await action("follow", follow)).toMatchObject({ ...follow, state: "pending", created_at: expect.stringMatching(/Z$/) });
    expect(await query("following")).toEqual([expect.objectContaining({ remote, handle: follow.handle, inbox: follow.inbox, state: "pending", accepted_at: null })]);

    // An answer to another Follow changes nothing.
    expect(await action("follow-answered", { remote, follow_id: "http://127.0.0.1:8802/ap/actors/site#follows/other", state: "accepted" })).toBeNull();
    expect(await query("followed", { remote })).toMatchObject({ state: "pending", accepted_at: null, follow_id: follow.follow_id });
    // Nor does a state that is not an answer.
    expect(await action("follow-answered", { remote, follow_id: follow.follow_id, state: "pending" })).toBeNull();

    const accepted = (await action("follow-answered", { remote, follow_id: follow.follow_id, state: "accepted" })) as { state: string; accepted_at: string };
    expect(accepted).toMatchObject({ remote, handle: follow.handle, state: "accepted", accepted_at: expect.stringMatching(/Z$/) });
    // The same Accept again keeps the moment it was first accepted.
    expect(await action("follow-answered", { remote, follow_id: follow.follow_id, state: "accepted" })).toMatchObject({ accepted_at: accepted.accepted_at });
    expect(await query("followed", { remote })).toMatchObject({ state: "accepted", accepted_at: accepted.accepted_at });

    // Following again: pending under a new Follow; the old one's answers no longer count.
    const again = { ...follow, follow_id: "http://127.0.0.1:8802/ap/actors/site#follows/2" };
    expect(await action("follow", again)).toMatchObject({ state: "pending", follow_id: again.follow_id });
    expect(await query("followed", { remote })).toMatchObject({ state: "pending", accepted_at: null });
    expect(await action("follow-answered", { remote, follow_id: follow.follow_id, state: "accepted" })).toBeNull();
    expect(await action("follow-answered", { remote, follow_id: again.follow_id, state: "rejected" })).toMatchObject({ state: "rejected", accepted_at: null });
    expect(await query("following")).toHaveLength(1);
  });

  it("keeps a received document by id, replaced by a newer version and never by an older one", async () => {
    expect(await query("document", { handle: "priya@127.0.0.1:8801", slug: "apple-day-2026" })).toBeNull();
    const stored = await action("store-document", documentArgs());
    expect(stored).toMatchObject({ id: `${ORIGIN}/ap/posts/apple-day-2026`, handle: "priya@127.0.0.1:8801", slug: "apple-day-2026", cid: "bafkreiversionone" });

    const doc = (await query("document", { handle: "priya@127.0.0.1:8801", slug: "apple-day-2026" })) as Record<string, Json>;
    const { definitions: _d, updated_at: _u, ...rest } = documentArgs();
    expect(doc).toMatchObject({ ...rest, published_at: "2026-10-19T10:00:00.000Z", updated_at: null, definitions: DEFINITIONS, received_at: expect.stringMatching(/Z$/) });
    expect(await query("document-by-id", { id: `${ORIGIN}/ap/posts/apple-day-2026` })).toEqual(doc);

    // An Update: the whole row replaced.
    const newer = documentArgs({ name: "Apple Day 2026 (photos)", summary: null, source: '(p "Photos.")', hash: "2".repeat(64), cid: "bafkreiversiontwo", definitions: "[]", updated_at: "2026-10-20T09:00:00Z" });
    expect(await action("store-document", newer)).toMatchObject({ cid: "bafkreiversiontwo" });
    expect(await query("document", { handle: "priya@127.0.0.1:8801", slug: "apple-day-2026" })).toMatchObject({
      name: "Apple Day 2026 (photos)", summary: null, source: '(p "Photos.")', cid: "bafkreiversiontwo", definitions: [], updated_at: "2026-10-20T09:00:00.000Z",
    });
    // The first version delivered late changes nothing.
    expect(await action("store-document", documentArgs())).toBeNull();
    expect(await query("document-by-id", { id: `${ORIGIN}/ap/posts/apple-day-2026` })).toMatchObject({ cid: "bafkreiversiontwo" });

    // The list: newest first.
    await action("store-document", documentArgs({ id: `${ORIGIN}/ap/posts/welcome`, slug: "welcome", name: "Welcome", published_at: "2025-01-15T09:00:00Z", cid: "bafkreiwelcome" }));
    const list = (await query("documents")) as { slug: string; handle: string; instance: string; received_at: string }[];
    expect(list.map((d) => d.slug)).toEqual(["apple-day-2026", "welcome"]);
    expect(list[0]).toMatchObject({ handle: "priya@127.0.0.1:8801", instance: "127.0.0.1:8801", name: "Apple Day 2026 (photos)", updated_at: "2026-10-20T09:00:00.000Z" });
  });

  it("refuses a document whose handle or slug would not make a path of its own, and leaves what was kept", async () => {
    await expect(action("store-document", documentArgs({ id: `${ORIGIN}/ap/posts/x`, slug: "../../admin" }))).rejects.toThrow(/check constraint/);
    await expect(action("store-document", documentArgs({ id: `${ORIGIN}/ap/posts/y`, slug: "y", handle: "priya/evil@host" }))).rejects.toThrow(/check constraint/);
    expect(await query("document-by-id", { id: `${ORIGIN}/ap/posts/x` })).toBeNull();
    expect(await query("documents")).toHaveLength(2);
  });

  it("records an activity once (nil on a replay), with its outcome, newest first", async () => {
    const follow = { id: `${ORIGIN}/ap/actors/site#follows/9`, type: "Follow", actor: `${ORIGIN}/ap/actors/site`, object: "http://127.0.0.1:8802/ap/actors/site", outcome: "pending", reason: null };
    // First sight: taken in.
    expect(await action("record-activity", follow)).toEqual({ id: follow.id });
    // Seen a moment ago and still pending (being processed): not taken in again.
    expect(await action("record-activity", follow)).toBeNull();
    expect(await action("activity-outcome", { id: follow.id, outcome: "accepted", reason: null })).toBeNull();
    // A replay of an accepted one: not taken in.
    expect(await action("record-activity", follow)).toBeNull();
    const create = { id: `${ORIGIN}/ap/posts/apple-day-2026#create/x`, type: "Create", actor: `${ORIGIN}/ap/actors/priya`, object: `${ORIGIN}/ap/posts/apple-day-2026`, outcome: "pending", reason: null };
    await action("record-activity", create);
    await action("activity-outcome", { id: create.id, outcome: "refused", reason: "hash: the source does not match its hash" });
    // A replay of the refused one is not taken in again either.
    expect(await action("record-activity", { ...create, outcome: "pending" })).toBeNull();
    const all = (await query("activities", { limit: 10 })) as { id: string; outcome: string; reason: string | null; at: string }[];
    expect(all.map((a) => [a.id, a.outcome, a.reason])).toEqual([
      [create.id, "refused", "hash: the source does not match its hash"],
      [follow.id, "accepted", null],
    ]);
    expect(await query("activities", { limit: 1 })).toHaveLength(1);
    expect(await query("activities")).toHaveLength(2); // the default limit
    await expect(action("activity-outcome", { id: follow.id, outcome: "maybe", reason: null })).rejects.toThrow(/check constraint/);
  });

  it("takes an activity in again when it failed, or has been pending for more than 5 minutes", async () => {
    const row = async (id: string) => (await db.query("SELECT outcome, reason, at FROM fed_activities WHERE id = $1", [id]))[0] as { outcome: string; reason: string | null; at: Date | string };
    const backdate = (id: string, minutes: number) => db.query(`UPDATE fed_activities SET at = now() - make_interval(mins => $2::int) WHERE id = $1`, [id, minutes]);
    const update = { id: `${ORIGIN}/ap/posts/apple-day-2026#update/1`, type: "Update", actor: `${ORIGIN}/ap/actors/priya`, object: `${ORIGIN}/ap/posts/apple-day-2026`, outcome: "pending", reason: null };

    // Failed for a passing reason (the sender is answered 500): its retry is taken in, pending again.
    expect(await action("record-activity", update)).toEqual({ id: update.id });
    await backdate(update.id, 1);
    const before = await row(update.id);
    expect(await action("activity-outcome", { id: update.id, outcome: "failed", reason: "failed, to be tried again: the origin did not answer" })).toBeNull();
    expect(await row(update.id)).toMatchObject({ outcome: "failed", reason: "failed, to be tried again: the origin did not answer" });
    expect(await action("record-activity", update)).toEqual({ id: update.id });
    const retried = await row(update.id);
    expect(retried).toMatchObject({ outcome: "pending", reason: null });
    expect(new Date(retried.at).getTime()).toBeGreaterThan(new Date(before.at).getTime()); // taken in now
    // Being processed again, a moment ago: a second delivery is not taken in.
    expect(await action("record-activity", update)).toBeNull();
    // Accepted this time: replays are nil from now on.
    await action("activity-outcome", { id: update.id, outcome: "accepted", reason: null });
    expect(await action("record-activity", update)).toBeNull();
    expect(await row(update.id)).toMatchObject({ outcome: "accepted", reason: null });

    // Pending for more than 5 minutes (the Worker handling it was cut off): taken in again; for less, not.
    const like = { ...update, id: `${ORIGIN}/ap/posts/apple-day-2026#like/1`, type: "Like" };
    expect(await action("record-activity", like)).toEqual({ id: like.id });
    await backdate(like.id, 4);
    expect(await action("record-activity", like)).toBeNull();
    await backdate(like.id, 6);
    expect(await action("record-activity", like)).toEqual({ id: like.id });
    expect(await action("record-activity", like)).toBeNull(); // pending again, from now
    // Accepted and refused ones stay seen however old they are.
    await action("activity-outcome", { id: like.id, outcome: "refused", reason: "policy: no" });
    await backdate(like.id, 60);
    expect(await action("record-activity", like)).toBeNull();
    await backdate(update.id, 60);
    expect(await action("record-activity", update)).toBeNull();

    // Two retries of a failed one at once, each on its own connection: one is taken in.
    await action("activity-outcome", { id: update.id, outcome: "failed", reason: "failed, to be tried again: the database" });
    const [one, two] = [neonDb(connectionString), neonDb(connectionString)];
    try {
      const raced = await Promise.all([
        call("action", "record-activity", update, one),
        call("action", "record-activity", update, two),
      ]);
      expect(raced.filter((r) => r !== null)).toEqual([{ id: update.id }]);
    } finally {
      await Promise.all([one.close(), two.close()]);
    }
    expect(await row(update.id)).toMatchObject({ outcome: "pending", reason: null });

    // The operator's list shows failed ones with their reasons.
    await action("activity-outcome", { id: update.id, outcome: "failed", reason: "failed, to be tried again: the database" });
    const all = (await query("activities", { limit: 10 })) as { id: string; outcome: string; reason: string | null }[];
    expect(all.find((a) => a.id === update.id)).toMatchObject({ outcome: "failed", reason: "failed, to be tried again: the database" });
  });

  /** A component as the router stores it (store.ts's storeComponent: definitions as JSON text). */
  const NOTE_ID = `${ORIGIN}/ap/components/~note`;
  const SITE_ACTOR = `${ORIGIN}/ap/users/site`;
  const componentArgs = (over: Record<string, Json> = {}): Record<string, Json> => ({
    id: NOTE_ID,
    actor: SITE_ACTOR,
    instance: "127.0.0.1:8801",
    name: "~note",
    source: '(defcomp ~note (&key text) (p :class "note" (~mark :text text)))',
    pretty: '(defcomp ~note (&key text)\n  (p :class "note" (~mark :text text)))',
    hash: "a".repeat(64),
    cid: "bafkreinote",
    definitions: JSON.stringify([{ name: "~mark", source: "(defcomp ~mark (&key text) (strong text))", hash: "c".repeat(64), cid: "bafkreimark" }]),
    ...over,
  });

  it("keeps an announced component by id: a second store replaces it, source, hash and all", async () => {
    expect(await query("component", { instance: "127.0.0.1:8801", name: "~note" })).toBeNull();
    expect(await query("components")).toEqual([]);
    const stored = (await action("store-component", componentArgs())) as Record<string, Json>;
    expect(stored).toEqual({ id: NOTE_ID, instance: "127.0.0.1:8801", name: "~note", hash: "a".repeat(64), received_at: expect.stringMatching(/Z$/) });

    // The component: its definitions back as a list, its pretty form as it was given.
    const { definitions, ...rest } = componentArgs();
    const kept = (await query("component", { instance: "127.0.0.1:8801", name: "~note" })) as Record<string, Json>;
    expect(kept).toEqual({ ...rest, definitions: JSON.parse(definitions as string), received_at: stored.received_at });
    expect(Array.isArray(kept.definitions)).toBe(true);
    expect(kept.pretty).toContain("\n  (p ");

    // Its origin changed it: the same id, replaced whole.
    const changed = componentArgs({
      source: '(defcomp ~note (&key text) (aside :class "note" text))',
      pretty: '(defcomp ~note (&key text)\n  (aside :class "note" text))',
      hash: "b".repeat(64),
      cid: "bafkreinotetwo",
      definitions: "[]",
    });
    expect(await action("store-component", changed)).toMatchObject({ id: NOTE_ID, hash: "b".repeat(64) });
    expect(await query("component", { instance: "127.0.0.1:8801", name: "~note" })).toMatchObject({
      source: changed.source, pretty: changed.pretty, hash: "b".repeat(64), cid: "bafkreinotetwo", definitions: [],
    });
    expect(await query("components")).toEqual([{ instance: "127.0.0.1:8801", name: "~note", hash: "b".repeat(64), cid: "bafkreinotetwo", received_at: expect.stringMatching(/Z$/) }]);
    // Without definitions: none (the action's default).
    const { definitions: _none, ...bare } = componentArgs({ id: `${ORIGIN}/ap/components/~bare`, name: "~bare", source: "(defcomp ~bare () (hr))", pretty: "(defcomp ~bare ()\n  (hr))" });
    await action("store-component", bare);
    expect(await query("component", { instance: "127.0.0.1:8801", name: "~bare" })).toMatchObject({ definitions: [] });
    await action("delete-component", { id: `${ORIGIN}/ap/components/~bare`, actor: SITE_ACTOR });
  });

  it("lists components by instance and name, finds one by instance and name or by id, and an instance's with their sources", async () => {
    const other = "http://127.0.0.1:8803";
    await action("store-component", componentArgs({ id: `${ORIGIN}/ap/components/~byline`, name: "~byline", source: "(defcomp ~byline (&key by) (p by))", pretty: "(defcomp ~byline (&key by)\n  (p by))", hash: "d".repeat(64), cid: "bafkreibyline", definitions: "[]" }));
    await action("store-component", componentArgs({ id: `${other}/ap/components/~note`, actor: `${other}/ap/users/site`, instance: "127.0.0.1:8803", hash: "e".repeat(64), cid: "bafkreiothernote" }));
    await action("store-component", componentArgs({ id: `${ORIGIN}/ap/components/~alpha`, name: "~alpha", source: "(defcomp ~alpha () (hr))", pretty: "(defcomp ~alpha ()\n  (hr))", hash: "f".repeat(64), cid: "bafkreialpha" }));
    const list = (await query("components")) as { instance: string; name: string; hash: string; cid: string }[];
    expect(list.map((c) => [c.instance, c.name, c.hash.slice(0, 1), c.cid])).toEqual([
      ["127.0.0.1:8801", "~alpha", "f", "bafkreialpha"],
      ["127.0.0.1:8801", "~byline", "d", "bafkreibyline"],
      ["127.0.0.1:8801", "~note", "b", "bafkreinotetwo"],
      ["127.0.0.1:8803", "~note", "e", "bafkreiothernote"],
    ]);
    // Same name, another instance: each its own.
    expect(await query("component", { instance: "127.0.0.1:8803", name: "~note" })).toMatchObject({ id: `${other}/ap/components/~note`, actor: `${other}/ap/users/site`, hash: "e".repeat(64) });
    expect(await query("component", { instance: "127.0.0.1:8802", name: "~note" })).toBeNull();
    expect(await query("component", { instance: "127.0.0.1:8801", name: "~nope" })).toBeNull();

    expect(await query("component-by-id", { id: NOTE_ID })).toEqual({ id: NOTE_ID, actor: SITE_ACTOR, instance: "127.0.0.1:8801", name: "~note", hash: "b".repeat(64), cid: "bafkreinotetwo" });
    expect(await query("component-by-id", { id: `${ORIGIN}/ap/components/~nope` })).toBeNull();

    const of = (await query("components-of", { instance: "127.0.0.1:8801" })) as { name: string; source: string; definitions: unknown }[];
    expect(of.map((c) => c.name)).toEqual(["~alpha", "~byline", "~note"]);
    expect(of[0]).toEqual({ name: "~alpha", source: "(defcomp ~alpha () (hr))", hash: "f".repeat(64), cid: "bafkreialpha", definitions: JSON.parse(componentArgs().definitions as string) });
    expect(await query("components-of", { instance: "127.0.0.1:8802" })).toEqual([]);

    // One name per instance, whatever its id; a name that would not make a path, refused.
    await expect(action("store-component", componentArgs({ id: `${ORIGIN}/ap/components/other-id` }))).rejects.toThrow(/fed_components_instance_name_key|duplicate key|unique/i);
    await expect(action("store-component", componentArgs({ id: `${ORIGIN}/ap/components/x`, name: "~a/b" }))).rejects.toThrow(/check constraint/);
    await expect(action("store-component", componentArgs({ id: `${ORIGIN}/ap/components/y`, name: "~a b" }))).rejects.toThrow(/check constraint/);
    await expect(action("store-component", componentArgs({ id: `${ORIGIN}/ap/components/z`, definitions: "{}" }))).rejects.toThrow(/check constraint/);
    expect(await query("components")).toHaveLength(4);
  });

  it("deletes a component only for the actor that announced it", async () => {
    const alpha = `${ORIGIN}/ap/components/~alpha`;
    expect(await action("delete-component", { id: alpha, actor: "http://127.0.0.1:8803/ap/users/site" })).toBeNull();
    expect(await action("delete-component", { id: alpha, actor: `${ORIGIN}/ap/users/priya` })).toBeNull();
    expect(await query("component-by-id", { id: alpha })).toMatchObject({ name: "~alpha" });
    expect(await action("delete-component", { id: alpha, actor: SITE_ACTOR })).toEqual({ id: alpha, instance: "127.0.0.1:8801", name: "~alpha" });
    expect(await query("component-by-id", { id: alpha })).toBeNull();
    expect(await query("component", { instance: "127.0.0.1:8801", name: "~alpha" })).toBeNull();
    // Gone: again, nil.
    expect(await action("delete-component", { id: alpha, actor: SITE_ACTOR })).toBeNull();
    for (const id of [`${ORIGIN}/ap/components/~byline`, "http://127.0.0.1:8803/ap/components/~note"]) {
      expect(await action("delete-component", { id, actor: id.replace(/\/ap\/components\/.*$/, "/ap/users/site") }), id).toMatchObject({ id });
    }
    // What is left: ~note of 127.0.0.1:8801 (the declared examples below read it).
    expect(((await query("components")) as { name: string }[]).map((c) => c.name)).toEqual(["~note"]);
  });

  it("finds the received documents of an instance that use its component in another version, and deletes a document only for its actor", async () => {
    const uses = (name: string, hash: string) => JSON.stringify([{ name, source: `(defcomp ${name} () (hr))`, hash, cid: "bafkreix" }, { name: "~other", source: "(defcomp ~other () (br))", hash: "9".repeat(64), cid: "bafkreiy" }]);
    const other = "http://127.0.0.1:8803";
    const docs = {
      old: documentArgs({ id: `${ORIGIN}/ap/posts/uses-old`, slug: "uses-old", definitions: uses("~note", "a".repeat(64)) }),
      current: documentArgs({ id: `${ORIGIN}/ap/posts/uses-current`, slug: "uses-current", definitions: uses("~note", "b".repeat(64)) }),
      elsewhere: documentArgs({ id: `${other}/ap/posts/uses-old`, actor: `${other}/ap/users/priya`, handle: "priya@127.0.0.1:8803", instance: "127.0.0.1:8803", slug: "uses-old", definitions: uses("~note", "a".repeat(64)) }),
      unrelated: documentArgs({ id: `${ORIGIN}/ap/posts/uses-byline`, slug: "uses-byline", definitions: uses("~byline", "a".repeat(64)) }),
    };
    for (const d of Object.values(docs)) expect(await action("store-document", d)).not.toBeNull();
    try {
      const using = (instance: string, name: string, hash: string) => query("documents-using", { instance, name, hash }) as Promise<{ id: string }[]>;
      // ~note is at b now: the documents of 127.0.0.1:8801 made with another version (welcome, stored above with DEFINITIONS, is at a too), the longest kept first.
      expect(await using("127.0.0.1:8801", "~note", "b".repeat(64))).toEqual([
        { id: `${ORIGIN}/ap/posts/welcome`, actor: `${ORIGIN}/ap/actors/priya`, handle: "priya@127.0.0.1:8801", slug: "welcome" },
        { id: `${ORIGIN}/ap/posts/uses-old`, actor: `${ORIGIN}/ap/actors/priya`, handle: "priya@127.0.0.1:8801", slug: "uses-old" },
      ]);
      // Not those with the same version, nor another instance's, nor those that do not use it.
      expect((await using("127.0.0.1:8801", "~note", "a".repeat(64))).map((d) => d.id)).toEqual([`${ORIGIN}/ap/posts/uses-current`]);
      expect((await using("127.0.0.1:8803", "~note", "b".repeat(64))).map((d) => d.id)).toEqual([`${other}/ap/posts/uses-old`]);
      expect((await using("127.0.0.1:8803", "~note", "a".repeat(64))).map((d) => d.id)).toEqual([]);
      expect((await using("127.0.0.1:8801", "~byline", "b".repeat(64))).map((d) => d.id)).toEqual([`${ORIGIN}/ap/posts/uses-byline`]);
      expect(await using("127.0.0.1:8801", "~nowhere", "b".repeat(64))).toEqual([]);
      // A name is matched whole, not as a prefix or a pattern.
      expect(await using("127.0.0.1:8801", "~not", "b".repeat(64))).toEqual([]);
      expect(await using("127.0.0.1:8801", "~no%", "b".repeat(64))).toEqual([]);

      // Deleted only by the actor it came from.
      expect(await action("delete-document", { id: docs.old.id as string, actor: `${other}/ap/users/priya` })).toBeNull();
      expect(await action("delete-document", { id: docs.old.id as string, actor: `${ORIGIN}/ap/actors/hannah` })).toBeNull();
      expect(await query("document-by-id", { id: docs.old.id as string })).toMatchObject({ slug: "uses-old" });
      expect(await action("delete-document", { id: docs.old.id as string, actor: docs.old.actor as string })).toEqual({ id: docs.old.id, handle: "priya@127.0.0.1:8801", slug: "uses-old" });
      expect(await query("document-by-id", { id: docs.old.id as string })).toBeNull();
      expect(await query("document", { handle: "priya@127.0.0.1:8801", slug: "uses-old" })).toBeNull();
      expect(await action("delete-document", { id: docs.old.id as string, actor: docs.old.actor as string })).toBeNull();
      // The other instance's document with the same slug is its own.
      expect(await query("document", { handle: "priya@127.0.0.1:8803", slug: "uses-old" })).toMatchObject({ id: docs.elsewhere.id });
      expect((await using("127.0.0.1:8801", "~note", "b".repeat(64))).map((d) => d.id)).toEqual([`${ORIGIN}/ap/posts/welcome`]);
    } finally {
      for (const d of Object.values(docs)) await action("delete-document", { id: d.id as string, actor: d.actor as string });
    }
    expect(((await query("documents")) as { slug: string }[]).map((d) => d.slug)).toEqual(["apple-day-2026", "welcome"]);
  });

  it("unfollows a remote actor: its row as it was (with its Follow's id), then nil; nil for one it does not follow", async () => {
    const remote = "http://127.0.0.1:8803/ap/actors/site";
    const follow = { remote, handle: "site@127.0.0.1:8803", inbox: `${remote}/inbox`, follow_id: "http://127.0.0.1:8802/ap/actors/site#follows/3" };
    await action("follow", follow);
    await action("follow-answered", { remote, follow_id: follow.follow_id, state: "accepted" });
    expect(await query("following")).toHaveLength(2);
    expect(await action("unfollow", { remote })).toEqual({ ...follow, state: "accepted" });
    expect(await query("followed", { remote })).toBeNull();
    expect(((await query("following")) as { remote: string }[]).map((f) => f.remote)).toEqual([`${ORIGIN}/ap/actors/site`]);
    expect(await action("unfollow", { remote })).toBeNull();
    expect(await action("unfollow", { remote: "http://127.0.0.1:8804/ap/actors/site" })).toBeNull();
    // A pending one too.
    await action("follow", { ...follow, follow_id: "http://127.0.0.1:8802/ap/actors/site#follows/4" });
    expect(await action("unfollow", { remote })).toMatchObject({ remote, state: "pending", follow_id: "http://127.0.0.1:8802/ap/actors/site#follows/4" });
    expect(await query("following")).toHaveLength(1);
  });

  it("answers every declared example with rows of the declared shape", async () => {
    // After the tests above every table has rows; the actions' examples run in the same way.
    // An event still to come whatever the day the tests run (the seed's are on fixed dates), for upcoming-events.
    await db.query("INSERT INTO events (id, slug, title, starts_at) VALUES (9001, 'federation-test-event', 'Still to come', now() + interval '1 day')", []);
    for (const q of app.env.allQueries().filter((x) => x.service === "federation")) {
      const what = `${q.kind} federation/${q.name}`;
      const example = Object.fromEntries([...q.example].map(([k, v]) => [k, v as Json]));
      if (q.name === "actor-keys") example.actor = "site";
      if (q.name === "document") Object.assign(example, { handle: "priya@127.0.0.1:8801", slug: "apple-day-2026" });
      if (q.name === "document-by-id") example.id = `${ORIGIN}/ap/posts/apple-day-2026`;
      if (q.name === "followed") example.remote = `${ORIGIN}/ap/actors/site`;
      if (q.name === "follow-answered") Object.assign(example, { remote: `${ORIGIN}/ap/actors/site`, follow_id: "http://127.0.0.1:8802/ap/actors/site#follows/2" });
      // A received document that uses ~note (welcome, stored above) in another version than the example's hash.
      if (q.name === "documents-using") Object.assign(example, { instance: "127.0.0.1:8801", name: "~note" });
      // The component the tests above left (store-component's example comes after it).
      if (q.name === "component") Object.assign(example, { instance: "127.0.0.1:8801", name: "~note" });
      if (q.name === "followers") await action("add-follower", { actor: "site", follower: "https://m.example/users/cy", inbox: "https://m.example/users/cy/inbox", shared_inbox: null, follow_id: null });
      const result = await call(q.kind, q.name, example);
      if (q.returns === "none") continue;
      const rows = (q.returns === "many" ? result : [result]) as Record<string, unknown>[];
      expect(rows.length, what).toBeGreaterThan(0);
      for (const row of rows) {
        expect(row, what).not.toBeNull();
        expect(Object.keys(row).sort(), what).toEqual([...q.shape.keys()].sort());
        for (const [column, type] of q.shape) {
          const v = row[column];
          if (v !== null) expect(TYPE_CHECKS[type]?.(v), `${what}: ${column} should be ${type}, got ${JSON.stringify(v)}`).toBe(true);
        }
      }
    }
    await db.query("DELETE FROM events WHERE id = 9001", []);
  });
});

describe("the received documents' components", () => {
  /** The site's environment with a plain layout and post header (the real ones read the session, ask for fragments, render media). */
  async function site(): Promise<ReturnType<typeof createEnv>> {
    const env = createEnv(app.env);
    await evaluateForms(parse(`(defcomp ~base-layout (&key title &rest content) (div :class "test-layout" :data-title title content))
       (defcomp ~post-header (&key post) (div :class "test-header"))`, { src: "test.sexp" }), env);
    return env;
  }
  const doc = {
    handle: "priya@127.0.0.1:8801", slug: "apple-day-2026", instance: "127.0.0.1:8801", name: "Apple Day <2026>", summary: "More apples",
    url: "http://127.0.0.1:8801/blog/apple-day-2026/", cid: "bafkreiversionone", published_at: "2026-10-19T10:00:00.000Z",
    updated_at: "2026-10-20T09:05:00.000Z", received_at: "2026-10-20T09:06:00.000Z",
  };
  /** A JSON value written as s-expression data. */
  const data = (v: unknown): string =>
    v === null ? "nil"
    : Array.isArray(v) ? `(list ${v.map(data).join(" ")})`
    : typeof v === "object" ? `{${Object.entries(v as object).map(([k, x]) => `:${k} ${data(x)}`).join(" ")}}`
    : JSON.stringify(v);

  it("shows where a document comes from: instance, author, the original, its CID and when it came", async () => {
    const html = await render(`(~fed-document :doc ${data(doc)} (p "the document"))`, await site());
    expect(html).toContain('<div class="provenance" role="note"');
    expect(html).toContain("From <strong>127.0.0.1:8801</strong>, by <strong>priya@127.0.0.1:8801</strong>");
    expect(html).toContain('<a href="http://127.0.0.1:8801/blog/apple-day-2026/" rel="nofollow noopener">');
    expect(html).toContain('<a href="/ipfs/bafkreiversionone"><code>bafkreiversionone</code></a>');
    expect(html).toContain('<time datetime="2026-10-20T09:06:00.000Z">20 October 2026, 09:06 UTC</time>');
    expect(html).toMatch(/<div class="fed-content"><p>the document<\/p><\/div><\/div>$/);
  });

  it("does not link an original that is not a web address", async () => {
    const html = await render(`(~fed-provenance :doc ${data({ ...doc, url: "javascript:alert(1)" })})`, await site());
    expect(html).not.toContain('href="javascript:');
    expect(html).toContain('<a href="about:invalid#unsafe-url"');
  });

  it("lists received documents at their local URLs, escaped; with none, says how to follow an instance", async () => {
    const html = await render(`(~fed-index :documents (list ${data(doc)}))`, await site());
    expect(html).toContain('href="/fed/priya@127.0.0.1:8801/apple-day-2026/"');
    expect(html).toContain("Apple Day &lt;2026&gt;");
    expect(html).not.toContain("<2026>");
    const empty = await render(`(~fed-index :documents (list))`, await site());
    expect(empty).toContain("POST /_sexp/federation/follow");
    expect(empty).toContain('<a href="/_sexp/federation">');
  });

  it("renders the operator's page: actor, follow form, following, followers, received, activities with refusals and reasons", async () => {
    const html = await render(
      `(~federation-page :actor-url "http://127.0.0.1:8802/ap/actors/site" :handle "site@127.0.0.1:8802"
         :following (list {:remote "http://127.0.0.1:8801/ap/actors/site" :handle "site@127.0.0.1:8801" :inbox "x" :state "accepted"
                           :created_at "2026-10-01T10:00:00.000Z" :accepted_at "2026-10-01T10:00:01.000Z"})
         :followers (list {:actor "site" :follower "https://m.example/users/ann" :inbox "https://m.example/users/ann/inbox" :shared_inbox nil
                           :created_at "2026-10-02T10:00:00.000Z"})
         :documents (list ${data({ ...doc, local: "/fed/priya@127.0.0.1:8801/apple-day-2026/" })})
         :activities (list {:id "a1" :type "Create" :actor "http://127.0.0.1:8801/ap/actors/priya" :object nil :outcome "refused"
                            :reason "signature: <b>stale</b> date" :at "2026-10-03T10:00:00.000Z"}))`,
      await site(),
    );
    expect(html).toContain('<form class="filters fed-follow" method="post" action="/_sexp/federation/follow">');
    expect(html).toContain('name="account"');
    expect(html).toContain("<code>site@127.0.0.1:8802</code>");
    expect(html).toContain('<span class="fed-badge fed-accepted">accepted</span>');
    expect(html).toContain("https://m.example/users/ann");
    expect(html).toContain('href="/fed/priya@127.0.0.1:8801/apple-day-2026/"');
    expect(html).toContain('<tr class="fed-refused">');
    expect(html).toContain('<div class="fed-reason">signature: &lt;b&gt;stale&lt;/b&gt; date</div>');
  });

  it("draws a post's header from its id modulo 360: a remote document's ids ask for at most 360 pictures", async () => {
    // The site's own ~post-header, with ~colour-field showing what it would render.
    const env = createEnv(app.env);
    await evaluateForms(parse(`(defcomp ~colour-field (&key width height colours seed angle alt class)
       (div :data-seed seed :data-angle angle :data-from (:from colours)))`, { src: "test.sexp" }), env);
    const header = (id: string) => render(`(~post-header :post {:id ${id}})`, env);
    // A local post keeps its picture: the seed 1000 + id, as before.
    expect(await header("21")).toBe('<div data-seed="1021" data-angle="327" data-from="#6a6f9e"></div>');
    expect(await header("359")).toBe('<div data-seed="1359" data-angle="293" data-from="#8e5572"></div>');
    // Any other id is one of those 360: a larger one, a negative one, a fraction.
    for (const id of ["381", "3600021", "-339", "21.4", "20.6"]) expect(await header(id), id).toBe(await header("21"));
  });

  it("keeps the blog's ~post-article: the body is its children", async () => {
    const post = `{:id 3 :slug "what-local-really-means" :title "What Local Means" :author "Giles Bradshaw" :published_at "2025-02-24T10:00:00.000Z" :tags (list "sourcing" "co-op")}`;
    const html = await render(`(~post-article :post ${post} (p "One.") (p "Two."))`, await site());
    expect(html).toContain('<div class="prose"><p>One.</p><p>Two.</p></div>');
    expect(html).toContain('<ul class="tags" aria-label="Tags"><li>sourcing</li><li>co-op</li></ul>');
  });
});
