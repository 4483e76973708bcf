/** Small HTTP helpers for the service (node:http): JSON answers, bounded bodies, media types, byte ranges. */
import type { IncomingMessage, ServerResponse } from "node:http";

export function json(res: ServerResponse, status: number, body: unknown, headers: Record<string, string | number> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", "content-length": Buffer.byteLength(text), "cache-control": "no-store", ...headers });
  res.end(text);
}

/** `{ "error": message }` (and `errors` when there are positioned ones). */
export function fail(res: ServerResponse, status: number, error: string, extra: Record<string, unknown> = {}, headers: Record<string, string | number> = {}): void {
  json(res, status, { error, ...extra }, headers);
}

/**
 * The request's body as text, or null when it is longer than `limit` bytes
 * (declared or sent). What comes past the limit is read and dropped, up to
 * a bound, so the client is answered rather than cut off mid-upload.
 */
export function readBody(req: IncomingMessage, limit: number): Promise<string | null> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers["content-length"] ?? NaN);
    const chunks: Buffer[] = [];
    let size = 0;
    let over = Number.isFinite(declared) && declared > limit;
    let settled = false;
    const settle = (v: string | null): void => {
      if (!settled) (settled = true), resolve(v);
    };
    if (over) settle(null);
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (over || size > limit) {
        over = true;
        chunks.length = 0;
        settle(null);
        // Answered already; a client that keeps sending far past the limit is cut off.
        if (size > limit + 16 * 1024 * 1024) req.destroy();
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => settle(over ? null : Buffer.concat(chunks).toString("utf8")));
    req.on("error", (e) => (settled ? undefined : ((settled = true), reject(e))));
  });
}

/**
 * A single `bytes=` range of `size` bytes: [start, end] inclusive; "all"
 * without a usable header (or for several ranges); null when unsatisfiable.
 */
export function byteRange(header: string | undefined, size: number): [number, number] | "all" | null {
  if (!header) return "all";
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === "" && m[2] === "")) return "all";
  if (m[1] === "") {
    const suffix = Number(m[2]);
    if (suffix === 0 || size === 0) return null;
    return [Math.max(0, size - suffix), size - 1];
  }
  const start = Number(m[1]);
  const end = m[2] === "" ? size - 1 : Math.min(Number(m[2]), size - 1);
  if (start >= size || end < start) return null;
  return [start, end];
}

/** An error as one line of text (no stack). */
export function oneLine(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  return text.replace(/\s*\n\s*/g, "; ");
}
