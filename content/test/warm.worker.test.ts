/** The warm tier inside workerd, on a real (miniflare) R2 bucket: CIDs computed on write, verified on read. */
import { env } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import { WarmStore, bucketStore, type WarmSource } from "../src/warm.ts";

const text = (s: string) => new TextEncoder().encode(s);

describe("WarmStore", () => {
  it("stores bytes under the CID ipfs add would print, and reads them back verified", async () => {
    const r2 = bucketStore(env.WARM);
    const store = new WarmStore(r2, [r2]);
    const cid = await store.put(text("hello\n"));
    expect(cid).toBe("bafkreicysg23kiwv34eg2d7qweipxwosdo2py4ldv42nbauguluen5v6am");
    expect(new TextDecoder().decode((await store.get(cid))!)).toBe("hello\n");
    expect(await store.get("bafkreibyniihaqnhs536mbvc3wx66vbfttisc6zrvea6kzeku3w4as6lum")).toBeNull();
    expect(store.stats).toMatchObject({ hits: 1, misses: 1, rejected: 0, bytes: 6 });
    await expect(store.get("not-a-cid")).rejects.toThrow("not a CID: not-a-cid");
  });

  it("rejects and logs bytes that do not match their CID, and reads the next source", async () => {
    const r2 = bucketStore(env.WARM);
    const cid = "bafkreicysg23kiwv34eg2d7qweipxwosdo2py4ldv42nbauguluen5v6am";
    // A corrupted copy in the bucket, under the right name.
    await env.WARM.put(`ipfs/${cid}`, text("tampered\n"));
    const good: WarmSource = { name: "good", fetch: async () => text("hello\n") };
    const store = new WarmStore(r2, [r2, good]);
    const logged = vi.spyOn(console, "error").mockImplementation(() => {});
    try {
      expect(new TextDecoder().decode((await store.get(cid))!)).toBe("hello\n");
      expect(logged).toHaveBeenCalledWith(`warm tier: r2 returned bytes that do not match ${cid}; rejected`);
      expect(store.stats).toMatchObject({ hits: 1, rejected: 1 });
      // With no good copy anywhere, nothing is served.
      expect(await new WarmStore(r2, [r2]).get(cid)).toBeNull();
    } finally {
      logged.mockRestore();
    }
  });
});
