/**
 * What a route body may ask of the request: its parameters, form, headers,
 * cookies, session and signed-in user, the time and fresh ids. The router
 * Worker does these (workers/router/src/request.ts); their effects tell the
 * analysis what a page depends on.
 */
import type { PrimitiveDoc } from "./spec.ts";

export const REQUEST_PRIMITIVES: readonly PrimitiveDoc[] = [
  {
    io: true,
    name: "htmx-request?",
    params: "",
    doc: "True when the request came from htmx (an HX-Request header), so the route can answer with fragments.",
  },
  { io: true, name: "param", params: "name &optional default", doc: "A query-string parameter of the request URL, or the default (nil)." },
  // Not `header`: that is the HTML element.
  { io: true, name: "request-header", effect: "user", params: "name", doc: "A request header, or nil." },
  { io: true, name: "cookie", effect: "user", params: "name", doc: "A request cookie, or nil." },
  // Not `form`: that is the HTML element.
  { io: true, name: "form-field", effect: "user", params: "name &optional default", doc: "A field of the POSTed form, or the default (nil)." },
  {
    io: true,
    name: "current-user",
    effect: "user",
    params: "",
    doc: "The signed-in user as a map {:id :name :email :is_admin}, or nil (from the session cookie, while its session is open).",
  },
  { io: true, name: "session-key", effect: "user", params: "", doc: "The visitor's session id, or nil when there is no session yet (see start-session)." },
  {
    io: true,
    name: "start-session",
    effect: "write",
    params: "",
    doc: "The visitor's session id, starting a session (a signed cookie) if there is none. For anonymous carts.",
  },
  {
    io: true,
    name: "sign-in",
    effect: "write",
    params: "email password",
    doc: "Check the credentials; on success sign the user in (a new session, and its cookie) and return the user, else nil.",
  },
  {
    io: true,
    name: "sign-out",
    effect: "write",
    params: "",
    doc: "Sign the user out: the session ends server-side, so no copy of its cookie signs in again (an anonymous cart stays).",
  },
  {
    io: true,
    name: "sign-out-everywhere",
    effect: "write",
    params: "",
    doc: "Sign the user out of every session they have, on every device (their cookies stop counting at once).",
  },
  {
    io: true,
    name: "new-id",
    effect: "volatile",
    params: "",
    doc: "A new random id (128 bits, base64url), different every time: e.g. the idempotency key a form carries so that sending it twice does one thing.",
  },
  { io: true, name: "now", effect: "volatile", params: "", doc: "The current time as an ISO 8601 timestamp (I/O: it differs per request)." },
];

/**
 * User-scoped reads whose answer the session decides (its id, user and
 * version key what is kept per visitor). A part that read anything else about
 * the request (a cookie, a header, the form) is rendered every time.
 */
export const SESSION_READS: ReadonlySet<string> = new Set(["current-user", "session-key"]);
