/**
 * IPNS records pushed and read over the Delegated Routing V1 HTTP API, against
 * the local routing server (dev/routing/server.js), which validates every
 * record with the `ipns` library before keeping it. Records are the pointers'
 * own (durable-objects/src/ipns-record.ts).
 */
import { unmarshalIPNSRecord } from "ipns";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signRecord } from "../src/ipns-record.ts";
import { startRoutingServer } from "../../dev/routing/server.js";
import { IPNS_RECORD_TYPE, RoutingError, ipnsPublisher, ipnsResolver } from "../src/ipns-routing.ts";

const SECRET = "test ipns secret";
const HELLO = "bafkreicysg23kiwv34eg2d7qweipxwosdo2py4ldv42nbauguluen5v6am";
const OTHER = "bafkreibyniihaqnhs536mbvc3wx66vbfttisc6zrvea6kzeku3w4as6lum";

let routing: Awaited<ReturnType<typeof startRoutingServer>>;
beforeAll(async () => void (routing = await startRoutingServer()));
afterAll(async () => routing?.close());

describe("ipnsPublisher and ipnsResolver", () => {
  it("publishes a pointer's signed record and resolves it back, verified", async () => {
    const signed = await signRecord(SECRET, "page:/", HELLO, 1);
    expect(signed.ipnsName).toMatch(/^k51/);
    await ipnsPublisher(routing.url).publish(signed.ipnsName, signed.record);
    const resolved = await ipnsResolver(`${routing.url}/`).resolve(signed.ipnsName);
    expect(resolved).toMatchObject({ value: `/ipfs/${HELLO}`, sequence: 1n });
    expect(Buffer.from(resolved!.record).equals(Buffer.from(signed.record))).toBe(true);
    expect(await ipnsResolver(routing.url).resolve((await signRecord(SECRET, "page:/never", HELLO, 1)).ipnsName)).toBeNull();
  });

  it("keeps the higher sequence when an older record comes later", async () => {
    const newer = await signRecord(SECRET, "page:/moves", OTHER, 5);
    const older = await signRecord(SECRET, "page:/moves", HELLO, 4);
    const publisher = ipnsPublisher(routing.url);
    await publisher.publish(newer.ipnsName, newer.record);
    await publisher.publish(older.ipnsName, older.record);
    expect(await ipnsResolver(routing.url).resolve(newer.ipnsName)).toMatchObject({ value: `/ipfs/${OTHER}`, sequence: 5n });
  });

  it("is refused (400) a record signed by another name's key, or bytes that are no record", async () => {
    const mine = await signRecord(SECRET, "page:/a", HELLO, 1);
    const theirs = await signRecord(SECRET, "page:/b", HELLO, 1);
    const refused = await ipnsPublisher(routing.url).publish(theirs.ipnsName, mine.record).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(RoutingError);
    expect(refused).toMatchObject({ status: 400 });
    await expect(ipnsPublisher(routing.url).publish(mine.ipnsName, new TextEncoder().encode("not a record"))).rejects.toMatchObject({ status: 400 });
    expect(await ipnsResolver(routing.url).resolve(theirs.ipnsName)).toBeNull();
    await expect(ipnsPublisher(routing.url).publish(HELLO, mine.record)).rejects.toThrow(/not an IPNS name/);
  });

  it("speaks the spec's content types: 406 without them", async () => {
    const signed = await signRecord(SECRET, "page:/types", HELLO, 1);
    const url = `${routing.url}/routing/v1/ipns/${signed.ipnsName}`;
    expect((await fetch(url, { method: "PUT", body: signed.record, headers: { "content-type": "application/octet-stream" } })).status).toBe(406);
    expect((await fetch(url, { method: "PUT", body: signed.record, headers: { "content-type": IPNS_RECORD_TYPE } })).status).toBe(200);
    expect((await fetch(url)).status).toBe(406);
    const res = await fetch(url, { headers: { accept: IPNS_RECORD_TYPE } });
    expect(res.headers.get("content-type")).toBe(IPNS_RECORD_TYPE);
    expect(res.headers.get("etag")).toMatch(/^"[0-9a-f]{64}"$/);
    expect(res.headers.get("cache-control")).toMatch(/^max-age=\d+$/);
  });

  it("rejects what a lying router sends: another name's record, or a tampered one", async () => {
    const asked = await signRecord(SECRET, "page:/asked", HELLO, 1);
    const other = await signRecord(SECRET, "page:/other", OTHER, 9);
    const answering = (record: Uint8Array) => (async () => new Response(record, { headers: { "content-type": IPNS_RECORD_TYPE } })) as unknown as typeof fetch;
    await expect(ipnsResolver("https://router.example", answering(other.record)).resolve(asked.ipnsName)).rejects.toThrow(/signature verification failed/);
    // The value changed after signing (in both the protobuf and the signed CBOR): the signature no longer holds.
    const value = Buffer.from(unmarshalIPNSRecord(asked.record).value);
    const bytes = Buffer.from(asked.record);
    let changed = 0;
    for (let at = bytes.indexOf(value); at >= 0; at = bytes.indexOf(value, at + 1), changed++) bytes.writeUInt8(bytes.readUInt8(at + value.length - 1) ^ 1, at + value.length - 1);
    expect(changed).toBe(2);
    await expect(ipnsResolver("https://router.example", answering(new Uint8Array(bytes))).resolve(asked.ipnsName)).rejects.toThrow(/signature verification failed/);
  });
});
