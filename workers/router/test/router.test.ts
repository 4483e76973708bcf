/** The router Worker inside workerd: routing, request context and responses. */
import { SELF } from "cloudflare:test";
import { describe, expect, it, vi } from "vitest";
import { SIGN_IN_LIMITS } from "../src/request.ts";
import { fetched } from "./fetched.ts";

const get = (path: string, headers: Record<string, string> = {}) => fetched(`http://rose-ash.test${path}`, { headers, redirect: "manual" });

describe("routes", () => {
  it("renders a page from a defroute", async () => {
    const res = await get("/");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(await res.text()).toMatch(/^<!doctype html><html lang="en">.*<h1>Rose Ash<\/h1>/);
  });

  it("binds path parameters, decoded and escaped", async () => {
    expect(await (await get("/hello/Ann%20Lee")).text()).toContain('<p id="greeting">Hello, Ann Lee</p>');
    const html = await (await get("/hello/%3Cscript%3Ealert(1)%3C%2Fscript%3E")).text();
    expect(html).toContain("Hello, &lt;script&gt;alert(1)&lt;/script&gt;");
    expect(html).not.toContain("<script>");
    expect((await get("/hello/%E0%A4%A")).status).toBe(200); // a malformed escape stays as written
  });

  it("answers htmx requests with the fragment", async () => {
    expect(await (await get("/hello/Ann", { "HX-Request": "true" })).text()).toBe('<p id="greeting">Hello again, Ann</p>');
  });

  it("redirects and falls back to the not-found route", async () => {
    const redirect = await get("/go-home");
    expect([redirect.status, redirect.headers.get("location")]).toEqual([303, "/"]);
    const missing = await get("/no/such/page");
    expect(missing.status).toBe(404);
    expect(await missing.text()).toContain("Nothing lives at <code>/no/such/page</code>.");
  });

  it("serves htmx and the stylesheet, versioned assets for a year", async () => {
    const js = await get("/static/htmx-2.0.11.min.js");
    expect(js.status).toBe(200);
    expect(js.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
    expect(await js.text()).toContain("htmx");
    expect((await get("/static/site.css")).headers.get("content-type")).toBe("text/css; charset=utf-8");
    expect((await get("/static/nope.js")).status).toBe(404);
  });

  it("navigates the blog by htmx: the main panel, and the aside out of band", async () => {
    const full = await (await get("/blog/apple-day-2026/")).text();
    expect(full).toMatch(/^<!doctype html>.*<aside id="aside"><h2>Posts<\/h2><ul class="nav-tree">.*<main id="main-panel"><article>/);
    expect(full).toContain('<script src="/static/htmx-2.0.11.min.js" defer></script>');
    expect(full).toMatch(/<a href="\/blog\/[a-z0-9-]+\/" hx-get="\/blog\/[a-z0-9-]+\/" hx-target="#main-panel" hx-swap="outerHTML" hx-push-url="true">/);
    const fragment = await (await get("/blog/apple-day-2026/", { "HX-Request": "true" })).text();
    expect(fragment).toMatch(/^<title>[^<]+ · Rose Ash<\/title><main id="main-panel"><article>(?:<figure class="media [^"]*post-header".*?<\/figure>|<img class="media media-done post-header"[^>]*>)<h1>[^<]+<\/h1>.*<\/main><aside id="aside" hx-swap-oob="outerHTML">.*<span aria-current="page">/);
    expect(fragment).not.toContain("<html");
  });

  it("serves data from named queries through the Neon driver", async () => {
    const res = await get("/blog/");
    expect(res.status).toBe(200);
    const list = (await res.text()).split('<ul class="posts">')[1]!.split("</ul>")[0]!;
    expect(list.match(/<li><a href="\/blog\/[a-z0-9-]+\/" hx-get=/g)?.length).toBe(20);
    const post = await get("/blog/apple-day-2026/");
    expect(post.status).toBe(200);
    expect(await post.text()).toMatch(/<article>(?:<figure class="media [^"]*post-header".*?<\/figure>|<img class="media media-done post-header"[^>]*>)<h1>Apple Day 2026<\/h1><p class="byline">By [^<]+ · <time datetime="[^"]+">[^<]+<\/time><\/p><div class="prose"><p>/);
    const unknown = await get("/blog/no-such-post/");
    expect(unknown.status).toBe(404);
    // Injection attempts in parameters are data.
    expect((await get("/blog/x'%20OR%20'1'%3D'1/")).status).toBe(404);
  });
});

describe("market", () => {
  const prices = (html: string) =>
    [...html.matchAll(/<span class="price">(?:<del>£[\d.]+<\/del> <strong>£([\d.]+)<\/strong>|£([\d.]+))<\/span>/g)].map((m) => Number(m[1] ?? m[2]));

  it("lists products as cards, filtered by category and sorted by price", async () => {
    const all = await (await get("/market/")).text();
    expect(all.match(/<article class="card[^"]*">/g)?.length).toBe(50);
    expect(all).toMatch(/<article class="card sold-out">.*?<span class="badge out">Out of stock<\/span>.*?<button type="submit" disabled>Sold out<\/button>/);
    const bakery = await (await get("/market/?category=bakery&sort=price-asc")).text();
    const p = prices(bakery);
    expect(p.length).toBeGreaterThan(3);
    expect(p).toEqual([...p].sort((a, b) => a - b));
    expect(bakery).toContain('<option value="bakery" selected>');
    expect(prices(await (await get("/market/?sort=price-desc")).text())[0]).toBeGreaterThanOrEqual(Math.max(...p));
  });

  it("treats odd query strings as data", async () => {
    const res = await get("/market/?category=%27%3B%20DROP%20TABLE%20products%3B--&sort=%3Cscript%3E");
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('<p class="empty">No products match.</p>');
    expect((await (await get("/market/")).text()).match(/<article class="card/g)?.length).toBe(50);
  });

  it("shows a product page, and 404 for an unknown product", async () => {
    const page = await get("/market/sourdough-white-loaf/");
    expect(page.status).toBe(200);
    expect(await page.text()).toMatch(/<h1>White Sourdough Loaf, 800g<\/h1>.*<div class="buy"><span class="price">£4\.20<\/span><p class="stock">24 in stock<\/p>/);
    expect((await get("/market/no-such-thing/")).status).toBe(404);
  });
});

describe("events", () => {
  it("lists upcoming events by month, soonest first", async () => {
    const html = await (await get("/events/")).text();
    const dates = [...html.matchAll(/<time datetime="([^"]+)">/g)].map((m) => m[1]!);
    // The seed's events run from December 2026 to October 2027; which are upcoming depends on today.
    if (Date.now() < Date.parse("2026-12-01")) expect(dates.length).toBe(15);
    expect(dates).toEqual([...dates].sort());
    for (const d of dates) expect(Date.parse(d)).toBeGreaterThanOrEqual(Date.now() - 60_000);
    const months = [...html.matchAll(/<section class="month"><h2>([A-Z][a-z]+ \d{4})<\/h2>/g)].map((m) => m[1]);
    if (dates.length) {
      const first = new Date(dates[0]!);
      expect(months[0]).toBe(`${first.toLocaleString("en-GB", { month: "long", timeZone: "UTC" })} ${first.getUTCFullYear()}`);
    } else expect(html).toContain("Nothing coming up yet.");
  });
});

describe("request primitives", () => {
  it("their documented examples hold", async () => {
    const { siteRegistry } = await import("../src/site.ts");
    const { createEnv, evaluate, printValue } = await import("@rose-ash/sexp");
    const registry = siteRegistry();
    for (const name of ["render", "status", "redirect"]) {
      for (const [expr, result] of registry.get(name)!.meta.examples) {
        expect(printValue(await evaluate(expr, createEnv(registry))), expr).toBe(result);
      }
    }
  });

  it("redirect refuses other sites", async () => {
    const { siteRegistry } = await import("../src/site.ts");
    const { createEnv, evaluate } = await import("@rose-ash/sexp");
    await expect(evaluate('(redirect "//evil.example/")', createEnv(siteRegistry()))).rejects.toThrow(/must be a path on this site/);
    await expect(evaluate('(redirect "https://evil.example/")', createEnv(siteRegistry()))).rejects.toThrow(/must be a path on this site/);
  });
});

describe("the app's sources", () => {
  it("are checked when the site loads: a mistake is reported with its position, and the rest of the site serves", async () => {
    const { loadSite } = await import("../src/site.ts");
    const { routes, sources } = await import("@rose-ash/app");
    const logged = vi.spyOn(console, "error").mockImplementation(() => {});
    try {
      const broken = { name: "app/routes/zz-broken.sexp", text: '(defroute "/zz/" (render (p (query market productsx))))' };
      const site = await loadSite([...sources, ...routes, broken]);
      expect(logged.mock.calls.map((c) => String(c[0]))).toEqual(["app/routes/zz-broken.sexp:1:29: unknown query market/productsx (did you mean market/products?)"]);
      expect(site.routes.length).toBeGreaterThan(5);
    } finally {
      logged.mockRestore();
    }
  });

  it("check clean against the site's primitives", async () => {
    const { siteRegistry } = await import("../src/site.ts");
    const { routes, sources } = await import("@rose-ash/app");
    const { check, parse } = await import("@rose-ash/sexp");
    const forms = [...sources, ...routes].flatMap((s) => parse(s.text, { src: s.name }));
    expect(check(forms, { registry: siteRegistry() }).map((p) => `${p.loc.src}:${p.loc.line}: ${p.message}`)).toEqual([]);
  });
});

describe("request context: forms, sessions, the signed-in user", () => {
  const post = (path: string, body: BodyInit, headers: Record<string, string> = {}) =>
    SELF.fetch(`http://rose-ash.test${path}`, { method: "POST", body, headers, redirect: "manual" });

  it("reads urlencoded and multipart forms, and starts a signed session when the cart needs one", async () => {
    const multipart = new FormData();
    multipart.set("product_id", "10");
    const added = await post("/cart/add/", multipart, { "HX-Request": "true" });
    expect(await added.text()).toContain('<span class="cart-count">1</span> item · £4.20');
    const cookie = added.headers.get("set-cookie")!.split(";")[0]!;
    const again = await post("/cart/add/", new URLSearchParams({ product_id: "10" }), { "HX-Request": "true", cookie });
    expect(await again.text()).toContain('<span class="cart-count">2</span> items');
    const [name, value] = cookie.split("=");
    const tampered = `${name}=${value!.slice(0, -2)}xx`;
    expect(await (await get("/cart/", { cookie: tampered })).text()).toContain("Your cart is empty.");
    expect(await (await get("/cart/", { cookie })).text()).toContain('<input type="number" name="quantity" value="2"');
  });

  it("signs in through the resolver; the header shows the user", async () => {
    const res = await post("/account/sign-in/", new URLSearchParams({ email: "giles@example.org", password: "rose-ash" }));
    expect([res.status, res.headers.get("location")]).toEqual([303, "/"]);
    const cookie = res.headers.get("set-cookie")!.split(";")[0]!;
    expect(await (await get("/", { cookie })).text()).toContain('<a class="user" href="/account/">Giles Bradshaw</a>');
    expect((await post("/account/sign-in/", new URLSearchParams({ email: "giles@example.org", password: "wrong" }))).status).toBe(401);
  });

  it("limits guessing per account and address, and per address, but never locks the owner out from elsewhere", async () => {
    const attempt = (email: string, password: string, ip: string) =>
      post("/account/sign-in/", new URLSearchParams({ email, password }), { "cf-connecting-ip": ip });
    const attacker = "198.51.100.7";
    for (let i = 0; i < SIGN_IN_LIMITS.perAccountAndAddress + 2; i++) {
      expect((await attempt("tom@example.org", `guess-${i}`, attacker)).status).toBe(i < SIGN_IN_LIMITS.perAccountAndAddress ? 401 : 429);
    }
    const refused = await attempt("tom@example.org", "rose-ash", attacker);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get("retry-after"))).toBeGreaterThan(0);
    expect(await refused.text()).toMatch(/^Too many attempts\. Try again in \d+ seconds\.$/);
    // The owner, from their own address, signs in; another account from the attacker's address is still tried.
    expect((await attempt("tom@example.org", "rose-ash", "203.0.113.50")).status).toBe(303);
    expect((await attempt("bob@example.org", "wrong", attacker)).status).toBe(401);
  });

  it("limits one address across accounts, and slows an account guessed at from many addresses", async () => {
    const attempt = (email: string, ip: string) => post("/account/sign-in/", new URLSearchParams({ email, password: "wrong" }), { "cf-connecting-ip": ip });
    for (let i = 0; i < SIGN_IN_LIMITS.perAddress; i++) expect((await attempt(`nobody-${i}@example.org`, "198.51.100.8")).status).toBe(401);
    expect((await attempt("someone-else@example.org", "198.51.100.8")).status).toBe(429);
    for (let i = 0; i < SIGN_IN_LIMITS.slowAccountAfter; i++) expect((await attempt("kwame@example.org", `198.51.100.${100 + i}`)).status).toBe(401);
    const started = Date.now();
    const slowed = await post("/account/sign-in/", new URLSearchParams({ email: "kwame@example.org", password: "rose-ash" }), { "cf-connecting-ip": "203.0.113.9" });
    expect(slowed.status).toBe(303); // slowed, not refused
    expect(Date.now() - started).toBeGreaterThanOrEqual(SIGN_IN_LIMITS.slowDownMs - 50);
  }, 30_000);

  it("refuses posts from other origins, and methods a path does not take", async () => {
    expect((await post("/cart/add/", new URLSearchParams({ product_id: "1" }), { origin: "https://evil.example" })).status).toBe(403);
    const wrong = await post("/blog/", new URLSearchParams());
    expect([wrong.status, wrong.headers.get("allow")]).toEqual([405, "GET"]);
    expect((await get("/cart/add/")).headers.get("allow")).toBe("POST");
    expect((await post("/no/such/path", new URLSearchParams())).status).toBe(404);
  });
});
