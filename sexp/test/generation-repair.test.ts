/**
 * Deterministic repair: balanced parentheses, closed strings, a cut-off
 * reply completed as the prefix it is; every repair said with its line and
 * column; valid text never touched. The properties are checked on random
 * printed s-expressions and every prefix of them.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parse, pretty, printString, repairSexp } from "../src/index.ts";
import { printNumber } from "../src/printer.ts";

describe("repairSexp", () => {
  it("leaves text that reads alone, however it is laid out", () => {
    for (const t of ["()", "(p ())", '(div :class "a" (p "x"))', "", "  ", "; only a comment", '(p "a")\n(p "b")', "'(1 2)", '{:a 1 "b" (x)}']) {
      expect(repairSexp(t)).toEqual({ text: t, repairs: [] });
    }
  });

  it("closes what was left open, at the end, saying where each was opened", () => {
    expect(repairSexp('(div (p "x"')).toEqual({ text: '(div (p "x"))', repairs: ["closed the '(' opened at 1:6", "closed the '(' opened at 1:1"] });
    expect(repairSexp('(ul\n  (li {:a "b"')).toEqual({ text: '(ul\n  (li {:a "b"}))', repairs: ["closed the '{' opened at 2:7", "closed the '(' opened at 2:3", "closed the '(' opened at 1:1"] });
    // After a comment, the closers go on a line of their own.
    expect(repairSexp('(p "hi" ; a note')).toEqual({ text: '(p "hi" ; a note\n)', repairs: ["closed the '(' opened at 1:1"] });
  });

  it("drops closers that close nothing, and closes what a closer skips over", () => {
    expect(repairSexp('(div "x"))')).toEqual({ text: '(div "x")', repairs: ["dropped a ')' at 1:10 that closes nothing"] });
    expect(repairSexp('(div "x")\n)')).toEqual({ text: '(div "x")\n', repairs: ["dropped a ')' at 2:1 that closes nothing"] });
    expect(repairSexp("(div {:a (b 1})")).toEqual({ text: "(div {:a (b 1)})", repairs: ["closed the '(' opened at 1:10 before the '}' at 1:14"] });
  });

  it("closes an unterminated string, less an escape the text ends inside", () => {
    expect(repairSexp('(p "Hello')).toEqual({ text: '(p "Hello")', repairs: ["closed the string opened at 1:4", "closed the '(' opened at 1:1"] });
    expect(repairSexp('(p "a\\').text).toBe('(p "a")');
    expect(repairSexp('(p "a\\u{1F3').text).toBe('(p "a")');
    expect(repairSexp('(p "a\\\\').text).toBe('(p "a\\\\")');
    expect(repairSexp('(p "a\\u{1F35E}').text).toBe('(p "a\\u{1F35E}")');
    expect(repairSexp('(p "a\\u{1F35E}').repairs[0]).toBe("closed the string opened at 1:4");
  });

  it("completes a cut-off reply: the token it ends inside, a keyword without its value, an empty list and a lone quote go", () => {
    expect(repairSexp('(div :class "card" (h2 (:na')).toEqual({
      text: '(div :class "card" (h2))',
      repairs: ['dropped ":na" at 1:25: the text ends inside it', "dropped an empty '(' at 1:24: the text ends after it", "closed the '(' opened at 1:20", "closed the '(' opened at 1:1"],
    });
    expect(repairSexp('(a :href "/x" :class ')).toEqual({ text: '(a :href "/x")', repairs: ['dropped ":class" at 1:15: its value is missing', "closed the '(' opened at 1:1"] });
    expect(repairSexp("(~card :title")).toEqual({ text: "(~card)", repairs: ['dropped ":title" at 1:8: the text ends inside it', "closed the '(' opened at 1:1"] });
    expect(repairSexp("(query market products :category ").text).toBe("(query market products)");
    expect(repairSexp("{:a 1 :b ").text).toBe("{:a 1}");
    expect(repairSexp("(list 'x '").text).toBe("(list 'x)");
    // A keyword that is a value (of a primitive) stays.
    expect(repairSexp("(get m :name ").text).toBe("(get m :name)");
  });

  it("drops a stray backtick and a quote with nothing to quote", () => {
    expect(repairSexp("(p `x)")).toEqual({ text: "(p x)", repairs: ["dropped a stray '`' at 1:4"] });
    expect(repairSexp("(p ')")).toEqual({ text: "(p )", repairs: ["dropped a ' with nothing after it at 1:4"] });
  });

  it("does not make up what it cannot know: brackets and bad atoms in the middle stay for the validator", () => {
    const r = repairSexp("(let [x 1] x)");
    expect(r.text).toBe("(let [x 1] x)");
    expect(() => parse(r.text)).toThrow();
  });

  // ---------------------------------------------------------------------------
  // Properties

  const keyword = fc.stringMatching(/^[a-z][a-z0-9-]{0,6}$/).map((k) => ":" + k);
  const symbol = fc.oneof(fc.constantFrom("div", "p", "~card", "+", "<=", "empty?", "nil", "true", "x"), fc.stringMatching(/^[a-z][a-z0-9?!*-]{0,6}$/));
  const atom = fc.oneof(
    fc.string({ unit: "binary", maxLength: 8 }).map(printString),
    fc.string({ maxLength: 6 }).map((s) => printString(s + "\\\n\"")),
    fc.double({ noNaN: false }).map(printNumber),
    fc.integer().map(String),
    keyword,
    symbol,
  );
  const { form } = fc.letrec<{ form: string; list: string; map: string }>((tie) => ({
    form: fc.oneof({ depthSize: "small", withCrossShrink: true }, atom, tie("list"), tie("map"), tie("form").map((f) => "'" + f)),
    // (Not empty: pretty.ts cannot lay out "()" indented past its width.)
    list: fc.array(tie("form"), { minLength: 1, maxLength: 5 }).map((xs) => `(${xs.join(" ")})`),
    map: fc.array(fc.tuple(fc.oneof(keyword, fc.string({ maxLength: 4 }).map(printString)), tie("form")), { maxLength: 3 }).map((ps) => `{${ps.map(([k, v]) => `${k} ${v}`).join(" ")}}`),
  }));
  /** Printed forms, and the same pretty-printed over several lines. */
  const text = form.chain((t) => fc.constantFrom(t, pretty(parse(t)[0]!, { width: 20 })));

  it("never changes valid text (no repairs)", () => {
    fc.assert(
      fc.property(text, (t) => {
        expect(repairSexp(t)).toEqual({ text: t, repairs: [] });
      }),
      { numRuns: 400 },
    );
  });

  it("makes every prefix of valid text read", () => {
    fc.assert(
      fc.property(text, (t) => {
        for (let n = 0; n <= t.length; n++) {
          const r = repairSexp(t.slice(0, n));
          expect(() => parse(r.text), `${JSON.stringify(t.slice(0, n))} -> ${JSON.stringify(r.text)}`).not.toThrow();
          if (r.text !== t.slice(0, n)) expect(r.repairs.length).toBeGreaterThan(0);
          for (const said of r.repairs) expect(said).toMatch(/\d+:\d+/);
        }
      }),
      { numRuns: 250 },
    );
  });
});
