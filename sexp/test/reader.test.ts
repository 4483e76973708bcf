/** The reader: every syntax form, every node's position, every error's position and excerpt. */
import { describe, expect, it } from "vitest";
import { ReadError, formatError } from "../src/errors.ts";
import { print } from "../src/printer.ts";
import { parse, parseOne } from "../src/reader.ts";
import type { Node } from "../src/types.ts";

/** A position-free view of a tree, easy to compare: atoms as [kind, value], containers as [kind, ...items]. */
type Shape = readonly unknown[];
function shape(n: Node): Shape {
  if (n.kind === "list" || n.kind === "map") return [n.kind, ...n.value.map(shape)];
  return [n.kind, n.value];
}
const one = (text: string): Shape => shape(parseOne(text));
const all = (text: string): Shape[] => parse(text).map(shape);

/** Every node in document order with its position: `kind value@line:col`. */
function positions(text: string): string[] {
  const out: string[] = [];
  const walk = (n: Node): void => {
    const label = n.kind === "list" || n.kind === "map" ? n.kind : `${n.kind} ${JSON.stringify(n.value)}`;
    out.push(`${label}@${n.line}:${n.col}`);
    if (n.kind === "list" || n.kind === "map") n.value.forEach(walk);
  };
  parse(text, { src: "f.sexp" }).forEach(walk);
  return out;
}

/** The ReadError `text` raises (fails the test when it parses). */
function readError(text: string, options: { maxDepth?: number } = {}): ReadError {
  try {
    parse(text, { src: "page.sexp", ...options });
  } catch (e) {
    expect(e).toBeInstanceOf(ReadError);
    return e as ReadError;
  }
  throw new Error(`expected a ReadError for ${JSON.stringify(text)}`);
}

