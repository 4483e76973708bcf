/**
 * Failing well and holding the doors, inside workerd: the database frozen or
 * gone (deadline, circuit breaker, styled 503s, shared pages still served),
 * error pages, webhook limits, revocable sessions, pages keyed by the query
 * parameters they read, cross-site writes, the operator pages and cookies.
 */
import { SELF, createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { Keyword, apply, type Value } from "@rose-ash/sexp";
import { describe, expect, it, vi } from "vitest";
import worker, { handle, type WorkerEnv } from "../src/index.ts";
import { errorResponse } from "../src/error-page.ts";
import { signature as webhookSignature } from "@rose-ash/content";
import { WEBHOOK_MAX_BYTES } from "../src/invalidate.ts";
import { currentSite } from "../src/render.ts";
import { fetched } from "./fetched.ts";

const base = "http://rose-ash.test";
const get = (path: string, headers: Record<string, string> = {}) => fetched(base + path, { headers, redirect: "manual" });
const post = (path: string, form: Record<string, string>, headers: Record<string, string> = {}) =>
  SELF.fetch(base + path, { method: "POST", body: new URLSearchParams(form), headers, redirect: "manual" });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A resolver binding standing in for a database that is frozen (answers nothing until cancelled), then back. */
function frozenResolver() {
  const binding = {
    calls: 0,
    back: null as null | { fetch(input: string, init?: RequestInit): Promise<Response> },
    fetch(input: string, init?: RequestInit): Promise<Response> {
      binding.calls++;
      if (binding.back) return binding.back.fetch(input, init);
      return new Promise((_, reject) => init?.signal?.addEventListener("abort", () => reject(init.signal!.reason)));
    },
  };
  return binding;
}

async function signIn(email: string, ip = "192.0.2.10"): Promise<string> {
  const res = await post("/account/sign-in/", { email, password: "rose-ash" }, { "cf-connecting-ip": ip });
  expect(res.status).toBe(303);
  return res.headers.get("set-cookie")!.split(";")[0]!;
}

/** Silence the error log of a test that provokes errors; what was logged. */
function quietErrors() {
  return vi.spyOn(console, "error").mockImplementation(() => {});
}

describe("when the database fails", () => {
  it("answers a styled 503 with Retry-After after the read deadline, then at once while the breaker is open, and recovers", async () => {
    const logged = quietErrors();
    const resolver = frozenResolver();
    const down: WorkerEnv = { ...env, RESOLVER: resolver, DATABASE_TIMEOUT_MS: "200", DATABASE_COOLDOWN_MS: "400" };
    let t = Date.now();
    const first = await handle(new Request(`${base}/cart/`), down);
    expect(Date.now() - t).toBeGreaterThanOrEqual(190);
    expect(first.status).toBe(503);
    expect(Number(first.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    const html = await first.text();
    expect(html).toMatch(/^<!doctype html><html lang="en">.*<link rel="stylesheet" href="\/static\/site.css">.*<header class="site-header"><a class="logo" href="\/">Rose Ash<\/a>/);
    expect(html).toContain("<h1>Temporarily unavailable</h1>");
    const reference = /Reference <code>([0-9a-f]{8})<\/code>/.exec(html)![1]!;
    expect(first.headers.get("x-rose-error")).toBe(reference);
    expect(logged.mock.calls.map((c) => String(c[0]))).toContainEqual(expect.stringMatching(new RegExp(`^\\[${reference}\\] .*timed out after 200 ms`)));

    // While the breaker is open nothing is sent: sign-in fails at once, with the same page.
    const sent = resolver.calls;
    t = Date.now();
    const signIn = await handle(new Request(`${base}/account/sign-in/`, { method: "POST", body: new URLSearchParams({ email: "giles@example.org", password: "rose-ash" }) }), down);
    expect(signIn.status).toBe(503);
    expect(Date.now() - t).toBeLessThan(150);
    expect(await signIn.text()).toContain("<h1>Temporarily unavailable</h1>");
    expect(resolver.calls).toBe(sent);

    // The database comes back: after the cool-down the next request finds out, and all is well again.
    resolver.back = (env as WorkerEnv).RESOLVER!;
    await sleep(450);
    const back = await handle(new Request(`${base}/cart/`), down);
    expect(back.status).toBe(200);
    expect(await back.text()).toContain("Your cart");
    logged.mockRestore();
  });

  it("answers 503 in milliseconds when the database is gone, and when the resolver says it cannot reach it", async () => {
    const logged = quietErrors();
    const refused: WorkerEnv = { ...env, RESOLVER: { fetch: () => Promise.reject(new TypeError("Network connection lost.")) } };
    let t = Date.now();
    const gone = await handle(new Request(`${base}/cart/`), refused);
    expect([gone.status, Date.now() - t < 500]).toEqual([503, true]);
    const unreachable: WorkerEnv = {
      ...env,
      RESOLVER: { fetch: async () => Response.json({ results: [{ error: "Error connecting to database: fetch failed", unavailable: true }] }) },
    };
    t = Date.now();
    const answer = await handle(new Request(`${base}/cart/`), unreachable);
    expect([answer.status, Date.now() - t < 500]).toEqual([503, true]);
    expect(await answer.text()).toContain("<h1>Temporarily unavailable</h1>");
    logged.mockRestore();
  });

  it("keeps serving shared pages from their pointers: hits as they were, a forced re-render stale, a failed header as a notice", async () => {
    const path = "/blog/apple-day-2026/";
    const cookie = await signIn("hannah@example.org");
    await get(path); // rendered and kept (sent as it rendered: no CID yet)
    const good = await get(path, { cookie }); // Hannah's header, kept for her
    expect(good.status).toBe(200);
    const logged = quietErrors();
    const down: WorkerEnv = { ...env, RESOLVER: frozenResolver(), DATABASE_TIMEOUT_MS: "100", DATABASE_COOLDOWN_MS: "60000" };
    const hit = await handle(new Request(base + path), down);
    expect([hit.status, hit.headers.get("x-rose-cache")]).toEqual([200, "hit"]);
    expect(await hit.text()).toContain("<h1>Apple Day 2026</h1>");
    const fresh = await handle(new Request(base + path, { headers: { "cache-control": "no-cache" } }), down);
    expect([fresh.status, fresh.headers.get("x-rose-cache"), fresh.headers.get("x-rose-cid")]).toEqual([200, "stale", good.headers.get("x-rose-cid")]);
    expect(await fresh.text()).toContain("<h1>Apple Day 2026</h1>");
    // A signed-in visitor whose header cannot be made afresh: the page, with a notice in its place.
    const other = await signIn("priya@example.org");
    const theirs = await handle(new Request(base + path, { headers: { cookie: other } }), down);
    expect([theirs.status, theirs.headers.get("x-rose-degraded")]).toEqual([200, "1 part unavailable"]);
    const page = await theirs.text();
    expect(page).toContain('<span class="fragment-error" role="status" data-fragment="page/~header">Unavailable</span>');
    expect(page).toContain("<h1>Apple Day 2026</h1>");
    logged.mockRestore();
  });
});

describe("error pages", () => {
  /** A real run-time error inside the app's sources: a product card given a number. */
  async function appError(): Promise<unknown> {
    const s = await currentSite();
    const { EvalContext, createEnv } = await import("@rose-ash/sexp");
    try {
      await apply(s.app.env.lookup("~product-card") as Value, [Keyword.of("product"), 5], new EvalContext(createEnv(s.app.env)));
    } catch (e) {
      return e;
    }
    throw new Error("expected the card to fail");
  }

  it("show the error's position and source line in development, only a reference in production, never a bare 500", async () => {
    const logged = quietErrors();
    const e = await appError();
    const s = await currentSite();
    const dev = await errorResponse(e, { ENVIRONMENT: "development" }, s);
    expect(dev.status).toBe(500);
    const devHtml = await dev.text();
    expect(devHtml).toContain("<h1>Something went wrong</h1>");
    expect(devHtml).toMatch(/<pre class="error-detail">app\/components\/market\.sexp:\d+:\d+: [^<]*cannot read :stock of a number\n\d+ \| [^\n]+\n\s+\| +\^<\/pre>/);
    const prod = await errorResponse(e, { ENVIRONMENT: "production" }, s);
    const prodHtml = await prod.text();
    expect(prodHtml).toContain("<h1>Something went wrong</h1>");
    expect(prodHtml).not.toContain("market.sexp");
    const reference = prod.headers.get("x-rose-error")!;
    expect(prodHtml).toContain(`Reference <code>${reference}</code>`);
    // The detail went to the log, under the reference.
    expect(logged.mock.calls.map((c) => String(c[0]))).toContainEqual(expect.stringMatching(new RegExp(`^\\[${reference}\\] app/components/market\\.sexp:\\d+:\\d+: `)));
    // Without the site (it failed to load), the same page from the router itself.
    const bare = await errorResponse(e, { ENVIRONMENT: "production" }, null);
    expect(await bare.text()).toMatch(/^<!doctype html>.*<h1>Something went wrong<\/h1>.*Reference <code>[0-9a-f]{8}<\/code>/);
    logged.mockRestore();
  });
});

describe("the content webhook", () => {
  const signed = async (body: string) => {
    const timestamp = String(Math.floor(Date.now() / 1000));
    return { "x-rose-timestamp": timestamp, "x-rose-signature": await webhookSignature("development-only-webhook-secret", timestamp, body) };
  };

  it("refuses a body over the limit before reading it, by its length or as it streams (413)", async () => {
    const big = JSON.stringify({ tables: ["posts"], padding: "x".repeat(WEBHOOK_MAX_BYTES) });
    const declared = await SELF.fetch(`${base}/webhooks/content`, { method: "POST", body: big, headers: await signed(big) });
    expect(declared.status).toBe(413);
    const chunk = new TextEncoder().encode("x".repeat(16 * 1024));
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent++ < 1280) controller.enqueue(chunk); // 20 MB, if it were all read
        else controller.close();
      },
    });
    const streamed = await SELF.fetch(`${base}/webhooks/content`, { method: "POST", body: stream, headers: await signed("") });
    expect(streamed.status).toBe(413);
    expect(sent).toBeLessThan(64);
  });

  it("refuses a signature that differs in its last character", async () => {
    const body = JSON.stringify({ tables: ["posts"] });
    const headers = await signed(body);
    const last = headers["x-rose-signature"].slice(-1);
    headers["x-rose-signature"] = headers["x-rose-signature"].slice(0, -1) + (last === "0" ? "1" : "0");
    expect((await SELF.fetch(`${base}/webhooks/content`, { method: "POST", body, headers })).status).toBe(401);
  });
});

