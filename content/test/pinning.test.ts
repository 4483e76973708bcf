/**
 * The pinning adapter against the local Pinning Service API server
 * (dev/pinning/server.js), which really fetches and verifies what it pins:
 * from our own `GET /ipfs/<cid>` (serveContent over an R2-like
 * bucket), or from a gateway that lies.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startPinningServer } from "../../dev/pinning/server.js";
import { serveContent } from "../src/serve.ts";
import { cidOf, type Block } from "../src/cid.ts";
import { PinFailedError, PinningServiceError, PinningUnauthorizedError, pinningService, pinningServiceSink } from "../src/pinning.ts";
import { encodeCar } from "../src/trustless.ts";
import { WarmStore, bucketStore, type BucketLike, type WarmSink } from "../src/warm.ts";

const TOKEN = "dev-pinning-token";
const BIG = new Uint8Array(600 * 1024).map((_, i) => (i * 7 + (i >> 12)) & 0xff);
const text = (s: string) => new TextEncoder().encode(s);
const fast = { intervalMs: 10, timeoutMs: 5000 };

/** An in-memory R2 bucket. */
function memoryBucket(): BucketLike & { objects: Map<string, Uint8Array> } {
  const objects = new Map<string, Uint8Array>();
  return {
    objects,
    get: async (key) => {
      const bytes = objects.get(key);
      return bytes ? { arrayBuffer: async () => bytes.slice().buffer } : null;
    },
    put: async (key, value) => void objects.set(key, value),
  };
}

