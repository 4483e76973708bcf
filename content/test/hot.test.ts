/**
 * The hot tier's Upstash adapter, through the real `@upstash/redis` client,
 * against the machine's Redis behind a local server speaking the Upstash REST
 * protocol (commands, pipelines, transactions, base64 responses).
 */
import { Redis } from "@upstash/redis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startUpstashServer } from "../../dev/upstash/server.js";
import { batchedHotCache, hotKey, upstashHotCache, type HotCache } from "../src/hot.ts";

const TOKEN = "local-upstash-token";
const prefix = `rose-ash-test:${process.pid}:`;

describe("Upstash REST against Redis", () => {
  let server: Awaited<ReturnType<typeof startUpstashServer>>;
  let redis: Redis;
  beforeAll(async () => {
    server = await startUpstashServer({ token: TOKEN });
    redis = new Redis({ url: server.url, token: TOKEN, retry: false });
  });
  afterAll(async () => {
    const keys = await redis.keys(`${prefix}*`);
    if (keys.length) await redis.del(...keys);
    await server?.close();
  });

  it("runs commands, with base64-encoded string results decoded by the client", async () => {
    expect(await redis.set(`${prefix}greeting`, "héllo <b>wörld</b> ✓")).toBe("OK");
    expect(await redis.get(`${prefix}greeting`)).toBe("héllo <b>wörld</b> ✓");
    expect(await redis.incr(`${prefix}n`)).toBe(1);
    expect(await redis.get(`${prefix}missing`)).toBeNull();
  });

  it("pipelines and transactions", async () => {
    const p = redis.pipeline();
    p.set(`${prefix}a`, "1");
    p.incr(`${prefix}a`);
    p.get(`${prefix}a`);
    expect(await p.exec()).toEqual(["OK", 2, 2]);
    const tx = redis.multi();
    tx.set(`${prefix}b`, "x");
    tx.append(`${prefix}b`, "y");
    tx.get(`${prefix}b`);
    expect(await tx.exec()).toEqual(["OK", 2, "xy"]);
  });

  it("reports command errors, and refuses a wrong token", async () => {
    await redis.set(`${prefix}s`, "text");
    await expect(redis.incr(`${prefix}s`)).rejects.toThrow(/ERR value is not an integer/);
    const intruder = new Redis({ url: server.url, token: "wrong", retry: false });
    await expect(intruder.get(`${prefix}s`)).rejects.toThrow(/Unauthorized/);
  });

  it("as the hot tier: values with a TTL, user-scoped keys apart", async () => {
    const hot = upstashHotCache(redis);
    const html = '<a id="cart-mini">2 items</a>';
    await hot.put(`${prefix}${hotKey("k", "user-4")}`, html, 30);
    expect(await hot.get(`${prefix}${hotKey("k", "user-4")}`)).toBe(html);
    expect(await hot.get(`${prefix}${hotKey("k", "user-5")}`)).toBeNull();
    expect(await hot.get(`${prefix}${hotKey("k", null)}`)).toBeNull();
    const ttl = await redis.ttl(`${prefix}${hotKey("k", "user-4")}`);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(30);
  });

  it("reads many keys in one round trip (MGET), and gathers a tick's reads into one", async () => {
    const hot = upstashHotCache(redis);
    await hot.put(`${prefix}m1`, "one", 30);
    await hot.put(`${prefix}m2`, "two", 30);
    expect(await hot.getMany([`${prefix}m1`, `${prefix}missing`, `${prefix}m2`])).toEqual(
      new Map([[`${prefix}m1`, "one"], [`${prefix}missing`, null], [`${prefix}m2`, "two"]]),
    );
    const calls: (readonly string[])[] = [];
    const counted: HotCache = { ...hot, getMany: (keys) => (calls.push(keys), hot.getMany(keys)) };
    const batched = batchedHotCache(counted);
    const values = await Promise.all([batched.get(`${prefix}m1`), batched.get(`${prefix}m2`), batched.get(`${prefix}m1`), batched.get(`${prefix}missing`)]);
    expect(values).toEqual(["one", "two", "one", null]);
    expect(calls).toEqual([[`${prefix}m1`, `${prefix}m2`, `${prefix}missing`]]);
    expect(await batched.get(`${prefix}m2`)).toBe("two"); // a later tick, a new batch
    expect(calls).toHaveLength(2);
  });
});
