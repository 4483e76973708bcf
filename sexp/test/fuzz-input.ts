/**
 * Inputs for the fuzz test (fuzz.test.ts): source texts from a seeded PRNG,
 * each a pure function of (seed, index) so any one can be made again from
 * the two numbers a failure prints. A mix of generated programs (forms of
 * the language with random parts), programs with random token-level
 * mutations, token soup, and rare very deep nesting.
 */
import { SPECIAL_FORMS } from "../src/forms.ts";
import { HTML_TAGS } from "../src/html-tags.ts";
import { basePrimitives } from "../src/primitives/index.ts";

/** A small fast PRNG (mulberry32) seeded from (seed, index). */
export class Rng {
  private s: number;
  constructor(seed: number, index: number) {
    // splitmix-style mixing, so neighbouring indexes give unrelated streams.
    let h = (Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(index + 0x632be5ab, 0xc2b2ae35)) >>> 0;
    h = Math.imul(h ^ (h >>> 16), 0x7feb352d);
    h = Math.imul(h ^ (h >>> 15), 0x846ca68b);
    this.s = (h ^ (h >>> 16)) >>> 0;
  }
  /** Uniform in [0, 1). */
  next(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  int(n: number): number {
    return Math.floor(this.next() * n);
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)]!;
  }
  /** Up to `max` results of `f`. */
  times(max: number, f: () => string): string[] {
    const out: string[] = [];
    for (let n = this.int(max + 1); n > 0; n--) out.push(f());
    return out;
  }
}

const PRIMITIVES = basePrimitives.list().map((p) => p.name);
const SPECIALS = [...SPECIAL_FORMS];
const TAGS = [...HTML_TAGS];
const COMMON_TAGS = ["div", "p", "span", "a", "ul", "li", "script", "style", "img", "br", "svg", "math", "title", "textarea", "button", "form", "input", "html", "head", "body", "iframe", "my-el"];
const VARS = ["x", "y", "z", "items", "acc", "n", "f", "h", "item", "children", "a", "b"];
const ODD_SYMBOLS = [
  "else", "&rest", "&key", "&optional", "json", "css-value", "my-el", "x-y", "~card", "~c", "~nope", "~", "...", "-", "+", "a.b", "é", "😀",
  "nil?", "->", "<>", "raw!", "quote", "!", "?", "%", "a:b", "#x", "##Inf", "##NaN", "##-Inf", "##Foo",
];
const ATTRS = [
  "href", "src", "class", "id", "style", "title", "onclick", "onError", "ONLOAD", "srcdoc", "hx-get", "HX-Post", "hx-vals", "hx-headers", "hx-request",
  "hx-on:click", "hx-on::after-request", "data-hx-vars", "hx-trigger", "hx-target", "hx-swap", "hx-swap-oob", "hx-ext", "hx-push-url", "data-hx-get",
  "data-x", "data-one", "data-onclick", "xlink:href", "formaction", "action", "a=b", "@click", "disabled", "type", "value", "method", "cache", "key",
  "else", "slot", "children", "a", "srcset", "x", "1", ":", "a/b",
];
const NUMBERS = [
  "0", "-0", "1", "-1", "2", "3", "10", "1.5", ".5", "-.5", "1e3", "1e308", "1e-400", "9007199254740993", "##NaN", "##Inf", "##-Inf",
  "+5", "007", "3.14159", "-2.5", "1e21", "100", "5e-324", "1.7976931348623157e308", "+.5", "-1e-7",
];
/** Tokens the reader refuses: rare in programs (each one makes the whole input a read error), common in soup. */
const BAD_NUMBERS = ["1e309", "-1e999", "1.", "0x10", "1e", "1_000", "-.", "1..2", "1.5.2", ".5x"];
const STRING_PIECES = [
  "", "a", "hello", "x y", "<script>alert(1)</script>", "</script>", "</style>", "<!--", "-->", "javascript:alert(1)", " JaVa\\tScRiPt:x",
  "data:text/html,x", "data:image/png;base64,AA", "js:alert(1)", "javascript:a:alert(1)", "';alert(1);//", "\\\"", "\\\\", "\\n", "\\t", "\\r",
  "\\u{41}", "\\u{d800}", "\\u{dc00}", "\\u{feff}", "\\u{2028}", "\\u{0}", "\\u{10FFFF}", "%s", "%d", "%.2f", "%%",
  "%.99f", "%", "😀", "é", "\ufeff", "\ud800", "\udc00", "\u0000", "\u0007", "\u007f", "\u00a0", "\u2028", "red", "calc(1px + 2px)", "url(x)", "#fa0",
  "{", "}", "(", ")", ";", "'", "`", ",", ":", "/", "/x/:id/", "*", "&amp;", "<", ">", "&", "=", "?", "\n", "\r\n",
];
const BAD_STRING_PIECES = ["\\u{110000}", "\\u{}", "\\u{12", "\\q", "\\x41", "\\"];
function str(r: Rng): string {
  return '"' + r.times(4, () => r.pick(r.chance(0.005) ? BAD_STRING_PIECES : STRING_PIECES)).join("") + '"';
}

