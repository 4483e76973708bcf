/**
 * What the model is told: the system prompt's worked examples are made from
 * the catalog and are themselves valid generations; the catalog follows with
 * its hash; few-shot examples come after. Refine and repair prompts carry
 * the current s-expression and the validator's positioned problems.
 */
import { describe, expect, it } from "vitest";
import { buildCatalog, catalogGrammar, refinePrompt, repairPrompt, systemPrompt, validateGenerated, workedExamples } from "../src/index.ts";
import { derivations, readGbnf, testSite } from "./generation-helpers.ts";

const site = await testSite();
const catalog = buildCatalog(site);

describe("systemPrompt", () => {
  it("teaches with worked examples made from the catalog's real queries and components, each a valid generation the grammar derives", () => {
    const worked = workedExamples(catalog);
    expect(worked.map((w) => w.sexp)).toEqual([
      "(ul\n  (map (fn (x) (li (:name x)))\n    (query events upcoming :from \"2026-01-01T00:00:00Z\")))".replace("(:name x)", "(:title x)"),
      '(div :class "grid"\n  (map (fn (x) (~product-card :product x))\n    (query market products :category "bakery")))',
      '(let ((x (query market product-by-slug :slug "sourdough")))\n  (when x\n    (article\n      (h2 (:name x))\n      (p (:description x)))))',
    ]);
    const grammar = readGbnf(catalogGrammar(catalog));
    for (const w of worked) {
      expect(validateGenerated(w.sexp, { ...site, catalog }).problems, w.sexp).toEqual([]);
      expect(derivations(grammar, w.sexp), w.sexp).toBe(1);
    }
  });

  it("gives the rules, the worked examples, then the catalog with its hash, then approved examples", () => {
    const prompt = systemPrompt(catalog, [{ prompt: "cheap bread", sexp: '(~picks :count 2)' }]);
    expect(prompt).toContain("Answer with the s-expression only");
    expect(prompt).toContain("Name variables x, then y inside it, then z.");
    expect(prompt).toContain(`The catalog (${catalog.hash}):\n${catalog.text}`);
    const order = ["Rules:", "Worked examples:", "The catalog", "Answers approved earlier:", "Request: cheap bread\nAnswer:\n(~picks :count 2)"].map((s) => prompt.indexOf(s));
    expect(order.every((at) => at >= 0)).toBe(true);
    expect(order).toEqual([...order].sort((a, b) => a - b));
    expect(systemPrompt(catalog)).toBe(systemPrompt(catalog));
    expect(systemPrompt(catalog)).not.toContain("approved earlier");
  });

  it("leaves out worked examples the catalog cannot make", () => {
    expect(workedExamples({ ...catalog, queries: [], components: [] })).toEqual([]);
    expect(systemPrompt({ ...catalog, queries: [] })).not.toContain("Worked examples:");
  });
});

describe("refinePrompt and repairPrompt", () => {
  it("asks for a change of the current s-expression", () => {
    expect(refinePrompt('(p "a")\n', "  make it bold ")).toBe('This is the current s-expression:\n\n(p "a")\n\nChange it: make it bold\n\nAnswer with the whole new s-expression only.');
  });

  it("gives each problem with its line, column and the line it is on", () => {
    const sexp = '(div\n  (~product-crad :product 1))';
    const { problems } = validateGenerated(sexp, { ...site, catalog });
    expect(repairPrompt(sexp, problems)).toBe(
      [
        "Your s-expression has a problem:",
        "",
        "line 2, column 3: unknown component ~product-crad (did you mean ~product-card?)",
        "2 |   (~product-crad :product 1))",
        "  |   ^",
        "",
        "",
        "Fix it and answer with the whole corrected s-expression only.",
      ].join("\n"),
    );
    expect(repairPrompt("(p)", [{ line: 1, col: 1, message: "a" }, { line: 9, col: 1, message: "b" }])).toContain("2 problems");
  });
});
