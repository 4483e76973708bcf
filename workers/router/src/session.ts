/**
 * Sessions in a signed cookie: `rose_session` holds a session id, the
 * signed-in user's id and an expiry, base64url JSON signed with HMAC-SHA256
 * under SESSION_SECRET. A cookie that is not exactly that (base64url only),
 * does not verify, or has expired, is ignored as if absent. A signed-in
 * session is honoured only while the database has it open (`current-user`
 * checks on use), so signing out ends it for every copy of the cookie.
 */
import { hmacKey } from "@rose-ash/content";

const COOKIE = "rose_session";
const MAX_AGE_S = 30 * 24 * 3600;

export interface SessionData {
  /** Identifies the visitor (an anonymous cart belongs to it). */
  readonly sid: string;
  readonly uid: number | null;
  /** Expiry, in seconds since the epoch. */
  readonly exp: number;
  /** Bumped whenever the visitor changes something (an action), so what was cached for them is not used again. */
  readonly v?: number;
}

export class Session {
  private current: Promise<SessionData | null>;
  private changed = false;

  constructor(
    private readonly secret: string | undefined,
    cookie: string | undefined,
    private readonly secure: boolean,
  ) {
    this.current = cookie && secret ? verify(secret, cookie) : Promise.resolve(null);
  }

  /** The verified session, or null. */
  data(): Promise<SessionData | null> {
    return this.current;
  }

  /** The session, started now if there is none. */
  async ensure(): Promise<SessionData> {
    return (await this.current) ?? this.update({ uid: null });
  }

  /**
   * Sign a user in (or out, with null) under a new session id, so a session
   * id known before signing in is worth nothing after (no session fixation).
   * Read `sid` first to carry anything over, such as an anonymous cart.
   */
  async setUser(uid: number | null): Promise<void> {
    await this.update({ uid }, true);
  }

  /** Note that the visitor changed something: their per-user cached parts are stale. */
  async bump(): Promise<void> {
    const old = await this.current;
    if (old) await this.update({ uid: old.uid, v: (old.v ?? 0) + 1 });
  }


  /** The Set-Cookie header for this response, when the session changed. */
  async cookie(): Promise<string | null> {
    if (!this.changed) return null;
    const data = (await this.current)!;
    const value = await sign(this.secretOrThrow(), data);
    return `${COOKIE}=${value}; Path=/; HttpOnly; SameSite=Lax; Max-Age=${MAX_AGE_S}${this.secure ? "; Secure" : ""}`;
  }

  private async update(change: Pick<SessionData, "uid" | "v">, rotate = false): Promise<SessionData> {
    this.secretOrThrow();
    const old = await this.current;
    const data: SessionData = { sid: (!rotate && old?.sid) || randomId(), uid: change.uid, exp: Math.floor(Date.now() / 1000) + MAX_AGE_S, v: change.v ?? old?.v ?? 0 };
    this.current = Promise.resolve(data);
    this.changed = true;
    return data;
  }

  private secretOrThrow(): string {
    if (!this.secret) throw new Error("sessions need SESSION_SECRET (wrangler secret put SESSION_SECRET)");
    return this.secret;
  }

  static cookieName = COOKIE;
}

/** A random id: `bytes` random bytes, base64url (18 for a session id). */
export function randomId(bytes = 18): string {
  return base64url(crypto.getRandomValues(new Uint8Array(bytes)));
}

async function sign(secret: string, data: SessionData): Promise<string> {
  const payload = base64url(new TextEncoder().encode(JSON.stringify(data)));
  const mac = await crypto.subtle.sign("HMAC", await hmacKey(secret), new TextEncoder().encode(payload));
  return `${payload}.${base64url(new Uint8Array(mac))}`;
}

/** `payload.mac`, both base64url: nothing else is a session cookie (no padding, spaces or other alphabets). */
const COOKIE_VALUE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;

async function verify(secret: string, cookie: string): Promise<SessionData | null> {
  if (!COOKIE_VALUE.test(cookie)) return null;
  const dot = cookie.indexOf(".");
  const payload = cookie.slice(0, dot);
  const mac = fromBase64url(cookie.slice(dot + 1));
  // crypto.subtle.verify compares in constant time.
  if (!mac || !(await crypto.subtle.verify("HMAC", await hmacKey(secret), mac, new TextEncoder().encode(payload)))) return null;
  try {
    const data = JSON.parse(new TextDecoder().decode(fromBase64url(payload)!)) as SessionData;
    const valid =
      typeof data.sid === "string" && (data.uid === null || Number.isSafeInteger(data.uid)) && data.exp > Date.now() / 1000 && (data.v === undefined || Number.isSafeInteger(data.v));
    return valid ? data : null;
  } catch {
    return null;
  }
}

export function base64url(bytes: Uint8Array): string {
  let s = "";
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

export function fromBase64url(text: string): Uint8Array | null {
  try {
    const s = atob(text.replace(/-/g, "+").replace(/_/g, "/"));
    return Uint8Array.from(s, (c) => c.charCodeAt(0));
  } catch {
    return null;
  }
}
