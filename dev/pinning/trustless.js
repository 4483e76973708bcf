// @ts-check
/**
 * What the local pinning service does to pin: fetch a CID's DAG from a
 * trustless gateway (https://specs.ipfs.tech/http-gateways/trustless-gateway/)
 * as a CAR (a raw block for raw CIDs), check every block against its CID,
 * and walk the DAG from the root so that a missing block fails the pin too.
 */
import { createHash } from "node:crypto";
import { CarBlockIterator } from "@ipld/car/iterator";
import { exporter } from "ipfs-unixfs-exporter";
import { CID } from "multiformats/cid";

const RAW = 0x55;
const SHA2_256 = 0x12;

/** @param {CID} cid @param {Uint8Array} bytes */
function verify(cid, bytes) {
  if (cid.multihash.code !== SHA2_256) throw new Error(`block ${cid}: only sha2-256 is checked here`);
  const digest = createHash("sha256").update(bytes).digest();
  if (!digest.equals(Buffer.from(cid.multihash.digest))) throw new Error(`block ${cid} does not match its CID`);
}

/**
 * The verified blocks of `cid`'s DAG, fetched from `gateway`; throws when
 * the gateway does not have it, sends a block that does not match, or leaves
 * one out.
 * @param {string} gateway
 * @param {string} text the CID
 * @returns {Promise<{ blocks: Map<string, Uint8Array>, size: number }>}
 */
export async function fetchVerified(gateway, text) {
  const cid = CID.parse(text);
  const raw = cid.code === RAW;
  const type = raw ? "application/vnd.ipld.raw" : "application/vnd.ipld.car";
  const res = await fetch(`${gateway.replace(/\/$/, "")}/ipfs/${cid}?format=${raw ? "raw" : "car"}`, { headers: { accept: type } });
  if (!res.ok) throw new Error(`${gateway} answered ${res.status}`);
  const got = (res.headers.get("content-type") ?? "").split(";")[0]?.trim();
  if (got !== type) throw new Error(`${gateway} answered ${got || "no content type"}, not ${type}`);
  /** @type {Map<string, Uint8Array>} */
  const blocks = new Map();
  if (raw) {
    const bytes = new Uint8Array(await res.arrayBuffer());
    verify(cid, bytes);
    blocks.set(cid.toString(), bytes);
    return { blocks, size: bytes.length };
  }
  const body = res.body;
  if (!body) throw new Error(`${gateway} sent no body`);
  for await (const block of await CarBlockIterator.fromIterable(body)) {
    verify(block.cid, block.bytes);
    blocks.set(block.cid.toString(), block.bytes);
  }
  const store = {
    /** @param {CID} c */
    *get(c) {
      const block = blocks.get(c.toString());
      if (!block) throw new Error(`the CAR lacks block ${c}`);
      yield block;
    },
  };
  const entry = await exporter(cid, store);
  if (entry.type === "directory" || entry.type === "object") throw new Error(`${cid} is a ${entry.type}; files are pinned here`);
  let size = 0;
  for await (const chunk of entry.content()) size += chunk.length;
  return { blocks, size };
}

/**
 * An HTTP URL for a multiaddr naming an HTTP endpoint (`/ip4/127.0.0.1/tcp/8080/http`,
 * `/dns4/example.org/tcp/443/https`, `/.../tls/http`), or null for any other.
 * @param {string} addr
 */
export function multiaddrToUrl(addr) {
  const m = /^\/(ip4|ip6|dns|dns4|dns6)\/([^/]+)\/tcp\/(\d+)\/(http|https|tls\/http)$/.exec(addr);
  if (!m) return null;
  const [, proto, host, port, scheme] = m;
  return `${scheme === "http" ? "http" : "https"}://${proto === "ip6" ? `[${host}]` : host}:${port}`;
}