describe("reader: forms", () => {
  it("reads lists, nested lists and the empty list", () => {
    expect(one("(a (b c) ())")).toEqual(["list", ["sym", "a"], ["list", ["sym", "b"], ["sym", "c"]], ["list"]]);
    expect(all("a b")).toEqual([["sym", "a"], ["sym", "b"]]);
    expect(all("")).toEqual([]);
    expect(all("  ; only a comment\n")).toEqual([]);
  });

  it("reads map literals, with commas as whitespace", () => {
    expect(one('{:a 1 "b" (x)}')).toEqual(["map", ["kw", "a"], ["num", 1], ["str", "b"], ["list", ["sym", "x"]]]);
    expect(one("{:a 1, :b 2,}")).toEqual(one("{:a 1 :b 2}"));
    expect(one("{}")).toEqual(["map"]);
    expect(one("(a,b,,c)")).toEqual(["list", ["sym", "a"], ["sym", "b"], ["sym", "c"]]);
    expect(one("{:m {:n nil}}")).toEqual(["map", ["kw", "m"], ["map", ["kw", "n"], ["nil", null]]]);
  });

  it("reads strings and their escapes", () => {
    expect(one('"plain"')).toEqual(["str", "plain"]);
    expect(one('""')).toEqual(["str", ""]);
    expect(one('"a\\"b\\\\c\\nd\\te\\rf"')).toEqual(["str", 'a"b\\c\nd\te\rf']);
    expect(one('"\\u{41}\\u{e9}\\u{20AC}"')).toEqual(["str", "Aé€"]);
    expect(one('"\\u{1F600} \\u{10FFFF}"')).toEqual(["str", "\u{1F600} \u{10FFFF}"]);
    expect(one('"\\u{0}"')).toEqual(["str", "\0"]);
    // A lone surrogate can be written (the printer relies on this for any JS string).
    expect(one('"\\u{d800}"')).toEqual(["str", "\ud800"]);
    // Literal newlines, tabs, CRLF and astral characters are kept as they are.
    expect(one('"a\nb\r\nc\td 😀"')).toEqual(["str", "a\nb\r\nc\td 😀"]);
    // Delimiters inside strings are just text.
    expect(one('"(); {}[] \' ` ,"')).toEqual(["str", "(); {}[] ' ` ,"]);
  });

  it("reads integers and floats: sign, fraction, exponent", () => {
    const nums: [string, number][] = [
      ["0", 0], ["42", 42], ["-3", -3], ["+5", 5], ["1.5", 1.5], ["1.5e3", 1500], ["1E3", 1000], [".5", 0.5],
      ["-.5", -0.5], ["-0.25E-2", -0.0025], ["2e+2", 200], ["007", 7], ["1e-400", 0], ["9007199254740993", 9007199254740992],
    ];
    for (const [text, value] of nums) expect(one(text), text).toEqual(["num", value]);
    expect(Object.is(parseOne("-0").value, -0)).toBe(true);
  });

  it("reads symbols, including operator and marker names", () => {
    const syms = [
      "~card", "<>", "raw!", "empty?", "->", "+", "-", "...", "*", "/", "<=", "&key", "&rest", "a.b", "x->y", "-x", "+x",
      ".", "..", "-.", ".a5", "a1", "été", "ok?", "set-x!", "a:b", "#t", "@x", "%", "$", "~", "a=b",
    ];
    for (const s of syms) expect(one(s), s).toEqual(["sym", s]);
  });

  it("reads keywords", () => {
    expect(one(":class")).toEqual(["kw", "class"]);
    expect(one(":hx-swap-oob")).toEqual(["kw", "hx-swap-oob"]);
    expect(one(":a:b")).toEqual(["kw", "a:b"]);
    expect(one(":1")).toEqual(["kw", "1"]);
    expect(one(":nil")).toEqual(["kw", "nil"]);
    expect(all(":a(:b)")).toEqual([["kw", "a"], ["list", ["kw", "b"]]]);
  });

  it("reads true, false and nil (and nothing that merely starts like them)", () => {
    expect(all("true false nil")).toEqual([["bool", true], ["bool", false], ["nil", null]]);
    expect(all("nil? truex False NIL")).toEqual([["sym", "nil?"], ["sym", "truex"], ["sym", "False"], ["sym", "NIL"]]);
  });

  it("skips comments to the end of the line", () => {
    expect(all("; head\n(a ; inside\n b) ; tail")).toEqual([["list", ["sym", "a"], ["sym", "b"]]]);
    expect(all("(a;no space\nb)")).toEqual([["list", ["sym", "a"], ["sym", "b"]]]);
    expect(all('"; not a comment"')).toEqual([["str", "; not a comment"]]);
  });

  it("reads 'x as (quote x), nested and in any position", () => {
    const q = (x: Shape): Shape => ["list", ["sym", "quote"], x];
    expect(one("'x")).toEqual(q(["sym", "x"]));
    expect(one("''x")).toEqual(q(q(["sym", "x"])));
    expect(one("'(a 'b)")).toEqual(q(["list", ["sym", "a"], q(["sym", "b"])]));
    expect(one("' ; comment\n x")).toEqual(q(["sym", "x"]));
    expect(one("'{:a 1}")).toEqual(q(["map", ["kw", "a"], ["num", 1]]));
    expect(all("a'b")).toEqual([["sym", "a"], q(["sym", "b"])]);
    expect(one("'(quote x)")).toEqual(q(q(["sym", "x"])));
  });

  it("ends atoms at every delimiter", () => {
    expect(all('a(b)c{:d 1}e"f"g;h\ni')).toEqual([
      ["sym", "a"], ["list", ["sym", "b"]], ["sym", "c"], ["map", ["kw", "d"], ["num", 1]], ["sym", "e"], ["str", "f"], ["sym", "g"], ["sym", "i"],
    ]);
    expect(all("a\fb\vc")).toEqual([["sym", "a"], ["sym", "b"], ["sym", "c"]]);
  });

  it("parses 1000 levels of nesting and many siblings without recursion trouble", () => {
    const deep = "(".repeat(1000) + ")".repeat(1000);
    expect(parse(deep)).toHaveLength(1);
    const wide = "(" + "x ".repeat(100_000) + ")";
    expect(parseOne(wide).value).toHaveLength(100_000);
  });
});

