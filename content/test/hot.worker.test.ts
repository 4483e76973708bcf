/** The hot tier's KV adapter on Workers KV (inside workerd): bulk reads, past the 100 keys one call takes. */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { batchedHotCache, kvHotCache } from "../src/hot.ts";

describe("KV as the hot tier", () => {
  it("reads many keys at once, in calls of at most 100", async () => {
    const hot = kvHotCache((env as unknown as { HOT: KVNamespace }).HOT);
    const keys = Array.from({ length: 150 }, (_, i) => `bulk-test:${i}`);
    await Promise.all(keys.filter((_, i) => i % 2 === 0).map((k) => hot.put(k, `value of ${k}`, 60)));
    const values = await hot.getMany(keys);
    expect(values.size).toBe(150);
    expect(values.get("bulk-test:0")).toBe("value of bulk-test:0");
    expect(values.get("bulk-test:1")).toBeNull();
    expect(values.get("bulk-test:148")).toBe("value of bulk-test:148");
    const batched = batchedHotCache(hot);
    expect(await Promise.all([batched.get("bulk-test:2"), batched.get("bulk-test:3")])).toEqual(["value of bulk-test:2", null]);
  });
});
