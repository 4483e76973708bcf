import { describe, expect, it } from "vitest";
import { EvalError, createEnv, evaluateForms, parse, renderForms } from "../src/index.ts";
import { ev, failure, html } from "./helpers.ts";

describe("evaluator: special forms", () => {
  it("quote returns data", async () => {
    expect(await ev("'(a :b \"c\" 1 {:d e})")).toBe('(a :b "c" 1 {:d e})');
    expect(await ev("(quote x)")).toBe("x");
  });

  it("if / when / unless / cond", async () => {
    expect(await ev('(if (> 2 1) "yes" "no")')).toBe('"yes"');
    expect(await ev('(if nil "yes")')).toBe("nil");
    expect(await ev("(if 0 1 2)")).toBe("1"); // only nil and false are false
    expect(await ev('(if "" 1 2)')).toBe("1");
    expect(await ev("(when true 1 2 3)")).toBe("3");
    expect(await ev("(when false 1)")).toBe("nil");
    expect(await ev("(unless false 7)")).toBe("7");
    expect(await ev('(cond ((= 1 2) "a") ((= 1 1) "b") (else "c"))')).toBe('"b"');
    expect(await ev('(cond (false "a") (:else "c"))')).toBe('"c"');
    expect(await ev("(cond (false 1))")).toBe("nil");
    expect(await ev("(cond (42))")).toBe("42");
  });

  it("and / or short-circuit and return values", async () => {
    expect(await ev("(and 1 2 3)")).toBe("3");
    expect(await ev("(and 1 nil (undefined-fn))")).toBe("nil");
    expect(await ev("(or nil false 5 (undefined-fn))")).toBe("5");
    expect(await ev("(or)")).toBe("nil");
    expect(await ev("(and)")).toBe("true");
  });

  it("let is sequential and lexically scoped", async () => {
    expect(await ev("(let ((a 1) (b (+ a 1))) (list a b))")).toBe("(1 2)");
    expect(await ev("(let ((x 1)) (let ((x 2) (y x)) (list x y)))")).toBe("(2 2)");
    expect(await ev("(let ((x 1) (x (+ x 10))) x)")).toBe("11");
    expect(await ev("(define x 5) (let ((x 1)) x)")).toBe("1");
  });

  it("lambdas are closures", async () => {
    expect(await ev("(define (adder n) (fn (x) (+ x n))) ((adder 3) 4)")).toBe("7");
    expect(await ev("(let ((k 10)) (map (lambda (x) (* x k)) (list 1 2)))")).toBe("(10 20)");
    expect(await ev("(define counter (let ((base 100)) (fn () base))) (counter)")).toBe("100");
  });

  it("define: values, functions, recursion, internal defines", async () => {
    expect(await ev("(define x 41) (+ x 1)")).toBe("42");
    expect(await ev("(define (fact n) (if (<= n 1) 1 (* n (fact (- n 1))))) (fact 20)")).toBe("2432902008176640000");
    expect(
      await ev(`(define (f x)
                  (define (even? n) (if (= n 0) true (odd? (- n 1))))
                  (define (odd? n) (if (= n 0) false (even? (- n 1))))
                  (even? x))
                (list (f 10) (f 7))`),
    ).toBe("(true false)");
  });

  it("do sequences and returns the last value", async () => {
    expect(await ev("(do 1 2 3)")).toBe("3");
    expect(await ev("(do)")).toBe("nil");
  });

  it("parameters: positional, &rest, &key with defaults", async () => {
    expect(await ev("(define (f a &rest more) (list a more)) (list (f 1) (f 1 2 3))")).toBe("((1 nil) (1 (2 3)))");
    expect(await ev("(define (f &key (size 3) title) (list size title)) (list (f) (f :title \"t\") (f :size 5 :title \"x\"))")).toBe(
      '((3 nil) (3 "t") (5 "x"))',
    );
    // Defaults see earlier parameters; an explicit nil is kept.
    expect(await ev("(define (f a &key (b (* a 2)) (c (+ b 1))) (list a b c)) (list (f 1) (f 1 :c 0) (f 1 :b nil :c 0))")).toBe(
      "((1 2 3) (1 2 0) (1 nil 0))",
    );
  });

  it("keyword and :slot data access", async () => {
    expect(await ev("(:slot {:user {:name \"Ann\"}} :user :name)")).toBe('"Ann"');
    expect(await ev("(:slot {:user nil} :user :name)")).toBe("nil");
    expect(await ev("(:title {:title \"T\"})")).toBe('"T"');
    expect(await ev("(:missing {:a 1} \"default\")")).toBe('"default"');
    expect(await ev("(map :n (list {:n 1} {:n 2}))")).toBe("(1 2)");
    expect(await ev('(get {:a 1} :a)')).toBe("1");
  });

  it("map literals evaluate their values", async () => {
    expect(await ev("(let ((x 2)) {:a (+ x 1) \"b c\" x})")).toBe('{:a 3 "b c" 2}');
  });

  it("defroute records the route as data without evaluating it", async () => {
    const env = createEnv();
    await evaluateForms(parse('(defroute "/blog/:slug/" (undefined-thing slug)) (defroute "/cart/add" :method "post" (x))'), env);
    expect(env.routes.map((r) => [r.pattern, r.method, r.body.length])).toEqual([
      ["/blog/:slug/", "GET", 1],
      ["/cart/add", "POST", 1],
    ]);
  });

  it("evaluation without I/O is synchronous (no promises)", () => {
    const out = evaluateForms(parse("(define (f x) (* x 2)) (map f (range 100)) (div (p \"x\"))"), createEnv());
    expect(out).not.toBeInstanceOf(Promise);
  });
});

