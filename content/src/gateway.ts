/**
 * Reads from IPFS trustless gateways (https://specs.ipfs.tech/http-gateways/trustless-gateway/).
 * We ask for blocks, never for the file: a raw block for a raw CID, a CAR
 * otherwise. Every block is checked against its CID before the file is put
 * back together from the checked blocks, so no gateway has to be trusted.
 */
import { CarBlockIterator } from "@ipld/car/iterator";
import { exporter } from "ipfs-unixfs-exporter";
import { base64 } from "multiformats/bases/base64";
import type { CID } from "multiformats/cid";
import { blockMatches, parseCid } from "./cid.ts";
import { CAR_TYPE, RAW_TYPE } from "./trustless.ts";
import type { WarmSource } from "./warm.ts";
import { concat } from "./bytes.ts";

const RAW_CODEC = 0x55;

/** A gateway sent a block whose bytes are not what its CID names. */
export class BlockMismatchError extends Error {
  override readonly name = "BlockMismatchError";
}

export interface GatewayOptions {
  /** The most bytes read from one response (CAR framing included); default 64 MiB. */
  readonly maxBytes?: number;
}

/** A trustless gateway at `base` (`GET <base>/ipfs/<cid>?format=car|raw`). */
export function gatewaySource(base: string, fetcher: typeof fetch = fetch, { maxBytes = 64 << 20 }: GatewayOptions = {}): WarmSource {
  const root = base.replace(/\/$/, "");
  return {
    name: `gateway ${new URL(base).host}`,
    verifiesBlocks: true,
    fetch: async (text) => {
      const cid = parseCid(text);
      if (!cid) throw new Error(`not a CID: ${text}`);
      const raw = cid.code === RAW_CODEC;
      const type = raw ? RAW_TYPE : CAR_TYPE;
      // Both the format parameter and Accept, as the spec asks of clients (caches key on the URL).
      const res = await fetcher(`${root}/ipfs/${cid}?format=${raw ? "raw" : "car"}`, { headers: { accept: raw ? type : `${type}; version=1` } });
      if (res.status === 404 || res.status === 410) return null;
      if (!res.ok) throw new Error(`${base} answered ${res.status}`);
      // A gateway that ignores Accept sends the file itself, which no block check can cover.
      const got = res.headers.get("content-type") ?? "";
      if (got.split(";")[0]!.trim().toLowerCase() !== type) throw new Error(`${base} answered ${got || "no content type"}, not ${type}`);
      const body = limited(res.body, maxBytes, base);
      if (!raw) return fileFromCar(cid, body);
      const chunks: Uint8Array[] = [];
      for await (const chunk of body) chunks.push(chunk);
      const block = concat(chunks);
      if (!(await blockMatches(cid, block))) throw new BlockMismatchError(`${base} sent a block that does not match ${cid}`);
      return block;
    },
  };
}

/**
 * The file `root` names, from a CAR stream: every block verified against its
 * CID (one that does not match fails the whole read), then the UnixFS DAG
 * walked from `root` over the verified blocks alone. Blocks the DAG does not
 * need are ignored; a block it needs and the CAR lacks is an error.
 */
export async function fileFromCar(root: CID, car: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const blocks = new Map<string, Uint8Array>();
  const key = (cid: CID) => base64.encode(cid.multihash.bytes);
  for await (const { cid, bytes } of await CarBlockIterator.fromIterable(car)) {
    if (!(await blockMatches(cid, bytes))) throw new BlockMismatchError(`block ${cid} does not match its CID`);
    blocks.set(key(cid), bytes);
  }
  const store = {
    *get(cid: CID): Generator<Uint8Array> {
      const block = blocks.get(key(cid));
      if (!block) throw new Error(`the CAR for ${root} lacks block ${cid}`);
      yield block;
    },
  };
  const entry = await exporter(root, store);
  if (entry.type === "directory" || entry.type === "object") throw new Error(`${root} is a ${entry.type}, not a file`);
  const chunks: Uint8Array[] = [];
  for await (const chunk of entry.content()) chunks.push(chunk as Uint8Array);
  return concat(chunks);
}

/** A response body as chunks, failing once more than `max` bytes have come. */
async function* limited(body: ReadableStream<Uint8Array> | null, max: number, from: string): AsyncGenerator<Uint8Array> {
  if (!body) return;
  const reader = body.getReader();
  let total = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      total += value.byteLength;
      if (total > max) throw new Error(`${from} sent more than ${max} bytes`);
      yield value;
    }
  } finally {
    await reader.cancel().catch(() => {});
  }
}
