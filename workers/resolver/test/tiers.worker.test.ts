/** Both cache tiers inside workerd: KV (hot) and R2 (warm), and what may go where. */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { hotKey, kvHotCache } from "../src/content/hot.ts";
import { ResultCache } from "../src/content/tiers.ts";
import { WarmStore, bucketStore } from "../src/content/warm.ts";

const tiers = () => {
  const r2 = bucketStore(env.WARM);
  return new ResultCache(kvHotCache(env.HOT), new WarmStore(r2, [r2]));
};
const warmObjects = async () => (await env.WARM.list({ prefix: "ipfs/" })).objects.map((o) => o.key);

describe("ResultCache", () => {
  it("never puts a user-scoped result in the warm tier, and keys it with its user", async () => {
    const cache = tiers();
    const before = await warmObjects();
    const mine = '<a id="cart-mini"><span class="cart-count">3</span> items</a>';
    expect(await cache.store("frag cart/cart-mini #1", mine, "user-4")).toEqual({ cid: null });
    expect(await warmObjects()).toEqual(before);
    expect(await cache.lookup("frag cart/cart-mini #1", "user-4")).toEqual({ html: mine, cid: null });
    expect(await cache.lookup("frag cart/cart-mini #1", "user-5")).toBeNull();
    expect(await cache.lookup("frag cart/cart-mini #1", null)).toBeNull();
  });

  it("puts a shared result in the warm tier under its CID, found again by its input key", async () => {
    const cache = tiers();
    const { cid } = await cache.store("page /blog/ #1", "<h1>Blog</h1>\n", null);
    expect(cid).toMatch(/^bafkrei/);
    expect(await warmObjects()).toContain(`ipfs/${cid}`);
    expect(await env.HOT.get(hotKey("page /blog/ #1", null))).toBe(cid);
    expect(await cache.lookup("page /blog/ #1", null)).toEqual({ html: "<h1>Blog</h1>\n", cid });
    // Bytes that went bad in the warm tier are a miss (recompute), never served.
    await env.WARM.put(`ipfs/${cid}`, "<h1>Changed behind our back</h1>");
    expect(await cache.lookup("page /blog/ #1", null)).toBeNull();
  });
});
