/** The site's vocabulary: callable by its names, documented, and checking calls against the app's declarations. */
import { HTML_TAGS, check, createEnv, evaluate, parse, printValue } from "@rose-ash/sexp";
import { describe, expect, it } from "vitest";
import { REQUEST_PRIMITIVES, RESOLVER_PRIMITIVES, RESPONSE_PRIMITIVES, siteVocabulary } from "../src/index.ts";

describe("the site's vocabulary", () => {
  it("names nothing an HTML tag: such a name always builds the element, so the primitive could never be called", () => {
    for (const p of siteVocabulary().list()) expect(HTML_TAGS.has(p.name), p.name).toBe(false);
  });

  it("documents every primitive, and the responses' examples hold", async () => {
    for (const doc of [...REQUEST_PRIMITIVES, ...RESOLVER_PRIMITIVES, ...RESPONSE_PRIMITIVES]) expect(doc.doc.length, doc.name).toBeGreaterThan(20);
    const registry = siteVocabulary();
    for (const doc of RESPONSE_PRIMITIVES) {
      for (const [expr, result] of doc.examples ?? []) expect(printValue(await evaluate(expr, createEnv(registry))), expr).toBe(result);
    }
  });

  it("says where a primitive without its function runs", async () => {
    await expect(evaluate("(current-user)", createEnv(siteVocabulary()))).rejects.toThrow("(current-user) runs in the site's Workers, not here");
  });

  it("checks query calls against the declarations, with what was meant", () => {
    const forms = parse(`
      (defquery blog post (&key slug) :params {:slug :text} :returns :one :sql "SELECT 1 WHERE :slug = :slug")
      (define page (list (query blog posst :slug "x") (query blog post :slugg "x") (query blog post :slug 7)))`);
    expect(check(forms, { registry: siteVocabulary() }).map((p) => p.message)).toEqual([
      "unknown query blog/posst (did you mean blog/post?)",
      "query blog/post needs :slug (text)",
      "query blog/post has no parameter :slugg (did you mean :slug?)",
      "query blog/post: :slug must be text, got number 7",
    ]);
  });
});
