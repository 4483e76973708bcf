import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { check, checkSource, type CheckOptions, type Problem } from "../src/check.ts";
import { routeParams } from "../src/route.ts";
import { arityMessage } from "../src/errors.ts";
import { compile } from "../src/compiler.ts";
import { SexpError } from "../src/errors.ts";
import { basePrimitives } from "../src/primitives/index.ts";
import { createEnv, evaluateForms } from "../src/program.ts";
import { parse } from "../src/reader.ts";

const fixture = (name: string) => readFileSync(new URL(`../test/fixtures/${name}`, import.meta.url), "utf8");

/** Problems as `line:col: message` strings. */
function problems(text: string, options: CheckOptions = {}): string[] {
  return check(parse(text, { src: "t.sexp" }), options).map((p) => `${p.loc.line}:${p.loc.col}: ${p.message}`);
}

const lib = (text: string) => parse(text, { src: "lib.sexp" });

describe("valid programs give no problems", () => {
  it("a realistic file: components, layouts with &rest, let, closures, recursion, map over data", () => {
    const text = `
;; Components
(defcomp ~card (&key title (tone "plain") children)
  (div :class (list "card" (str "card-" tone))
    (when title (h2 title))
    children))

(defcomp ~layout "A page shell." (&key title &rest content)
  (html :lang "en"
    (head (meta :charset "utf-8") (title title) (link :rel "stylesheet" :href "/app.css"))
    (body (header (h1 title)) (main content))))

(define site-name "Rose-Ash")
(define (price-label p &key (currency "£")) (format "%s%.2f" currency p))
(define make-adder (fn (n) (lambda (x) (+ x n))))
(define add2 (make-adder 2))
(define (fact n) (if (<= n 1) 1 (* n (fact (dec n)))))
(define (nav-tree items &rest _)
  (ul (map (fn (i)
             (li (a :href (:slot i :href) (:slot i :title))
                 (unless (empty? (:slot i :children)) (nav-tree (:slot i :children)))))
           items)))
(define (spinner) (my-spinner :size "small"))

(defcomp ~product (&key product)
  (let ((stock (:slot product :stock))
        (sold-out (<= stock 0))
        (label (price-label (:price product) :currency "€")))
    (define badge (cond (sold-out (span :class "badge" "Sold out"))
                        ((:new product) (span :class "badge" "New"))
                        (else nil)))
    (article
      (h3 (:slot product :name))
      badge
      (p :class "price" label)
      (button :disabled sold-out :type "submit" "Add to cart"))))

(~layout :title (str site-name " — shop")
  (~card :title "Totals" :tone "info"
    (p "5! = " (fact 5) ", 3 + 2 = " (add2 3)))
  (~card (p "untitled"))
  (<> (li "One") (li "Two"))
  (raw! "<b>trusted</b>")
  (nav-tree (list {:href "/a" :title "A" :children (list)}))
  (section :class "grid"
    (map (fn (p) (~product :product p))
         (list {:name "Apple" :stock 3 :price 1.5 :new true}
               {:name "Pear" :stock 0 :price 2})))
  (let ((items '(a b (c d)))) (p (count items)))
  (img :src "/logo.png" :alt "logo")
  (a :href "https://example.com/?q=1" "out")
  (spinner)
  (my-widget :data-x 1 (p "custom element")))

(defroute "/blog/:slug/" (p slug))
(defroute "/cart/" :method "POST" (p "ok"))
`;
    expect(problems(text)).toEqual([]);
    // And it runs: the checker accepts only what the evaluator does.
    expect(() => evaluateForms(parse(text), createEnv())).not.toThrow();
  });

  it("the seed's Phase 5 layouts, with ~header, ~nav-tree and ~post-filter defined", () => {
    const support = lib(`
      (define ... nil)
      (defcomp ~header (&key user cart)
        (header (span (if user (:slot user :name) "Sign in")) (span (str (or (:slot cart :count) 0) " items"))))
      (defcomp ~nav-tree (&key items)
        (ul :class "nav" (map (fn (i) (li (a :href (:slot i :href) (:slot i :title)))) items)))
      (defcomp ~post-filter (&key post) (span (:slot post :category)))`);
    const forms = parse(fixture("seed-phase5.sexp"), { src: "seed-phase5.sexp" });
    expect(check(forms, { lib: support })).toEqual([]);
    // `(title title)` is a <title> element holding the variable `title`.
    expect(check(parse('(defcomp ~t (&key title) (head (title title)))'))).toEqual([]);
  });

  it("the seed's Phase 2 conventions, given what the seed leaves undefined", () => {
    const forms = parse(fixture("seed-phase2.sexp"));
    expect(check(forms, { globals: ["condition", "fn", "items"] })).toEqual([]);
  });

  it("locals shadow globals and special forms, as in the compiler", () => {
    expect(problems("(define (apply-all fn items) (map (fn) items))")).toEqual([]);
    expect(problems("(define (twice f x) (f (f x))) (twice inc 1)")).toEqual([]);
    expect(problems("(let ((count (fn (a b) a))) (count 1 2))")).toEqual([]);
  });

  it("definitions may come after their use; internal defines see each other", () => {
    expect(problems("(p (late 1)) (define (late x) x)")).toEqual([]);
    expect(problems("(define (f) (define (ev? n) (if (= n 0) true (od? (dec n)))) (define (od? n) (if (= n 0) false (ev? (dec n)))) (ev? 4))")).toEqual([]);
    expect(problems("(let () (do (define x 1)) x)")).toEqual([]);
    expect(problems("(when true (define g 1)) (p g)")).toEqual([]);
  });

  it("quoted forms are data and are not checked", () => {
    expect(problems("(p (count '(nosuch (img \"x\") :a)))")).toEqual([]);
    expect(problems("(quote (~nope 1 2))")).toEqual([]);
  });

  it("definitions from lib forms and host globals are known", () => {
    const l = lib('(defcomp ~card (&key title children) (div title children)) (define (greet name) (str "hi " name))');
    expect(problems('(~card :title (greet user) (p "x"))', { lib: l, globals: ["user"] })).toEqual([]);
    expect(problems('(~card :title (greet user) (p "x"))', { lib: l })).toEqual(["1:22: unknown symbol 'user'"]);
  });

  it("a host registry makes its primitives known", () => {
    const registry = basePrimitives.extend();
    registry.defineIO({ name: "htmx-request?", params: "", doc: "Whether htmx sent the request.", fn: () => false });
    expect(problems("(p (htmx-request?))", { registry })).toEqual([]);
    expect(problems("(p (htmx-request?))")).toEqual(["1:5: unknown symbol 'htmx-request?'"]);
    expect(problems("(p (htmx-request? 1))", { registry })).toEqual(["1:4: (htmx-request?) takes 0 arguments, got 1"]);
    // A hyphenated name nobody defines is a custom element, as in the compiler.
    expect(problems("(p (current-user))")).toEqual([]);
  });
});

