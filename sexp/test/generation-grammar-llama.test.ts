/**
 * The catalog's grammar compiled by llama.cpp's own GBNF parser, through
 * node-llama-cpp (the local-gguf sidecar's, installed by
 * dev/local-gguf/install.js; no model is needed to parse a grammar). It
 * runs in a child process: llama.cpp prints why it refuses a grammar on
 * stderr, which a failing test shows. Skipped, saying so, when
 * node-llama-cpp is not installed there.
 */
import { describe, expect, it } from "vitest";
import { buildCatalog, catalogGrammar, grammarProblems } from "../src/index.ts";
import { LLAMA, compileWithLlama as compile, testSite } from "./generation-helpers.ts";

const present = LLAMA !== null;

describe.skipIf(!present)("the catalog's grammar in llama.cpp (node-llama-cpp 3.21.1)", () => {
  it("compiles, with the default options and at the edges of the options, and llama.cpp refuses what grammarProblems refuses", async () => {
    const site = await testSite();
    const catalog = buildCatalog(site);
    const grammars = {
      site: catalogGrammar(catalog),
      shallow: catalogGrammar(catalog, { maxDepth: 1, maxChildren: 1, maxStringLength: 1 }),
      deep: catalogGrammar(catalog, { maxDepth: 12, maxChildren: 40, maxStringLength: 1500 }),
      bare: catalogGrammar({ ...catalog, components: [], queries: [], primitives: [], forms: [], attributes: [] }),
      // Too many rules for llama.cpp's repetition limit, and a rule used but not defined.
      tooMany: 'root ::= ("a" ("b")?){0,700}\n',
      undefinedRule: "root ::= item\n",
    };
    for (const name of ["site", "shallow", "deep", "bare"] as const) expect(grammarProblems(grammars[name]), name).toEqual([]);
    expect(grammarProblems(grammars.tooMany)).not.toEqual([]);
    expect(grammarProblems(grammars.undefinedRule)).not.toEqual([]);
    const result = compile(grammars);
    for (const name of ["site", "shallow", "deep", "bare"]) expect(result[name]!.ok, `${name}: ${result[name]!.error}`).toBe(true);
    expect(result.tooMany!.ok).toBe(false);
    expect(result.undefinedRule!.ok).toBe(false);
  }, 60_000);
});

if (!present) {
  describe("the catalog's grammar in llama.cpp", () => {
    it.skip("skipped: dev/local-gguf/node_modules/node-llama-cpp is not installed (node dev/local-gguf/install.js installs node-llama-cpp 3.21.1)", () => {});
  });
}
