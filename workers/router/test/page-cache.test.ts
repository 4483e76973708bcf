/**
 * Shared pages served from pointers, inside workerd: hits, ETags and 304s,
 * per-user holes kept per user, and a signed content webhook that re-renders
 * exactly the pages that read what changed.
 */
import { SELF, env } from "cloudflare:test";
import { databaseFromEnv } from "@rose-ash/resolver";
import { afterAll, describe, expect, it, vi } from "vitest";
import { signature as webhookSignature } from "@rose-ash/content";
import { deliverChange } from "./deliver.ts";
import { fetched } from "./fetched.ts";

/** The body of an answer by CID (application/octet-stream) as UTF-8 text. */
const bytesAsText = async (res: Promise<Response>) => new TextDecoder().decode(await (await res).arrayBuffer());

const base = "http://rose-ash.test";
const get = (path: string, headers: Record<string, string> = {}) => fetched(base + path, { headers, redirect: "manual" });
const POST_PATH = "/blog/christmas-opening-hours-2026/";

async function webhook(body: string, { secret = "development-only-webhook-secret", timestamp = String(Math.floor(Date.now() / 1000)) } = {}) {
  const signature = await webhookSignature(secret, timestamp, body);
  return SELF.fetch(`${base}/webhooks/content`, { method: "POST", body, headers: { "x-rose-timestamp": timestamp, "x-rose-signature": signature } });
}

describe("shared pages from pointers", () => {
  it("serves the second request from the pointer, same bytes, with the CID as ETag and 304s", async () => {
    const first = await get("/market/?sort=price-asc");
    const firstHtml = await first.text();
    const second = await get("/market/?sort=price-asc");
    expect(second.headers.get("x-rose-cache")).toBe("hit");
    expect(await second.text()).toBe(firstHtml);
    const cid = second.headers.get("x-rose-cid")!;
    expect(cid).toMatch(/^bafkrei/);
    const etag = second.headers.get("etag")!;
    expect(etag).toMatch(new RegExp(`^"${cid}\\.[0-9a-f]{16}"$`)); // the CID, plus this visitor's header
    expect((await get("/market/?sort=price-asc", { "if-none-match": etag })).status).toBe(304);
    // The same query in another order is the same page.
    expect((await get("/market/?sort=price-asc&")).headers.get("x-rose-cid")).toBe(cid);
    // The pointer resolves, and the bytes are served by CID (the shared page, holes unfilled).
    const pointer = await (await get(`/ipns/${second.headers.get("x-rose-pointer")}`)).json<{ cid: string; sequence: number }>();
    expect(pointer.cid).toBe(cid);
    expect(await bytesAsText(get(`/ipfs/${cid}`))).toContain("<!--rose:hole ~header {}-->");
  });

  it("gives the next visitor without a cookie the last such visitor's answer while the pointer names the same page", async () => {
    await get("/market/?sort=price-asc&category=Fruit"); // rendered and kept
    const first = await get("/market/?sort=price-asc&category=Fruit");
    const again = await get("/market/?sort=price-asc&category=Fruit");
    expect([first.headers.get("x-rose-reused"), again.headers.get("x-rose-reused")]).toEqual([null, "anonymous"]);
    expect([again.headers.get("x-rose-cache"), again.headers.get("etag"), again.headers.get("x-rose-holes")]).toEqual(["hit", first.headers.get("etag"), first.headers.get("x-rose-holes")]);
    expect(await again.text()).toBe(await first.text());
    expect((await get("/market/?sort=price-asc&category=Fruit", { "if-none-match": again.headers.get("etag")! })).status).toBe(304);
    // Someone with a cookie is served their own way.
    expect((await get("/market/?sort=price-asc&category=Fruit", { cookie: "lang=fr" })).headers.get("x-rose-reused")).toBe(null);
    // The pointer moved (in this isolate: seen at once): not reused.
    const name = decodeURIComponent(again.headers.get("x-rose-pointer")!);
    await get("/market/?sort=name&category=Fruit");
    const elsewhere = (await get("/market/?sort=name&category=Fruit")).headers.get("x-rose-cid")!;
    const pointer = env.POINTERS.get(env.POINTERS.idFromName(name));
    const { sequence } = (await pointer.current())!;
    expect((await pointer.publish({ name, cid: elsewhere, expectedSequence: sequence })).status).toBe("moved");
    await new Promise((r) => setTimeout(r, 350)); // this isolate's copy of the pointer (POINTER_TTL_MS in tests)
    const moved = await get("/market/?sort=price-asc&category=Fruit");
    expect([moved.headers.get("x-rose-reused"), moved.headers.get("x-rose-cid")]).toEqual([null, elsewhere]);
  });

  it("serves from this isolate's copy of a pointer for POINTER_TTL_MS, then follows a move made elsewhere", async () => {
    // Bytes already stored, for another isolate to move the pointer to.
    await get("/market/?sort=name"); // sent as it rendered: its CID is known from the next request on
    const elsewhere = (await get("/market/?sort=name")).headers.get("x-rose-cid")!;
    await get("/market/?sort=price-desc");
    const first = await get("/market/?sort=price-desc");
    const name = decodeURIComponent(first.headers.get("x-rose-pointer")!);
    // Another isolate moves the pointer (straight to the Durable Object).
    const pointer = env.POINTERS.get(env.POINTERS.idFromName(name));
    const { sequence } = (await pointer.current())!;
    expect((await pointer.publish({ name, cid: elsewhere, expectedSequence: sequence })).status).toBe("moved");
    expect((await get("/market/?sort=price-desc")).headers.get("x-rose-cid")).toBe(first.headers.get("x-rose-cid"));
    await new Promise((r) => setTimeout(r, 350));
    expect((await get("/market/?sort=price-desc")).headers.get("x-rose-cid")).toBe(elsewhere);
  });

  it("fills the per-user header for each visitor; one user's header never reaches another", async () => {
    const signIn = await SELF.fetch(`${base}/account/sign-in/`, { method: "POST", body: new URLSearchParams({ email: "priya@example.org", password: "rose-ash" }), redirect: "manual" });
    const cookie = signIn.headers.get("set-cookie")!.split(";")[0]!;
    await get("/events/"); // volatile (it reads the time): never cached
    expect((await get("/events/")).headers.get("x-rose-cache")).toBe("bypass");
    await get("/blog/");
    const mine = await get("/blog/", { cookie });
    const anon = await get("/blog/");
    expect(mine.headers.get("x-rose-cid")).toBe(anon.headers.get("x-rose-cid"));
    expect(await mine.text()).toContain('<a class="user" href="/account/">Priya Raman</a>');
    expect(await anon.text()).not.toContain('class="user"');
    expect(mine.headers.get("etag")).not.toBe(anon.headers.get("etag"));
    // Nothing user-scoped reached the warm tier: shared pages hold the hole, not anyone's header.
    for (const { key } of (await env.WARM.list({ prefix: "ipfs/" })).objects) {
      expect(await (await env.WARM.get(key))!.text(), key).not.toContain('class="user"');
    }
    // Pages that read the session outside the header are not shared at all.
    expect((await get("/cart/", { cookie })).headers.get("x-rose-cache")).toBe("bypass");
  });
});