describe("reader: positions", () => {
  it("gives every node its line and column", () => {
    expect(positions("(div :class \"x\"\n  (p 1 true)\n  {:k nil})")).toEqual([
      "list@1:1", 'sym "div"@1:2', 'kw "class"@1:6', 'str "x"@1:13',
      "list@2:3", 'sym "p"@2:4', "num 1@2:6", "bool true@2:8",
      "map@3:3", 'kw "k"@3:4', "nil null@3:7",
    ]);
  });

  it("keeps counting lines inside multi-line strings", () => {
    expect(positions('(a "one\ntwo\nthree" b)\n c')).toEqual([
      "list@1:1", 'sym "a"@1:2', 'str "one\\ntwo\\nthree"@1:4', 'sym "b"@3:8', 'sym "c"@4:2',
    ]);
  });

  it("treats CRLF as one line break", () => {
    expect(positions("(a\r\n  b)\r\n\r\nc")).toEqual(["list@1:1", 'sym "a"@1:2', 'sym "b"@2:3', 'sym "c"@4:1']);
    expect(positions('"x\r\ny" z')).toEqual(['str "x\\r\\ny"@1:1', 'sym "z"@2:4']);
  });

  it("places a quote form at its apostrophe, the quote symbol too", () => {
    expect(positions("  'x\n'(a)")).toEqual([
      "list@1:3", 'sym "quote"@1:3', 'sym "x"@1:4', "list@2:1", 'sym "quote"@2:1', "list@2:2", 'sym "a"@2:3',
    ]);
  });

  it("counts columns after comments and tabs", () => {
    expect(positions("; c\n\tx ; y\n  z")).toEqual(['sym "x"@2:2', 'sym "z"@3:3']);
  });

  it("skips a byte-order mark at the start of the text, and refuses one anywhere else outside strings", () => {
    expect(positions("\ufeff(a)")).toEqual(["list@1:1", 'sym "a"@1:2']);
    // Else a symbol starting with one would print as text that reads back as another symbol.
    expect(readError("a \ufeff").loc).toEqual({ src: "page.sexp", line: 1, col: 3 });
    expect(readError("\ufeff\ufeffx").loc).toEqual({ src: "page.sexp", line: 1, col: 1 });
    expect(one('"\ufeff"')).toEqual(["str", "\ufeff"]);
  });

  it("names the source", () => {
    const [n] = parse("x", { src: "lib/cards.sexp" });
    expect(n).toMatchObject({ src: "lib/cards.sexp", line: 1, col: 1 });
    expect(parseOne("x").src).toBe("<input>");
  });
});

