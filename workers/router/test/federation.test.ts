/**
 * Federation inside workerd: Fedify's key–value store and message queue on
 * the Worker's own KV namespace and Queue (the adapters in
 * src/federation/), and the instance's public face through the router:
 * WebFinger, actors, NodeInfo, posts as Documents, definitions by hash and
 * the components the site shares.
 * Two instances talking to each other are test/federation.test.ts.
 */
import { SELF, env } from "cloudflare:test";
import { Temporal } from "@js-temporal/polyfill";
import { describe, expect, it } from "vitest";
import { workersKvStore } from "../src/federation/kv-store.ts";
import { workersQueue } from "../src/federation/queue.ts";

const ms = (n: number) => Temporal.Duration.from({ milliseconds: n }) as unknown as globalThis.Temporal.Duration;

describe("Fedify's key–value store on Workers KV", () => {
  it("gets what was set, lists by a prefix of parts, and deletes", async () => {
    const kv = workersKvStore(env.HOT!);
    await kv.set(["a", "b"], { n: 1 });
    await kv.set(["a", "c"], "two");
    await kv.set(["ab"], 3);
    expect(await kv.get(["a", "b"])).toEqual({ n: 1 });
    expect(await kv.get(["a", "missing"])).toBeUndefined();
    const listed: unknown[] = [];
    for await (const e of kv.list(["a"])) listed.push([e.key, e.value]);
    // ["ab"] shares the text "a" but not the part: it is not listed.
    expect(listed).toEqual([[["a", "b"], { n: 1 }], [["a", "c"], "two"]]);
    await kv.delete(["a", "b"]);
    expect(await kv.get(["a", "b"])).toBeUndefined();
  });

  it("forgets an entry when its TTL is over, though KV keeps it for 60 s at least", async () => {
    const kv = workersKvStore(env.HOT!);
    await kv.set(["ttl"], "soon", { ttl: ms(1) as never });
    await new Promise((r) => setTimeout(r, 10));
    expect(await kv.get(["ttl"])).toBeUndefined();
    await kv.set(["ttl"], "later", { ttl: ms(3_600_000) as never });
    expect(await kv.get(["ttl"])).toBe("later");
  });
});

describe("Fedify's message queue on a Cloudflare Queue", () => {
  it("sends each message as JSON with its delay, and leaves retries to the Queue", async () => {
    const sent: { body: unknown; options: unknown }[] = [];
    const queue = { send: async (body: unknown, options: unknown) => void sent.push({ body, options }), sendBatch: async (batch: { body: unknown }[]) => void sent.push(...batch.map((b) => ({ body: b.body, options: b }))) } as unknown as Queue;
    const mq = workersQueue(queue);
    expect(mq.nativeRetrial).toBe(true);
    await mq.enqueue({ type: "outbox" }, { delay: ms(2500) as never });
    await mq.enqueueMany!([{ n: 1 }, { n: 2 }]);
    expect(sent[0]).toEqual({ body: { type: "outbox" }, options: { contentType: "json", delaySeconds: 3 } });
    expect(sent.slice(1).map((s) => s.body)).toEqual([{ n: 1 }, { n: 2 }]);
    await expect(mq.listen(() => {})).rejects.toThrow(/queue\(\) handler/);
  });
});