function symbol(r: Rng): string {
  const k = r.int(20);
  if (k < 12) return r.pick(VARS);
  if (k < 16) return r.pick(PRIMITIVES);
  if (k < 17) return r.pick(SPECIALS);
  if (k < 18) return r.pick(TAGS);
  return r.pick(ODD_SYMBOLS);
}

function atom(r: Rng): string {
  switch (r.int(9)) {
    case 0:
    case 1:
      return r.pick(r.chance(0.01) ? BAD_NUMBERS : NUMBERS);
    case 2:
    case 3:
      return str(r);
    case 4:
      return ":" + r.pick(ATTRS);
    case 5:
      return r.pick(["nil", "true", "false"]);
    default:
      return symbol(r);
  }
}

/** An expression of the language, up to `depth` levels deep. */
function expr(r: Rng, depth: number): string {
  if (depth <= 0 || r.chance(0.3)) return atom(r);
  const e = (): string => expr(r, depth - 1);
  const body = (): string => r.times(2, e).join(" ") || e();
  switch (r.int(25)) {
    case 0:
    case 1:
    case 2:
      return element(r, depth);
    case 3:
    case 4:
      return `(${r.pick(PRIMITIVES)} ${r.times(3, e).join(" ")})`;
    case 5:
      return `(if ${e()} ${e()}${r.chance(0.7) ? " " + e() : ""})`;
    case 6:
      return `(${r.pick(["when", "unless"])} ${e()} ${body()})`;
    case 7:
      return `(cond ${r.times(3, () => `(${r.chance(0.2) ? "else" : e()} ${e()})`).join(" ")}${r.chance(0.3) ? " (:else " + e() + ")" : ""})`;
    case 8:
      return `(${r.pick(["and", "or"])} ${r.times(3, e).join(" ")})`;
    case 9:
      return `(let (${r.times(3, () => `(${r.pick(VARS)} ${e()})`).join(" ")}) ${body()})`;
    case 10:
      return `(${r.pick(["fn", "lambda"])} ${params(r)} ${body()})`;
    case 11:
      return `(map (fn (${r.pick(VARS)}) ${e()}) ${r.chance(0.5) ? `(range ${r.pick(NUMBERS)})` : e()})`;
    case 12:
      return `(do ${r.chance(0.3) ? `(define ${r.pick(VARS)} ${e()}) ` : ""}${body()})`;
    case 13:
      return r.chance(0.5) ? `'${e()}` : `(quote ${e()})`;
    case 14:
      return `(${r.pick(["raw!", "<>"])} ${r.times(3, e).join(" ")})`;
    case 15:
      return `(${r.pick(["~c", "~card", "~nope"])} ${r.times(2, () => `:${r.pick(["a", "title", "children", "b"])} ${e()}`).join(" ")} ${r.times(2, e).join(" ")})`;
    case 16:
      return r.chance(0.5) ? `(:${r.pick(["a", "b", "title", "else"])} ${e()}${r.chance(0.3) ? " " + e() : ""})` : `(:slot ${e()} :a ${r.chance(0.5) ? ":b" : e()})`;
    case 17:
      return `{${r.times(3, () => `${r.chance(0.7) ? ":" + r.pick(["a", "b", "c"]) : str(r)} ${e()}`).join(" ")}}`;
    case 18:
      return `(${r.pick(["f", "h", "fact", "x"])} ${r.times(2, e).join(" ")})`;
    case 19:
      return `(str ${r.times(3, e).join(" ")})`;
    case 20:
      return `(format ${str(r)} ${r.times(3, e).join(" ")})`;
    case 21:
      return `(${r.pick(["json", "css-value"])} ${e()})`;
    case 22:
      return `(${r.pick(["reduce", "filter", "apply", "map-indexed", "sort-by", "group-by"])} ${r.chance(0.5) ? `(fn (a b) ${e()})` : r.pick(PRIMITIVES)} ${e()} ${e()})`;
    case 23:
      return amplifier(r, e);
    default:
      return `(${r.times(4, e).join(" ")})`;
  }
}

