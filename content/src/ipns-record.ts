/**
 * Signed IPNS records for pointers. Each pointer name has its own Ed25519 key,
 * derived from one secret (HMAC-SHA256(secret, name) is the seed), so a name's
 * IPNS identity is stable and nothing but the secret has to be stored. The
 * record is the `ipns` library's (V1+V2, protobuf), verifiable by any IPNS
 * implementation.
 */
import { generateKeyPairFromSeed } from "@libp2p/crypto/keys";
import { createIPNSRecord, marshalIPNSRecord } from "ipns";
import { base36 } from "multiformats/bases/base36";
import { CID } from "multiformats/cid";

/** How long a record is valid: a pointer re-signs on every move, and every REPUBLISH_MS when it does not move. */
const LIFETIME_MS = 48 * 3600 * 1000;
export const REPUBLISH_MS = LIFETIME_MS / 2;

export async function pointerKey(secret: string, name: string) {
  const enc = new TextEncoder();
  const mac = await crypto.subtle.importKey("raw", enc.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  const seed = new Uint8Array(await crypto.subtle.sign("HMAC", mac, enc.encode(`rose-ash ipns ${name}`)));
  return generateKeyPairFromSeed("Ed25519", seed);
}

export interface SignedRecord {
  /** The IPNS name (the key's CID in base36, `k51...`), as in /ipns/<name>. */
  readonly ipnsName: string;
  /** The marshalled record. */
  readonly record: Uint8Array;
}

export async function signRecord(secret: string, name: string, cid: string, sequence: number): Promise<SignedRecord> {
  const key = await pointerKey(secret, name);
  const record = await createIPNSRecord(key, CID.parse(cid), BigInt(sequence), LIFETIME_MS);
  return { ipnsName: key.publicKey.toCID().toString(base36), record: marshalIPNSRecord(record) };
}
