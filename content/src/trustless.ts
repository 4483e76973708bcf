/**
 * The trustless gateway formats (https://specs.ipfs.tech/http-gateways/trustless-gateway/):
 * what `GET /ipfs/<cid>` answers when a client asks for blocks instead of the
 * file, so that it can check every byte against the CID without trusting us.
 * Pure functions: negotiation from the URL and Accept, and the bodies (a raw
 * block, or a CARv1 of the whole DAG) from the file's bytes.
 */
import * as CarBufferWriter from "@ipld/car/buffer-writer";
import * as dagPb from "@ipld/dag-pb";
import type { CID } from "multiformats/cid";
import { cidOf, type Block } from "./cid.ts";

export const RAW_TYPE = "application/vnd.ipld.raw";
export const CAR_TYPE = "application/vnd.ipld.car";
/** What we send: CARv1, blocks depth-first from the root, each block once. */
export const CAR_RESPONSE_TYPE = `${CAR_TYPE}; version=1; order=dfs; dups=n`;

export type TrustlessFormat = "raw" | "car";
/** `dag-scope`: `block` is the root block alone; for a UnixFS file, `entity` and `all` are every block. */
export type DagScope = "all" | "block";

export type Negotiation =
  /** `format` null: the default (deserialized) response. `fromQuery`: chosen by `?format=`, so the URL alone names the response. */
  | { readonly format: TrustlessFormat | null; readonly scope: DagScope; readonly fromQuery: boolean }
  | { readonly error: string; readonly status: 400 | 406 };

/** The response a request asks for; `?format=` takes precedence over Accept, as the spec says. */
export function negotiate(url: URL, accept: string | null): Negotiation {
  const params = url.searchParams;
  const query = params.get("format");
  let format: TrustlessFormat | null;
  if (query !== null) {
    if (query !== "raw" && query !== "car") return { error: `format=${query} is not served here (raw or car)`, status: 400 };
    format = query;
    const unsupported = carVariantProblem({ version: params.get("car-version"), order: params.get("car-order"), dups: params.get("car-dups") });
    if (format === "car" && unsupported) return { error: unsupported, status: 400 };
  } else {
    const chosen = fromAccept(accept ?? "");
    if (typeof chosen === "string") return { error: chosen, status: 406 };
    format = chosen?.format ?? null;
  }
  if (format !== "car") return { format, scope: "all", fromQuery: query !== null };
  if (params.has("entity-bytes")) return { error: "entity-bytes is not supported here; ask for the whole CAR", status: 400 };
  const scope = params.get("dag-scope") ?? "all";
  if (scope !== "all" && scope !== "entity" && scope !== "block") return { error: `dag-scope=${scope} is not one of block, entity, all`, status: 400 };
  return { format, scope: scope === "block" ? "block" : "all", fromQuery: query !== null };
}

/** The CAR variants we can send: version 1, depth-first (or any order), no duplicates. */
function carVariantProblem(p: { version: string | null; order: string | null; dups: string | null }): string | null {
  if (p.version !== null && p.version !== "1") return `CAR version ${p.version} is not served here (version=1)`;
  if (p.order !== null && p.order !== "dfs" && p.order !== "unk") return `CAR order ${p.order} is not served here (order=dfs)`;
  if (p.dups !== null && p.dups !== "n") return `CAR dups=${p.dups} is not served here (dups=n)`;
  return null;
}

/** The preferred trustless type in an Accept header (highest q, then first); a string when only unsupported CAR variants were asked for. */
function fromAccept(accept: string): { format: TrustlessFormat } | string | null {
  let best: { format: TrustlessFormat; q: number } | null = null;
  let refused: string | null = null;
  for (const range of accept.split(",")) {
    const [type = "", ...rest] = range.split(";").map((s) => s.trim());
    const params = new Map(rest.map((p) => [p.slice(0, p.indexOf("=")).toLowerCase(), p.slice(p.indexOf("=") + 1)]));
    const q = params.has("q") ? Number(params.get("q")) : 1;
    const format = type.toLowerCase() === RAW_TYPE ? "raw" : type.toLowerCase() === CAR_TYPE ? "car" : null;
    if (!format || !(q > 0)) continue;
    const problem = format === "car" ? carVariantProblem({ version: params.get("version") ?? null, order: params.get("order") ?? null, dups: params.get("dups") ?? null }) : null;
    if (problem) refused = problem;
    else if (!best || q > best.q) best = { format, q };
  }
  return best ? { format: best.format } : refused;
}

export interface TrustlessBody {
  readonly body: Uint8Array;
  readonly contentType: string;
  /** For Content-Disposition (`<cid>.bin` or `<cid>.car`, as the spec suggests). */
  readonly filename: string;
}

/**
 * The raw block or the CAR for `cid`, given the whole file's bytes (already
 * verified against `cid`); null when the bytes do not make that CID.
 * Identity CIDs (the `bafkqaaa` probe) carry their bytes in the CID itself.
 */
export async function trustlessBody(cid: CID, bytes: Uint8Array, format: TrustlessFormat, scope: DagScope = "all"): Promise<TrustlessBody | null> {
  const identity = cid.multihash.code === 0x00;
  const blocks: Block[] = [];
  if (!identity && !(await cidOf(bytes, blocks)).equals(cid)) return null;
  if (format === "raw") {
    const block = identity ? cid.multihash.digest : blocks.find((b) => b.cid.equals(cid))?.bytes;
    return block ? { body: block, contentType: RAW_TYPE, filename: `${cid}.bin` } : null;
  }
  // The spec forbids identity blocks in a CAR: their bytes are in the CID.
  const ordered = identity ? [] : depthFirst(cid, blocks);
  return { body: encodeCar(cid, scope === "block" ? ordered.slice(0, 1) : ordered), contentType: CAR_RESPONSE_TYPE, filename: `${cid}.car` };
}

/** The DAG's blocks from `root`, depth-first (parents before children, links in order), each once. */
export function depthFirst(root: CID, blocks: readonly Block[]): Block[] {
  const byCid = new Map(blocks.map((b) => [b.cid.toString(), b]));
  const out: Block[] = [];
  const seen = new Set<string>();
  const visit = (cid: CID): void => {
    const key = cid.toString();
    if (seen.has(key)) return;
    seen.add(key);
    const block = byCid.get(key);
    if (!block) throw new Error(`the DAG of ${root} lacks block ${key}`);
    out.push(block);
    if (cid.code === dagPb.code) for (const link of dagPb.decode(block.bytes).Links) visit(link.Hash);
  };
  visit(root);
  return out;
}

/** A CARv1 with one root and these blocks, sized exactly (no copies). */
export function encodeCar(root: CID, blocks: readonly Block[]): Uint8Array {
  const size = CarBufferWriter.headerLength({ roots: [root] }) + blocks.reduce((n, b) => n + CarBufferWriter.blockLength(b), 0);
  const writer = CarBufferWriter.createWriter(new ArrayBuffer(size), { roots: [root] });
  for (const block of blocks) writer.write(block);
  return writer.close();
}