describe("the instance's public face", () => {
  const activity = { headers: { accept: "application/activity+json" } };

  it("answers WebFinger for an author and the site, and 404 for anyone else", async () => {
    const finger = await SELF.fetch("https://rose-ash.test/.well-known/webfinger?resource=acct:giles@rose-ash.test");
    expect(finger.status).toBe(200);
    expect(((await finger.json()) as { links: { rel: string; href: string }[] }).links.find((l) => l.rel === "self")?.href).toBe("https://rose-ash.test/ap/users/giles");
    expect((await SELF.fetch("https://rose-ash.test/.well-known/webfinger?resource=acct:site@rose-ash.test")).status).toBe(200);
    expect((await SELF.fetch("https://rose-ash.test/.well-known/webfinger?resource=acct:nobody@rose-ash.test")).status).toBe(404);
  });

  it("serves a post as a Document carrying its s-expression, CID, hash and definitions, each fetchable by hash", async () => {
    const r = await SELF.fetch("https://rose-ash.test/ap/posts/what-local-really-means", activity);
    expect(r.status).toBe(200);
    const doc = (await r.json()) as { type: string; attributedTo: string; source: { content: string; mediaType: string }; url: { href: string }[]; tag: { href: string; name: string }[]; attachment: { name: string; value?: string; "http://schema.org#value"?: string }[] };
    expect(doc.type).toBe("Document");
    expect(doc.attributedTo).toBe("https://rose-ash.test/ap/users/giles");
    expect(doc.source.mediaType).toBe("application/x-rose-sexp");
    expect(doc.source.content).toMatch(/^\(~post-article :post \{:id 3 /);
    expect(doc.source.content).not.toContain("raw!");
    expect(doc.url.map((u) => u.href).find((h) => h.startsWith("ipfs://"))).toMatch(/^ipfs:\/\/bafkrei/);
    // Fedify writes PropertyValue's value by its full IRI (its context for a Document has no schema.org terms): the same in JSON-LD.
    const hash = doc.attachment.find((a) => a.name === "sexp-hash");
    expect(hash?.value ?? hash?.["http://schema.org#value"]).toMatch(/^[0-9a-f]{64}$/);
    const article = doc.tag.find((t) => t.name === "~post-article")!;
    const definition = await SELF.fetch(article.href, activity);
    expect(definition.status).toBe(200);
    expect(((await definition.json()) as { source: { content: string } }).source.content).toMatch(/^\(defcomp ~post-article/);
    expect((await SELF.fetch("https://rose-ash.test/ap/definitions/" + "0".repeat(64), activity)).status).toBe(404);
  });

  it("serves a component the site shares as a Document at /ap/components/<name>, by the site actor; not one that does I/O", async () => {
    type Doc = {
      id: string; type: string; name: string; attributedTo: string; to: unknown; cc: unknown;
      source: { content: string; mediaType: string }; url: { href: string; mediaType?: string }[] | { href: string; mediaType?: string };
      tag: { href: string; name: string; mediaType?: string }[] | { href: string; name: string };
      // JSON-LD compacts a list of one to the item itself.
      attachment: Attachment[] | Attachment;
    };
    type Attachment = { type: string; name: string; value?: string; "http://schema.org#value"?: string };
    const list = <T,>(x: T | T[] | undefined): T[] => (x === undefined ? [] : Array.isArray(x) ? x : [x]);
    const value = (doc: Doc, name: string) => {
      const found = list(doc.attachment).filter((a) => a.name === name);
      expect(found, name).toHaveLength(1);
      return found[0]!.value ?? found[0]!["http://schema.org#value"];
    };
    const r = await SELF.fetch("https://rose-ash.test/ap/components/~post-article", activity);
    expect(r.status).toBe(200);
    expect(r.headers.get("content-type")).toBe("application/activity+json");
    const doc = (await r.json()) as Doc;
    expect(doc.type).toBe("Document");
    expect(doc.id).toBe("https://rose-ash.test/ap/components/~post-article");
    expect(doc.name).toBe("~post-article");
    expect(doc.attributedTo).toMatch(/\/ap\/users\/site$/);
    expect(doc.attributedTo).toBe("https://rose-ash.test/ap/users/site");
    expect(doc.source.mediaType).toBe("application/x-rose-sexp");
    expect(doc.source.content).toMatch(/^\(defcomp ~post-article /);
    // Canonical: one line, as the printer writes it.
    expect(doc.source.content).not.toContain("\n");
    expect(list(doc.url).map((u) => u.href).find((h) => h.startsWith("ipfs://"))).toMatch(/^ipfs:\/\/bafkrei\w+$/);
    const hash = value(doc, "sexp-hash");
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(value(doc, "ipns-name")).toBe("fed:definitions/~post-article");
    // Its definitions, by hash, as a post's document links them; each fetchable.
    const tags = list(doc.tag);
    for (const t of tags) {
      expect(t.href, t.name).toMatch(/^https:\/\/rose-ash\.test\/ap\/definitions\/[0-9a-f]{64}$/);
      expect(t.name).not.toBe("~post-article");
    }
    // What it uses directly (its header and the date), sorted by name; each fetchable, and that definition.
    expect(tags.map((t) => t.name)).toEqual(expect.arrayContaining(["~date", "~post-header"]));
    expect(tags.map((t) => t.name)).toEqual([...tags.map((t) => t.name)].sort());
    for (const t of tags) {
      const d = await SELF.fetch(t.href, activity);
      expect(d.status, t.name).toBe(200);
      expect(((await d.json()) as Doc).name, t.href).toBe(t.name);
    }

    // The same hash a post's document tags it by: /ap/definitions/<hash> of the same definition.
    const post = (await (await SELF.fetch("https://rose-ash.test/ap/posts/what-local-really-means", activity)).json()) as Doc;
    const tagged = list(post.tag).find((t) => t.name === "~post-article")!;
    expect(tagged.href).toBe(`https://rose-ash.test/ap/definitions/${hash}`);
    const byHash = (await (await SELF.fetch(tagged.href, activity)).json()) as Doc;
    expect(byHash.source.content).toBe(doc.source.content);
    expect(value(byHash, "sexp-hash")).toBe(hash);
    // The definition by hash has no pointer: it never changes.
    expect(list(byHash.attachment).map((a) => a.name)).toEqual(["sexp-hash"]);

    // %-escaped, the same component.
    const escaped = await SELF.fetch("https://rose-ash.test/ap/components/%7Epost-article", activity);
    expect(escaped.status).toBe(200);
    const again = (await escaped.json()) as Doc;
    expect([again.id, again.name, value(again, "sexp-hash")]).toEqual([doc.id, "~post-article", hash]);

    // A component that queries (~market-picks) is not shared; nor is one there is not.
    expect((await SELF.fetch("https://rose-ash.test/ap/components/~market-picks", activity)).status).toBe(404);
    expect((await SELF.fetch("https://rose-ash.test/ap/components/%7Emarket-picks", activity)).status).toBe(404);
    expect((await SELF.fetch("https://rose-ash.test/ap/components/~no-such-component", activity)).status).toBe(404);
    expect((await SELF.fetch("https://rose-ash.test/ap/components/post-article", activity)).status).toBe(404);
    expect((await SELF.fetch("https://rose-ash.test/ap/components/%E0%A4%A", activity)).status).toBe(404);
  });

  it("asks a browser to ask for ActivityPub instead of answering HTML from an actor's URL", async () => {
    const r = await SELF.fetch("https://rose-ash.test/ap/users/site", { headers: { accept: "text/html" } });
    expect(r.status).toBe(406);
  });
});
