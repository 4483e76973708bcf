/** Content addresses against vectors printed by `ipfs add --cid-version 1 --raw-leaves` (kubo). */
import { MemoryBlockstore } from "blockstore-core/memory";
import { exporter } from "ipfs-unixfs-exporter";
import { describe, expect, it } from "vitest";
import { cidOf, matchesCid, parseCid, type Block } from "../src/cid.ts";

const text = (s: string) => new TextEncoder().encode(s);

describe("cidOf", () => {
  it("matches kubo for single-block files", async () => {
    // kubo test/sharness/t0114-gateway-subdomains: `echo hello | ipfs add --cid-version 1`
    expect(String(await cidOf(text("hello\n")))).toBe("bafkreicysg23kiwv34eg2d7qweipxwosdo2py4ldv42nbauguluen5v6am");
    // ipfs/gateway-conformance fixtures: `ipfs add --raw-leaves --cid-version=1` of dir/ascii.txt
    expect(String(await cidOf(text("goodbye application/vnd.ipld.raw\n")))).toBe("bafkreibyniihaqnhs536mbvc3wx66vbfttisc6zrvea6kzeku3w4as6lum");
    // The empty file.
    expect(String(await cidOf(new Uint8Array()))).toBe("bafkreihdwdcefgh4dqkjv67uzcmw7ojee6xedzdetojuzjevtenxquvyku");
  });

  it("chunks larger files into a UnixFS DAG with raw leaves of 256 KiB that reads back whole", async () => {
    const bytes = new Uint8Array(600 * 1024).map((_, i) => (i * 31 + (i >> 10)) & 0xff);
    const blocks: Block[] = [];
    const root = await cidOf(bytes, blocks);
    expect(root.code).toBe(0x70); // dag-pb
    const leaves = blocks.filter((b) => b.cid.code === 0x55);
    expect(leaves.map((b) => b.bytes.length)).toEqual([262144, 262144, 90112]);
    const store = new MemoryBlockstore();
    for (const b of blocks) await store.put(b.cid, b.bytes);
    const entry = await exporter(root, store);
    if (entry.type !== "file") throw new Error(`expected a file, got ${entry.type}`);
    const chunks: Uint8Array[] = [];
    for await (const c of entry.content()) chunks.push(c as Uint8Array);
    expect(Buffer.concat(chunks).equals(Buffer.from(bytes))).toBe(true);
  });

  it("verifies bytes against a CID", async () => {
    expect(await matchesCid("bafkreicysg23kiwv34eg2d7qweipxwosdo2py4ldv42nbauguluen5v6am", text("hello\n"))).toBe(true);
    expect(await matchesCid("bafkreicysg23kiwv34eg2d7qweipxwosdo2py4ldv42nbauguluen5v6am", text("hellO\n"))).toBe(false);
    expect(await matchesCid("not-a-cid", text("hello\n"))).toBe(false);
    expect(parseCid("nope")).toBeNull();
  });
});
