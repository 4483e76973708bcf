/** The pointer Durable Object inside workerd: CAS under concurrency, idempotency, history, IPNS records. */
import { SELF, env, runDurableObjectAlarm } from "cloudflare:test";
import { unmarshalIPNSRecord } from "ipns";
import { validate } from "ipns/validator";
import { base36 } from "multiformats/bases/base36";
import { CID } from "multiformats/cid";
import * as raw from "multiformats/codecs/raw";
import { sha256 } from "multiformats/hashes/sha2";
import { describe, expect, it, vi } from "vitest";
import { ipnsResolver } from "@rose-ash/content";
import { HISTORY_LIMIT } from "../src/index.ts";
import { pointerKey } from "@rose-ash/content";

/** The body of an answer by CID (application/octet-stream) as UTF-8 text. */
const bytesAsText = async (res: Promise<Response>) => new TextDecoder().decode(await (await res).arrayBuffer());

// Two real CIDs (of "hello\n" and "goodbye application/vnd.ipld.raw\n").
const helloCid = "bafkreicysg23kiwv34eg2d7qweipxwosdo2py4ldv42nbauguluen5v6am";
const goodbyeCid = "bafkreibyniihaqnhs536mbvc3wx66vbfttisc6zrvea6kzeku3w4as6lum";

const stub = (name: string) => env.POINTERS.get(env.POINTERS.idFromName(name));

