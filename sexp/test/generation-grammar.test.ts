/**
 * The catalog's GBNF grammar: bounded, unambiguous, and what it derives
 * reads, passes the untrusted policy's check against the site and has one
 * derivation. The grammar is sampled by a random derivation generator
 * (generation-helpers.ts, written without grammar.ts); grammarProblems is
 * checked on grammars with each kind of mistake. Compiling with llama.cpp
 * itself is generation-grammar-llama.test.ts.
 */
import { describe, expect, it } from "vitest";
import { buildCatalog, catalogGrammar, grammarProblems, parse, validateGenerated, type Catalog } from "../src/index.ts";
import { derivations, derive, random, readGbnf, testSite } from "./generation-helpers.ts";

const site = await testSite();
const catalog = buildCatalog(site);
const gbnf = catalogGrammar(catalog);
const grammar = readGbnf(gbnf);
const ok = () => 'root ::= "(" item{0,3} ")"\nitem ::= [a-z] | "x" "a"{0,1}\n';

describe("catalogGrammar", () => {
  it("holds together: a root, every rule defined, no unbounded repetition or recursion", () => {
    expect(grammarProblems(gbnf)).toEqual([]);
    expect(gbnf.startsWith("root ::= ")).toBe(true);
    // No `*` or `+` outside literals and classes.
    const outside = gbnf.replace(/"(?:\\.|[^"\\])*"/g, '""').replace(/\[(?:\\.|[^\]\\])*\]/g, "[]");
    expect(outside).not.toMatch(/[*+]/);
    expect(outside).not.toMatch(/\{\d+,\}/);
  });

  it("is the same for the same catalog, and changes with the options", () => {
    expect(catalogGrammar(buildCatalog(site))).toBe(gbnf);
    const deep = catalogGrammar(catalog, { maxDepth: 10 });
    expect(deep).not.toBe(gbnf);
    expect(deep).toContain("e-10-0");
    expect(gbnf).not.toContain("e-9-0");
    expect(catalogGrammar(catalog, { maxStringLength: 17 })).toContain("chr{0,17}");
    expect(catalogGrammar(catalog, { maxChildren: 3 })).toContain("{0,3}");
    expect(() => catalogGrammar(catalog, { maxDepth: 0 })).toThrow(RangeError);
  });

  it("names the catalog's vocabulary: its tags, components, queries and their parameters, and leaves out what the catalog does not have", () => {
    for (const s of ['"~product-card"', '":product"', '"query market products"', '":category"', '"query events upcoming"', '":from" ws date', '"div"', '":class"', '"if"', '"let"']) expect(gbnf).toContain(s);
    // Not in the catalog (private, writing, refused) or not a call (query's bare names, who is asking).
    for (const s of ['"~cart-mini"', '"~buy"', '"query account orders"', '"script"', '"raw!"', '"defcomp"', '":onclick"', '"action"', '"current-user"', '"session-key"']) expect(gbnf).not.toContain(s);
  });

  it("derives only text that reads as one form and passes the untrusted check against the site, with one derivation each", () => {
    const rng = random(12);
    let longest = 0;
    for (let i = 0; i < 300; i++) {
      const text = derive(grammar, rng);
      longest = Math.max(longest, text.length);
      const forms = parse(text);
      expect(forms).toHaveLength(1);
      const result = validateGenerated(text, { ...site, catalog });
      expect(result.problems, text).toEqual([]);
      if (text.length < 1500) expect(derivations(grammar, text), text).toBe(1);
    }
    expect(longest).toBeGreaterThan(100);
  });

  it("(the derivation counter counts: an ambiguous grammar gives more than one)", () => {
    const g = readGbnf('root ::= a | b | "y"{0,2} "y"{0,2}\na ::= "x"\nb ::= [x-z]\n');
    expect(derivations(g, "x")).toBe(2);
    expect(derivations(g, "yy")).toBe(3);
    expect(derivations(g, "q")).toBe(0);
    expect(derivations(readGbnf(ok()), "(xa)")).toBe(3); // [x][a], "x" "a", "x" [a]
  });

  it("reaches every component, query and special form when sampled enough (so the samples say something about all of it)", () => {
    const rng = random(3);
    const samples = [...Array(1500)].map(() => derive(grammar, rng)).join("\n");
    for (const c of catalog.components) expect(samples, c.name).toContain(`(${c.name}`);
    for (const q of catalog.queries) expect(samples, q.name).toContain(`(query ${q.service} ${q.name}`);
    for (const f of ["if", "when", "unless", "cond", "let", "<>", "and", "or", "do"]) expect(samples, f).toContain(`(${f} `);
    expect(samples).toContain("(map (fn (x) ");
    expect(samples).toContain("(:");
  });

  it("is small enough for the test site, and a catalog with nothing still makes a grammar of elements", () => {
    expect(gbnf.length).toBeLessThan(150_000);
    const bare: Catalog = { ...catalog, components: [], queries: [], primitives: [], forms: [], attributes: [] };
    const g = catalogGrammar(bare);
    expect(grammarProblems(g)).toEqual([]);
    const text = derive(readGbnf(g), random(1));
    expect(validateGenerated(text, site).problems).toEqual([]);
  });
});