describe("evaluator: errors carry positions", () => {
  it("unknown symbol", async () => {
    const e = await failure(ev("(list 1\n  (frobnicate 2))"));
    expect(e).toBeInstanceOf(EvalError);
    expect(e.message).toBe("unknown symbol 'frobnicate'");
    expect([e.loc?.line, e.loc?.col]).toEqual([2, 4]);
  });

  it("unknown symbols and components at run time name the closest one", async () => {
    for (const [src, line, col] of [
      ["(define products (list 1 2))\n(count prodcuts)", 2, 8],
      ["(let ((products (list 1 2))) (count prodcuts))", 1, 37],
    ] as const) {
      const e = await failure(ev(src));
      expect(e).toBeInstanceOf(EvalError);
      expect(e.message).toBe("unknown symbol 'prodcuts' (did you mean 'products'?)");
      expect([e.loc?.line, e.loc?.col]).toEqual([line, col]);
    }
    expect((await failure(ev("(coutn (list 1))"))).message).toBe("unknown symbol 'coutn' (did you mean 'count'?)");
    const e = await failure(html('(defcomp ~card (&key title) (div title))\n(div (~crad :title "x"))'));
    expect(e).toBeInstanceOf(EvalError);
    expect(e.message).toBe("unknown component ~crad (did you mean ~card?)");
    expect([e.loc?.line, e.loc?.col]).toEqual([2, 6]);
    // Nothing close: no guess.
    expect((await failure(ev("(define products 1) zzzzzzzz"))).message).toBe("unknown symbol 'zzzzzzzz'");
  });

  it("unknown variable", async () => {
    const e = await failure(ev("(+ 1 nope)"));
    expect(e.message).toBe("unknown symbol 'nope'");
    expect([e.loc?.line, e.loc?.col]).toEqual([1, 6]);
  });

  it("wrong primitive arity", async () => {
    const e = await failure(ev("(do\n (nth (list 1)))"));
    expect(e.message).toMatch(/^\(nth coll index &optional default\) takes 2 to 3 arguments, got 1$/);
    expect([e.loc?.line, e.loc?.col]).toEqual([2, 2]);
  });

  it("type errors inside primitives point at the call", async () => {
    const e = await failure(ev('(let ((x "a"))\n  (+ 1 x))'));
    expect(e.message).toBe("+: argument 2 must be a number, got string");
    expect([e.loc?.line, e.loc?.col]).toEqual([2, 3]);
  });

  it("errors inside a function body point into the body", async () => {
    const e = await failure(ev("(define (f x)\n  (upper x))\n(f 1)"));
    expect(e.message).toBe("upper: argument 1 must be a string, got number");
    expect([e.loc?.line, e.loc?.col]).toEqual([2, 3]);
  });

  it("calling a non-function", async () => {
    const e = await failure(ev("(let ((x 1)) (x 2))"));
    expect(e.message).toBe("cannot call a number");
    expect((await failure(ev('("str" 1)'))).message).toMatch(/cannot call a string/);
  });

  it("bad special forms", async () => {
    expect((await failure(ev("(if)"))).message).toMatch(/bad if form/);
    expect((await failure(ev("(let (x 1) x)"))).message).toBe("each let binding must be (name value)");
    expect((await failure(ev("(fn (a a) a)"))).message).toBe("duplicate parameter 'a'");
    expect((await failure(ev("(fn (&rest) 1)"))).message).toBe("&rest needs a name");
    expect((await failure(ev("(f :key)"))).message).toMatch(/unknown symbol 'f'/);
  });

  it("unknown keyword argument to a function", async () => {
    const e = await failure(ev("(define (f &key a) a) (f :b 1)"));
    expect(e.message).toBe("f has no parameter :b (it takes :a)");
  });

  it("the process keeps running: an error leaves the environment usable", async () => {
    const env = createEnv();
    await failure(ev("(define x 1) (nope)", env));
    expect(await ev("(+ x 1)", env)).toBe("2");
  });
});