/** Big, deep or self-sharing values, and the primitives that walk or copy them: the step budget must cover the work. */
function amplifier(r: Rng, e: () => string): string {
  const n = r.pick(["10", "100", "1000", "5000", "20000", "1e9", "-5", "0.5", "##Inf", "##NaN"]);
  const big = r.pick([
    `(range ${n})`,
    `(join "" (map (fn (i) x) (range ${n})))`,
    `(reduce (fn (acc i) (list acc)) 1 (range ${n}))`,
    `(reduce (fn (acc i) (list acc acc)) 1 (range ${n}))`,
    `(reduce (fn (acc i) (str acc acc)) "ab" (range ${n}))`,
    `(map (fn (i) (range i)) (range ${n}))`,
    `(reduce (fn (acc i) {:a acc}) nil (range ${n}))`,
    e(),
  ]);
  const use = r.pick([
    "p", "str", "json", "css-value", "count", "reverse", "rest", "distinct", "sort", "concat", "first", "seq", "keys", "upper", "trim", "raw!",
    "<>", "list", "identity", "type-of", "empty?", "last", "vals",
  ]);
  switch (r.int(8)) {
    case 0:
      return `(let ((big ${big})) (map (fn (i) (${r.pick(["rest", "reverse", "take i", "drop i", "cons i", "distinct", "count"])} big)) big))`;
    case 1:
      return `(let ((big ${big})) (${r.pick(["=", "not=", "includes?", "format \"%s %s\"", "replace", "join", "split", "subs", "nth", "take", "drop", "get", "apply"])} big ${r.chance(0.5) ? "big" : e()}))`;
    case 2:
      return `(let ((big ${big})) (replace big "" big))`;
    case 3:
      return `(let ((big ${big})) (div :class big :title (str big) (json big) big))`;
    case 4:
      return `(let ((big ${big})) (distinct (map (fn (i) (take i big)) big)))`;
    default:
      return `(${use} ${big})`;
  }
}

function params(r: Rng): string {
  switch (r.int(5)) {
    case 0:
      return `(${r.times(3, () => r.pick(VARS)).join(" ")})`;
    case 1:
      return `(${r.pick(VARS)} &rest ${r.pick(VARS)})`;
    case 2:
      return `(&key ${r.times(2, () => (r.chance(0.5) ? r.pick(VARS) : `(${r.pick(VARS)} ${atom(r)})`)).join(" ")})`;
    case 3:
      return `(&key a &rest ${r.pick(VARS)})`;
    default:
      return r.chance(0.5) ? "()" : atom(r);
  }
}

function element(r: Rng, depth: number): string {
  const tag = r.chance(0.8) ? r.pick(COMMON_TAGS) : r.pick(TAGS);
  const e = (): string => expr(r, depth - 1);
  const attrs = r.times(3, () => `:${r.pick(ATTRS)} ${r.chance(0.5) ? atom(r) : e()}`).join(" ");
  let children: string;
  if (tag === "script" || tag === "style") {
    const embed = tag === "script" ? "json" : "css-value";
    children = r.times(3, () => (r.chance(0.5) ? str(r) : r.chance(0.7) ? `(${embed} ${e()})` : e())).join(" ");
  } else children = r.times(3, e).join(" ");
  return `(${tag} ${attrs} ${children})`;
}