describe("grammarProblems", () => {
  const ok = 'root ::= "(" item{0,3} ")"\nitem ::= [a-z] | "x"\n';

  it("finds nothing wrong with a sound grammar, comments and continued lines included", () => {
    expect(grammarProblems(ok)).toEqual([]);
    expect(grammarProblems('# a comment\nroot ::= a |\n  b\na ::= "a" # after\nb ::= ("b"\n  "c")?\n')).toEqual([]);
  });

  it("says what is wrong, with the line", () => {
    expect(grammarProblems("")).toEqual(["no rules"]);
    expect(grammarProblems('item ::= "x"\n')).toEqual(["no root rule"]);
    expect(grammarProblems('root ::= item\n')).toEqual(["line 1: rule item is used but never defined"]);
    expect(grammarProblems('root ::= "x"*\n')).toEqual(["line 1: unbounded repetition '*' in rule root: give a count, {0,N}"]);
    expect(grammarProblems('root ::= "x"\nroot ::= "y"\n')).toEqual(["line 2: rule root is defined twice (first on line 1)"]);
    expect(grammarProblems('root ::= [a-z]+\n')[0]).toMatch(/^line 1: unbounded repetition '\+'/);
    expect(grammarProblems('root ::= "x"{2,}\n')[0]).toMatch(/^line 1: unbounded repetition \{2,\}/);
    expect(grammarProblems('root ::= "x"{3,1}\n')[0]).toMatch(/maximum below its minimum/);
    expect(grammarProblems('root ::= "(" root? ")"\n')).toEqual(["line 1: rule root can contain itself (root -> root): nesting is not bounded"]);
    expect(grammarProblems('root ::= a\na ::= "(" b ")"\nb ::= a | "x"\n')).toEqual(["line 2: rule a can contain itself (a -> b -> a): nesting is not bounded"]);
    expect(grammarProblems('root ::= "x" "y\n')[0]).toMatch(/unexpected end of input/);
    expect(grammarProblems("root ::= (\"x\"\n")[0]).toMatch(/expecting '\)'/);
    expect(grammarProblems('root ::= "\\q"\n')[0]).toMatch(/unknown escape/);
  });

  it("knows llama.cpp's limit on repetitions (2000 rules)", () => {
    expect(grammarProblems('root ::= [a-z]{0,1999}\n')).toEqual([]);
    expect(grammarProblems('root ::= [a-z]{0,2000}\n')[0]).toMatch(/expands to 2000 rules/);
    // A group counts the rules made inside it: ("a" ("b")?) is 3.
    expect(grammarProblems('root ::= ("a" ("b")?){0,600}\n')).toEqual([]);
    expect(grammarProblems('root ::= ("a" ("b")?){0,700}\n')[0]).toMatch(/expands to 2100 rules/);
    expect(grammarProblems('root ::= "x"{2001}\n')[0]).toMatch(/refuses more than 2000/);
  });
});