describe("IpnsPointer", () => {
  it("moves only by compare-and-swap on the sequence", async () => {
    const p = stub("page:/cas/");
    expect(await p.current()).toBeNull();
    const first = await p.publish({ name: "page:/cas/", cid: helloCid, expectedSequence: 0, inputKey: "k1" });
    expect(first).toMatchObject({ status: "moved", pointer: { cid: helloCid, sequence: 1, inputKey: "k1" } });
    expect(await p.publish({ name: "page:/cas/", cid: goodbyeCid, expectedSequence: 0, inputKey: "k2" })).toMatchObject({ status: "conflict", pointer: { sequence: 1 } });
    expect(await p.publish({ name: "page:/cas/", cid: goodbyeCid, expectedSequence: 1, inputKey: "k2" })).toMatchObject({ status: "moved", pointer: { sequence: 2 } });
  });

  it("moves nothing for the same bytes or a repeated delivery", async () => {
    const p = stub("page:/idem/");
    await p.publish({ name: "page:/idem/", cid: helloCid, expectedSequence: 0, inputKey: "render-1" });
    await p.publish({ name: "page:/idem/", cid: goodbyeCid, expectedSequence: 1, inputKey: "render-2" });
    // The same CID again, from new input: nothing to announce, but the pointer takes the new input key.
    expect(await p.publish({ name: "page:/idem/", cid: goodbyeCid, expectedSequence: 2, inputKey: "render-3" })).toMatchObject({ status: "unchanged", pointer: { sequence: 2, inputKey: "render-3" } });
    expect(await p.current()).toMatchObject({ cid: goodbyeCid, sequence: 2, inputKey: "render-3" });
    // ... unless the publisher saw an older sequence.
    expect(await p.publish({ name: "page:/idem/", cid: goodbyeCid, expectedSequence: 1, inputKey: "render-x" })).toMatchObject({ status: "unchanged", pointer: { inputKey: "render-3" } });
    // The current render delivered again: nothing moves.
    expect(await p.publish({ name: "page:/idem/", cid: helloCid, expectedSequence: 2, inputKey: "render-3" })).toMatchObject({ status: "unchanged", pointer: { cid: goodbyeCid, sequence: 2 } });
    // A late publisher that saw an older sequence never moves the pointer back.
    expect(await p.publish({ name: "page:/idem/", cid: helloCid, expectedSequence: 1, inputKey: "render-1" })).toMatchObject({ status: "conflict", pointer: { cid: goodbyeCid, sequence: 2 } });
    // Data that changed back, rendered from the current sequence: the pointer follows it back.
    expect(await p.publish({ name: "page:/idem/", cid: helloCid, expectedSequence: 2, inputKey: "render-1" })).toMatchObject({ status: "moved", pointer: { cid: helloCid, sequence: 3 } });
  });

  it("retires a name whose page is gone; the next publish moves on from there", async () => {
    const p = stub("page:/gone/");
    await p.publish({ name: "page:/gone/", cid: helloCid, expectedSequence: 0, inputKey: "a" });
    expect(await p.retire({ expectedSequence: 0 })).toMatchObject({ status: "conflict" });
    expect(await p.retire({ expectedSequence: 1 })).toMatchObject({ status: "retired", pointer: { sequence: 2, retired: true } });
    expect(await p.retire({ expectedSequence: 2 })).toMatchObject({ status: "unchanged" });
    // Even the same bytes as before it was retired are a move now.
    expect(await p.publish({ name: "page:/gone/", cid: helloCid, expectedSequence: 2, inputKey: "a" })).toMatchObject({ status: "moved", pointer: { sequence: 3 } });
    expect((await p.current())!.retired).toBeUndefined();
  });

  it("loses no update under many concurrent publishers, each retrying on conflict", async () => {
    const name = "page:/busy/";
    const p = stub(name);
    const writers = 40;
    // Each writer publishes its own render (distinct bytes, distinct CID).
    const cids = await Promise.all(Array.from({ length: writers }, async (_, w) => CID.create(1, raw.code, await sha256.digest(new TextEncoder().encode(`render ${w}`))).toString()));
    const conflicts: number[] = [];
    await Promise.all(
      Array.from({ length: writers }, async (_, w) => {
        let tries = 0;
        for (;;) {
          tries++;
          const seen = (await p.current())?.sequence ?? 0;
          const r = await p.publish({ name, cid: cids[w]!, expectedSequence: seen, inputKey: `writer-${w}` });
          if (r.status !== "conflict") break;
        }
        conflicts.push(tries - 1);
      }),
    );
    const history = await p.history();
    const current = (await p.current())!;
    expect(current.sequence).toBe(writers);
    // Every writer's move is in the history exactly once, in sequence order, with no gaps.
    expect(history.map((h) => h.sequence)).toEqual(Array.from({ length: Math.min(writers, HISTORY_LIMIT) }, (_, i) => writers - i));
    expect(new Set(history.map((h) => h.inputKey)).size).toBe(history.length);
    expect(new Set(history.map((h) => h.cid)).size).toBe(history.length);
    expect(conflicts.reduce((a, b) => a + b, 0)).toBeGreaterThan(0); // they really did race
  });

  it("signs each move as an IPNS record that the ipns library validates", async () => {
    const name = "frag:nav-tree";
    const p = stub(name);
    await p.publish({ name, cid: helloCid, expectedSequence: 0 });
    await p.publish({ name, cid: goodbyeCid, expectedSequence: 1 });
    const signed = (await p.record())!;
    const key = await pointerKey("development-only-ipns-secret", name);
    expect(signed.ipnsName).toBe(key.publicKey.toCID().toString(base36));
    await validate(key.publicKey, signed.record);
    const record = unmarshalIPNSRecord(signed.record);
    expect([record.value, record.sequence]).toEqual([`/ipfs/${goodbyeCid}`, 2n]);
    // Another name has another key; its record does not validate under this one.
    const other = await pointerKey("development-only-ipns-secret", "frag:other");
    await expect(validate(other.publicKey, signed.record)).rejects.toThrow();
  });

  it("publishes each signed record to the IPNS routing service, where a resolver validates it", async () => {
    const name = "page:/routed/";
    const moved = await stub(name).publish({ name, cid: helloCid, expectedSequence: 0 });
    expect(moved.status).toBe("moved");
    const ipnsName = (moved as { ipnsName: string }).ipnsName;
    const resolver = ipnsResolver(env.IPNS_ROUTING_URL);
    await vi.waitFor(async () => expect(await resolver.resolve(ipnsName)).toMatchObject({ value: `/ipfs/${helloCid}`, sequence: 1n }), { timeout: 5000, interval: 50 });
    await stub(name).publish({ name, cid: goodbyeCid, expectedSequence: 1 });
    await vi.waitFor(async () => expect(await resolver.resolve(ipnsName)).toMatchObject({ value: `/ipfs/${goodbyeCid}`, sequence: 2n }), { timeout: 5000, interval: 50 });
  });

  it("re-signs and pushes again the record of a name that does not move, before it expires", async () => {
    const name = "page:/still/";
    const moved = (await stub(name).publish({ name, cid: helloCid, expectedSequence: 0 })) as { ipnsName: string };
    const resolver = ipnsResolver(env.IPNS_ROUTING_URL);
    await vi.waitFor(async () => expect(await resolver.resolve(moved.ipnsName)).not.toBeNull(), { timeout: 5000, interval: 50 });
    const before = unmarshalIPNSRecord((await stub(name).record())!.record);
    await new Promise((r) => setTimeout(r, 5)); // a later validity
    expect(await runDurableObjectAlarm(stub(name))).toBe(true);
    const after = unmarshalIPNSRecord((await stub(name).record())!.record);
    expect([after.value, after.sequence]).toEqual([before.value, before.sequence]);
    expect(after.validity > before.validity).toBe(true);
    await vi.waitFor(async () => expect((await resolver.resolve(moved.ipnsName))!.record).toEqual((await stub(name).record())!.record), { timeout: 5000, interval: 50 });
  });

  it("resolves names over HTTP: JSON, or the record itself", async () => {
    const name = "page:/blog/apple-day-2026/";
    await stub(name).publish({ name, cid: helloCid, expectedSequence: 0 });
    const res = await SELF.fetch(`http://rose-ash.test/ipns/${encodeURIComponent(name)}`);
    expect([res.status, res.headers.get("etag")]).toEqual([200, `"${helloCid}"`]);
    expect(await res.json()).toMatchObject({ name, cid: helloCid, sequence: 1, ipnsName: expect.stringMatching(/^k51/) });
    const rec = await SELF.fetch(`http://rose-ash.test/ipns/${encodeURIComponent(name)}`, { headers: { accept: "application/vnd.ipfs.ipns-record" } });
    expect(rec.headers.get("content-type")).toBe("application/vnd.ipfs.ipns-record");
    expect(unmarshalIPNSRecord(new Uint8Array(await rec.arrayBuffer())).value).toBe(`/ipfs/${helloCid}`);
    expect((await SELF.fetch("http://rose-ash.test/ipns/no-such-name")).status).toBe(404);
  });

  it("serves verified bytes by CID, immutable, with 304 for a matching ETag", async () => {
    await env.WARM.put(`ipfs/${helloCid}`, new TextEncoder().encode("hello\n"));
    await env.WARM.put(`ipfs/${goodbyeCid}`, new TextEncoder().encode("not what the CID says\n"));
    const res = await SELF.fetch(`http://rose-ash.test/ipfs/${helloCid}`);
    expect([res.status, await bytesAsText(Promise.resolve(res)), res.headers.get("etag"), res.headers.get("cache-control")]).toEqual([200, "hello\n", `"${helloCid}"`, "public, max-age=31536000, immutable"]);
    expect((await SELF.fetch(`http://rose-ash.test/ipfs/${helloCid}`, { headers: { "if-none-match": `"${helloCid}"` } })).status).toBe(304);
    // Once served, the edge cache (Cache API) answers, even if the store lost the bytes.
    await env.WARM.delete(`ipfs/${helloCid}`);
    await vi.waitFor(async () => expect(await bytesAsText(SELF.fetch(`http://rose-ash.test/ipfs/${helloCid}`))).toBe("hello\n"));
    expect((await SELF.fetch(`http://rose-ash.test/ipfs/${goodbyeCid}`)).status).toBe(404); // corrupted: never served
    expect((await SELF.fetch("http://rose-ash.test/ipfs/nope")).status).toBe(400);
  });
});
