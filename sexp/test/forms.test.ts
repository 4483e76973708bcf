/** The readers of forms (forms.ts, markup-forms.ts), shared by the compiler (first problem thrown) and the checker (all collected). */
import { describe, expect, it } from "vitest";
import { check } from "../src/check.ts";
import { compile } from "../src/compiler.ts";
import { EvalError, RenderError, type Report } from "../src/errors.ts";
import { definitionName, definitionOf, isDefinition, readDefcomp, readHead, readLet, readParams } from "../src/forms.ts";
import { readElement } from "../src/markup-forms.ts";
import { createEnv, evaluateForms } from "../src/program.ts";
import { parse, parseOne } from "../src/reader.ts";
import { Scope } from "../src/scope.ts";
import type { ListNode } from "../src/types.ts";

/** A report that collects `line:col: message [kind]`. */
function collector(): { report: Report; seen: string[] } {
  const seen: string[] = [];
  return { seen, report: (message, at, kind) => seen.push(`${at.line}:${at.col}: ${message}${kind ? ` [${kind}]` : ""}`) };
}

const list = (text: string) => parseOne(text) as ListNode;

describe("lambda lists", () => {
  it("are read in slot order, with &key defaults and &rest in either order", () => {
    const { report, seen } = collector();
    const p = readParams(parseOne("(a &key (b 1) c &rest r)"), "lambda", report);
    expect(seen).toEqual([]);
    expect(p.params.map((x) => `${x.kind}:${x.name}${x.default ? "=" + String(x.default.value) : ""}`)).toEqual(["positional:a", "key:b=1", "key:c", "rest:r"]);
    expect([p.ok, p.positional, p.keys, p.rest, p.text]).toEqual([true, ["a"], ["b", "c"], "r", "a &key (b 1) c &rest r"]);
  });

  it("report only their first mistake, and still read the names that were meant", () => {
    const { report, seen } = collector();
    const p = readParams(parseOne("(a a (b 1) &rest)"), "lambda", report);
    expect(seen).toEqual(["1:4: duplicate parameter 'a'"]);
    expect(p.ok).toBe(false);
    expect(p.params.map((x) => x.name)).toEqual(["a", "a", "b"]);
    expect(readParams(parseOne("args"), "lambda", () => {}).params.map((x) => x.name)).toEqual(["args"]);
  });
});

describe("one reader, two reports", () => {
  it("the checker gets every problem of a form; the compiler throws the first", () => {
    const text = "(defcomp card (a) :cache 1 :colour 2 (p a))";
    const { report, seen } = collector();
    readDefcomp(list(text), report);
    expect(seen).toEqual([
      "1:10: component names start with ~, e.g. (defcomp ~card (&key title) ...)",
      "1:15: component parameters must be &key (and &rest): card has positional 'a'",
      "1:26: :cache takes true or false",
      "1:28: unknown defcomp option :colour (known: :cache)",
    ]);
    expect(check(parse(text)).map((p) => `${p.loc.line}:${p.loc.col}: ${p.message}`)).toEqual(seen);
    expect(() => compile(parseOne(text), null)).toThrow(EvalError);
    expect(() => compile(parseOne(text), null)).toThrow(seen[0]!.slice("1:10: ".length));
  });

  it("markup problems are render problems: a RenderError when thrown", () => {
    const { report, seen } = collector();
    readElement("img", list('(img :src "/a.png" "child" :a=b 1)'), null, report);
    expect(seen).toEqual(["1:20: <img> is a void element and cannot have children [render]", "1:28: invalid attribute name :a=b [render]"]);
    expect(() => compile(parseOne('(img "x")'), null)).toThrow(RenderError);
  });

  it("a let read as it was meant", () => {
    const { report, seen } = collector();
    const form = readLet(list("(let ((a 1) (b) c (2 3)) a)"), report)!;
    expect(seen).toHaveLength(3);
    expect(form.bindings.map((b) => [b.name, b.values.length])).toEqual([["a", 1], ["b", 0], ["c", 0], [null, 2]]);
  });
});

describe("what a list is", () => {
  const head = (text: string, locals: string[] = []) => {
    const scope = new Scope(null);
    for (const l of locals) scope.add(l);
    return readHead(list(text), scope, () => {});
  };

  it("HTML tags always, then locals, special forms, components, custom elements, calls", () => {
    expect(head("(title title)", ["title"])).toEqual({ kind: "element", tag: "title" });
    expect(head("(fn x)", ["fn"])).toEqual({ kind: "call", name: null });
    expect(head("(fn (x) x)")).toEqual({ kind: "special", form: "fn" });
    expect(head("(~card)")).toEqual({ kind: "component", name: "~card" });
    expect(head("(my-widget)")).toEqual({ kind: "custom", name: "my-widget" });
    expect(head("(:title x)")).toEqual({ kind: "keyword", key: "title" });
    expect(head("(inc 1)")).toEqual({ kind: "call", name: "inc" });
    expect(head("((fn (x) x) 1)")).toEqual({ kind: "call", name: null });
  });

  it("a literal at the head is reported", () => {
    const { report, seen } = collector();
    readHead(list('("f" 1)'), null, report);
    expect(seen).toEqual(["1:2: cannot call a string: a list's first item must name a function, element or component"]);
  });
});

describe("what a form defines", () => {
  it("each defining form, by its head", () => {
    const of = (text: string) => definitionOf(parseOne(text));
    expect(of("(define x 1)")).toEqual({ form: "define", kind: "value", name: "x" });
    expect(of("(define f (fn (a) a))")).toEqual({ form: "define", kind: "function", name: "f" });
    expect(of("(define (f a) a)")).toEqual({ form: "define", kind: "function", name: "f" });
    expect(of("(defcomp ~c (&key) 1)")).toEqual({ form: "defcomp", kind: "component", name: "~c" });
    expect(of('(defroute "/a/" 1)')).toEqual({ form: "defroute", kind: "route", name: "/a/" });
    expect(of("(defquery blog all (&key) :sql \"SELECT 1\")")).toEqual({ form: "defquery", kind: "query", name: "blog/all" });
    expect(of("(defaction cart add (&key) :sql \"SELECT 1\")")).toEqual({ form: "defaction", kind: "action", name: "cart/add" });
    expect(of("(define 1 2)")).toEqual({ form: "define", kind: "value", name: null });
    expect(of("(div 1)")).toBeNull();
    expect(isDefinition(parseOne('(defroute "/a/" 1)'))).toBe(true);
    expect(definitionName(parseOne('(defroute "/a/" 1)'))).toBeNull();
  });

  it("a local named fn is called, not read as a lambda: in (map (fn (x) ...) items) too", () => {
    const text = "(let ((fn (lambda (a) a))) (map (fn (x) 1) (list 1 2)))";
    expect(check(parse(text)).map((p) => p.message)).toEqual(["unknown symbol 'x'"]);
    expect(() => evaluateForms(parse(text), createEnv())).toThrow("unknown symbol 'x'");
  });

    it("a local define must be a form of a body: the checker and the compiler agree, a let-bound name too", () => {
    const text = "(let ((a 1)) (if a (define a 2)) a)";
    const message = "(define a ...) is not directly in a body: a local define must be a form of a let, lambda, do, when, unless or cond body";
    expect(check(parse(text)).map((p) => `${p.loc.col}: ${p.message}`)).toEqual([`20: ${message}`]);
    expect(() => compile(parseOne(text), null)).toThrow(message);
  });
});
