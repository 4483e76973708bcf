/**
 * IPNS over the Delegated Routing V1 HTTP API
 * (https://specs.ipfs.tech/routing/http-routing-v1/#ipns-api): push a signed
 * record with `PUT /routing/v1/ipns/<name>`, read one back with `GET`. What
 * comes back is verified against the name's key, so the router is not trusted.
 */
import { multihashToIPNSRoutingKey, unmarshalIPNSRecord } from "ipns";
import { ipnsValidator } from "ipns/validator";
import { base36 } from "multiformats/bases/base36";
import { CID } from "multiformats/cid";
import type { MultihashDigest } from "multiformats/hashes/interface";

export const IPNS_RECORD_TYPE = "application/vnd.ipfs.ipns-record";
const LIBP2P_KEY = 0x72;

/** The routing endpoint refused a request (400: record or name not valid; 406: content type). */
export class RoutingError extends Error {
  override readonly name = "RoutingError";
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** An IPNS name (`k51…`, or any multibase CIDv1 with the libp2p-key codec) as a CID; throws otherwise. */
export function parseIpnsName(name: string): CID {
  let cid: CID;
  try {
    cid = CID.parse(name, name.startsWith("k") ? base36 : undefined);
  } catch {
    throw new Error(`not an IPNS name: ${name}`);
  }
  if (cid.version !== 1 || cid.code !== LIBP2P_KEY) throw new Error(`not an IPNS name (a libp2p-key CIDv1): ${name}`);
  // The key inline (identity, Ed25519) or its sha2-256 (RSA): what IPNS routing keys are made of.
  if (cid.multihash.code !== 0x00 && cid.multihash.code !== 0x12) throw new Error(`not an IPNS name (multihash 0x${cid.multihash.code.toString(16)}): ${name}`);
  return cid;
}

/** The routing key (`/ipns/` + the key's multihash) a name's records are validated against. */
function routingKey(name: CID): Uint8Array {
  return multihashToIPNSRoutingKey(name.multihash as MultihashDigest<0x00 | 0x12>);
}

export interface IpnsPublisher {
  /** Publishes the marshalled, signed record for `name`. */
  publish(name: string, record: Uint8Array): Promise<void>;
}

export function ipnsPublisher(endpoint: string, fetcher: typeof fetch = fetch): IpnsPublisher {
  const base = endpoint.replace(/\/$/, "");
  return {
    publish: async (name, record) => {
      const cid = parseIpnsName(name);
      const res = await fetcher(`${base}/routing/v1/ipns/${cid.toString(base36)}`, {
        method: "PUT",
        headers: { "content-type": IPNS_RECORD_TYPE },
        body: record as Uint8Array<ArrayBuffer>,
      });
      if (!res.ok) throw new RoutingError(res.status, `${base} refused the IPNS record for ${name}: ${res.status} ${(await res.text().catch(() => "")).slice(0, 300)}`);
    },
  };
}

export interface ResolvedIpns {
  /** The marshalled record, as the router sent it (verified). */
  readonly record: Uint8Array;
  /** What the name points at, e.g. `/ipfs/<cid>`. */
  readonly value: string;
  readonly sequence: bigint;
  /** The record's TTL in nanoseconds, when it has one. */
  readonly ttl?: bigint;
}

export interface IpnsResolver {
  /** The verified record for `name`, or null when the router has none. */
  resolve(name: string): Promise<ResolvedIpns | null>;
}

export function ipnsResolver(endpoint: string, fetcher: typeof fetch = fetch): IpnsResolver {
  const base = endpoint.replace(/\/$/, "");
  return {
    resolve: async (name) => {
      const cid = parseIpnsName(name);
      const res = await fetcher(`${base}/routing/v1/ipns/${cid.toString(base36)}`, { headers: { accept: IPNS_RECORD_TYPE } });
      if (res.status === 404) return null;
      if (!res.ok) throw new RoutingError(res.status, `${base} answered ${res.status} for ${name}`);
      const record = new Uint8Array(await res.arrayBuffer());
      // Signature, key and validity, against the key the name is made of (throws when any is wrong).
      await ipnsValidator(routingKey(cid), record);
      const parsed = unmarshalIPNSRecord(record);
      return { record, value: parsed.value, sequence: parsed.sequence, ...(parsed.ttl !== undefined ? { ttl: parsed.ttl } : {}) };
    },
  };
}