/** Each mistake: the program, and the one problem expected. */
const MISTAKES: [string, string, string][] = [
  // syntax of special forms
  ["let binding", "(let ((a 1) (b)) (p a b))", "1:13: each let binding must be (name value)"],
  ["let bindings flat", "(let (a 1) a)", "1:7: each let binding must be (name value)"],
  ["let bindings not a list", "(let x 1)", "1:6: let bindings must be a list: (let ((name value) ...) body...)"],
  ["if arity", "(if true 1 2 3)", "1:1: bad if form: expected (if test then [else])"],
  ["quote arity", "(quote a b)", "1:1: bad quote form: expected (quote form)"],
  ["lambda without params", "(fn)", "1:1: bad fn form: expected (lambda (params...) body...)"],
  ["params not a list", "(fn x x)", "1:5: lambda parameters must be a list"],
  ["duplicate parameter", "(fn (a a) a)", "1:8: duplicate parameter 'a'"],
  ["&rest without name", "(define (f &rest) 1)", "1:9: &rest needs a name"],
  ["&rest two names", "(fn (&rest a b) a)", "1:14: &rest takes exactly one name"],
  ["bad marker", "(fn (a &optional b) a)", "1:8: unknown parameter marker '&optional' (use &rest or &key)"],
  ["bad key default", "(fn (&key (a 1 2)) a)", "1:11: a &key default is written (name default)"],
  ["non-symbol parameter", '(fn ("a") 1)', "1:6: parameter must be a symbol, not str"],
  ["cond clause", "(define x 1) (cond x 1)", "1:20: cond clause must be a list: (test body...)"],
  ["define without name", "(define 1 2)", "1:9: define needs a name: (define name value) or (define (name params...) body...)"],
  ["define with two values", "(define x 1 2)", "1:1: bad define form: expected (define name value)"],
  ["defcomp without ~", "(defcomp card (&key a) a)", "1:10: component names start with ~, e.g. (defcomp ~card (&key title) ...)"],
  ["positional component param", "(defcomp ~c (a &key b) b)", "1:13: component parameters must be &key (and &rest): ~c has positional 'a'"],
  ["children and &rest", "(defcomp ~c (&key children &rest r) r)", "1:13: ~c declares both &rest r and a children key; use one"],
  ["defroute pattern", '(defroute "blog" (p "x"))', '1:11: a route pattern is a string starting with "/"'],
  ["defroute method", '(defroute "/x/" :method "FETCH" (p "x"))', "1:25: :method must be one of GET, POST, PUT, PATCH, DELETE"],
  ["calling a string", '("f" 1)', "1:2: cannot call a string: a list's first item must name a function, element or component"],
  // markup
  ["attribute without value", "(div :class)", "1:6: attribute :class has no value"],
  ["duplicate attribute", '(div :id "a" :id "b")', "1:14: attribute :id given twice"],
  ["void element children", '(img :src "/a.png" "x")', "1:20: <img> is a void element and cannot have children"],
  ["invalid attribute name", "(div :a=b 1)", "1:6: invalid attribute name :a=b"],
  ["unsafe URL", '(a :href "javascript:alert(1)" "x")', '1:10: unsafe URL in :href: "javascript:alert(1)" renders as about:invalid#unsafe-url (javascript:, vbscript: and non-image data: URLs are refused)'],
  ["unsafe data URL", '(iframe :src "data:text/html,<script>x</script>")', '1:14: unsafe URL in :src: "data:text/html,<script>x</script>" renders as about:invalid#unsafe-url (javascript:, vbscript: and non-image data: URLs are refused)'],
  ["script-running attribute from data", "(define v 1) (div :hx-vals v)", "1:28: :hx-vals can run script, so its value must be a literal string; pass data in another data-* attribute"],
  ["script-running attribute, data- and mixed case", "(define v 1) (div :Data-HX-On:Click v)", "1:37: :Data-HX-On:Click can run script, so its value must be a literal string; pass data in another data-* attribute"],
  ["data inside a script", "(define w 1) (script w)", "1:22: <script> content must be literal strings or (json expr): any other data in a script would run as code"],
  ["data inside a style", "(define c 1) (style \"a{color:\" c)", "1:32: <style> content must be literal strings or (css-value expr): any other data could rewrite the stylesheet"],
  ["json inside quotes", "(define x 1) (script \"var s = '\" (json x) \"';\")", "1:34: (json expr) is a whole JavaScript value: write it where a value goes, not inside quotes"],
  ["quoted symbol as a child (found by the fuzzer)", "(div\n  (p 'x))", "2:6: cannot render a symbol as HTML"],
  ["quoted map as a child", "(ul (li '{:a 1}))", "1:9: cannot render a map as HTML"],
  ["quoted data as the one form of a do (found by the fuzzer)", "(p (do (do '(a b))))", "1:4: cannot render a symbol as HTML"],
  // data access
  ["slot field", "(define o {:a 1}) (p (:slot o a))", "1:31: (:slot obj :field ...) fields are keywords"],
  ["slot without field", "(define o {:a 1}) (p (:slot o))", "1:22: (:slot obj :field ...) needs an object and at least one field"],
  ["keyword access arity", "(define o {:a 1}) (p (:a o 1 2))", "1:22: (:a obj [default]) takes an object and an optional default"],
  // names
  ["unknown symbol", "(div (p nosuch))", "1:9: unknown symbol 'nosuch'"],
  ["unknown function", "(div\n  (p (nosuch 1)))", "2:7: unknown symbol 'nosuch'"],
  ["unknown symbol in a let value", "(let ((a b)) a)", "1:10: unknown symbol 'b'"],
  ["let is sequential, not recursive", "(let ((f (fn (n) (f n)))) (f 1))", "1:19: unknown symbol 'f'"],
  ["special form as a value", "(map if (list 1))", "1:6: unknown symbol 'if'"],
  ["unknown component", '(div (~nope :a 1))', "1:6: unknown component ~nope"],
  ["unknown component as a value", "(map ~nope (list 1))", "1:6: unknown component ~nope"],
  ["a function is not a component", "(define (~f) 1) (~f)", "1:17: ~f is not a component"],
  // arity
  ["primitive arity", "(p (nth (list 1)))", "1:4: (nth coll index &optional default) takes 2 to 3 arguments, got 1"],
  ["primitive arity, too many", "(p (inc 1 2))", "1:4: (inc x) takes 1 argument, got 2"],
  ["function arity", "(define (f a b) a) (p (f 1))", "1:23: (f a b) takes 2 arguments, got 1"],
  ["function arity, too many", "(define f (fn (a) a)) (f 1 2)", "1:23: (f a) takes 1 argument, got 2"],
  ["function arity with &rest", "(define (f a &rest r) a) (f)", "1:26: (f a &rest r) takes at least 1 argument, got 0"],
  ["function unknown keyword", "(define (f a &key (b 1)) a) (f 1 :c 2)", "1:29: f has no parameter :c (it takes :b)"],
  ["function extra positional with &key", "(define (f a &key b) a) (f 1 2)", "1:25: (f a &key b) takes 1 argument plus keyword arguments, got 2"],
  ["custom element name defined as a function", "(define (my-el a) a) (my-el)", "1:22: (my-el a) takes 1 argument, got 0"],
  // components
  ["unknown symbol, with the closest name", "(define total 1) (p totl)", "1:21: unknown symbol 'totl' (did you mean 'total'?)"],
  ["unknown primitive, with the closest name", "(p (coutn (list 1)))", "1:5: unknown symbol 'coutn' (did you mean 'count'?)"],
  ["unknown component, with the closest name", "(defcomp ~card (&key title) title) (~crad :title 1)", "1:36: unknown component ~crad (did you mean ~card?)"],
  ["unknown keyword argument", '(defcomp ~card (&key title children) (div title children))\n(~card :titel "x")', "2:1: ~card has no parameter :titel (did you mean :title?)"],
  ["children without a children slot", '(defcomp ~badge (&key label) (span label))\n(~badge :label "x" (p "y"))', "2:1: ~badge takes no children (declare &key children or &rest)"],
  ["children twice", '(defcomp ~box (&key children) (div children))\n(~box :children "a" "b")', "2:1: ~box: children given both positionally and as :children"],
  ["component argument without value", "(defcomp ~c (&key a) a) (~c :a)", "1:29: ~c argument :a has no value"],
  ["&rest does not take unknown keys", "(defcomp ~c (&key a &rest r) r) (~c :b 1)", "1:33: ~c has no parameter :b (it takes :a)"],
  // definitions the compiler cannot place
  ["define inside an expression", "(let ((a 1)) (if a (define b 2)) b)", "1:20: (define b ...) is not directly in a body: a local define must be a form of a let, lambda, do, when, unless or cond body"],
  ["function named like an HTML tag", '(define (title x) x) (p "a")', "1:9: 'title' is an HTML tag: (title ...) always builds a <title> element, so this function cannot be called by its name"],
];

