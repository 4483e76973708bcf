/**
 * Content addresses for bytes, exactly as `ipfs add --cid-version 1
 * --raw-leaves` computes them: CIDv1, sha2-256; up to one chunk (256 KiB) the
 * bytes are a single raw block; above it, UnixFS with the standard fixed-size
 * chunker and balanced layout (174 links per node), raw leaves. The work is
 * ipfs-unixfs-importer's, the reference JS implementation.
 */
import { importer } from "ipfs-unixfs-importer";
import { CID } from "multiformats/cid";

/** A blockstore that keeps nothing: computing an address needs no storage. */
const discard = {
  put: async (cid: CID) => cid,
};

/** The blocks of a UnixFS import, for stores that hold the DAG block by block. */
export interface Block {
  readonly cid: CID;
  readonly bytes: Uint8Array;
}

/** The CID of `bytes` (and, when `blocks` is given, every block of its DAG). */
export async function cidOf(bytes: Uint8Array, blocks?: Block[]): Promise<CID> {
  const store = blocks ? { put: async (cid: CID, b: Uint8Array) => (blocks.push({ cid, bytes: b }), cid) } : discard;
  let root: CID | undefined;
  for await (const entry of importer([{ content: bytes }], store as never, { cidVersion: 1, rawLeaves: true, reduceSingleLeafToSelf: true })) root = entry.cid;
  return root!;
}

/** Whether `bytes` are what `cid` names. */
export async function matchesCid(cid: string | CID, bytes: Uint8Array): Promise<boolean> {
  const expected = typeof cid === "string" ? parseCid(cid) : cid;
  return expected !== null && (await cidOf(bytes)).equals(expected);
}

const IDENTITY = 0x00;
const SHA2_256 = 0x12;

/**
 * Whether `bytes` are the block `cid` names: its sha2-256 multihash (or, for
 * an identity multihash, the bytes themselves). Block by block, unlike
 * `matchesCid`, so it holds for any DAG, however it was chunked.
 */
export async function blockMatches(cid: CID, bytes: Uint8Array): Promise<boolean> {
  const { code, digest } = cid.multihash;
  if (code === IDENTITY) return sameBytes(digest, bytes);
  if (code !== SHA2_256) return false;
  return sameBytes(new Uint8Array(await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>)), digest);
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i]! ^ b[i]!;
  return diff === 0;
}

/** A CID from text, or null when it is not one. */
export function parseCid(text: string): CID | null {
  try {
    return CID.parse(text);
  } catch {
    return null;
  }
}
