/**
 * Federation inside workerd: Fedify's key–value store and message queue on
 * the Worker's own KV namespace and Queue (the adapters in
 * src/federation/), and the instance's public face through the router:
 * WebFinger, actors, NodeInfo, posts as Documents and definitions by hash.
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

  it("asks a browser to ask for ActivityPub instead of answering HTML from an actor's URL", async () => {
    const r = await SELF.fetch("https://rose-ash.test/ap/users/site", { headers: { accept: "text/html" } });
    expect(r.status).toBe(406);
  });
});
