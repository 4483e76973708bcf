/**
 * The media store: a blockstore folder as ipfs would fill it, reads
 * verified block by block, the key -> CID cache on disk, and pinning
 * through the IPFS Pinning Service API when configured.
 */
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { cidOf, type WarmSource } from "@rose-ash/content";
import { afterEach, describe, expect, test, vi } from "vitest";
import { ContentMismatchError, MediaStore } from "../src/index.ts";

const dir = () => mkdtempSync(join(tmpdir(), "rose-render-store-"));
const bytesOf = (n: number, seed = 1): Uint8Array => {
  const b = new Uint8Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) b[i] = (s = (Math.imul(s, 1103515245) + 12345) >>> 0) >>> 24;
  return b;
};

afterEach(() => vi.unstubAllEnvs());

describe("blocks", () => {
  test("a small file is one raw block under its CID", async () => {
    const store = new MediaStore({ dir: dir(), pinning: null });
    const bytes = bytesOf(1000);
    const cid = await store.put(bytes);
    expect(cid).toBe(String(await cidOf(bytes)));
    expect(cid).toMatch(/^bafkrei/);
    expect(readdirSync(join(store.dir, "blocks"))).toEqual([cid]);
    expect(await store.get(cid)).toEqual(bytes);
    expect(await store.has(cid)).toBe(true);
  });

  test("a large file is a UnixFS DAG of raw leaves, every block a file, read back whole", async () => {
    const store = new MediaStore({ dir: dir(), pinning: null });
    const bytes = bytesOf(600 * 1024, 3);
    const cid = await store.put(bytes);
    expect(cid).toBe(String(await cidOf(bytes)));
    expect(cid).toMatch(/^bafybei/);
    // 256 KiB leaves: three of them, and the root.
    expect(readdirSync(join(store.dir, "blocks"))).toHaveLength(4);
    expect(await store.get(cid)).toEqual(bytes);
  });

  test("a tampered block is refused, never returned", async () => {
    const store = new MediaStore({ dir: dir(), pinning: null });
    const small = await store.put(bytesOf(100));
    writeFileSync(join(store.dir, "blocks", small), bytesOf(100, 2));
    await expect(store.get(small)).rejects.toBeInstanceOf(ContentMismatchError);
    const large = await store.put(bytesOf(300 * 1024, 4));
    const leaf = readdirSync(join(store.dir, "blocks")).find((f) => f !== large && f.startsWith("bafkrei") && f !== small)!;
    const path = join(store.dir, "blocks", leaf);
    const b = readFileSync(path);
    b[0] = b[0]! ^ 1;
    writeFileSync(path, b);
    await expect(store.get(large)).rejects.toThrow(/do not match it/);
    // Putting the bytes again repairs the block.
    await store.put(bytesOf(300 * 1024, 4));
    expect(await store.get(large)).toEqual(bytesOf(300 * 1024, 4));
  });

  test("what the folder lacks comes from a source, verified, and is kept", async () => {
    const good = bytesOf(500, 7);
    const cid = String(await cidOf(good));
    const liar: WarmSource = { name: "liar", fetch: async () => bytesOf(500, 8) };
    const honest: WarmSource = { name: "honest", fetch: async (c) => (c === cid ? good : null) };
    const store = new MediaStore({ dir: dir(), pinning: null, sources: [liar, honest] });
    const errors = vi.spyOn(console, "error").mockImplementation(() => {});
    expect(await store.get(cid)).toEqual(good);
    expect(errors).toHaveBeenCalledWith(expect.stringContaining("do not match"));
    expect(store.stats.rejected).toBe(1);
    expect(await store.has(cid)).toBe(true);
    expect(await new MediaStore({ dir: dir(), pinning: null }).get(cid)).toBeNull();
    await expect(store.get("nonsense")).rejects.toThrow("not a CID: nonsense");
  });
});

describe("the key -> CID cache", () => {
  test("kept on disk: another store on the folder finds it", async () => {
    const folder = dir();
    const a = new MediaStore({ dir: folder, pinning: null });
    const key = "ab".repeat(32);
    expect(await a.lookup(key)).toBeNull();
    const cid = await a.put(bytesOf(10));
    await a.remember(key, cid);
    expect(await a.lookup(key)).toBe(cid);
    expect(await new MediaStore({ dir: folder, pinning: null }).lookup(key)).toBe(cid);
    await a.forget(key);
    expect(await a.lookup(key)).toBeNull();
    await expect(a.lookup("../../etc/passwd")).rejects.toThrow("not a node key");
  });
});

describe("pinning", () => {
  function fakeService(): { fetcher: typeof fetch; calls: { url: string; auth: string | null; body: unknown }[] } {
    const calls: { url: string; auth: string | null; body: unknown }[] = [];
    const fetcher = (async (url: string | URL | Request, init?: RequestInit) => {
      const body = JSON.parse(String(init?.body)) as { cid: string };
      calls.push({ url: String(url), auth: new Headers(init?.headers).get("authorization"), body });
      return new Response(JSON.stringify({ requestid: "r1", status: "queued", created: "2025-01-01T00:00:00Z", pin: body, delegates: [] }), { status: 202, headers: { "content-type": "application/json" } });
    }) as typeof fetch;
    return { fetcher, calls };
  }

  test("with a service configured, pin asks it to keep the CID", async () => {
    const { fetcher, calls } = fakeService();
    const store = new MediaStore({ dir: dir(), pinning: { url: "https://pins.example/api/", token: "secret", meta: { gateway: "https://render.example" }, fetcher } });
    expect(store.pinning).toBe(true);
    const cid = await store.put(bytesOf(64));
    expect(await store.pin(cid)).toMatchObject({ requestid: "r1", status: "queued" });
    expect(calls).toEqual([{ url: "https://pins.example/api/pins", auth: "Bearer secret", body: { cid, name: `rose-render ${cid}`, meta: { gateway: "https://render.example" } } }]);
  });

  test("configured from PINNING_SERVICE_URL and PINNING_SERVICE_TOKEN; none without them", async () => {
    expect(new MediaStore({ dir: dir() }).pinning).toBe(false);
    expect(await new MediaStore({ dir: dir() }).pin("bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy")).toBeNull();
    vi.stubEnv("PINNING_SERVICE_URL", "https://pins.example");
    vi.stubEnv("PINNING_SERVICE_TOKEN", "t");
    expect(new MediaStore({ dir: dir() }).pinning).toBe(true);
  });
});