describe("cache metrics", () => {
  it("shows per-tier hits, misses, bytes and look-up time at /_sexp/cache", async () => {
    await get("/blog/");
    await get("/blog/");
    const res = await get("/_sexp/cache");
    expect([res.status, res.headers.get("cache-control")]).toEqual([200, "no-store"]);
    const html = await res.text();
    // The first look-up of a page asks its Durable Object (not found: no pointer yet); the hit after the render is this isolate's copy.
    expect(html).toMatch(/<tr><th>Pointers<div class="what">[^<]+<\/div><\/th><td class="num">[1-9]\d*<\/td><td class="num">\d+<\/td><td class="num">\d+%<\/td><td class="num">–<\/td><td class="num">[\d.]+ ms<\/td><\/tr>/);
    expect(html).toMatch(/<tr><th>Isolate memory<div class="what">[^<]+<\/div><\/th><td class="num">–<\/td><td class="num">[1-9]/);
    expect(html).toMatch(/<tr><th>Warm<div class="what">[^<]+<\/div><\/th><td class="num">\d+/);
    expect(html).toMatch(/<dt>Served from their pointers<\/dt><dd>[1-9]\d*<\/dd><dt>Rendered and published<\/dt><dd>\d+<\/dd>/);
    expect(html).toMatch(/<td class="num">\d+ B<\/td>|<td class="num">[\d.]+ KB<\/td>/);
  });
});

