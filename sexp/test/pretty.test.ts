import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse, parseOne, print } from "../src/index.ts";
import { pretty, prettyForms } from "../src/pretty.ts";

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), "utf8");

describe("pretty-printer", () => {
  it("keeps short forms on one line", () => {
    expect(pretty(parse('(div :class "x" (p "hi"))')[0]!)).toBe('(div :class "x" (p "hi"))');
  });

  it("lays out long forms with indentation and only changes whitespace", () => {
    for (const name of ["seed-phase2.sexp", "seed-phase5.sexp", "seed-phase6.sexp"]) {
      const forms = parse(fixture(name));
      const out = prettyForms(forms, { width: 60 });
      expect(parse(out).map(print)).toEqual(forms.map(print));
      for (const line of out.split("\n")) expect(line.length, line).toBeLessThanOrEqual(90);
    }
  });

  it("formats a component the way people write them", () => {
    const src = '(defcomp ~card (&key title children) (div :class "card" :id "the-card" (h2 :class "card-title" title) (p "some longer body text here") children))';
    expect(pretty(parse(src)[0]!, { width: 50 })).toBe(
      [
        "(defcomp ~card (&key title children)",
        '  (div :class "card" :id "the-card"',
        '    (h2 :class "card-title" title)',
        '    (p "some longer body text here")',
        "    children))",
      ].join("\n"),
    );
  });

  it("lays out let bindings under each other", () => {
    const src = "(let ((post (query blog post-by-slug :slug slug)) (nav (query blog nav-tree))) (render (~post-page :post post :nav nav)))";
    expect(pretty(parse(src)[0]!, { width: 60 })).toBe(
      [
        "(let ((post (query blog post-by-slug :slug slug))",
        "      (nav (query blog nav-tree)))",
        "  (render (~post-page :post post :nav nav)))",
      ].join("\n"),
    );
  });

  it("is idempotent", () => {
    const forms = parse(fixture("seed-phase5.sexp"));
    const once = prettyForms(forms, { width: 50 });
    expect(prettyForms(parse(once), { width: 50 })).toBe(once);
  });

  it("lays out deep nesting without blowing up (found by the fuzzer)", () => {
    const shapes: [string, string][] = [["(~c :a ", ")"], ["(div :class (list 1 2) :title ", ")"], ["{:a ", "}"], ["(if 1 ", ")"]];
    for (const [open, close] of shapes) {
      const text = open.repeat(900) + "x" + close.repeat(900);
      const [form] = parse(text);
      const t0 = performance.now();
      const out = pretty(form!);
      // Before: 2^900 layouts for :key pairs; seconds for the rest (each level's text copied again).
      expect(performance.now() - t0).toBeLessThan(1000);
      expect(print(parse(out)[0]!)).toBe(print(form!));
    }
  });
});

describe("pretty: empty lists", () => {
  it("prints () deep inside a form too wide for one line", () => {
    const deep = "(div ".repeat(41) + "(p ())" + ")".repeat(41);
    const printed = pretty(parseOne(deep));
    expect(print(parseOne(printed))).toBe(print(parseOne(deep)));
  });
});
