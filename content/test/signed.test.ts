/**
 * The one rule for signed requests (webhooks, render jobs, callbacks): the
 * signature is HMAC-SHA256 over `<timestamp>.<body>` as Node's own crypto
 * computes it, verified exactly, timestamps within the window.
 */
import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { SIGNATURE_WINDOW_S, freshTimestamp, signature, signedHeaders, verifySignature } from "../src/signed.ts";

const SECRET = "a shared secret";

describe("signed requests", () => {
  it("sign <timestamp>.<body> with HMAC-SHA256, as lowercase hex", async () => {
    const body = JSON.stringify({ recipe: '(solid :width 8 :height 6 :color "#ff0000")', name: "ü" });
    expect(await signature(SECRET, "1700000000", body)).toBe(createHmac("sha256", SECRET).update(`1700000000.${body}`, "utf8").digest("hex"));
  });

  it("verify only the exact body, timestamp and signature", async () => {
    const body = '{"tables":["posts"]}';
    const h = await signedHeaders(SECRET, body, 1_700_000_000_123);
    expect(h["x-rose-timestamp"]).toBe("1700000000");
    expect(await verifySignature(SECRET, h["x-rose-timestamp"]!, body, h["x-rose-signature"]!)).toBe(true);
    expect(await verifySignature(SECRET, h["x-rose-timestamp"]!, body + " ", h["x-rose-signature"]!)).toBe(false);
    expect(await verifySignature(SECRET, "1700000001", body, h["x-rose-signature"]!)).toBe(false);
    expect(await verifySignature("another secret", h["x-rose-timestamp"]!, body, h["x-rose-signature"]!)).toBe(false);
    expect(await verifySignature(SECRET, h["x-rose-timestamp"]!, body, h["x-rose-signature"]!.toUpperCase())).toBe(false);
    expect(await verifySignature(SECRET, h["x-rose-timestamp"]!, body, "not hex")).toBe(false);
  });

  it("take timestamps within the window either way, in whole seconds", () => {
    const now = 1_700_000_000_000;
    expect(freshTimestamp("1700000000", now)).toBe(true);
    expect(freshTimestamp(String(1_700_000_000 - SIGNATURE_WINDOW_S), now)).toBe(true);
    expect(freshTimestamp(String(1_700_000_000 + SIGNATURE_WINDOW_S + 1), now)).toBe(false);
    expect(freshTimestamp(String(1_700_000_000 - SIGNATURE_WINDOW_S - 1), now)).toBe(false);
    for (const bad of ["", "1.5", "-1", "1e9", "abc"]) expect(freshTimestamp(bad, now)).toBe(false);
  });
});
