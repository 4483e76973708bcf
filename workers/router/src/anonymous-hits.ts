/**
 * The hit path for visitors without a cookie. Whatever such a visitor's
 * holes render to is the same for all of them (the parts kept under the
 * `anon` scope), so the last answer of a shared page to one of them is the
 * answer to the next, as long as the page's pointer still names the same CID
 * (this isolate's copy of it, exactly as a hit reads it) and for at most
 * REUSE_MS: no executor is built, no hole looked up, no ETag digested.
 */
import { Lru, metrics, type PageKey, type Stores } from "@rose-ash/executor";

/** How long an answer is reused, at most: a second, well inside how long a kept hole is (USER_TTL_S). */
const REUSE_MS = 1000;

interface Answer {
  readonly cid: string;
  readonly body: string;
  readonly headers: Readonly<Record<string, string>>;
}

/** By origin and pointer (the canonical link names the origin). */
const answers = new Lru<Answer>(8 * 1024 * 1024, (a) => a.body.length);

function keyOf(request: Request, pointer: string): string {
  return `${new URL(request.url).origin} ${pointer}`;
}

/** A request whose answer may be shared with other anonymous visitors: no cookie (so no session), a plain read. */
export function isAnonymous(request: Request): boolean {
  return (request.method === "GET" || request.method === "HEAD") && !request.headers.has("cookie") && !request.headers.has("authorization");
}

/** The answer kept for `pointer` when its page is still what the pointer names; null to serve it the usual way. */
export async function anonymousHit(request: Request, stores: Stores, page: PageKey, pointer: string): Promise<Response | null> {
  const answer = answers.get(keyOf(request, pointer));
  if (answer === null || !stores.pages) return null;
  const current = await stores.pages.pointers.current(page);
  if (current === null || current.retired || current.cid !== answer.cid) return null;
  metrics.pages.hit++;
  if (request.headers.get("if-none-match") === answer.headers.etag) return new Response(null, { status: 304, headers: answer.headers });
  return new Response(answer.body, { status: 200, headers: answer.headers });
}

/** Keep an answer given to an anonymous visitor (every hole a kept part, none failed) for the next one. */
export function keepAnonymousHit(request: Request, pointer: string, cid: string, body: string, headers: Record<string, string>): void {
  answers.set(keyOf(request, pointer), { cid, body, headers: { ...headers, "x-rose-cache": "hit", "x-rose-reused": "anonymous" } }, REUSE_MS / 1000);
}