describe("per-user parts in the hot tier", () => {
  const holes = async (path: string, cookie?: string) => (await get(path, cookie ? { cookie } : {})).headers.get("x-rose-holes");
  const addToCart = (product_id: string, cookie?: string) =>
    SELF.fetch(`${base}/cart/add/`, { method: "POST", body: new URLSearchParams({ product_id }), headers: { "HX-Request": "true", ...(cookie ? { cookie } : {}) } });

  it("reuses a visitor's rendered header until they change something", async () => {
    await get("/market/?category=bakery");
    await vi.waitFor(async () => expect(await holes("/market/?category=bakery")).toBe("0 rendered, 1 cached"));
    const added = await addToCart("10");
    const cookie = added.headers.get("set-cookie")!.split(";")[0]!;
    const mine = await get("/market/?category=bakery", { cookie });
    expect(mine.headers.get("x-rose-holes")).toBe("1 rendered, 0 cached");
    expect(await mine.text()).toContain('<span class="cart-count">1</span> item');
    await vi.waitFor(async () => expect(await holes("/market/?category=bakery", cookie)).toBe("0 rendered, 1 cached"));
    // Their next action makes what was cached for them stale at once.
    const again = await addToCart("10", cookie);
    const bumped = again.headers.get("set-cookie")!.split(";")[0]!;
    expect(bumped).not.toBe(cookie);
    const after = await get("/market/?category=bakery", { cookie: bumped });
    expect(after.headers.get("x-rose-holes")).toBe("1 rendered, 0 cached");
    expect(await after.text()).toContain('<span class="cart-count">2</span> items');
    // Anonymous visitors still share theirs.
    expect(await holes("/market/?category=bakery")).toBe("0 rendered, 1 cached");
  });
});

describe("content webhook", () => {
  const db = databaseFromEnv(env as never);
  afterAll(async () => {
    await db.query("UPDATE posts SET title = 'Christmas Opening Hours 2026', published = true WHERE slug = 'christmas-opening-hours-2026'", []);
  });

  it("refuses unsigned, stale and replayed deliveries", async () => {
    const body = JSON.stringify({ tables: ["events"] });
    expect((await webhook(body, { secret: "wrong" })).status).toBe(401);
    expect((await webhook(body, { timestamp: String(Math.floor(Date.now() / 1000) - 3600) })).status).toBe(401);
    const timestamp = String(Math.floor(Date.now() / 1000));
    const accepted = await webhook(body, { timestamp });
    // Queued: the re-renders happen in the queue consumer.
    expect([accepted.status, await accepted.json()]).toEqual([202, { tables: ["events"], queued: true }]);
    expect((await webhook(body, { timestamp })).status).toBe(409);
    expect((await webhook("not json")).status).toBe(400);
  });

  it("re-renders exactly the pages that read the changed rows; the old CID still resolves", async () => {
    await get(POST_PATH);
    const before = await get(POST_PATH);
    const oldCid = before.headers.get("x-rose-cid")!;
    const pointerName = before.headers.get("x-rose-pointer")!;
    const seqBefore = (await (await get(`/ipns/${pointerName}`)).json<{ sequence: number }>()).sequence;
    await get("/market/");
    const market = await get("/market/");
    const marketCid = market.headers.get("x-rose-cid")!;

    await db.query("UPDATE posts SET title = 'Christmas Hours (updated)' WHERE slug = 'christmas-opening-hours-2026'", []);
    expect(await (await get(POST_PATH)).text()).toContain("Christmas Opening Hours 2026"); // no TTL: stale until told
    expect((await webhook(JSON.stringify({ tables: ["posts"] }))).status).toBe(202);
    // The queue delivers it to the consumer, which re-renders the post and moves its pointer.
    await vi.waitFor(async () => expect((await (await get(`/ipns/${pointerName}`)).json<{ sequence: number }>()).sequence).toBe(seqBefore + 1), { timeout: 10_000, interval: 100 });
    await new Promise((r) => setTimeout(r, 350)); // this isolate's copy of the pointer (POINTER_TTL_MS in tests)
    const after = await get(POST_PATH);
    expect(after.headers.get("x-rose-cache")).toBe("hit");
    expect(await after.text()).toContain("<h1>Christmas Hours (updated)</h1>");
    expect(after.headers.get("x-rose-cid")).not.toBe(oldCid);
    // Delivered again (queues deliver at least once): the same input, so nothing moves.
    expect(await deliverChange(["posts"])).toHaveLength(1);
    expect((await (await get(`/ipns/${pointerName}`)).json<{ sequence: number }>()).sequence).toBe(seqBefore + 1);
    expect(await bytesAsText(get(`/ipfs/${oldCid}`))).toContain("Christmas Opening Hours 2026");
    expect((await get("/market/")).headers.get("x-rose-cid")).toBe(marketCid);
  });

  it("retires the pointer of a page that is gone, and serves it again when it is back", async () => {
    await get(POST_PATH);
    expect((await get(POST_PATH)).headers.get("x-rose-cache")).toBe("hit");
    await db.query("UPDATE posts SET published = false WHERE slug = 'christmas-opening-hours-2026'", []);
    expect(await deliverChange(["posts"])).toHaveLength(1);
    // Not the cached post: the live 404.
    expect((await get(POST_PATH)).status).toBe(404);
    await db.query("UPDATE posts SET published = true WHERE slug = 'christmas-opening-hours-2026'", []);
    expect((await get(POST_PATH)).status).toBe(200);
    expect((await get(POST_PATH)).headers.get("x-rose-cache")).toBe("hit");
  });
});
