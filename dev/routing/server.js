// @ts-check
/**
 * A local server for the IPNS part of the Delegated Routing V1 HTTP API
 * (https://specs.ipfs.tech/routing/http-routing-v1/#ipns-api), so the
 * production publisher and resolver run unchanged in development and tests:
 *
 *   PUT /routing/v1/ipns/:name   body: a marshalled IPNS record (application/vnd.ipfs.ipns-record)
 *                                -> 200, or 400 when the record or name is not valid, 406 for another content type
 *   GET /routing/v1/ipns/:name   Accept: application/vnd.ipfs.ipns-record -> the record, 404 when none
 *
 * A record is checked with the `ipns` library's validator (signature against
 * the name's key, validity) before it is kept; of two valid records for a
 * name the library's selector keeps the better (higher sequence, then later
 * validity). Records are kept in memory.
 */
import { createHash } from "node:crypto";
import { createServer } from "node:http";
import { multihashToIPNSRoutingKey, unmarshalIPNSRecord } from "ipns";
import { ipnsSelector } from "ipns/selector";
import { ipnsValidator } from "ipns/validator";
import { base36 } from "multiformats/bases/base36";
import { CID } from "multiformats/cid";

const RECORD_TYPE = "application/vnd.ipfs.ipns-record";
const LIBP2P_KEY = 0x72;
const CORS = { "access-control-allow-origin": "*", "access-control-allow-methods": "GET, PUT, OPTIONS" };

/**
 * @param {{ port?: number }} [options]
 * @returns {Promise<{ url: string, records: Map<string, Uint8Array>, close(): Promise<void> }>}
 */
export async function startRoutingServer({ port = 0 } = {}) {
  /** Marshalled records by routing key (hex). */
  /** @type {Map<string, Uint8Array>} */
  const records = new Map();

  const server = createServer(async (req, res) => {
    /** @param {number} status @param {string} text */
    const plain = (status, text) => res.writeHead(status, { ...CORS, "content-type": "text/plain" }).end(text);
    if (req.method === "OPTIONS") return void res.writeHead(204, CORS).end();
    const url = new URL(req.url ?? "/", "http://localhost");
    const match = /^\/routing\/v1\/ipns\/([^/]+)$/.exec(url.pathname);
    if (!match) return plain(400, `unknown path ${url.pathname}`);
    if (req.method !== "GET" && req.method !== "PUT") return plain(501, `${req.method} is not supported`);
    let key;
    try {
      const name = decodeURIComponent(match[1] ?? "");
      const cid = CID.parse(name, name.startsWith("k") ? base36 : undefined);
      if (cid.code !== LIBP2P_KEY) throw new Error("not a libp2p-key CID");
      const digest = cid.multihash;
      if (digest.code !== 0x00 && digest.code !== 0x12) throw new Error("the key's multihash is neither identity nor sha2-256");
      key = multihashToIPNSRoutingKey(/** @type {import("multiformats").MultihashDigest<0x00 | 0x12>} */ (digest));
    } catch (e) {
      return plain(400, `not an IPNS name: ${e instanceof Error ? e.message : String(e)}`);
    }
    const id = Buffer.from(key).toString("hex");

    if (req.method === "GET") {
      if (!(req.headers.accept ?? "").includes(RECORD_TYPE)) return plain(406, `retry with Accept: ${RECORD_TYPE}`);
      const record = records.get(id);
      if (!record) return plain(404, "no record for this name");
      // The TTL is in nanoseconds; 60 s when the record has none, as the spec suggests.
      const ttl = Number((unmarshalIPNSRecord(record).ttl ?? 0n) / 1_000_000_000n) || 60;
      res.writeHead(200, {
        ...CORS,
        "content-type": RECORD_TYPE,
        etag: `"${createHash("sha256").update(record).digest("hex")}"`,
        "cache-control": `max-age=${ttl}`,
      });
      return void res.end(record);
    }

    if ((req.headers["content-type"] ?? "").split(";")[0]?.trim() !== RECORD_TYPE) return plain(406, `retry with Content-Type: ${RECORD_TYPE}`);
    /** @type {Buffer[]} */
    const chunks = [];
    for await (const chunk of req) chunks.push(chunk);
    const record = new Uint8Array(Buffer.concat(chunks));
    try {
      await ipnsValidator(key, record);
    } catch (e) {
      return plain(400, `invalid IPNS record: ${e instanceof Error ? e.message : String(e)}`);
    }
    const current = records.get(id);
    if (!current || ipnsSelector(key, [record, current]) === 0) records.set(id, record);
    return plain(200, "ok");
  });
  await new Promise((resolve) => server.listen(port, "127.0.0.1", () => resolve(undefined)));
  const address = /** @type {import("node:net").AddressInfo} */ (server.address());
  return {
    url: `http://127.0.0.1:${address.port}`,
    records,
    close: () => new Promise((resolve) => server.close(() => resolve(undefined))),
  };
}
