/**
 * What federation keeps, in the site's database through named queries and
 * actions (app/queries/federation.sexp; SQL only there): actors' keys,
 * followers, whom this instance follows, what it received, and every
 * activity it took in (once) with what came of it.
 */
import type { Json } from "@rose-ash/resolver";

export interface Author {
  readonly id: number;
  readonly name: string;
  readonly handle: string;
}

export interface PostRow {
  readonly id: number;
  readonly slug: string;
  readonly title: string;
  readonly excerpt: string;
  readonly body_html: string;
  readonly tags: readonly string[];
  readonly published_at: string;
  readonly author: string;
  readonly handle: string;
}

/** An actor's keys as JWKs (private and public), RSA for cavage and RFC 9421, Ed25519 for FEP-8b32 proofs. */
export interface ActorJwks {
  readonly rsa: { readonly private: JsonWebKey; readonly public: JsonWebKey };
  readonly ed25519: { readonly private: JsonWebKey; readonly public: JsonWebKey };
}

export interface Follower {
  readonly follower: string;
  readonly inbox: string;
  readonly shared_inbox: string | null;
}

export interface Followed {
  readonly remote: string;
  readonly handle: string;
  readonly inbox: string;
  readonly state: "pending" | "accepted" | "rejected";
}

/** A received document as kept: verified, the last good version. */
export interface ReceivedDocument {
  readonly id: string;
  readonly actor: string;
  readonly handle: string;
  readonly slug: string;
  readonly instance: string;
  readonly name: string | null;
  readonly summary: string | null;
  readonly source: string;
  readonly hash: string;
  readonly cid: string;
  readonly definitions: readonly { name: string; source: string; hash: string; cid: string }[];
  readonly url: string | null;
  readonly published_at: string | null;
  readonly updated_at: string | null;
}

/** A component an instance announced, as kept: verified, the version its origin serves now. */
export interface ReceivedComponent {
  readonly id: string;
  readonly actor: string;
  readonly instance: string;
  readonly name: string;
  readonly source: string;
  readonly pretty: string;
  readonly hash: string;
  readonly cid: string;
  readonly definitions: readonly { name: string; source: string; hash: string; cid: string }[];
}

export type Outcome = "accepted" | "refused" | "failed" | "pending";

/** A call of a named query or action of the `federation` service. */
export type Call = (op: "query" | "action", name: string, args: { [key: string]: Json }) => Promise<Json>;

export class FederationStore {
  constructor(private readonly call: Call) {}

  private one<T>(op: "query" | "action", name: string, args: { [key: string]: Json } = {}): Promise<T | null> {
    return this.call(op, name, args) as Promise<T | null>;
  }

  private many<T>(name: string, args: { [key: string]: Json } = {}): Promise<T[]> {
    return this.call("query", name, args) as Promise<T[]>;
  }

  author(handle: string): Promise<Author | null> {
    return this.one("query", "author", { handle });
  }

  authors(): Promise<Author[]> {
    return this.many("authors");
  }

  posts(): Promise<PostRow[]> {
    return this.many("posts");
  }

  post(slug: string): Promise<PostRow | null> {
    return this.one("query", "post", { slug });
  }

  /** The rows of a query of the federation service that takes no parameters (a shared page's). */
  rows(query: string): Promise<Json[]> {
    return this.many(query);
  }

  async keys(actor: string): Promise<ActorJwks | null> {
    const row = await this.one<{ secret_jwks: ActorJwks }>("query", "actor-keys", { actor });
    return row ? row.secret_jwks : null;
  }

  /** Keep an actor's keys unless it has some already; the keys it has after (two first requests agree). */
  async storeKeys(actor: string, jwks: ActorJwks): Promise<ActorJwks> {
    const row = await this.one<{ secret_jwks: ActorJwks }>("action", "store-keys", { actor, secret_jwks: JSON.stringify(jwks) });
    return row ? row.secret_jwks : jwks;
  }

  followers(actor: string): Promise<Follower[]> {
    return this.many("followers", { actor });
  }

