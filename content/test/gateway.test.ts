/** Reading from trustless gateways: blocks verified one by one, tampered or incomplete answers rejected. */
import { CID } from "multiformats/cid";
import { afterEach, describe, expect, it, vi } from "vitest";
import { cidOf, type Block } from "../src/cid.ts";
import { BlockMismatchError, gatewaySource } from "../src/gateway.ts";
import { CAR_RESPONSE_TYPE, RAW_TYPE, encodeCar, trustlessBody } from "../src/trustless.ts";
import { WarmStore, type WarmSink } from "../src/warm.ts";

const text = (s: string) => new TextEncoder().encode(s);
const HELLO = "bafkreicysg23kiwv34eg2d7qweipxwosdo2py4ldv42nbauguluen5v6am";
const BIG = new Uint8Array(600 * 1024).map((_, i) => (i * 31 + (i >> 10)) & 0xff);
const noSink: WarmSink = { put: async () => {} };

interface Seen {
  url: string;
  accept: string | null;
}

/** A gateway answering with `respond(cid, format)`, recording what it was asked. */
function gateway(respond: (cid: CID, format: string | null) => Promise<Response>) {
  const seen: Seen[] = [];
  const fetcher = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const url = new URL(String(input));
    seen.push({ url: url.pathname + url.search, accept: new Headers(init?.headers).get("accept") });
    return respond(CID.parse(url.pathname.slice("/ipfs/".length)), url.searchParams.get("format"));
  }) as typeof fetch;
  return { fetcher, seen };
}

/** An honest trustless gateway holding these files. */
function honest(...files: Uint8Array[]) {
  return gateway(async (cid, format) => {
    for (const bytes of files) {
      const answer = await trustlessBody(cid, bytes, format === "raw" ? "raw" : "car");
      if (answer) return new Response(answer.body, { headers: { "content-type": answer.contentType } });
    }
    return new Response("not here", { status: 404 });
  });
}

/** The blocks of BIG, for building dishonest CARs. */
async function bigDag() {
  const blocks: Block[] = [];
  const root = await cidOf(BIG, blocks);
  return { root, blocks };
}

const car = (body: Uint8Array) => new Response(body, { headers: { "content-type": CAR_RESPONSE_TYPE } });

afterEach(() => vi.restoreAllMocks());

describe("gatewaySource", () => {
  it("asks for a raw CID's block with format=raw and Accept application/vnd.ipld.raw", async () => {
    const gw = honest(text("hello\n"));
    const bytes = await gatewaySource("https://gw.example/", gw.fetcher).fetch(HELLO);
    expect(new TextDecoder().decode(bytes!)).toBe("hello\n");
    expect(gw.seen).toEqual([{ url: `/ipfs/${HELLO}?format=raw`, accept: RAW_TYPE }]);
  });

  it("asks for a chunked file's CAR and puts the file back together from its verified blocks", async () => {
    const { root } = await bigDag();
    const gw = honest(BIG);
    const bytes = await gatewaySource("https://gw.example", gw.fetcher).fetch(String(root));
    expect(Buffer.from(bytes!).equals(Buffer.from(BIG))).toBe(true);
    expect(gw.seen).toEqual([{ url: `/ipfs/${root}?format=car`, accept: "application/vnd.ipld.car; version=1" }]);
  });

  it("reads blocks in any order and ignores blocks the file does not need", async () => {
    const { root, blocks } = await bigDag();
    const extra = { cid: CID.parse(HELLO), bytes: text("hello\n") };
    const gw = gateway(async () => car(encodeCar(root, [...blocks].reverse().concat(extra))));
    expect(Buffer.from((await gatewaySource("https://gw.example", gw.fetcher).fetch(String(root)))!).equals(Buffer.from(BIG))).toBe(true);
  });

  it("rejects a CAR with a block whose bytes do not match its CID", async () => {
    const { root, blocks } = await bigDag();
    const tampered = blocks.map((b, i) => (i === 1 ? { cid: b.cid, bytes: b.bytes.map((x, j) => (j === 100 ? x ^ 1 : x)) } : b));
    const gw = gateway(async () => car(encodeCar(root, tampered)));
    await expect(gatewaySource("https://gw.example", gw.fetcher).fetch(String(root))).rejects.toThrow(BlockMismatchError);
  });

  it("rejects a raw block that does not match, a CAR that lacks a block, and a gateway that sends the file itself", async () => {
    const raw = gateway(async () => new Response(text("hellO\n"), { headers: { "content-type": RAW_TYPE } }));
    await expect(gatewaySource("https://gw.example", raw.fetcher).fetch(HELLO)).rejects.toThrow(BlockMismatchError);
    const { root, blocks } = await bigDag();
    const partial = gateway(async () => car(encodeCar(root, blocks.filter((b) => !b.cid.equals(blocks[0]!.cid)))));
    await expect(gatewaySource("https://gw.example", partial.fetcher).fetch(String(root))).rejects.toThrow(/lacks block/);
    const trusting = gateway(async () => new Response(BIG, { headers: { "content-type": "application/octet-stream" } }));
    await expect(gatewaySource("https://gw.example", trusting.fetcher).fetch(String(root))).rejects.toThrow(/not application\/vnd\.ipld\.car/);
  });

  it("answers null for 404, and refuses answers larger than maxBytes", async () => {
    expect(await gatewaySource("https://gw.example", honest().fetcher).fetch(HELLO)).toBeNull();
    const { root } = await bigDag();
    await expect(gatewaySource("https://gw.example", honest(BIG).fetcher, { maxBytes: 100_000 }).fetch(String(root))).rejects.toThrow(/more than 100000 bytes/);
  });
});

describe("WarmStore over gateways", () => {
  it("logs a gateway that sends a tampered block and reads the next one", async () => {
    const { root, blocks } = await bigDag();
    const evil = gateway(async () => car(encodeCar(root, blocks.map((b) => ({ cid: b.cid, bytes: b.bytes.slice().fill(0) })))));
    const warned = vi.spyOn(console, "warn").mockImplementation(() => {});
    const store = new WarmStore(noSink, [gatewaySource("https://evil.example", evil.fetcher), gatewaySource("https://good.example", honest(BIG).fetcher)]);
    expect(Buffer.from((await store.get(String(root)))!).equals(Buffer.from(BIG))).toBe(true);
    expect(warned).toHaveBeenCalledWith(expect.stringMatching(new RegExp(`^warm tier: gateway evil\\.example failed for ${root}: block .* does not match its CID$`)));
    expect(store.stats).toMatchObject({ hits: 1, misses: 0, bytes: BIG.length });
  });
});
