/**
 * Password hashes: PBKDF2-HMAC-SHA256 through WebCrypto (the Workers runtime
 * allows at most 100,000 iterations), stored as
 * `pbkdf2-sha256$<iterations>$<salt, base64url>$<hash, base64url>`.
 */
import { base64url, fromBase64url } from "./session.ts";

const ITERATIONS = 100_000;

async function derive(password: string, salt: Uint8Array, iterations: number): Promise<Uint8Array> {
  const material = await crypto.subtle.importKey("raw", new TextEncoder().encode(password), "PBKDF2", false, ["deriveBits"]);
  return new Uint8Array(await crypto.subtle.deriveBits({ name: "PBKDF2", hash: "SHA-256", salt, iterations }, material, 256));
}

export async function hashPassword(password: string): Promise<string> {
  const salt = crypto.getRandomValues(new Uint8Array(16));
  return `pbkdf2-sha256$${ITERATIONS}$${base64url(salt)}$${base64url(await derive(password, salt, ITERATIONS))}`;
}

/** True when the password matches. Without a stored hash it still does the work, so timing does not tell who exists. */
export async function verifyPassword(password: string, stored: string | null): Promise<boolean> {
  const [scheme, iter, saltText, hashText] = (stored ?? "").split("$");
  const iterations = Number(iter);
  const salt = fromBase64url(saltText ?? "");
  const expected = fromBase64url(hashText ?? "");
  const usable = scheme === "pbkdf2-sha256" && Number.isInteger(iterations) && iterations > 0 && iterations <= ITERATIONS && salt && expected;
  const actual = await derive(password, usable ? salt : new Uint8Array(16), usable ? iterations : ITERATIONS);
  if (!usable || actual.length !== expected.length) return false;
  let diff = 0;
  for (let i = 0; i < actual.length; i++) diff |= actual[i]! ^ expected[i]!;
  return diff === 0;
}
