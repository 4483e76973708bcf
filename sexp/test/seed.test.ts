/**
 * The vision document's examples (Phases 2, 5, 6) work as written. The
 * fixtures are verbatim copies; what the seed leaves undefined (`condition`,
 * `fn`, `items`, `~header`, `~nav-tree`, `~post-filter`, and `...` for elided
 * content) is supplied here.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { createEnv, evaluateForms, fromJson, parse, render, renderForms, type Env } from "../src/index.ts";

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), "utf8");

function seedEnv(): Env {
  const env = createEnv();
  env.define("...", null); // the seed's "elided content" marker renders nothing
  return env;
}

describe("seed Phase 2: syntax conventions", () => {
  it("renders every example as written", async () => {
    const env = seedEnv();
    await evaluateForms(parse('(define condition true) (define items (list "a" "b")) (define fn (lambda (x) (li x)))'), env);
    const out = await renderForms(parse(fixture("seed-phase2.sexp"), { src: "seed-phase2.sexp" }), env);
    expect(out).toBe(
      '<div class="foo" id="bar"><h1>Title</h1><p>Paragraph</p></div>' +
        '<div class="card"><h2>Hello</h2><p>Body</p></div>' +
        "<li>One</li><li>Two</li>" +
        "<b>trusted</b>" +
        "<p>shown</p>" +
        "<li>a</li><li>b</li>",
    );
  });
});

describe("seed Phase 5: layouts as components", () => {
  const support = `
    (defcomp ~header (&key user cart)
      (header (span :class "user" (if user (:slot user :name) "Sign in"))
              (span :class "cart" (str (or (:slot cart :count) 0) " items"))))
    (defcomp ~nav-tree (&key items)
      (ul :class "nav" (map (fn (i) (li (a :href (:slot i :href) (:slot i :title)))) items)))
    (defcomp ~post-filter (&key post) (span "Filed under " (:slot post :category)))`;
  const data = {
    post: { title: "Apples & Pears", body: "<p>Crisp <em>autumn</em> fruit.</p>", category: "Orchard" },
    nav: [{ href: "/blog/apple/", title: "Apple" }, { href: "/blog/pear/", title: "Pear" }],
    user: { name: "Ann" },
    cart: { count: 2 },
  };

  async function env(): Promise<Env> {
    const e = seedEnv();
    for (const [k, v] of Object.entries(data)) e.define(k, fromJson(v));
    await evaluateForms(parse(support + fixture("seed-phase5.sexp")), e);
    return e;
  }

  it("~post-page renders a whole document through ~app-layout and ~base-layout", async () => {
    const html = await render("(~post-page :post post :nav-items nav :user user :cart cart)", await env());
    expect(html).toBe(
      '<!doctype html><html lang="en"><head><title>Apples &amp; Pears</title></head>' +
        '<body class="min-h-screen"><header><span class="user">Ann</span><span class="cart">2 items</span></header>' +
        '<main class="flex"><aside id="aside"><ul class="nav"><li><a href="/blog/apple/">Apple</a></li><li><a href="/blog/pear/">Pear</a></li></ul></aside>' +
        '<section id="main-panel"><article><h1>Apples &amp; Pears</h1><div class="prose"><p>Crisp <em>autumn</em> fruit.</p></div></article></section>' +
        "</main></body></html>",
    );
  });

  it("~app-layout shows the filter only when given", async () => {
    const html = await render('(~app-layout :title "T" :filter (span "f") :content (p "c"))', await env());
    expect(html).toContain('<main class="flex"><div id="filter"><span>f</span></div><aside id="aside"></aside>');
  });

  it("~post-oob renders the out-of-band fragments", async () => {
    const html = await render("(~post-oob :post post :nav-items nav)", await env());
    expect(html).toBe(
      '<div id="filter" hx-swap-oob="outerHTML"><span>Filed under Orchard</span></div>' +
        '<aside id="aside" hx-swap-oob="outerHTML"><ul class="nav"><li><a href="/blog/apple/">Apple</a></li><li><a href="/blog/pear/">Pear</a></li></ul></aside>' +
        '<section id="main-panel"><article></article></section>',
    );
  });
});

describe("seed Phase 6: routes", () => {
  it("defroute is recorded with its pattern and body", async () => {
    const env = seedEnv();
    await evaluateForms(parse(fixture("seed-phase6.sexp")), env);
    expect(env.routes).toHaveLength(1);
    expect(env.routes[0]!.pattern).toBe("/blog/:slug/");
    expect(env.routes[0]!.method).toBe("GET");
    expect(env.routes[0]!.body[0]!.kind).toBe("list");
  });
});
