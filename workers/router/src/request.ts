/**
 * The request as a route body sees it: what the request primitives do
 * (their names, parameters and effects are @rose-ash/vocabulary's), the
 * request context they read, and turning a route's answer into a Response.
 */
import { EvalError, Keyword, fromJson, type EvalContext, type Registry, type Value } from "@rose-ash/sexp";
import { REQUEST_PRIMITIVES, RESPONSE_PRIMITIVES, defineVocabulary, responseFunctions, type PrimitiveFn } from "@rose-ash/vocabulary";
import type { Json, Resolver, ResolverClient, ResolverIO } from "@rose-ash/resolver";
import type { MediaIO } from "./media/render-media.ts";
import { verifyPassword } from "./password.ts";
import { randomId, type Session } from "./session.ts";

/** The request as the primitives see it (`EvalContext.io`). */
export interface RequestInfo extends ResolverIO, MediaIO {
  /** The request's I/O (the client, traced through the request's executor once it has one). */
  resolver: Resolver;
  /** The resolver's client itself: what the request read, and the actions it ran. */
  readonly client: ResolverClient;
  readonly request: Request;
  readonly url: URL;
  readonly cookies: ReadonlyMap<string, string>;
  /** Fields of a POSTed form (urlencoded or multipart), or empty. */
  readonly form: ReadonlyMap<string, string>;
  readonly session: Session;
  /** The signed-in user, looked up once per request. */
  user?: Promise<Value>;
  /** Set when the page read who is asking (so it is not shared) or the time (so it is not cached). */
  userScoped?: boolean;
  volatile?: boolean;
  /** Rendering a page to share: user-scoped components become holes, filled per request. */
  shared?: boolean;
  /** Render everything afresh: no component is taken from the cache. */
  readonly fresh?: boolean;
  /** Who is asking, as an address (Cloudflare's `cf-connecting-ip`), for rate limits. */
  readonly address: string;
  /** Count an attempt under `key`: refused when `limit` were made in the last `windowMs`. Absent: no limits. */
  readonly limit?: (key: string, limit: number, windowMs: number) => Promise<{ allowed: boolean; retryAfterMs: number }>;
  /** Set when an attempt was refused by a rate limit: seconds until one is allowed again (the answer is a 429). */
  rateLimited?: number;
  /** `:cache` components of this request answered by input key, and rendered. */
  readonly components: { cached: number; rendered: number };
  /** What this visitor's per-user parts are kept under, or null when nothing kept for them may be used (see visitor-scope.ts). */
  readonly visitorScope: () => Promise<string | null>;
  /** Sessions were ended (signing out): what was kept for them is not served again. */
  readonly sessionsEnded: (sids: readonly string[]) => Promise<void>;
  /** The same request as it was before anything was read: a new client, no answers kept, no flags set. */
  readonly again: () => RequestInfo;
}

/** What the request primitives do (see @rose-ash/vocabulary for what they are). */
const requestFunctions: Readonly<Record<string, PrimitiveFn>> = {
  "htmx-request?": (_a, ctx) => req(ctx.io).request.headers.get("HX-Request") === "true",
  param: ([name, d], ctx) => req(ctx.io).url.searchParams.get(text(name!, "param")) ?? d ?? null,
  "request-header": ([name], ctx) => req(ctx.io).request.headers.get(text(name!, "request-header")),
  cookie: ([name], ctx) => req(ctx.io).cookies.get(text(name!, "cookie")) ?? null,
  "form-field": ([name, d], ctx) => req(ctx.io).form.get(text(name!, "form-field")) ?? d ?? null,
  "current-user": (_a, ctx) => currentUser(ctx),
  "session-key": async (_a, ctx) => (await req(ctx.io).session.data())?.sid ?? null,
  "start-session": async (_a, ctx) => (await req(ctx.io).session.ensure()).sid,
  "sign-in": async ([email, password], ctx) => {
    const io = req(ctx.io);
    const address = typeof email === "string" ? email.trim().toLowerCase() : "";
    // Guessing is slowed per account and per address, before any password is checked.
    const wait = await signInWait(io, address);
    if (wait > 0) {
      io.rateLimited = wait;
      return null;
    }
    const row = address ? ((await io.resolver.call("query", "account", "credentials", { email: address })) as { [k: string]: Json } | null) : null;
    const ok = await verifyPassword(typeof password === "string" ? password : "", (row?.password_hash as string | undefined) ?? null);
    if (!ok || !row) return null;
    // A new session id (so one known before is worth nothing), open in the database until signed out.
    await io.session.setUser(row.id as number);
    await io.resolver.call("action", "account", "open-session", { sid: (await io.session.data())!.sid, user_id: row.id! });
    const user = fromJson({ id: row.id, name: row.name, email: row.email });
    io.user = Promise.resolve(user);
    return user;
  },
  "sign-out": (_a, ctx) =>
    signOut(req(ctx.io), async (sid) => {
      await req(ctx.io).resolver.call("action", "account", "end-session", { sid });
      return [sid];
    }),
  "sign-out-everywhere": (_a, ctx) =>
    signOut(req(ctx.io), async (sid, uid) => {
      const ended = (await req(ctx.io).resolver.call("action", "account", "end-all-sessions", { user_id: uid })) as { id: string }[];
      return [sid, ...ended.map((r) => r.id)];
    }),
  "new-id": () => randomId(16),
  now: () => new Date().toISOString(),
};