describe("sessions", () => {
  it("end on sign-out for every copy of the cookie, cached header included", async () => {
    const captured = await signIn("giles@example.org");
    expect(await (await get("/", { cookie: captured })).text()).toContain('<a class="user" href="/account/">Giles Bradshaw</a>');
    expect((await get("/account/", { cookie: captured })).status).toBe(200);
    const out = await post("/account/sign-out/", {}, { cookie: captured });
    expect([out.status, out.headers.get("location")]).toEqual([303, "/"]);
    // The captured cookie is worth nothing now: no name in the header (not even a kept one), no account page.
    const home = await (await get("/", { cookie: captured })).text();
    expect(home).not.toContain('class="user"');
    expect(home).toContain('<a href="/account/sign-in/">Sign in</a>');
    const account = await get("/account/", { cookie: captured });
    expect([account.status, account.headers.get("location")]).toEqual([303, "/account/sign-in/"]);
  });

  it("end everywhere from the account page", async () => {
    const laptop = await signIn("priya@example.org", "192.0.2.11");
    const phone = await signIn("priya@example.org", "192.0.2.12");
    expect(laptop).not.toBe(phone);
    expect(await (await get("/account/", { cookie: laptop })).text()).toMatch(/You are signed in on \d+ devices or browsers\.<\/p>.*Sign out everywhere/);
    expect((await post("/account/sign-out-everywhere/", {}, { cookie: phone })).status).toBe(303);
    for (const cookie of [laptop, phone]) {
      expect((await get("/account/", { cookie })).headers.get("location")).toBe("/account/sign-in/");
      expect(await (await get("/blog/", { cookie })).text()).not.toContain('class="user"');
    }
  });

  it("take only base64url cookies: the same signature written another way is no session", async () => {
    const cookie = await signIn("tom@example.org", "192.0.2.13");
    expect((await get("/account/", { cookie })).status).toBe(200);
    for (const variant of [`${cookie}=`, `${cookie.replace(".", ". ")}`, cookie.replace(/-/g, "+").replace(/_/g, "/")]) {
      if (variant === cookie) continue;
      expect((await get("/account/", { cookie: variant })).status, variant).toBe(303);
    }
  });
});

