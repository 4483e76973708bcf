/**
 * Normalized HTML: two renderings are the same page when their element
 * trees, attributes and text agree, however entities, attribute order and
 * whitespace were written; and the first differences say where they are not.
 */
import { describe, expect, it } from "vitest";
import { htmlDifferences, normalizeHtml, printNormal } from "../src/index.ts";

describe("normalized HTML", () => {
  it("is free of entity, quoting, attribute-order and whitespace style", () => {
    const a = `<p class="x" id='a'>It&#39;s   <b>bold</b>\n</p>`;
    const b = `<p id="a" class="x">It's <b>bold</b></p>`;
    expect(htmlDifferences(a, b)).toEqual([]);
    expect(normalizeHtml(a)).toEqual(normalizeHtml(b));
    expect(htmlDifferences(`<input disabled>`, `<input disabled="">`)).toEqual([]);
    // Read as a browser reads it: an unclosed paragraph is closed.
    expect(htmlDifferences(`<p>a<p>b`, `<p>a</p><p>b</p>`)).toEqual([]);
    // Comments are not the page.
    expect(htmlDifferences(`<div><!-- x -->a</div>`, `<div>a</div>`)).toEqual([]);
  });

  it("tells an element, an attribute or a text apart, with where", () => {
    expect(htmlDifferences(`<div><p>a</p></div>`, `<div><p>b</p></div>`)).toEqual([{ path: "div[0] > p[0] > #text[0]", left: 'text "a"', right: 'text "b"' }]);
    expect(htmlDifferences(`<a href="/x">x</a>`, `<a href="/y">x</a>`)[0]).toMatchObject({ path: "a[0]", left: '<a href="/x">', right: '<a href="/y">' });
    expect(htmlDifferences(`<ul><li>a</li></ul>`, `<ul><li>a</li><li>b</li></ul>`)[0]).toMatchObject({ path: "ul[0] > li[1]", left: "(nothing)", right: "<li>" });
    expect(htmlDifferences(`<em>a</em>`, `<i>a</i>`)).toHaveLength(1);
  });

  it("reads a whole document as one", () => {
    const doc = normalizeHtml(`<!doctype html><html lang="en"><head><title>T</title></head><body><p>x</p></body></html>`);
    expect(printNormal(doc)).toEqual(['<html lang="en">', "  <head>", "    <title>", '      "T"', "  <body>", "    <p>", '      "x"']);
    expect(htmlDifferences(`<!doctype html><html><body><p>x</p></body></html>`, `<html><head></head><body><p>y</p></body></html>`)[0]?.path).toBe("html[0] > body[1] > p[0] > #text[0]");
  });

  it("prints a tree one node a line", () => {
    expect(printNormal(normalizeHtml(`<ul class="a"><li>x &amp; y</li></ul>`))).toEqual(['<ul class="a">', "  <li>", '    "x & y"']);
  });
});
