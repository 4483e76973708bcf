/**
 * The answer to `GET /ipfs/<cid>` from a warm store: the bytes, or for
 * trustless clients the raw block or a CAR of the DAG.
 */
import { parseCid } from "./cid.ts";
import { mediaTypeOf } from "./media-type.ts";
import { negotiate, trustlessBody } from "./trustless.ts";
import type { WarmStore } from "./warm.ts";

/**
 * `GET /ipfs/<cid>`: verified bytes from the warm tier. The address names
 * the bytes, so they are cacheable forever; ETag is the CID. Trustless
 * Images and videos say their type (media-type.ts); anything else is
 * `application/octet-stream`. Trustless
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
  if (!format) return new Response(bytes as Uint8Array<ArrayBuffer>, { headers: { ...headers, "content-type": mediaTypeOf(bytes) ?? "application/octet-stream" } });
  const answer = await trustlessBody(cid, bytes, format, scope);
  // The store verified the bytes against the CID; they name another DAG only for CIDs we never make.
  if (!answer) return new Response(`No ${format} answer for ${text} here`, { status: 404, headers: vary });
  return new Response(answer.body as Uint8Array<ArrayBuffer>, {
    headers: { ...headers, "content-type": answer.contentType, "content-disposition": `attachment; filename="${answer.filename}"` },
  });
}