describe("pages and query strings", () => {
  it("name a page by the query parameters its route reads; junk makes no new pages, and the answer names the canonical URL", async () => {
    const stored = async () => (await env.WARM.list({ prefix: "ipfs/" })).objects.length;
    await get("/blog/");
    const before = await stored();
    const names = new Set<string>();
    for (let i = 0; i < 20; i++) {
      const res = await get(`/blog/?junk=${i}`);
      expect(res.headers.get("link")).toBe(`<${base}/blog/>; rel="canonical"`);
      names.add(res.headers.get("x-rose-pointer")!);
    }
    expect(names.size).toBe(1);
    expect(await stored()).toBe(before);
    // What the market reads stays in its name.
    const market = await get("/market/?junk=1&category=bakery");
    expect(market.headers.get("link")).toBe(`<${base}/market/?category=bakery>; rel="canonical"`);
    expect(decodeURIComponent(market.headers.get("x-rose-pointer")!)).toMatch(/ \/market\/\?category=bakery$/);
  });
});

describe("cross-site writes", () => {
  it("are refused by Sec-Fetch-Site, else Origin, else Referer", async () => {
    const add = (headers: Record<string, string>) => post("/cart/add/", { product_id: "10" }, headers);
    expect((await add({ "sec-fetch-site": "cross-site" })).status).toBe(403);
    expect((await add({ "sec-fetch-site": "same-site" })).status).toBe(403);
    expect((await add({ referer: "https://evil.example/page" })).status).toBe(403);
    expect((await add({ origin: "https://evil.example" })).status).toBe(403);
    expect((await add({ origin: "null" })).status).toBe(403);
    expect((await add({ "sec-fetch-site": "same-origin", origin: base })).status).toBe(303);
    expect((await add({ referer: `${base}/market/` })).status).toBe(303);
  });
});