describe("each mistake gives exactly one problem at its position", () => {
  it.each(MISTAKES)("%s", (_name, text, expected) => {
    expect(problems(text)).toEqual([expected]);
  });
});

describe("agreement with the compiler and the runtime", () => {
  /** The error compiling or running `text` gives, as `line:col: message` (null when none). */
  function runtimeError(text: string): string | null {
    try {
      const forms = parse(text, { src: "t.sexp" });
      for (const f of forms) compile(f, null); // compile errors of any form first, as check sees them all
      const env = createEnv();
      const out = evaluateForms(forms, env);
      if (out instanceof Promise) throw new Error("unexpected I/O");
      return null;
    } catch (e) {
      if (!(e instanceof SexpError) || !e.loc) throw e;
      return `${e.loc.line}:${e.loc.col}: ${e.message}`;
    }
  }

  // Mistakes the checker words its own way (the evaluator reports them differently or not at all).
  const OWN_WORDING = new Set([
    "unsafe URL", "unsafe data URL", // rendered as about:invalid, not an error
    "unknown component as a value", // the runtime says unknown symbol '~nope'
    "function arity", "function arity, too many", "function arity with &rest", "function extra positional with &key",
    "custom element name defined as a function", // the runtime's lambda message has no lambda list
  ]);

  it.each(MISTAKES.filter(([name]) => !OWN_WORDING.has(name)))("%s: the same message at the same position", (_name, text, expected) => {
    expect(runtimeError(text)).toBe(expected);
  });

  it("arityMessage matches the runtime's primitive arity errors", () => {
    expect(arityMessage("nth coll index &optional default", 2, 3, 1)).toBe("(nth coll index &optional default) takes 2 to 3 arguments, got 1");
    expect(arityMessage("+ &rest xs", 0, Infinity, 0)).toBe("(+ &rest xs) takes at least 0 arguments, got 0");
    expect(runtimeError("(inc)")).toBe(`1:1: ${arityMessage("inc x", 1, 1, 0)}`);
  });
});

