/**
 * Delivering a page: a shared page with its holes filled for the person
 * asking, its CID as the ETag (with a digest of what the holes rendered to)
 * and 304 for a matching If-None-Match; or a page rendered for one visitor.
 * What the executor did goes into `x-rose-*` headers.
 */
import type { Executor, StoredPage } from "@rose-ash/executor";
import { metrics, templateOf } from "@rose-ash/executor";
import type { RouteResult } from "@rose-ash/vocabulary";
import { isAnonymous, keepAnonymousHit } from "./anonymous-hits.ts";
import type { RequestInfo } from "./request.ts";

const utf8 = new TextEncoder();

export async function deliverShared(
  request: Request, exec: Executor, io: RequestInfo, pointer: string, page: StoredPage, state: "hit" | "miss" | "stale", extra: Record<string, string>,
): Promise<Response> {
  const { body, holes, cached, failed } = await exec.fillHoles(page.template, io);
  const etag = await pageEtag(page.cid, holes);
  const headers: Record<string, string> = {
    ...extra,
    etag,
    "cache-control": holes.length ? "private, no-cache" : "public, no-cache",
    "x-rose-cache": state,
    "x-rose-holes": `${holes.length - cached} rendered, ${cached} cached`,
    "x-rose-pointer": encodeURIComponent(pointer),
    "x-rose-cid": page.cid,
    ...componentsHeader(io),
  };
  if (failed) headers["x-rose-degraded"] = `${failed} part${failed === 1 ? "" : "s"} unavailable`;
  // Every hole a kept part: the next visitor without a cookie gets this answer as it is (anonymous-hits.ts).
  if (state !== "stale" && !failed && cached === holes.length && isAnonymous(request)) keepAnonymousHit(request, pointer, page.cid, body, headers);
  metrics.pages[state]++;
  if (request.headers.get("if-none-match") === etag) return new Response(null, { status: 304, headers });
  return toResponse({ status: 200, html: body, location: null }, headers);
}

/**
 * A page sent as it renders: a shared page no one had (`pointer`, its name),
 * or one for this visitor only (null). Each chunk has its holes filled for
 * the person asking (a hole's marker is written whole, so never split
 * across chunks). No ETag or length: neither is known before the end; the
 * next request for a shared page is served the stored page, with both.
 */
export function deliverStreamed(exec: Executor, io: RequestInfo, pointer: string | null, status: number, body: ReadableStream<Uint8Array>, extra: Record<string, string>): Response {
  const text = new TextDecoder();
  const filled = body.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      async transform(chunk, out) {
        const html = text.decode(chunk, { stream: true });
        out.enqueue(html.includes("<!--rose:hole ") ? utf8.encode((await exec.fillHoles(templateOf(html, null), io)).body) : chunk);
      },
    }),
  );
  metrics.pages[pointer === null ? "bypass" : "miss"]++;
  return new Response(filled, {
    status,
    headers: {
      ...extra,
      "content-type": "text/html; charset=utf-8",
      "cache-control": "private, no-cache",
      "x-rose-cache": pointer === null ? "bypass" : "miss",
      "x-rose-stream": "streamed",
      ...(pointer === null ? {} : { "x-rose-pointer": encodeURIComponent(pointer) }),
    },
  });
}

/** A page rendered for this request only (`bypass` when it was a read: a page that is never shared). */
export async function deliverOwn(exec: Executor, io: RequestInfo, result: RouteResult, state: "bypass" | null): Promise<Response> {
  const html = result.html === null ? null : (await exec.fillHoles(templateOf(result.html, null), io)).body;
  if (state) metrics.pages[state]++;
  return toResponse({ ...result, html }, { ...(state ? { "x-rose-cache": state, "cache-control": "private, no-cache" } : {}), ...componentsHeader(io) });
}

/** What the component plan did for this response, when it did anything. */
function componentsHeader(io: RequestInfo): Record<string, string> {
  const { cached, rendered } = io.components;
  return cached + rendered ? { "x-rose-components": `${cached} cached, ${rendered} rendered` } : {};
}

/** Digests of what holes rendered to, by that text (a hole served again from memory is the same string). */
const holeDigests = new Map<string, string>();

/** An ETag for the page as this person gets it: the CID, plus a digest of what their holes rendered to. */
export async function pageEtag(cid: string, holes: readonly string[]): Promise<string> {
  if (holes.length === 0) return `"${cid}"`;
  const text = holes.join("\0");
  let digest = holeDigests.get(text);
  if (digest === undefined) {
    const hash = new Uint8Array(await crypto.subtle.digest("SHA-256", utf8.encode(text)));
    digest = [...hash.slice(0, 8)].map((b) => b.toString(16).padStart(2, "0")).join("");
    if (holeDigests.size >= 1024) holeDigests.delete(holeDigests.keys().next().value!);
    holeDigests.set(text, digest);
  }
  return `"${cid}.${digest}"`;
}

/** The HTTP response for a route's result, its page already final (HTML text, or its UTF-8 bytes). */
export function toResponse(result: Omit<RouteResult, "html"> & { html: string | Uint8Array | null }, headers: Record<string, string> = {}): Response {
  if (result.location !== null) return new Response(null, { status: result.status, headers: { ...headers, location: result.location } });
  return new Response(result.html, { status: result.status, headers: { "content-type": "text/html; charset=utf-8", ...headers } });
}