/** A Node HTTP server around a fetch handler. */
async function serve(handler: (request: Request) => Promise<Response>): Promise<{ url: string; server: Server }> {
  const server = createServer(async (req, res) => {
    const response = await handler(new Request(`http://${req.headers.host}${req.url}`, { headers: req.headers as Record<string, string> }));
    res.writeHead(response.status, Object.fromEntries(response.headers));
    res.end(Buffer.from(await response.arrayBuffer()));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

let pinning: Awaited<ReturnType<typeof startPinningServer>>;
let ours: Awaited<ReturnType<typeof serve>>;
let liar: Awaited<ReturnType<typeof serve>>;
const bucket = memoryBucket();
const r2 = bucketStore(bucket);

beforeAll(async () => {
  ours = await serve((request) => serveContent(request, new WarmStore(r2, [r2])));
  // A gateway that answers every CAR request with BIG's DAG, one leaf corrupted.
  const blocks: Block[] = [];
  const root = await cidOf(BIG, blocks);
  const corrupted = encodeCar(root, blocks.map((b, i) => (i === blocks.length - 2 ? { cid: b.cid, bytes: b.bytes.slice().fill(1) } : b)));
  liar = await serve(async () => new Response(corrupted, { headers: { "content-type": "application/vnd.ipld.car; version=1" } }));
  pinning = await startPinningServer({ token: TOKEN });
});

afterAll(async () => {
  await pinning?.close();
  for (const s of [ours, liar]) await new Promise((resolve) => s?.server.close(resolve));
});

describe("pinningServiceSink", () => {
  it("stores in R2 first, then pins: the service fetches the DAG from our gateway, verifies it, and says pinned", async () => {
    const order: string[] = [];
    const logged: WarmSink = { put: async (cid) => void order.push(`r2 has ${bucket.objects.has(`ipfs/${cid}`)}`) };
    const pins = pinningServiceSink(pinning.url, TOKEN, { meta: { gateway: ours.url }, wait: fast });
    const sink: WarmSink = { put: async (cid, bytes) => (await r2.put(cid, bytes), await logged.put(cid, bytes), await pins.put(cid, bytes)) };
    const cid = await new WarmStore(sink, []).put(BIG);
    expect(order).toEqual(["r2 has true"]);
    const { count, results } = await pinningService(pinning.url, TOKEN).list({ cid: [cid] });
    expect(count).toBe(1);
    expect(results[0]).toMatchObject({ status: "pinned", pin: { cid, name: `rose-ash ${cid}`, meta: { gateway: ours.url } }, info: { raw_size: String(BIG.length) } });
  });

  it("takes the gateway from an HTTP multiaddr in origins", async () => {
    const cid = await new WarmStore(r2, []).put(text("pinned by origin\n"));
    const port = new URL(ours.url).port;
    const service = pinningService(pinning.url, TOKEN);
    const queued = await service.add({ cid, origins: [`/ip4/127.0.0.1/tcp/${port}/http`] });
    expect(queued).toMatchObject({ status: "queued", pin: { cid }, delegates: [expect.stringMatching(/^\/ip4\/127\.0\.0\.1\/tcp\/\d+\/http$/)] });
    expect(await service.waitFor(queued.requestid, fast)).toMatchObject({ status: "pinned" });
  });

  it("ends failed when the origin serves bytes that do not match the CID", async () => {
    const root = String(await cidOf(BIG));
    const sink = pinningServiceSink(pinning.url, TOKEN, { meta: { gateway: liar.url }, wait: fast });
    const failure = await sink.put(root, BIG).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(PinFailedError);
    expect((failure as PinFailedError).pin).toMatchObject({ status: "failed", pin: { cid: root } });
    expect((failure as PinFailedError).message).toMatch(/does not match its CID/);
  });

  it("ends failed when no gateway has the CID", async () => {
    const cid = String(await cidOf(text("never stored\n")));
    const service = pinningService(pinning.url, TOKEN);
    const { requestid } = await service.add({ cid, meta: { gateway: ours.url } });
    await expect(service.waitFor(requestid, fast)).rejects.toThrow(/answered 404/);
  });
});

describe("pinningService", () => {
  it("throws typed errors: 401 for a bad token, the spec's reason and details otherwise", async () => {
    const denied = await pinningService(pinning.url, "wrong").add({ cid: "bafkqaaa" }).catch((e: unknown) => e);
    expect(denied).toBeInstanceOf(PinningUnauthorizedError);
    expect(denied).toMatchObject({ status: 401, reason: "UNAUTHORIZED", details: "Access token is missing or invalid" });
    const bad = await pinningService(pinning.url, TOKEN).add({ cid: "not-a-cid" }).catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(PinningServiceError);
    expect(bad).not.toBeInstanceOf(PinningUnauthorizedError);
    expect(bad).toMatchObject({ status: 400, reason: "BAD_REQUEST", details: "not a CID: not-a-cid", message: "pinning service answered 400 BAD_REQUEST: not a CID: not-a-cid" });
    await expect(pinningService(pinning.url, TOKEN).get("no-such-request")).rejects.toMatchObject({ status: 404, reason: "NOT_FOUND" });
  });

  it("lists by cid, status and limit (only pinned ones without a filter), and removes", async () => {
    const service = pinningService(pinning.url, TOKEN);
    const cids = await Promise.all(["a\n", "b\n", "c\n"].map((s) => new WarmStore(r2, []).put(text(s))));
    const made = [];
    for (const cid of cids) made.push(await service.waitFor((await service.add({ cid, name: "abc", meta: { gateway: ours.url } })).requestid, fast));
    const failed = (await service.add({ cid: String(await cidOf(text("absent\n"))), name: "abc", meta: { gateway: ours.url } })).requestid;
    await expect(service.waitFor(failed, fast)).rejects.toThrow(PinFailedError);

    const byName = await service.list({ name: "abc", status: ["pinned"], limit: 2 });
    expect(byName.count).toBe(3);
    // Newest first.
    expect(byName.results.map((p) => p.pin.cid)).toEqual([cids[2], cids[1]]);
    expect((await service.list({ name: "abc", status: ["failed"] })).results.map((p) => p.requestid)).toEqual([failed]);
    expect((await service.list({ limit: 1000 })).results.every((p) => p.status === "pinned")).toBe(true);
    expect((await service.list({ cid: [cids[0]!, cids[1]!] })).count).toBe(2);
    expect((await service.list({ meta: { gateway: "elsewhere" } })).count).toBe(0);

    await service.remove(made[0]!.requestid);
    await expect(service.get(made[0]!.requestid)).rejects.toMatchObject({ status: 404 });
    expect((await service.list({ name: "abc" })).count).toBe(3);
  });
});
