/**
 * The media store: a local blockstore folder, the plan's cache (node key ->
 * CID of that node's frame as PNG), and pinning.
 *
 * - Bytes are stored as IPFS stores them: `cidOf` (@rose-ash/content) is
 *   what `ipfs add --cid-version 1 --raw-leaves` prints: one raw block up to
 *   one chunk (256 KiB), above it a UnixFS DAG of 256 KiB raw leaves (balanced,
 *   174 links a node); every block is a file `blocks/<cid>`. So the folder
 *   could be handed to an IPFS node as it is, and the CIDs we print are the
 *   ones IPFS will serve the bytes under.
 * - `get(cid)` checks every block it reads against its CID: bytes that do
 *   not match (a tampered or damaged file) are refused with a
 *   `ContentMismatchError`, never returned. Other sources (a trustless
 *   gateway: content's `gatewaySource`) are asked for what is not here,
 *   their bytes verified too.
 * - `keys/<key>` holds the CID a plan node's key has produced (the same in
 *   memory); decoded frames are kept in memory too (bounded).
 * - With `PINNING_SERVICE_URL` and `PINNING_SERVICE_TOKEN`, `pin(cid)` asks an
 *   IPFS Pinning Service API (content's `pinningService`) to keep it.
 */
import { mkdir, readFile, rename, unlink, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { blockMatches, cidOf, concat, firstVerified, parseCid, pinningService, type Block, type PinStatus, type PinningService, type WarmSource } from "@rose-ash/content";
import { Lru } from "@rose-ash/executor";
import { exporter } from "ipfs-unixfs-exporter";
import type { CID } from "multiformats/cid";
import type { Frame } from "./frame.ts";

const RAW = 0x55;

/** Stored bytes that do not match the CID they are stored under: refused. */
export class ContentMismatchError extends Error {
  override name = "ContentMismatchError";
  constructor(readonly cid: string) {
    super(`the bytes stored for ${cid} do not match it (tampered or damaged): refused`);
  }
}

export interface PinningConfig {
  readonly url: string;
  readonly token: string;
  /** E.g. `{ gateway: "https://render.example" }` for a service that fetches from a trustless gateway. */
  readonly meta?: Readonly<Record<string, string>>;
  readonly fetcher?: typeof fetch;
}

export interface MediaStoreOptions {
  /** The folder; default `$ROSE_RENDER_STORE`, else `.data/render-store` under the working directory. */
  readonly dir?: string;
  /** Where to look for what the folder lacks (asset CIDs): every answer verified. */
  readonly sources?: readonly WarmSource[];
  /** Pinning; default from `PINNING_SERVICE_URL`/`PINNING_SERVICE_TOKEN` (and `PUBLIC_ORIGIN` as the gateway), null for none. */
  readonly pinning?: PinningConfig | null;
  /** Bytes of decoded frames kept in memory by node key (default 256 MiB). */
  readonly frameCacheBytes?: number;
}

export class MediaStore {
  readonly dir: string;
  private readonly sources: readonly WarmSource[];
  private readonly pins: PinningService | null;
  private readonly pinMeta: Readonly<Record<string, string>> | undefined;
  private readonly keys = new Map<string, string>();
  private readonly ready: Promise<void>;
  /** Decoded frames by node key: a hit in a warm process costs no PNG decode. */
  readonly frames: Lru<Frame>;
  readonly stats = { puts: 0, gets: 0, rejected: 0, pinned: 0 };

  constructor(options: MediaStoreOptions = {}) {
    this.dir = resolve(options.dir ?? process.env.ROSE_RENDER_STORE ?? join(".data", "render-store"));
    this.sources = options.sources ?? [];
    const pinning = options.pinning === undefined ? pinningFromEnv() : options.pinning;
    this.pins = pinning ? pinningService(pinning.url, pinning.token, pinning.fetcher) : null;
    this.pinMeta = pinning?.meta;
    this.frames = new Lru<Frame>(options.frameCacheBytes ?? 256 << 20, (f) => f.data.length);
    this.ready = Promise.all([mkdir(join(this.dir, "blocks"), { recursive: true }), mkdir(join(this.dir, "keys"), { recursive: true })]).then(() => {});
  }

  /** Whether outputs are pinned (a pinning service is configured). */
  get pinning(): boolean {
    return this.pins !== null;
  }

  /** Store bytes; their CID (computed here, block by block, as ipfs add does). */
  async put(bytes: Uint8Array): Promise<string> {
    await this.ready;
    const blocks: Block[] = [];
    const cid = String(await cidOf(bytes, blocks));
    await Promise.all(blocks.map((b) => writeAtomic(this.blockPath(String(b.cid)), b.bytes)));
    this.stats.puts++;
    return cid;
  }

  /**
   * The bytes `cid` names, verified block by block; null when neither the
   * folder nor a source has them. Bytes in the folder that do not match are
   * a ContentMismatchError (a source's that do not match are skipped).
   */
  async get(cid: string): Promise<Uint8Array | null> {
    const root = parseCid(cid);
    if (!root) throw new Error(`not a CID: ${cid}`);
    await this.ready;
    this.stats.gets++;
    const local = await this.readLocal(root);
    if (local) return local;
    const { bytes, rejected } = await firstVerified(this.sources, cid, "render store");
    this.stats.rejected += rejected;
    if (bytes) await this.put(bytes);
    return bytes;
  }

  /** Whether the folder holds the root block of `cid`. */
  async has(cid: string): Promise<boolean> {
    await this.ready;
    return (await readFile(this.blockPath(cid)).catch(() => null)) !== null;
  }

  /** The CID a plan node's key produced, or null. */
  async lookup(key: string): Promise<string | null> {
    const known = this.keys.get(key);
    if (known) return known;
    await this.ready;
    const text = await readFile(this.keyPath(key), "utf8").catch(() => null);
    const cid = text?.trim() ?? null;
    if (!cid || !parseCid(cid)) return null;
    this.keys.set(key, cid);
    return cid;
  }

  async remember(key: string, cid: string): Promise<void> {
    this.keys.set(key, cid);
    await this.ready;
    await writeAtomic(this.keyPath(key), new TextEncoder().encode(cid + "\n"));
  }

  /** Forget what `key` produced (its bytes stay): the next render computes it again. */
  async forget(key: string): Promise<void> {
    this.keys.delete(key);
    // The Lru has no delete: an empty entry that has already expired replaces it.
    this.frames.set(key, { width: 0, height: 0, data: new Uint8Array(0) }, 0);
    await unlink(this.keyPath(key)).catch(() => {});
  }

  /** Ask the pinning service to keep `cid`; null when none is configured. */
  async pin(cid: string, name = `rose-render ${cid}`): Promise<PinStatus | null> {
    if (!this.pins) return null;
    const status = await this.pins.add({ cid, name, ...(this.pinMeta ? { meta: this.pinMeta } : {}) });
    this.stats.pinned++;
    return status;
  }

  private blockPath(cid: string): string {
    return join(this.dir, "blocks", cid);
  }

  private keyPath(key: string): string {
    if (!/^[0-9a-f]{16,128}$/.test(key)) throw new Error(`not a node key: ${key}`);
    return join(this.dir, "keys", key);
  }

  private async readBlock(cid: CID): Promise<Uint8Array | null> {
    const bytes = await readFile(this.blockPath(String(cid))).catch(() => null);
    if (!bytes) return null;
    const block = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (!(await blockMatches(cid, block))) {
      this.stats.rejected++;
      throw new ContentMismatchError(String(cid));
    }
    return block;
  }

  private async readLocal(root: CID): Promise<Uint8Array | null> {
    const first = await this.readBlock(root);
    if (!first) return null;
    if (root.code === RAW) return first;
    const read = (cid: CID): Promise<Uint8Array | null> => (cid.equals(root) ? Promise.resolve(first) : this.readBlock(cid));
    const store = {
      async *get(cid: CID): AsyncGenerator<Uint8Array> {
        const block = await read(cid);
        if (!block) throw new Error(`the store lacks block ${cid} of ${root}`);
        yield block;
      },
    };
    const entry = await exporter(root, store);
    if (entry.type !== "file" && entry.type !== "raw") throw new Error(`${root} is a ${entry.type}, not a file`);
    const chunks: Uint8Array[] = [];
    for await (const chunk of entry.content()) chunks.push(chunk as Uint8Array);
    return concat(chunks);
  }
}

function pinningFromEnv(): PinningConfig | null {
  const url = process.env.PINNING_SERVICE_URL;
  const token = process.env.PINNING_SERVICE_TOKEN;
  if (!url || !token) return null;
  const origin = process.env.PUBLIC_ORIGIN;
  return { url, token, ...(origin ? { meta: { gateway: origin } } : {}) };
}

/** Write through a temporary name and rename: a reader never sees half a file (and a damaged block is replaced). */
async function writeAtomic(path: string, bytes: Uint8Array): Promise<void> {
  const tmp = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  await writeFile(tmp, bytes);
  await rename(tmp, path);
}
