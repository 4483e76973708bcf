/** `/_sexp/plan`: a page's DAG as the executor last resolved it, drawn as SVG. */
import { describe, expect, it } from "vitest";
import { fetched } from "./fetched.ts";

const base = "http://rose-ash.test";
const get = (path: string, headers: Record<string, string> = {}) => fetched(base + path, { headers });

describe("the plan picture", () => {
  it("draws the route, its components and holes, and the queries and fragments, each with what the last request did", async () => {
    expect((await get("/blog/apple-day-2026/")).headers.get("x-rose-cache")).toBe("miss"); // rendered now: its nodes ran
    const res = await get("/_sexp/plan?path=/blog/apple-day-2026/");
    expect([res.status, res.headers.get("cache-control")]).toEqual([200, "no-store"]);
    const html = await res.text();
    expect(html).toContain("<h1>Plan of <code>/blog/apple-day-2026/</code></h1>");
    const svg = /<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" class="plan"[^>]*>(.*)<\/svg>/.exec(html)![1]!;
    const node = (kind: string, label: string) => new RegExp(`<g class="node ${kind}"><rect [^>]*fill="(#[0-9a-f]+)"[^>]*/><text[^>]*>${kind} ${label}</text><text[^>]*>([^<]*)</text><text[^>]*>([^<]*)</text></g>`);
    expect(svg).toMatch(node("route", "/blog/:slug/"));
    expect(svg).toMatch(node("query", "blog/post-by-slug"));
    expect(svg).toMatch(node("query", "blog/nav-tree"));
    expect(svg).toMatch(node("hole", "~header"));
    expect(svg).toMatch(node("fragment", "cart/cart-mini"));
    const article = node("component", "~post-article").exec(svg)!;
    expect(article[2]).toBe(":cache, by input key");
    expect(article[3]).toMatch(/^(hit|miss) · (hot|render) · [0-9a-f]{10,}… · \d+ ms$/);
    const route = node("route", "/blog/:slug/").exec(svg)!;
    expect(route[3]).toMatch(/^miss · render · /);
    // A page served from its pointer: the route a hit, its parts in the stored bytes.
    await get("/blog/apple-day-2026/");
    const again = await (await get("/_sexp/plan?path=/blog/apple-day-2026/")).text();
    expect(node("route", "/blog/:slug/").exec(again)![3]).toMatch(/^hit · pointer · /);
    expect(node("component", "~nav-link").exec(again)![3]).toBe("in the page&#39;s stored bytes");
  });

  it("says when no route serves a path", async () => {
    const html = await (await get("/_sexp/plan?path=/no/such/")).text();
    expect(html).toMatch(/<h1>Plan of <code>\/no\/such\/<\/code><\/h1>.*(No route serves|route \/\*)/);
  });
});