describe("evaluator: host prototypes are unreachable", () => {
  it("keyword access on maps and host objects never reaches prototypes", async () => {
    const env = createEnv();
    env.define("row", { title: "x" } as never);
    env.define("parsed", JSON.parse('{"__proto__": {"polluted": true}}') as never);
    for (const expr of [
      "(:__proto__ {:a 1})",
      "(:constructor {:a 1})",
      "(:toString row)",
      "(:constructor row)",
      "(:slot row :constructor :name)",
      '(get row "__proto__")',
      '(get row "hasOwnProperty")',
      "(:slot parsed :polluted)",
      "(:prototype row)",
    ]) {
      expect(await ev(expr, env), expr).toBe("nil");
    }
    expect(await ev("(:title row)", env)).toBe('"x"');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("lists are indexed only by numbers", async () => {
    expect((await failure(ev("(:length (list 1 2))"))).message).toMatch(/cannot read :length of a list/);
  });
});

describe("name arguments", () => {
  it("a primitive's leading name arguments take bare symbols as names", async () => {
    const { basePrimitives } = await import("../src/index.ts");
    const r = basePrimitives.extend();
    r.defineIO({
      name: "query",
      params: "service name &rest args",
      doc: "Run a named query (test double).",
      names: 2,
      fn: ([service, name, ...rest]) => [String(service), String(name), ...rest],
    });
    expect(await ev("(let ((slug \"apple\")) (query blog post-by-slug :slug slug))", createEnv(r))).toBe('("blog" "post-by-slug" :slug "apple")');
    // Only the leading names: later symbols are variables as usual.
    expect((await failure(ev("(query blog posts nope)", createEnv(r)))).message).toBe("unknown symbol 'nope'");
  });
});

describe("map over a literal fn", () => {
  it("behaves like the general call (closures, nil, errors)", async () => {
    expect(await ev("(let ((k 3)) (map (fn (x) (* x k)) (list 1 2)))")).toBe("(3 6)");
    expect(await ev("(map (fn (x) x) nil)")).toBe("()");
    expect(await ev("(map (fn (x) (map (fn (y) (list x y)) (list 1 2))) (list :a :b))")).toBe("(((:a 1) (:a 2)) ((:b 1) (:b 2)))");
    const e = await failure(ev("(map (fn (x) x)\n  5)"));
    expect(e.message).toBe("map: argument 2 must be a list, got number");
    expect(e.loc?.line).toBe(1);
  });

  it("a redefined map is called as defined", async () => {
    expect(await ev('(define (map f xs) "mine") (map (fn (x) x) (list 1))')).toBe('"mine"');
  });
});

describe("review regressions", () => {
  it("a define inside a let binding's value does not shift the let's slots", async () => {
    expect(await ev("(let ((a (do (define q 5) 1)) (b 2)) (list a b q))")).toBe("(1 2 5)");
  });

  it("a function cannot be named like an HTML tag (the tag would always win)", async () => {
    expect((await failure(ev("(define (g) 1)"))).message).toBe("'g' is an HTML tag: (g ...) always builds a <g> element, so this function cannot be called by its name");
  });

  it("re-evaluating a defroute replaces it", async () => {
    const env = createEnv();
    await evaluateForms(parse('(defroute "/a" 1) (defroute "/a" 2) (defroute "/a" :method "POST" 3)'), env);
    expect(env.routes.map((r) => `${r.method} ${r.pattern} ${r.body[0]!.value}`)).toEqual(["GET /a 2", "POST /a 3"]);
  });

  it("non-finite numbers and odd keywords print readably", async () => {
    const { printValue, parseOne, Keyword } = await import("../src/index.ts");
    expect(printValue([Infinity, -Infinity, NaN])).toBe("(##Inf ##-Inf ##NaN)");
    expect(parseOne("##-Inf").value).toBe(-Infinity);
    expect(printValue(Keyword.of("a b"))).toBe('(keyword "a b")');
    expect(printValue({ u: "ann" } as never)).toBe('{:u "ann"}');
  });
});

describe("compiled code run in several environments", () => {
  it("finds a global again where it is defined after an environment without it", () => {
    const forms = parse(`(p (greet))`);
    const a = createEnv();
    evaluateForms(parse(`(define (greet) "a")`), a);
    expect(renderForms(forms, createEnv(a))).toBe("<p>a</p>");
    expect(() => renderForms(forms, createEnv(createEnv()))).toThrow(/greet/);
    expect(renderForms(forms, createEnv(a))).toBe("<p>a</p>");
  });
});
