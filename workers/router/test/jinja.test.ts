/**
 * The Jinja bridge inside workerd: the app's legacy templates, precompiled at
 * build time, render through `(jinja ...)` with Nunjucks' runtime alone
 * (Workers refuse `new Function`: nothing is compiled here), and a template
 * calls the site's components back through `sexp(...)`. /migration/ shows
 * each legacy fragment beside its rewrite.
 */
import { SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";

describe("the Jinja bridge in a Worker", () => {
  it("renders legacy templates and the components they call on /migration/", async () => {
    const res = await SELF.fetch("http://rose-ash.test/migration/");
    expect(res.status).toBe(200);
    const html = await res.text();
    // Each legacy template, through (jinja ...): Nunjucks' own whitespace, its escaping.
    expect(html).toMatch(/<div class="migration-render"><a class="link-card link-card-blog" href="\/blog\/wild-garlic-pesto\/">\n  <strong>Wild Garlic Pesto<\/strong>/);
    expect(html).toMatch(/<span class="cart-count">3<\/span> items · £12\.40\n<\/a>/);
    expect(html).toContain('<ul class="nav-tree depth-2">');
    expect(html).toContain('<li class="current">');
    expect(html).toContain('<nav class="container-nav" aria-label="Sections">');
    // A template calling ~card-link with sexp(): the component's HTML, not escaped twice.
    expect(html).toMatch(/<div class="card-list">\s*<a class="link-card link-card-blog" href="\/blog\/apple-day-2026\/"><strong>Apple Day 2026<\/strong><\/a>/);
    expect(html).not.toContain("&lt;a class=");
  });
});