function definition(r: Rng, depth: number): string {
  const e = (): string => expr(r, depth);
  switch (r.int(7)) {
    case 0:
    case 1:
      return `(defcomp ${r.pick(["~c", "~card", "c"])} ${r.chance(0.2) ? str(r) + " " : ""}${params(r)} ${r.chance(0.1) ? ":cache true " : ""}${e()})`;
    case 2:
      return `(define (${r.pick(["f", "h", "fact", "f", "h", "div"])} ${r.times(2, () => r.pick(VARS)).join(" ")}) ${e()})`;
    case 3:
      return `(define ${r.pick(VARS)} ${e()})`;
    case 4:
      return `(define ${r.pick(["f", "h"])} (fn ${params(r)} ${e()}))`;
    case 5:
      return `(defroute ${r.pick(['"/x/:id/"', '"/a/*"', '"x"', "1"])} ${r.chance(0.3) ? ':method "POST" ' : ""}${e()})`;
    default:
      return `(defquery blog q (&key ${r.pick(VARS)}) ${str(r)} :params {:${r.pick(VARS)} :${r.pick(["text", "int", "blob"])}} :returns :${r.pick(["one", "many", "some"])} :sql ${str(r)})`;
  }
}

/** A program: some definitions, then some expressions. */
function program(r: Rng): string {
  const depth = 1 + r.int(5);
  const forms = [...r.times(3, () => definition(r, depth)), ...r.times(3, () => expr(r, depth))];
  return forms.join(r.pick(["\n", " ", "\n\n", "\r\n"])) || expr(r, depth);
}

const SEPARATORS = [" ", " ", " ", "\n", "\t", "", ",", "\r\n", "\f", "; comment (\n", ";", "\u00a0", "\ufeff", "\u2028"];
const PUNCTUATION = ["(", "(", ")", ")", "{", "}", "'", '"', "[", "]", "`", "\\", ":", "#", "&"];

function token(r: Rng): string {
  if (r.chance(0.35)) return r.pick(PUNCTUATION);
  if (r.chance(0.1)) return String.fromCharCode(r.int(0x10000));
  if (r.chance(0.1)) return r.chance(0.5) ? r.pick(BAD_NUMBERS) : `"${r.pick(BAD_STRING_PIECES)}"`;
  return atom(r);
}

/** Tokens in a random order with random separators. */
function soup(r: Rng): string {
  const start = r.chance(0.3) ? r.pick(SEPARATORS) : "";
  return start + Array.from({ length: 1 + r.int(60) }, () => token(r) + r.pick(SEPARATORS)).join("");
}

const TOKENS = /"(?:[^"\\]|\\.)*"?|[()[\]{}'`]|;[^\n]*|\s+|[^\s()[\]{}'`";]+/g;

/** A program with a few tokens deleted, duplicated, swapped, replaced or inserted. */
function mutate(r: Rng, text: string): string {
  const toks = text.match(TOKENS) ?? [];
  for (let k = 1 + r.int(4); k > 0 && toks.length; k--) {
    const i = r.int(toks.length);
    switch (r.int(6)) {
      case 0:
        toks.splice(i, 1);
        break;
      case 1:
        toks.splice(i, 0, toks[i]!);
        break;
      case 2: {
        const j = r.int(toks.length);
        [toks[i], toks[j]] = [toks[j]!, toks[i]!];
        break;
      }
      case 3:
        toks[i] = token(r);
        break;
      case 4:
        toks.splice(i, 0, " " + token(r) + " ");
        break;
      default:
        toks[i] = toks[i]!.slice(0, r.int(toks[i]!.length + 1));
    }
  }
  return toks.join("");
}

/** Nesting near and past the limits: the reader's 1000 levels, the host stack. */
function deep(r: Rng): string {
  const n = 900 + r.int(150);
  const [open, close] = r.pick([
    ["(div ", ")"], ["(list ", ")"], ["'", ""], ["{:a ", "}"], ["(if 1 ", ")"], ["(let ((x 1)) ", ")"], ["(fn (x) ", ")"],
    ["(<> ", ")"], ["(str ", ")"], ["(script (json ", "))"], ["(quote ", ")"], ["(", ")"], ["(~c :a ", ")"], ["(do ", ")"],
  ] as const);
  return (r.chance(0.5) ? "(defcomp ~c (&key a children) (div a children)) " : "") + open.repeat(n) + atom(r) + close.repeat(n);
}

/** The fuzz input number `index` of the run with `seed`. */
export function fuzzInput(seed: number, index: number): string {
  const r = new Rng(seed, index);
  const k = r.int(100);
  if (k < 40) return program(r);
  if (k < 80) return mutate(r, program(r));
  if (k < 99 || r.chance(0.9)) return soup(r);
  return deep(r);
}