describe("several mistakes", () => {
  it("are all reported, sorted by position, once each", () => {
    const text = [
      "(defcomp ~card (&key title children) (div :class \"card\" (h2 title) children))",
      "(define (surface w h) (* w h))",
      "(div",
      "  (~card :titel \"x\")",
      "  (p (nosuch 1) (surface 2))",
      "  (img :src \"/a.png\" (b \"no\"))",
      "  (a :href \"javascript:void(0)\" (:slot x title))",
      "  (~missing))",
    ].join("\n");
    expect(problems(text)).toEqual([
      "4:3: ~card has no parameter :titel (did you mean :title?)",
      "5:7: unknown symbol 'nosuch'",
      "5:17: (surface w h) takes 2 arguments, got 1",
      "6:22: <img> is a void element and cannot have children",
      '7:12: unsafe URL in :href: "javascript:void(0)" renders as about:invalid#unsafe-url (javascript:, vbscript: and non-image data: URLs are refused)',
      "7:40: unknown symbol 'x'",
      "7:42: (:slot obj :field ...) fields are keywords",
      "8:3: unknown component ~missing",
    ]);
  });

  it("a malformed lambda list is one problem; its names are still bound for the body", () => {
    expect(problems("(define (f a a &rest) (+ a 1)) (f 1)")).toEqual(["1:14: duplicate parameter 'a'"]);
    expect(problems("(fn ((a 1)) a)")).toEqual(["1:6: parameter must be a symbol, not a list"]);
  });

  it("problems keep the order of sources, then lines and columns", () => {
    const a = parse("(p x)", { src: "b.sexp" });
    const b = parse("(p y)\n(p z)", { src: "a.sexp" });
    const found = check([...a, ...b]).map((p: Problem) => `${p.loc.src}:${p.loc.line}:${p.loc.col}`);
    expect(found).toEqual(["b.sexp:1:4", "a.sexp:1:4", "a.sexp:2:4"]);
  });

  it("a Clojure-style cond or let is one problem, and what it meant is still checked", () => {
    expect(problems("(define x 1) (cond (= x 1) \"one\" x 2 :else 3)")).toEqual(['1:28: cond clause must be a list: (test body...)']);
    expect(problems("(let (a 1 b a) (+ a b c))")).toEqual(["1:7: each let binding must be (name value)", "1:23: unknown symbol 'c'"]);
  });

  it("lib forms are not checked themselves, only used", () => {
    expect(check(parse("(p 1)"), { lib: lib("(nosuch)") })).toEqual([]);
  });

  it("redefinitions that disagree make the signature unknown (no false reports)", () => {
    const l = lib("(defcomp ~c (&key a) a)");
    expect(problems("(defcomp ~c (&key b) b) (~c :a 1) (~c :b 1)", { lib: l })).toEqual([]);
    expect(problems("(defcomp ~c (&key a) a) (~c :b 1)", { lib: l })).toEqual(["1:25: ~c has no parameter :b (it takes :a)"]);
  });
});