export function registerRequestPrimitives(registry: Registry): void {
  // Every request primitive notes, as it runs, what it made the page depend on:
  // the analysis (analyze.ts) says it beforehand, this is the check at run time.
  const noting: Record<string, PrimitiveFn> = {};
  for (const { name, effect } of REQUEST_PRIMITIVES) {
    const fn = requestFunctions[name]!;
    noting[name] = (args, ctx) => {
      const io = req(ctx.io);
      if (effect === "user" || effect === "write") io.userScoped = true;
      if (effect === "volatile") io.volatile = true;
      return fn(args, ctx);
    };
  }
  defineVocabulary(registry, REQUEST_PRIMITIVES, noting);
  defineVocabulary(registry, RESPONSE_PRIMITIVES, responseFunctions);
}

/**
 * Sign-in attempts in SIGN_IN_WINDOW_MS: refused past `perAccountAndAddress`
 * from one address for one account, or past `perAddress` from one address
 * for any; past `slowAccountAfter` for one account from anywhere, each
 * attempt waits `slowDownMs` first. So an attacker's guesses cannot lock the
 * owner out from another address, only slow them a little.
 */
export const SIGN_IN_LIMITS = { perAccountAndAddress: 10, perAddress: 50, slowAccountAfter: 20, slowDownMs: 1000 } as const;
const SIGN_IN_WINDOW_MS = 15 * 60 * 1000;

/** Seconds until this sign-in may be tried (0: now), after any slow-down. */
async function signInWait(io: RequestInfo, address: string): Promise<number> {
  if (!io.limit) return 0;
  const { perAccountAndAddress, perAddress, slowAccountAfter, slowDownMs } = SIGN_IN_LIMITS;
  const [pair, client, account] = await Promise.all([
    io.limit(`sign-in email:${address} ip:${io.address}`, perAccountAndAddress, SIGN_IN_WINDOW_MS),
    io.limit(`sign-in ip:${io.address}`, perAddress, SIGN_IN_WINDOW_MS),
    io.limit(`sign-in email:${address}`, slowAccountAfter, SIGN_IN_WINDOW_MS),
  ]);
  const refused = [pair, client].filter((d) => !d.allowed);
  if (refused.length) return Math.ceil(Math.max(...refused.map((d) => d.retryAfterMs)) / 1000);
  if (!account.allowed) await new Promise((r) => setTimeout(r, slowDownMs));
  return 0;
}

function currentUser(ctx: EvalContext): Promise<Value> {
  const io = req(ctx.io);
  io.user ??= io.session.data().then(async (s) => {
    if (s?.uid == null) return null;
    // Checked on use: an ended session (signed out, or out everywhere) has no user, whatever the cookie says.
    return fromJson(await io.resolver.call("query", "account", "user-by-session", { sid: s.sid, user_id: s.uid }));
  });
  return io.user;
}

function req(io: unknown): RequestInfo {
  return io as RequestInfo;
}

/** Sign the visitor out: `end` closes their sessions in the database and says which; what was kept for those is not served again. */
async function signOut(io: RequestInfo, end: (sid: string, uid: number) => Promise<string[]>): Promise<null> {
  const s = await io.session.data();
  if (s?.uid != null) {
    await io.sessionsEnded(await end(s.sid, s.uid));
    await io.session.setUser(null);
  }
  io.user = Promise.resolve(null);
  return null;
}

function text(v: Value, fn: string): string {
  if (typeof v === "string") return v;
  if (v instanceof Keyword) return v.name;
  throw new EvalError(`${fn}: expected a name`);
}