describe("reader: errors", () => {
  // [source, line, col, message fragment]
  const cases: [string, number, number, string][] = [
    ['(p "abc', 1, 4, "unterminated string"],
    ['(p "abc\ndef', 1, 4, "unterminated string"],
    ['"abc\\', 1, 1, "unterminated string"],
    ["(a\n  (b c)", 1, 1, "unclosed '('"],
    ["x\n  {:a 1", 2, 3, "unclosed '{'"],
    ["(a))", 1, 4, "unexpected ')'"],
    ["\n  }", 2, 3, "unexpected '}'"],
    ["(a\n (b})", 2, 4, "'}' does not match the '(' opened at 2:2"],
    ["{:a 1)", 1, 6, "')' does not match the '{' opened at 1:1"],
    ['(p "ok\n  bad \\q")', 2, 7, "bad escape '\\q'"],
    ['"\\x41"', 1, 2, "bad escape '\\x'"],
    ['"\\u41"', 1, 2, "bad unicode escape"],
    ['"\\u{}"', 1, 2, "bad unicode escape"],
    ['"\\u{110000}"', 1, 2, "bad unicode escape"],
    ['"\\u{1234567}"', 1, 2, "bad unicode escape"],
    ['"\\u{12"', 1, 2, "bad unicode escape"],
    ["(x\n {:a 1 :b})", 2, 2, "map literal needs key/value pairs but has 3 forms"],
    ["{:a 1 b 2}", 1, 7, "map keys must be keywords or strings, not the symbol b"],
    ["{1 2}", 1, 2, "map keys must be keywords or strings, not a number"],
    ["{(k) 2}", 1, 2, "not a list"],
    ["(a [b])", 1, 4, "'[' is not part of the syntax"],
    ["a ]", 1, 3, "']' is not part of the syntax"],
    ["`a", 1, 1, "'`' is not part of the syntax"],
    ["(a : b)", 1, 4, "empty keyword"],
    ["(+ 1abc 2)", 1, 4, "invalid number '1abc'"],
    ["1.", 1, 1, "invalid number '1.'"],
    ["  -1.5.2", 1, 3, "invalid number '-1.5.2'"],
    [".5x", 1, 1, "invalid number '.5x'"],
    ["0x1F", 1, 1, "invalid number '0x1F'"],
    ["1e", 1, 1, "invalid number '1e'"],
    ["1e400", 1, 1, "out of range"],
    ["(x -1e999)", 1, 4, "out of range"],
    ["'", 1, 1, "quote (') at end of input"],
    ["(a\n  ')", 2, 3, "quote (') must be followed by a form"],
    ["(a ''  )", 1, 5, "quote (') must be followed by a form"],
    ["ab\u0001c", 1, 3, "invalid character"],
    ["a\\b", 1, 2, "invalid character"],
    ["(a \ufeffb)", 1, 4, "a byte-order mark (U+FEFF) is allowed only as the first character of a file"],
    ["(ab\ufeff c)", 1, 4, "byte-order mark"],
    ["x\n :k\ufeff", 2, 4, "byte-order mark"],
    ["1\ufeff", 1, 2, "byte-order mark"],
  ];
  for (const [text, line, col, message] of cases) {
    it(`${JSON.stringify(text)} -> ${line}:${col} ${message}`, () => {
      const err = readError(text);
      expect(err.message).toContain(message);
      expect(err.kind).toBe("read");
      expect(err.loc).toEqual({ src: "page.sexp", line, col });
      expect(err.text).toBe(`page.sexp:${line}:${col}: ${err.message}`);
    });
  }

  it("formats an error as FILE:LINE:COL: message, the source line and a caret under the column", () => {
    const src = '(div\n  (p "one" \\x))';
    const err = readError(src);
    expect(formatError(err, () => src)).toBe(
      [`page.sexp:2:12: invalid character "\\\\" in '\\x'`, '2 |   (p "one" \\x))', "  |            ^"].join("\n"),
    );
  });

  it("puts the caret under the right column for every error case", () => {
    for (const [text, line, col] of cases) {
      const lines = formatError(readError(text), (file) => (file === "page.sexp" ? text : undefined)).split("\n");
      expect(lines, text).toHaveLength(3);
      expect(lines[0]).toMatch(new RegExp(`^page\\.sexp:${line}:${col}: \\S`));
      const sourceLine = text.split("\n")[line - 1]!.replace(/\r$/, "");
      expect(lines[1]).toBe(`${line} | ${sourceLine}`);
      const gutter = `${line} | `.length;
      expect(lines[2]!.indexOf("^") - gutter, text).toBe(col - 1);
      expect(lines[2]!.trimEnd().endsWith("^")).toBe(true);
    }
  });

  it("keeps tabs in the caret line and drops the CR of CRLF", () => {
    const src = "(a\r\n\t\t)) ; stray";
    const err = readError(src);
    expect(err.loc).toMatchObject({ line: 2, col: 4 });
    expect(formatError(err, () => src).split("\n").slice(1)).toEqual(["2 | \t\t)) ; stray", "  | \t\t ^"]);
  });

  it("without the source text, formats the first line only", () => {
    expect(formatError(readError("(a"))).toBe("page.sexp:1:1: unclosed '(': expected ')' before end of input");
  });

  it("rejects nesting deeper than the limit, at the opening that crosses it", () => {
    const err = readError("(".repeat(1001) + ")".repeat(1001));
    expect(err.message).toContain("nesting deeper than 1000 levels");
    expect(err.loc).toMatchObject({ line: 1, col: 1001 });
    expect(readError("{:a {:b (x)}}", { maxDepth: 2 }).loc).toMatchObject({ line: 1, col: 9 });
    expect(() => parse("((x))", { maxDepth: 2 })).not.toThrow();
  });

  it("gives a ReadError, not a stack overflow, for 100000 nested parentheses, maps or quotes", () => {
    expect(readError("(".repeat(100_000)).message).toContain("nesting deeper");
    expect(readError("(".repeat(100_000) + ")".repeat(100_000)).message).toContain("nesting deeper");
    expect(readError("{:a ".repeat(100_000)).message).toContain("nesting deeper");
    // Quotes build nested (quote ...) lists too, so they count as levels.
    const quotes = readError("'".repeat(100_000) + "x");
    expect(quotes.message).toContain("nesting deeper");
    expect(quotes.loc).toMatchObject({ line: 1, col: 1001 });
    expect(readError("('".repeat(600) + "x").message).toContain("nesting deeper");
  });

  it("a quote run within the limit parses and prints", () => {
    const text = "'".repeat(999) + "x";
    expect(print(parseOne(text))).toBe(text);
  });

  it("parseOne wants exactly one form", () => {
    expect(() => parseOne("")).toThrow(ReadError);
    expect(() => parseOne("a b")).toThrow(/expected one form/);
    try {
      parseOne("a\n  b", { src: "x" });
    } catch (e) {
      expect((e as ReadError).loc).toMatchObject({ line: 2, col: 3 });
    }
  });
});