describe("scopes and definitions", () => {
  it("&key defaults see earlier parameters; defcomp inside let is global", () => {
    expect(problems("(defcomp ~c (&key (a 1) (b (+ a 1)) (c d)) (p a b c))")).toEqual(["1:40: unknown symbol 'd'"]);
    expect(problems("(let ((k 1)) (defcomp ~k (&key) (p k))) (~k)")).toEqual([]);
  });

  it("a local ~name is called like a function", () => {
    expect(problems("(define (wrap ~inner x) (div (~inner x))) (p 1)")).toEqual([]);
  });

  it("nothing is evaluated", () => {
    const registry = basePrimitives.extend();
    let called = false;
    registry.defineIO({ name: "boom!", params: "", doc: "Fails when run.", fn: () => ((called = true), null) });
    expect(problems("(define x (boom!)) (p (boom!) x)", { registry })).toEqual([]);
    expect(called).toBe(false);
  });
});

describe("checkSource and helpers", () => {
  it("reports a read error as a problem", () => {
    expect(checkSource("(p\n  (q]", { src: "x.sexp" })).toEqual([
      { loc: { src: "x.sexp", line: 2, col: 5 }, message: expect.any(String) as string },
    ]);
    expect(checkSource("(p nope)", { src: "x.sexp" })).toEqual([{ loc: { src: "x.sexp", line: 1, col: 4 }, message: "unknown symbol 'nope'" }]);
  });

  it("route params are locals of the route body", () => {
    expect(routeParams("/blog/:slug/:page/")).toEqual(["slug", "page"]);
    expect(problems('(defroute "/blog/:slug/" (p slug page))')).toEqual(["1:34: unknown symbol 'page'"]);
  });
});

describe("primitives with name arguments", () => {
  it("does not report a primitive's leading name arguments as unknown symbols", async () => {
    const { basePrimitives } = await import("../src/primitives/index.ts");
    const registry = basePrimitives.extend();
    registry.defineIO({ name: "query", params: "service name &rest args", doc: "test", names: 2, fn: () => null });
    const { parse } = await import("../src/reader.ts");
    const problems = check(parse("(let ((s 1)) (query blog post-by-slug :slug s))\n(query blog x :slug missing)"), { registry });
    expect(problems.map((p) => p.message)).toEqual(["unknown symbol 'missing'"]);
  });
});