  async addFollower(actor: string, f: Follower & { follow_id: string | null }): Promise<void> {
    await this.call("action", "add-follower", { actor, follower: f.follower, inbox: f.inbox, shared_inbox: f.shared_inbox, follow_id: f.follow_id });
  }

  async removeFollower(actor: string, follower: string): Promise<void> {
    await this.call("action", "remove-follower", { actor, follower });
  }

  allFollowers(): Promise<(Follower & { actor: string })[]> {
    return this.many("all-followers");
  }

  documents(): Promise<Pick<ReceivedDocument, "handle" | "slug" | "name" | "summary" | "instance" | "published_at" | "updated_at">[]> {
    return this.many("documents");
  }

  activities(limit: number): Promise<{ id: string; type: string; actor: string; object: string | null; outcome: Outcome; reason: string | null; at: string }[]> {
    return this.many("activities", { limit });
  }

  following(): Promise<Followed[]> {
    return this.many("following");
  }

  followed(remote: string): Promise<(Followed & { follow_id: string }) | null> {
    return this.one("query", "followed", { remote });
  }

  async follow(remote: string, handle: string, inbox: string, followId: string): Promise<void> {
    await this.call("action", "follow", { remote, handle, inbox, follow_id: followId });
  }

  async followAnswered(remote: string, followId: string, state: "accepted" | "rejected"): Promise<void> {
    await this.call("action", "follow-answered", { remote, follow_id: followId, state });
  }

  documentById(id: string): Promise<ReceivedDocument | null> {
    return this.one("query", "document-by-id", { id });
  }

  /** Keep a verified document; false when the version kept is newer (it stays). */
  async storeDocument(doc: ReceivedDocument): Promise<boolean> {
    return (await this.call("action", "store-document", { ...doc, definitions: JSON.stringify(doc.definitions) })) !== null;
  }

  document(handle: string, slug: string): Promise<ReceivedDocument | null> {
    return this.one("query", "document", { handle, slug });
  }

  /** Delete a received document of this actor's; whether there was one. */
  async deleteDocument(id: string, actor: string): Promise<boolean> {
    return (await this.call("action", "delete-document", { id, actor })) !== null;
  }

  /** The received documents of an instance that use its component `name` in another version than `hash`. */
  documentsUsing(instance: string, name: string, hash: string): Promise<{ id: string; actor: string; handle: string; slug: string }[]> {
    return this.many("documents-using", { instance, name, hash });
  }

  async storeComponent(c: ReceivedComponent): Promise<void> {
    await this.call("action", "store-component", { ...c, definitions: JSON.stringify(c.definitions) });
  }

  /** Delete a component this actor announced; whether there was one. */
  async deleteComponent(id: string, actor: string): Promise<boolean> {
    return (await this.call("action", "delete-component", { id, actor })) !== null;
  }

  /** The components an instance shares, as kept here with their sources and the definitions each uses. */
  componentsOf(instance: string): Promise<Pick<ReceivedComponent, "name" | "source" | "hash" | "cid" | "definitions">[]> {
    return this.many("components-of", { instance });
  }

  componentById(id: string): Promise<Pick<ReceivedComponent, "id" | "actor" | "instance" | "name" | "hash" | "cid"> | null> {
    return this.one("query", "component-by-id", { id });
  }

  components(): Promise<Pick<ReceivedComponent, "instance" | "name" | "hash" | "cid">[]> {
    return this.many("components");
  }

  /** Stop following a remote actor: its row as it was (the Follow's id, to undo), or null. */
  unfollow(remote: string): Promise<Followed & { follow_id: string } | null> {
    return this.one("action", "unfollow", { remote });
  }

  /** Note an activity as taken in; false when it was seen before (a replay: processed once), unless that time failed. */
  async firstSight(id: string, type: string, actor: string, object: string | null): Promise<boolean> {
    return (await this.one("action", "record-activity", { id, type, actor, object, outcome: "pending", reason: null })) !== null;
  }

  async outcome(id: string, outcome: Outcome, reason: string | null): Promise<void> {
    await this.call("action", "activity-outcome", { id, outcome, reason });
  }
}
