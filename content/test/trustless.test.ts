/** The trustless formats we serve: negotiation, raw blocks, and CARs a verifying client can read. */
import { CarBlockIterator } from "@ipld/car/iterator";
import * as dagPb from "@ipld/dag-pb";
import { CID } from "multiformats/cid";
import { describe, expect, it } from "vitest";
import { blockMatches, cidOf, type Block } from "../src/cid.ts";
import { fileFromCar } from "../src/gateway.ts";
import { CAR_RESPONSE_TYPE, RAW_TYPE, negotiate, trustlessBody } from "../src/trustless.ts";

const text = (s: string) => new TextEncoder().encode(s);
const HELLO = "bafkreicysg23kiwv34eg2d7qweipxwosdo2py4ldv42nbauguluen5v6am";
const at = (path: string) => new URL(`https://edge.example${path}`);

async function* once(bytes: Uint8Array) {
  yield bytes;
}

async function readCar(bytes: Uint8Array) {
  const car = await CarBlockIterator.fromBytes(bytes);
  const blocks: Block[] = [];
  for await (const block of car) blocks.push(block);
  return { roots: await car.getRoots(), blocks };
}

describe("negotiate", () => {
  it("takes ?format= over Accept, and Accept by q", () => {
    expect(negotiate(at(`/ipfs/${HELLO}`), null)).toEqual({ format: null, scope: "all", fromQuery: false });
    expect(negotiate(at(`/ipfs/${HELLO}`), "text/html,*/*")).toMatchObject({ format: null });
    expect(negotiate(at(`/ipfs/${HELLO}?format=raw`), "application/vnd.ipld.car")).toEqual({ format: "raw", scope: "all", fromQuery: true });
    expect(negotiate(at(`/ipfs/${HELLO}`), "application/vnd.ipld.car; version=1; order=dfs; dups=n")).toEqual({ format: "car", scope: "all", fromQuery: false });
    expect(negotiate(at(`/ipfs/${HELLO}`), "application/vnd.ipld.car;q=0.5, application/vnd.ipld.raw")).toMatchObject({ format: "raw" });
    expect(negotiate(at(`/ipfs/${HELLO}`), "application/vnd.ipld.raw;q=0, application/vnd.ipld.car")).toMatchObject({ format: "car" });
    expect(negotiate(at(`/ipfs/${HELLO}?format=car&dag-scope=block`), null)).toEqual({ format: "car", scope: "block", fromQuery: true });
    expect(negotiate(at(`/ipfs/${HELLO}?format=car&dag-scope=entity`), null)).toMatchObject({ scope: "all" });
  });

  it("refuses what it cannot send: 400 for the URL's asks, 406 for Accept's", () => {
    expect(negotiate(at(`/ipfs/${HELLO}?format=tar`), null)).toMatchObject({ status: 400 });
    expect(negotiate(at(`/ipfs/${HELLO}?format=car&car-version=2`), null)).toMatchObject({ status: 400 });
    expect(negotiate(at(`/ipfs/${HELLO}?format=car&car-dups=y`), null)).toMatchObject({ status: 400 });
    expect(negotiate(at(`/ipfs/${HELLO}?format=car&entity-bytes=0:99`), null)).toMatchObject({ status: 400 });
    expect(negotiate(at(`/ipfs/${HELLO}?format=car&dag-scope=most`), null)).toMatchObject({ status: 400 });
    expect(negotiate(at(`/ipfs/${HELLO}`), "application/vnd.ipld.car; version=2")).toMatchObject({ status: 406 });
    expect(negotiate(at(`/ipfs/${HELLO}`), "application/vnd.ipld.car; order=weird")).toMatchObject({ status: 406 });
    // A supported variant beside an unsupported one is served.
    expect(negotiate(at(`/ipfs/${HELLO}`), "application/vnd.ipld.car; version=2, application/vnd.ipld.car; version=1;q=0.4")).toMatchObject({ format: "car" });
  });
});

describe("trustlessBody", () => {
  it("answers a raw CID's raw block with the bytes, and its CAR with that one block", async () => {
    const cid = CID.parse(HELLO);
    const raw = await trustlessBody(cid, text("hello\n"), "raw");
    expect(raw).toMatchObject({ contentType: RAW_TYPE, filename: `${HELLO}.bin` });
    expect(new TextDecoder().decode(raw!.body)).toBe("hello\n");
    const car = await trustlessBody(cid, text("hello\n"), "car");
    expect(car).toMatchObject({ contentType: CAR_RESPONSE_TYPE, filename: `${HELLO}.car` });
    const { roots, blocks } = await readCar(car!.body);
    expect(roots.map(String)).toEqual([HELLO]);
    expect(blocks.map((b) => String(b.cid))).toEqual([HELLO]);
    // Bytes that are not the CID's get no answer.
    expect(await trustlessBody(cid, text("hellO\n"), "car")).toBeNull();
  });

  it("sends a chunked file's DAG depth-first from the root, each block once, every block verifiable", async () => {
    // Three identical chunks and a short one: the leaf repeats in the DAG, but is sent once (dups=n).
    const chunk = new Uint8Array(256 * 1024).fill(7);
    const bytes = new Uint8Array(3 * chunk.length + 1000);
    for (let i = 0; i < 3; i++) bytes.set(chunk, i * chunk.length);
    bytes.fill(9, 3 * chunk.length);
    const imported: Block[] = [];
    const root = await cidOf(bytes, imported);
    const { roots, blocks } = await readCar((await trustlessBody(root, bytes, "car"))!.body);
    expect(roots.map(String)).toEqual([String(root)]);
    expect(String(blocks[0]!.cid)).toBe(String(root));
    const links = dagPb.decode(blocks[0]!.bytes).Links.map((l) => String(l.Hash));
    expect(links).toHaveLength(4);
    expect(new Set(links).size).toBe(2);
    expect(blocks.map((b) => String(b.cid))).toEqual([String(root), links[0], links[3]]);
    for (const b of blocks) expect(await blockMatches(b.cid, b.bytes)).toBe(true);
    // What a trustless client makes of it: the same bytes.
    const car = (await trustlessBody(root, bytes, "car"))!.body;
    expect(Buffer.from(await fileFromCar(root, once(car))).equals(Buffer.from(bytes))).toBe(true);
    // The raw block of a dag-pb root is the root node, and dag-scope=block is that block alone.
    expect(Buffer.from((await trustlessBody(root, bytes, "raw"))!.body).equals(Buffer.from(blocks[0]!.bytes))).toBe(true);
    const scoped = await readCar((await trustlessBody(root, bytes, "car", "block"))!.body);
    expect(scoped.blocks.map((b) => String(b.cid))).toEqual([String(root)]);
  });

  it("answers the identity probe (bafkqaaa) with an empty block, and a CAR with the root and no blocks", async () => {
    const probe = CID.parse("bafkqaaa");
    expect((await trustlessBody(probe, new Uint8Array(), "raw"))!.body).toHaveLength(0);
    const { roots, blocks } = await readCar((await trustlessBody(probe, new Uint8Array(), "car"))!.body);
    expect(roots.map(String)).toEqual(["bafkqaaa"]);
    expect(blocks).toEqual([]);
  });
});