describe("production", () => {
  const production: WorkerEnv = { ...env, ENVIRONMENT: "production" };
  const fetchProduction = async (request: Request) => {
    const context = createExecutionContext();
    const res = await worker.fetch(request, production, context);
    await waitOnExecutionContext(context);
    return res;
  };

  it("opens /_sexp/cache and /_sexp/plan to operators only (open in development)", async () => {
    const plan = "/_sexp/plan?path=/blog/";
    expect((await get("/_sexp/cache")).status).toBe(200);
    expect((await get(plan)).status).toBe(200);
    expect((await fetchProduction(new Request(`${base}/_sexp/cache`))).status).toBe(404);
    expect((await fetchProduction(new Request(`${base}${plan}`))).status).toBe(404);
    const visitor = await signIn("kwame@example.org", "192.0.2.14");
    expect((await fetchProduction(new Request(`${base}/_sexp/cache`, { headers: { cookie: visitor } }))).status).toBe(404);
    const refused = await fetchProduction(new Request(`${base}${plan}`, { headers: { cookie: visitor } }));
    expect(refused.status).toBe(404);
    expect(await refused.text()).not.toContain("<svg");
    const operator = await signIn("hannah@example.org", "192.0.2.15");
    const page = await fetchProduction(new Request(`${base}/_sexp/cache`, { headers: { cookie: operator } }));
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("<h1>Cache</h1>");
    const picture = await fetchProduction(new Request(`${base}${plan}`, { headers: { cookie: operator } }));
    expect(picture.status).toBe(200);
    expect(await picture.text()).toContain("<h1>Plan of <code>/blog/</code></h1>");
  });

  it("sends session cookies Secure (not in development, on plain http)", async () => {
    const add = () => new Request(`${base}/cart/add/`, { method: "POST", body: new URLSearchParams({ product_id: "10" }), redirect: "manual" });
    expect((await fetchProduction(add())).headers.get("set-cookie")).toMatch(/; HttpOnly; SameSite=Lax; Max-Age=\d+; Secure$/);
    expect((await SELF.fetch(add())).headers.get("set-cookie")).not.toContain("Secure");
  });
});
