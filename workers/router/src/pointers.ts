/**
 * Content addressing over HTTP. `GET /ipns/<name>`: what a pointer name resolves to, as JSON (name, CID,
 * sequence, time, IPNS name), or with `Accept: application/vnd.ipfs.ipns-record`
 * the signed IPNS record itself.
 */
import type { IpnsPointer } from "@rose-ash/durable-objects";
import { negotiate, parseCid, trustlessBody, type WarmStore } from "@rose-ash/resolver";

export interface PointerBindings {
  POINTERS?: DurableObjectNamespace<IpnsPointer>;
  /** The warm tier's embedded store (CID-keyed). */
  WARM?: R2Bucket;
}

export async function resolvePointer(request: Request, env: PointerBindings): Promise<Response> {
  if (!env.POINTERS) return new Response("No pointers here (the POINTERS binding)", { status: 503 });
  const raw = new URL(request.url).pathname.slice("/ipns/".length);
  let name: string;
  try {
    name = decodeURIComponent(raw);
  } catch {
    return new Response("Bad pointer name", { status: 400 });
  }
  const stub = env.POINTERS.get(env.POINTERS.idFromName(name));
  const [pointer, signed] = await Promise.all([stub.current(), stub.record()]);
  if (!pointer) return Response.json({ error: `no pointer named ${name}` }, { status: 404 });
  const headers = { "cache-control": "no-cache", etag: `"${pointer.cid}"` };
  if (request.headers.get("accept")?.includes("application/vnd.ipfs.ipns-record") && signed) {
    return new Response(signed.record, { headers: { ...headers, "content-type": "application/vnd.ipfs.ipns-record" } });
  }
  return Response.json({ ...pointer, ipnsName: signed?.ipnsName ?? null }, { headers });
}

/**
 * `GET /ipfs/<cid>`: verified bytes from the warm tier. The address names
 * the bytes, so they are cacheable forever; ETag is the CID. Trustless
 * clients (https://specs.ipfs.tech/http-gateways/trustless-gateway/) ask with
 * `?format=raw|car` or Accept and get the raw block or a CARv1 of the DAG,
 * which they verify themselves; `?format=` wins over Accept.
 */
export async function serveContent(request: Request, store: WarmStore): Promise<Response> {
  const url = new URL(request.url);
  const text = url.pathname.slice("/ipfs/".length);
  const cid = parseCid(text);
  if (!cid) return new Response("Not a CID", { status: 400 });
  const wanted = negotiate(url, request.headers.get("accept"));
  // Without ?format= the same URL answers differently by Accept.
  const vary: Record<string, string> = url.searchParams.has("format") ? {} : { vary: "Accept" };
  if ("error" in wanted) return new Response(wanted.error, { status: wanted.status, headers: vary });
  const { format, scope, fromQuery } = wanted;
  const etag = format ? `"${text}.${format}${scope === "block" ? ".block" : ""}"` : `"${text}"`;
  const headers: Record<string, string> = {
    ...vary,
    etag,
    // Shared caches keyed by URL alone (the edge cache in front of this) must not keep
    // a variant chosen by Accept: the same URL without that Accept wants the file.
    "cache-control": `${format && !fromQuery ? "private" : "public"}, max-age=31536000, immutable`,
    "x-content-type-options": "nosniff",
  };
  if (format && !fromQuery) headers["content-location"] = `${url.pathname}?format=${format}${scope === "block" ? "&dag-scope=block" : ""}`;
  if (request.headers.get("if-none-match") === etag) return new Response(null, { status: 304, headers });
  // An identity CID (the spec's `bafkqaaa` probe) holds its bytes itself.
  const bytes = cid.multihash.code === 0x00 ? cid.multihash.digest : await store.get(text);
  if (!bytes) return new Response("Not Found", { status: 404, headers: vary });
  if (!format) return new Response(bytes, { headers: { ...headers, "content-type": "application/octet-stream" } });
  const answer = await trustlessBody(cid, bytes, format, scope);
  // The store verified the bytes against the CID; they name another DAG only for CIDs we never make.
  if (!answer) return new Response(`No ${format} answer for ${text} here`, { status: 404, headers: vary });
  return new Response(answer.body, {
    headers: { ...headers, "content-type": answer.contentType, "content-disposition": `attachment; filename="${answer.filename}"` },
  });
}
