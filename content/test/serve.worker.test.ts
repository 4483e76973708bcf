/**
 * `GET /ipfs/<cid>` inside workerd, over the real (miniflare) R2 bucket: the
 * default verified bytes, and the trustless gateway formats, read back by our
 * own trustless client (gatewaySource) so both ends run in a Worker.
 */
import { env } from "cloudflare:test";
import { CarBlockIterator } from "@ipld/car/iterator";
import { describe, expect, it, vi } from "vitest";
import { WarmStore, bucketStore, gatewaySource, serveContent } from "../src/index.ts";

const BIG = new Uint8Array(700 * 1024).map((_, i) => (i * 13 + (i >> 11)) & 0xff);
const HELLO = "bafkreicysg23kiwv34eg2d7qweipxwosdo2py4ldv42nbauguluen5v6am";
const r2 = () => bucketStore(env.WARM);
const store = () => new WarmStore(r2(), [r2()]);
const get = (path: string, headers: Record<string, string> = {}) => serveContent(new Request(`http://rose-ash.test${path}`, { headers }), store());

describe("GET /ipfs/<cid>", () => {
  it("keeps the default: the file's bytes, the CID as ETag, immutable, 304, and Vary: Accept", async () => {
    const cid = await store().put(new TextEncoder().encode("hello\n"));
    expect(cid).toBe(HELLO);
    const res = await get(`/ipfs/${cid}`);
    expect(new TextDecoder().decode(await res.arrayBuffer())).toBe("hello\n");
    expect(Object.fromEntries(res.headers)).toMatchObject({
      "content-type": "application/octet-stream",
      etag: `"${cid}"`,
      "cache-control": "public, max-age=31536000, immutable",
      vary: "Accept",
      "x-content-type-options": "nosniff",
    });
    expect((await get(`/ipfs/${cid}`, { "if-none-match": `"${cid}"` })).status).toBe(304);
    expect((await get("/ipfs/not-a-cid")).status).toBe(400);
  });

  it("serves ?format=car as a CARv1 that our trustless client verifies and reads back, in a Worker", async () => {
    const cid = await store().put(BIG);
    const res = await get(`/ipfs/${cid}?format=car`);
    expect(Object.fromEntries(res.headers)).toMatchObject({
      "content-type": "application/vnd.ipld.car; version=1; order=dfs; dups=n",
      "content-disposition": `attachment; filename="${cid}.car"`,
      etag: `"${cid}.car"`,
      "cache-control": "public, max-age=31536000, immutable",
    });
    expect(res.headers.get("vary")).toBeNull();
    const car = await CarBlockIterator.fromBytes(new Uint8Array(await res.arrayBuffer()));
    expect((await car.getRoots()).map(String)).toEqual([cid]);
    const fetcher = (async (input: RequestInfo | URL, init?: RequestInit) => serveContent(new Request(input, init), store())) as typeof fetch;
    const bytes = await gatewaySource("http://rose-ash.test", fetcher).fetch(cid);
    expect(bytes).toEqual(BIG);
    expect((await get(`/ipfs/${cid}?format=car`, { "if-none-match": `"${cid}.car"` })).status).toBe(304);
  });

  it("negotiates by Accept too: raw blocks, kept out of shared caches and pointed at their ?format= URL", async () => {
    const res = await get(`/ipfs/${HELLO}`, { accept: "application/vnd.ipld.raw" });
    expect(new TextDecoder().decode(await res.arrayBuffer())).toBe("hello\n");
    expect(Object.fromEntries(res.headers)).toMatchObject({
      "content-type": "application/vnd.ipld.raw",
      "content-disposition": `attachment; filename="${HELLO}.bin"`,
      "content-location": `/ipfs/${HELLO}?format=raw`,
      etag: `"${HELLO}.raw"`,
      "cache-control": "private, max-age=31536000, immutable",
      vary: "Accept",
    });
    expect((await get(`/ipfs/${HELLO}`, { accept: "application/vnd.ipld.car; version=2" })).status).toBe(406);
    expect((await get(`/ipfs/${HELLO}?format=tar`)).status).toBe(400);
  });

  it("answers the bafkqaaa probe, and never serves a copy that does not match its CID", async () => {
    const probe = await get("/ipfs/bafkqaaa?format=raw");
    expect(probe.status).toBe(200);
    expect((await probe.arrayBuffer()).byteLength).toBe(0);
    const car = await CarBlockIterator.fromBytes(new Uint8Array(await (await get("/ipfs/bafkqaaa?format=car")).arrayBuffer()));
    expect((await car.getRoots()).map(String)).toEqual(["bafkqaaa"]);
    const tampered = "bafkreibyniihaqnhs536mbvc3wx66vbfttisc6zrvea6kzeku3w4as6lum";
    await env.WARM.put(`ipfs/${tampered}`, new TextEncoder().encode("not the bytes\n"));
    const logged = vi.spyOn(console, "error").mockImplementation(() => {});
    expect((await get(`/ipfs/${tampered}?format=car`)).status).toBe(404);
    expect((await get(`/ipfs/${tampered}?format=raw`)).status).toBe(404);
    expect(logged).toHaveBeenCalledWith(`warm tier: r2 returned bytes that do not match ${tampered}; rejected`);
    logged.mockRestore();
  });
});
