/**
 * The warm tier: immutable, shared, content-addressed bytes (IPFS). Every
 * read is verified against its CID: bytes that do not match are rejected,
 * logged, and fetched from the next source; they are never returned.
 *
 * Sources side by side: a CID-keyed R2 bucket (the embedded default, and a
 * fast copy in production) and IPFS trustless gateways (gateway.ts).
 */
import { cidOf, matchesCid, parseCid } from "./cid.ts";

export interface WarmSource {
  readonly name: string;
  /**
   * The source checks every block against its CID itself (a trustless
   * gateway): its bytes are not re-chunked to be checked again, so DAGs
   * chunked by other tools are read too.
   */
  readonly verifiesBlocks?: boolean;
  /** The bytes stored under `cid`, unverified, or null when this source has none. */
  fetch(cid: string): Promise<Uint8Array | null>;
}

export interface WarmSink {
  put(cid: string, bytes: Uint8Array): Promise<void>;
}

/** What an R2 bucket binding offers (a subset, so this module needs no Workers types). */
export interface BucketLike {
  get(key: string): Promise<{ arrayBuffer(): Promise<ArrayBuffer> } | null>;
  put(key: string, value: Uint8Array, options?: { httpMetadata?: { contentType?: string } }): Promise<unknown>;
}

/** A bucket in memory: the embedded default, for one process and for tests. */
export function memoryBucket(): BucketLike {
  const objects = new Map<string, Uint8Array>();
  return {
    get: async (key) => {
      const bytes = objects.get(key);
      return bytes ? { arrayBuffer: async () => bytes.slice().buffer as ArrayBuffer } : null;
    },
    put: async (key, value) => void objects.set(key, value.slice()),
  };
}

/** A CID-keyed R2 bucket. */
export function bucketStore(bucket: BucketLike): WarmSource & WarmSink {
  return {
    name: "r2",
    fetch: async (cid) => {
      const object = await bucket.get(`ipfs/${cid}`);
      return object ? new Uint8Array(await object.arrayBuffer()) : null;
    },
    put: async (cid, bytes) => void (await bucket.put(`ipfs/${cid}`, bytes)),
  };
}

export interface WarmStats {
  hits: number;
  misses: number;
  rejected: number;
  bytes: number;
}

export class WarmStore {
  readonly stats: WarmStats = { hits: 0, misses: 0, rejected: 0, bytes: 0 };

  constructor(
    private readonly sink: WarmSink,
    private readonly sources: readonly WarmSource[],
  ) {}

  /**
   * Store bytes under their CID; the CID is computed here, never taken on
   * trust. Bytes whose CID is `stored` (already there) are not written again.
   */
  async put(bytes: Uint8Array, stored: string | null = null): Promise<string> {
    const cid = String(await cidOf(bytes));
    if (cid !== stored) await this.sink.put(cid, bytes);
    return cid;
  }

  /** Verified bytes for `cid`, from the first source that has them right; null when none does. */
  async get(cid: string): Promise<Uint8Array | null> {
    if (!parseCid(cid)) throw new Error(`not a CID: ${cid}`);
    const { bytes, rejected } = await firstVerified(this.sources, cid, "warm tier");
    this.stats.rejected += rejected;
    if (bytes) {
      this.stats.hits++;
      this.stats.bytes += bytes.length;
      return bytes;
    }
    this.stats.misses++;
    return null;
  }
}

/**
 * The bytes of `cid` from the first of `sources` that has them right:
 * checked against the CID (unless the source checks every block itself);
 * a source that fails or answers other bytes is logged (as `who`) and the
 * next one asked. `rejected` counts the sources whose bytes did not match.
 */
export async function firstVerified(sources: readonly WarmSource[], cid: string, who: string): Promise<{ bytes: Uint8Array | null; rejected: number }> {
  let rejected = 0;
  for (const source of sources) {
    let bytes: Uint8Array | null;
    try {
      bytes = await source.fetch(cid);
    } catch (e) {
      console.warn(`${who}: ${source.name} failed for ${cid}: ${e instanceof Error ? e.message : String(e)}`);
      continue;
    }
    if (!bytes) continue;
    if (!source.verifiesBlocks && !(await matchesCid(cid, bytes))) {
      rejected++;
      console.error(`${who}: ${source.name} returned bytes that do not match ${cid}; rejected`);
      continue;
    }
    return { bytes, rejected };
  }
  return { bytes: null, rejected };
}
