/** The rate limiter Durable Object inside workerd: a sliding window per key, one step per attempt. */
import { env, runDurableObjectAlarm } from "cloudflare:test";
import { describe, expect, it } from "vitest";

const limiter = (key: string) => env.LIMITS.get(env.LIMITS.idFromName(key));

describe("RateLimiter", () => {
  it("allows `limit` attempts in the window, then refuses with the wait, and lets them through again after it", async () => {
    const l = limiter("test a");
    for (let i = 0; i < 3; i++) expect(await l.take(3, 300)).toEqual({ allowed: true, retryAfterMs: 0 });
    const refused = await l.take(3, 300);
    expect(refused.allowed).toBe(false);
    expect(refused.retryAfterMs).toBeGreaterThan(0);
    expect(refused.retryAfterMs).toBeLessThanOrEqual(300);
    await new Promise((r) => setTimeout(r, 320));
    expect((await l.take(3, 300)).allowed).toBe(true);
  });

  it("counts concurrent attempts exactly: never more than the limit get through", async () => {
    const l = limiter("test b");
    const decisions = await Promise.all(Array.from({ length: 25 }, () => l.take(10, 60_000)));
    expect(decisions.filter((d) => d.allowed)).toHaveLength(10);
  });

  it("keys are independent, and a window with no attempts leaves nothing behind", async () => {
    await limiter("test c").take(1, 60_000);
    expect((await limiter("test c").take(1, 60_000)).allowed).toBe(false);
    expect((await limiter("test d").take(1, 60_000)).allowed).toBe(true);
    expect(await runDurableObjectAlarm(limiter("test c"))).toBe(true);
    expect((await limiter("test c").take(1, 60_000)).allowed).toBe(true);
  });
});
