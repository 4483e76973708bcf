/**
 * Request-scoped primitives: what a route body may ask of the request (its
 * parameters, form, headers, cookies, session and signed-in user), and the
 * responses it may return. `(render x)` is a page, `(redirect "/to")` a 303,
 * `(status 404 x)` a page with another status.
 */
import { EvalError, Html, Keyword, fromJson, toHtml, type EvalContext, type PrimitiveSpec, type Registry, type SMap, type Value } from "@rose-ash/sexp";
import { toWire, type Json, type ResolverIO } from "@rose-ash/resolver";
import { verifyPassword } from "./password.ts";
import { base64url, type Session } from "./session.ts";

/** The request as the primitives see it (`EvalContext.io`). */
export interface RequestInfo extends ResolverIO {
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
  readonly client: string;
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
}

const RESPONSE = "rose/response";

/**
 * User-scoped reads whose answer the session decides (its id, user and
 * version key what is kept per visitor). A part that read anything else about
 * the request (a cookie, a header, the form) is rendered every time.
 */
export const SESSION_READS: ReadonlySet<string> = new Set(["current-user", "session-key"]);

export function registerRequestPrimitives(registry: Registry): void {
  // Every request primitive notes, as it runs, what it made the page depend on:
  // the analysis (analyze.ts) says it beforehand, this is the check at run time.
  const defineIO = (spec: PrimitiveSpec): void =>
    void registry.defineIO({
      ...spec,
      fn: (args, ctx) => {
        const io = req(ctx.io);
        if (spec.effect === "user" || spec.effect === "write") io.userScoped = true;
        if (spec.effect === "volatile") io.volatile = true;
        return spec.fn(args, ctx);
      },
    });
  defineIO({
    name: "htmx-request?",
    params: "",
    doc: "True when the request came from htmx (an HX-Request header), so the route can answer with fragments.",
    fn: (_a, ctx) => req(ctx.io).request.headers.get("HX-Request") === "true",
  });
  defineIO({
    name: "param",
    params: "name &optional default",
    doc: "A query-string parameter of the request URL, or the default (nil).",
    fn: ([name, d], ctx) => req(ctx.io).url.searchParams.get(text(name!, "param")) ?? d ?? null,
  });
  defineIO({
    name: "header",
    effect: "user",
    params: "name",
    doc: "A request header, or nil.",
    fn: ([name], ctx) => req(ctx.io).request.headers.get(text(name!, "header")),
  });
  defineIO({
    name: "cookie",
    effect: "user",
    params: "name",
    doc: "A request cookie, or nil.",
    fn: ([name], ctx) => req(ctx.io).cookies.get(text(name!, "cookie")) ?? null,
  });
  defineIO({
    // Not `form`: that is the HTML element.
    name: "form-field",
    effect: "user",
    params: "name &optional default",
    doc: "A field of the POSTed form, or the default (nil).",
    fn: ([name, d], ctx) => req(ctx.io).form.get(text(name!, "form-field")) ?? d ?? null,
  });
  defineIO({
    name: "current-user",
    effect: "user",
    params: "",
    doc: "The signed-in user as a map {:id :name :email}, or nil (from the signed session cookie).",
    fn: (_a, ctx) => currentUser(ctx),
  });
  defineIO({
    name: "session-key",
    effect: "user",
    params: "",
    doc: "The visitor's session id, or nil when there is no session yet (see start-session).",
    fn: async (_a, ctx) => (await req(ctx.io).session.data())?.sid ?? null,
  });
  defineIO({
    name: "start-session",
    effect: "write",
    params: "",
    doc: "The visitor's session id, starting a session (a signed cookie) if there is none. For anonymous carts.",
    fn: async (_a, ctx) => (await req(ctx.io).session.ensure()).sid,
  });
  defineIO({
    name: "sign-in",
    effect: "write",
    params: "email password",
    doc: "Check the credentials; on success sign the user in (session cookie) and return the user, else nil.",
    fn: async ([email, password], ctx) => {
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
  });
  defineIO({
    name: "sign-out",
    effect: "write",
    params: "",
    doc: "Sign the user out: the session ends server-side, so no copy of its cookie signs in again (an anonymous cart stays).",
    fn: async (_a, ctx) => {
      const io = req(ctx.io);
      const s = await io.session.data();
      if (s?.uid != null) {
        await io.resolver.call("action", "account", "end-session", { sid: s.sid });
        await io.sessionsEnded([s.sid]);
        await io.session.setUser(null);
      }
      io.user = Promise.resolve(null);
      return null;
    },
  });
  defineIO({
    name: "sign-out-everywhere",
    effect: "write",
    params: "",
    doc: "Sign the user out of every session they have, on every device (their cookies stop counting at once).",
    fn: async (_a, ctx) => {
      const io = req(ctx.io);
      const s = await io.session.data();
      if (s?.uid != null) {
        const ended = (await io.resolver.call("action", "account", "end-all-sessions", { user_id: s.uid })) as { id: string }[];
        await io.sessionsEnded([s.sid, ...ended.map((r) => r.id)]);
        await io.session.setUser(null);
      }
      io.user = Promise.resolve(null);
      return null;
    },
  });
  defineIO({
    name: "new-id",
    effect: "volatile",
    params: "",
    doc: "A new random id (128 bits, base64url), different every time: e.g. the idempotency key a form carries so that sending it twice does one thing.",
    fn: () => base64url(crypto.getRandomValues(new Uint8Array(16))),
  });
  defineIO({
    name: "now",
    effect: "volatile",
    params: "",
    doc: "The current time as an ISO 8601 timestamp (I/O: it differs per request).",
    fn: () => new Date().toISOString(),
  });
  registry.define({
    name: "render",
    params: "page",
    doc: "Answer the request with this HTML (status 200).",
    examples: [['(render (p "hi"))', '{:rose/response "html" :status 200 :body (raw! "<p>hi</p>")}']],
    fn: ([page]) => responseValue("html", 200, ["body", new Html(toHtml(page!))]),
  });
  registry.define({
    name: "status",
    params: "code page",
    doc: "Answer with this HTML and HTTP status code.",
    examples: [['(status 404 (p "gone"))', '{:rose/response "html" :status 404 :body (raw! "<p>gone</p>")}']],
    fn: ([code, page]) => {
      if (typeof code !== "number" || !Number.isInteger(code) || code < 200 || code > 599) throw new EvalError("status: the code must be an HTTP status (200-599)");
      return responseValue("html", code, ["body", new Html(toHtml(page!))]);
    },
  });
  registry.define({
    name: "redirect",
    params: "location",
    doc: "Answer with a 303 redirect to a path on this site.",
    examples: [['(redirect "/cart/")', '{:rose/response "redirect" :status 303 :location "/cart/"}']],
    fn: ([to]) => {
      const location = text(to!, "redirect");
      // Only same-site paths: an open redirect is a phishing tool.
      if (!location.startsWith("/") || location.startsWith("//")) throw new EvalError("redirect: the location must be a path on this site, like /cart/");
      return responseValue("redirect", 303, ["location", location]);
    },
  });
}

/**
 * Where a user-scoped component goes in a shared page: an HTML comment naming
 * the component and its keyword arguments (JSON with "-" escaped, so it cannot
 * end the comment); null when they are not plain data, or there are children.
 */
export function holeMarker(component: string, names: readonly string[], values: readonly Value[]): string | null {
  if (values.length !== names.length) return null;
  const given: { [key: string]: Json } = {};
  try {
    names.forEach((k, i) => (given[k] = toWire(values[i]!, component)));
  } catch {
    return null;
  }
  return `<!--rose:hole ${component} ${JSON.stringify(given).replace(/-/g, "\\u002d")}-->`;
}

export const HOLE = /<!--rose:hole (~[^\s]+) (\{.*?\})-->/g;

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
    io.limit(`sign-in email:${address} ip:${io.client}`, perAccountAndAddress, SIGN_IN_WINDOW_MS),
    io.limit(`sign-in ip:${io.client}`, perAddress, SIGN_IN_WINDOW_MS),
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

/** A response as a value: a map marked as one, so a page cannot pass for it by accident. */
function responseValue(kind: "html" | "redirect", status: number, entry: [string, Value]): SMap {
  return new Map<string, Value>([[RESPONSE, kind], ["status", status], entry]);
}

function text(v: Value, fn: string): string {
  if (typeof v === "string") return v;
  if (v instanceof Keyword) return v.name;
  throw new EvalError(`${fn}: expected a name`);
}

/** What a route body answered: a status with HTML, or a redirect. */
export interface RouteResult {
  readonly status: number;
  readonly html: string | null;
  readonly location: string | null;
}

export function routeResult(value: Value): RouteResult {
  if (value instanceof Map && value.has(RESPONSE)) {
    const status = value.get("status") as number;
    if (value.get(RESPONSE) === "redirect") return { status, html: null, location: value.get("location") as string };
    return { status, html: (value.get("body") as Html).html, location: null };
  }
  // A bare page is rendered as it is.
  return { status: 200, html: toHtml(value), location: null };
}

/** The HTTP response for a route's result, its page already final (HTML text, or its UTF-8 bytes). */
export function toResponse(result: Omit<RouteResult, "html"> & { html: string | Uint8Array | null }, headers: Record<string, string> = {}): Response {
  if (result.location !== null) return new Response(null, { status: result.status, headers: { ...headers, location: result.location } });
  return new Response(result.html, { status: result.status, headers: { "content-type": "text/html; charset=utf-8", ...headers } });
}
