/**
 * Finding the s-expression in a model's reply: prose around it, code fences
 * of any label, smart quotes, Clojure's let and fn vectors, several forms,
 * a reply cut off; and what was changed, in words.
 */
import { describe, expect, it } from "vitest";
import { extractSexp, parse, repairSexp } from "../src/index.ts";

describe("extractSexp", () => {
  it("takes a bare s-expression as it is", () => {
    expect(extractSexp('(div :class "x" (p "Hello"))')).toEqual({ text: '(div :class "x" (p "Hello"))', fixes: [] });
    expect(extractSexp('\n  (p "x")\n')).toEqual({ text: '(p "x")', fixes: [] });
  });

  it("leaves out prose before and after, parentheses of the prose included", () => {
    expect(extractSexp('Sure (happy to help)! Here it is:\n(ul (li "a") (li "b"))\nIt lists two things (a and b).')).toEqual({
      text: '(ul (li "a") (li "b"))',
      fixes: ["left out the text around the s-expression"],
    });
    // A parenthesis of the prose left open does not swallow the code.
    expect(extractSexp('Here (roughly:\n(div (p "x"))')?.text).toBe('(div (p "x"))');
  });

  it("takes the code from a code fence of any s-expression language, or none", () => {
    for (const lang of ["lisp", "clojure", "scheme", "", "racket", "sexp"]) {
      const reply = `Here you go:\n\n\`\`\`${lang}\n(div (p "x"))\n\`\`\`\n\nEnjoy (really)!`;
      expect(extractSexp(reply), lang).toEqual({ text: '(div (p "x"))', fixes: [`took the s-expression from a ${lang ? "```" + lang + " " : ""}code fence`] });
    }
    expect(extractSexp("```lisp\n(div (p \"x\")")?.fixes).toEqual(["took the s-expression from a ```lisp code fence (the reply ends inside it)", "the reply ends inside the s-expression (it was cut off)"]);
  });

  it("prefers a fence of s-expressions to one of HTML, and the larger of two", () => {
    expect(extractSexp('```html\n<div (x)></div>\n```\n```\n(div "ok")\n```')?.text).toBe('(div "ok")');
    expect(extractSexp('```lisp\n(p "short")\n```\nor\n```lisp\n(div (p "longer") (p "answer"))\n```')?.text).toBe('(div (p "longer") (p "answer"))');
  });

  it("replaces smart quotes outside strings, and leaves them as text inside", () => {
    expect(extractSexp("(p “Hello (world)”)")).toEqual({ text: '(p "Hello (world)")', fixes: ["replaced smart quotes with plain ones"] });
    expect(extractSexp("(p “it’s “fine””)")?.text).toBe('(p "it’s \\"fine\\"")');
    expect(extractSexp('(p "“quoted” text")')).toEqual({ text: '(p "“quoted” text")', fixes: [] });
    expect(extractSexp("(p (list ‘a ‘b))")?.text).toBe("(p (list 'a 'b))");
    const { text } = extractSexp("(div :class “card” (p “a \"b\" c”))")!;
    expect(parse(text)).toHaveLength(1);
  });

  it("rewrites Clojure's let and fn vectors, nested ones too, saying where", () => {
    expect(extractSexp("(let [x (query market products) y 2]\n  (ul (map (fn [p] (li (:name p))) x)))")).toEqual({
      text: "(let ((x (query market products)) (y 2))\n  (ul (map (fn (p) (li (:name p))) x)))",
      fixes: ["rewrote the Clojure-style let vector at 1:6 as ((name value) ...)", "rewrote the Clojure-style parameter vector of fn at 2:16 as (name ...)"],
    });
    const nested = extractSexp("(let [a (let [b 1] b)] a)")!;
    expect(nested.text).toBe("(let ((a (let ((b 1)) b))) a)");
    expect(nested.fixes).toHaveLength(2);
    // An odd vector is not a let's: left for the validator.
    expect(extractSexp("(let [a] a)")?.text).toBe("(let [a] a)");
  });

  it("wraps forms that follow each other in (<> ...)", () => {
    expect(extractSexp('(h1 "Title")\n(p "Body")')).toEqual({ text: '(<>\n(h1 "Title")\n(p "Body"))', fixes: ["wrapped 2 top-level forms in (<> ...)"] });
  });

  it("keeps a cut-off reply for repair, which completes it", () => {
    const cut = extractSexp('Here:\n(div :class "grid"\n  (p "Hel')!;
    expect(cut.fixes).toEqual(["left out the text around the s-expression", "the reply ends inside the s-expression (it was cut off)"]);
    expect(repairSexp(cut.text).text).toBe('(div :class "grid"\n  (p "Hel"))');
  });

  it("finds nothing in a reply without code", () => {
    expect(extractSexp("I cannot do that (sorry).")).toBeNull();
    expect(extractSexp("")).toBeNull();
    expect(extractSexp("```\nno code\n```")).toBeNull();
  });
});
