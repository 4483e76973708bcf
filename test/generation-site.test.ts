/// <reference path="../app/text-modules.d.ts" />
/**
 * The LLM catalog, grammar and validator for the real site, made as the
 * LLM Worker makes them (workers/llm/src/vocabulary.ts): the site's
 * vocabulary (@rose-ash/vocabulary) and the app's sources loaded by the
 * resolver's loadApp. The catalog holds together, leaves out what reads
 * someone's own data, and its grammar derives only pages that pass the
 * untrusted check against the site (and llama.cpp compiles it, when
 * node-llama-cpp is installed for the local-gguf sidecar).
 */
import { describe, expect, it } from "vitest";
import { sources } from "@rose-ash/app";
import { loadApp } from "@rose-ash/resolver";
import { buildCatalog, catalogGrammar, grammarProblems, parse, systemPrompt, validateGenerated, workedExamples } from "@rose-ash/sexp";
import { siteVocabulary } from "@rose-ash/vocabulary";
import { LLAMA, compileWithLlama, derivations, derive, random, readGbnf } from "../sexp/test/generation-helpers.ts";

const registry = siteVocabulary();
const app = await loadApp(sources, registry);
const site = { registry, env: app.env };
const catalog = buildCatalog(site);
const gbnf = catalogGrammar(catalog);

describe("the site's catalog", () => {
  it("is the same every time it is made, reads back, and has the site's components and queries", async () => {
    const again = buildCatalog({ registry: siteVocabulary(), env: (await loadApp(sources, siteVocabulary())).env });
    expect(again.text).toBe(catalog.text);
    expect(again.hash).toBe(catalog.hash);
    expect(parse(catalog.text).length).toBe(1 + catalog.primitives.length + catalog.components.length + catalog.queries.length + 3);
    expect(catalog.components.map((c) => c.name)).toContain("~product-card");
    expect(catalog.queries.map((q) => `${q.service}/${q.name}`)).toEqual(expect.arrayContaining(["market/products", "market/product-by-slug", "blog/recent-posts", "events/upcoming"]));
    expect(catalog.primitives.map((p) => p.name)).toEqual(expect.arrayContaining(["query", "frag", "str", "format", "current-user"]));
    expect(catalog.primitives.map((p) => p.name)).not.toContain("action");
  });

  it("leaves out what reads someone's own data or secrets, and what writes", () => {
    const excluded = new Map(catalog.excluded.map((e) => [e.name, e.why]));
    expect(excluded.get("account/credentials")).toMatch(/whose data|secret/);
    expect(excluded.get("account/orders")).toMatch(/whose data to read \(:user_id\)/);
    expect(excluded.get("cart/cart-items")).toMatch(/whose data to read/);
    expect(excluded.get("~cart-mini")).toMatch(/whose data to read/);
    expect(catalog.text).not.toContain("password_hash");
    const said = (text: string) => validateGenerated(text, { ...site, catalog }).problems.map((p) => p.message);
    expect(said('(p (:password_hash (query account credentials :email "giles@example.org")))')[0]).toMatch(/^query account\/credentials is not available to generated content/);
    expect(said("(ul (map (fn (x) (li (:total_pence x))) (query account orders :user_id 4)))")[0]).toMatch(/^query account\/orders is not available to generated content/);
  });

  it("passes realistic pages, and its worked examples, against the site", () => {
    for (const text of [
      '(div :class "grid"\n  (map (fn (x) (~product-card :product x))\n    (query market products :category "bakery" :sort "price-asc")))',
      "(~market-picks :count 4)",
      '(let ((x (query market product-by-slug :slug "sourdough-white-loaf")))\n  (when x (~product-page :product x)))',
      '(section (h2 "Coming up") (ul (map (fn (x) (li (:title x) " at " (:venue x))) (query events upcoming :from "2026-12-01T00:00:00Z" :limit 5))))',
      ...workedExamples(catalog).map((w) => w.sexp),
    ]) {
      expect(validateGenerated(text, { ...site, catalog }).problems, text).toEqual([]);
    }
    expect(systemPrompt(catalog)).toContain(catalog.text);
  });
});

describe("the site's grammar", () => {
  it("holds together, within a size a server takes with each request", () => {
    expect(grammarProblems(gbnf)).toEqual([]);
    expect(gbnf.length).toBeLessThan(400_000);
    expect(catalogGrammar(catalog)).toBe(gbnf);
  });

  it("derives only pages that pass the untrusted check against the site, each one way", () => {
    const grammar = readGbnf(gbnf);
    const rng = random(2026);
    for (let i = 0; i < 200; i++) {
      const text = derive(grammar, rng);
      expect(validateGenerated(text, { ...site, catalog }).problems, text).toEqual([]);
      if (text.length < 800) expect(derivations(grammar, text), text).toBe(1);
    }
  });

  it.skipIf(LLAMA === null)("compiles in llama.cpp (node-llama-cpp 3.21.1 of the local-gguf sidecar)", () => {
    const result = compileWithLlama({ site: gbnf, deep: catalogGrammar(catalog, { maxDepth: 12 }) });
    expect(result.site!.ok, result.site!.error).toBe(true);
    expect(result.deep!.ok, result.deep!.error).toBe(true);
  }, 60_000);
});
