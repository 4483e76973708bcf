/**
 * Signed requests between the platform's parts: content webhooks to the
 * router, render jobs to the render service and its callbacks. The one rule:
 *
 * - `x-rose-timestamp`: Unix seconds, within SIGNATURE_WINDOW_S of now (either way);
 * - `x-rose-signature`: lowercase hex HMAC-SHA256 under the shared secret
 *   over `<timestamp>.<body>` (the body's exact text);
 * - compared in constant time (WebCrypto's verify); each receiver refuses a
 *   signature it has seen while its timestamp is fresh (a replay).
 *
 * WebCrypto, so the same code runs in Workers and in Node. Keys are imported
 * once per secret (sessions sign with the same cache).
 */

/** How far a signed request's timestamp may be from now, in seconds. */
export const SIGNATURE_WINDOW_S = 300;

const keys = new Map<string, Promise<CryptoKey>>();
const utf8 = new TextEncoder();

/** The HMAC-SHA256 key of a secret, imported once. */
export function hmacKey(secret: string): Promise<CryptoKey> {
  let k = keys.get(secret);
  if (!k) {
    k = crypto.subtle.importKey("raw", utf8.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, ["sign", "verify"]);
    keys.set(secret, k);
  }
  return k;
}

/** The signature of `<timestamp>.<body>`, as lowercase hex. */
export async function signature(secret: string, timestamp: string, body: string): Promise<string> {
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", await hmacKey(secret), utf8.encode(`${timestamp}.${body}`)));
  return [...mac].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** Whether `given` is the signature of `<timestamp>.<body>`, compared in constant time. */
export async function verifySignature(secret: string, timestamp: string, body: string, given: string): Promise<boolean> {
  if (!/^[0-9a-f]{64}$/.test(given)) return false;
  const mac = Uint8Array.from(given.match(/../g)!, (h) => parseInt(h, 16));
  return crypto.subtle.verify("HMAC", await hmacKey(secret), mac, utf8.encode(`${timestamp}.${body}`));
}

/** Whether a timestamp header is whole Unix seconds within the window of `now` (ms). */
export function freshTimestamp(timestamp: string, now = Date.now()): boolean {
  return /^\d{1,15}$/.test(timestamp) && Math.abs(now / 1000 - Number(timestamp)) <= SIGNATURE_WINDOW_S;
}

/** The headers of a request with `body`, signed now. */
export async function signedHeaders(secret: string, body: string, now = Date.now()): Promise<Record<string, string>> {
  const timestamp = String(Math.floor(now / 1000));
  return { "x-rose-timestamp": timestamp, "x-rose-signature": await signature(secret, timestamp, body) };
}
