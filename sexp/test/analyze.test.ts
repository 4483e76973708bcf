import { describe, expect, it } from "vitest";
import {
  Analysis,
  Component,
  EvalContext,
  Hasher,
  Keyword,
  apply,
  basePrimitives,
  askAgain,
  callKey,
  checkSource,
  compileTop,
  writeCalls,
  createEnv,
  evaluateForms,
  inputKey,
  parse,
  parseOne,
  toHtml,
  type ComponentCall,
  type IoCall,
  type Value,
} from "../src/index.ts";

/** A registry with an I/O read, a user-scoped read, the clock and a write. */
function registry() {
  const r = basePrimitives.extend();
  r.defineIO({ name: "query", params: "name", doc: "test read", fn: ([n]) => Promise.resolve(`rows of ${String(n)}`) });
  r.defineIO({ name: "current-user", params: "", doc: "test user", effect: "user", fn: () => "ada" });
  r.defineIO({ name: "now", params: "", doc: "test clock", effect: "volatile", fn: () => "2026-11-24" });
  r.defineIO({ name: "action", params: "name", doc: "test write", effect: "write", fn: () => null });
  return r;
}

const SITE = `
(defcomp ~card (&key title) (div :class "card" title))
(defcomp ~posts (&key) (ul (li (query "posts"))))
(defcomp ~greeting (&key) (p "hi " (current-user)))
(defcomp ~layout (&key children) (div (~greeting) children))
(define (user-name) (current-user))
(defcomp ~badge (&key) (span (user-name)))
(defcomp ~clock (&key) (time (now)))
(defcomp ~even (&key n) (if (= n 0) "even" (~odd :n (- n 1))))
(defcomp ~odd (&key n) (if (= n 0) "odd" (~even :n (- n 1))))
(defcomp ~save (&key) (action "save"))
(defcomp ~quoted (&key) (quote (current-user now)))
`;

async function analysed(src = SITE) {
  const env = createEnv(registry());
  await evaluateForms(parse(src), env);
  return { env, analysis: new Analysis(env.allDefinitions(), env.registry) };
}

describe("analysis", () => {
  it("marks subtrees pure, I/O, user-scoped, volatile or writing", async () => {
    const { analysis } = await analysed();
    const own = (n: string) => analysis.of(n)!.own;
    expect(own("~card")).toEqual({ io: false, user: false, volatile: false, write: false });
    expect(own("~posts")).toMatchObject({ io: true, user: false });
    expect(own("~greeting")).toMatchObject({ io: true, user: true });
    expect(own("~clock")).toMatchObject({ volatile: true, user: false });
    expect(own("~save")).toMatchObject({ write: true });
    expect(analysis.of("~nope")).toBeUndefined();
  });

  it("counts a user-scoped component as a hole of its caller, but not a function", async () => {
    const { analysis } = await analysed();
    // ~layout calls ~greeting: shared with a hole, though rendered whole it reads the user.
    expect(analysis.of("~layout")!.own.user).toBe(false);
    expect(analysis.of("~layout")!.own.io).toBe(true);
    expect(analysis.of("~layout")!.deep.user).toBe(true);
    // A plain function has no hole: its caller reads the user.
    expect(analysis.of("user-name")!.own.user).toBe(true);
    expect(analysis.of("~badge")!.own.user).toBe(true);
  });

  it("reaches a fixpoint through mutual recursion, and ignores quoted data", async () => {
    const { analysis } = await analysed();
    expect(analysis.of("~even")!.deep).toEqual({ io: false, user: false, volatile: false, write: false });
    expect(analysis.of("~odd")!.deep).toEqual(analysis.of("~even")!.deep);
    expect(analysis.of("~quoted")!.deep.user).toBe(false);
    const cyclic = await analysed(`(defcomp ~a (&key) (~b)) (defcomp ~b (&key) (div (~a) (now)))`);
    expect(cyclic.analysis.of("~a")!.deep.volatile).toBe(true);
  });

  it("does not take an HTML element for a primitive of the same name", async () => {
    const r = registry();
    r.defineIO({ name: "header", params: "name", doc: "a primitive no page can call by name", effect: "user", fn: () => null });
    r.defineIO({ name: "request-header", params: "name", doc: "test request header", effect: "user", fn: () => null });
    const env = createEnv(r);
    await evaluateForms(parse(`(defcomp ~masthead (&key) (header :class "site" (h1 "Rose Ash"))) (defcomp ~asks (&key) (p (request-header "x")))`), env);
    const analysis = new Analysis(env.allDefinitions(), env.registry);
    expect(analysis.of("~masthead")!.deep).toEqual({ io: false, user: false, volatile: false, write: false });
    expect(analysis.of("~asks")!.own.user).toBe(true);
  });

  it("analyses an expression such as a route body", async () => {
    const { analysis } = await analysed();
    expect(analysis.ofNode(parseOne(`(~layout (~card :title "x"))`)).own).toMatchObject({ io: true, user: false });
    expect(analysis.ofNode(parseOne(`(~card :title (current-user))`)).own.user).toBe(true);
    expect(analysis.ofNode(parseOne(`(~card :title "x")`)).own).toMatchObject({ io: false, user: false, volatile: false });
  });

  it("finds the literal names a page passes to a primitive, through what it calls", async () => {
    const { analysis } = await analysed(`
      (define (sort-order) (param "sort" "name"))
      (defcomp ~filters (&key) (div (param "category") (sort-order)))
      (defcomp ~loop (&key) (div (~loop) (param "page")))
      (defcomp ~any (&key field) (param field))
      (defcomp ~as-value (&key) (map param (list "a")))`);
    const names = (src: string) => {
      const found = analysis.literalArguments(parseOne(src), "param");
      return found === null ? null : [...found].sort();
    };
    expect(names(`(div (~filters) (param "q"))`)).toEqual(["category", "q", "sort"]);
    expect(names(`(~loop)`)).toEqual(["page"]);
    expect(names(`(div "no params" '(param x))`)).toEqual([]);
    // A computed name, or the primitive passed as a value: any name may be read.
    expect(names(`(~any :field "x")`)).toBeNull();
    expect(names(`(~as-value)`)).toBeNull();
  });
});

describe("defcomp :cache", () => {
  it("marks a component cacheable", async () => {
    const { env } = await analysed(`(defcomp ~a (&key) :cache true (p "a")) (defcomp ~b (&key) (p "b"))`);
    expect((env.lookup("~a") as Component).cache).toBe(true);
    expect((env.lookup("~b") as Component).cache).toBe(false);
  });

  it("reads route options in any order; the checker reports bad ones with positions", async () => {
    const { env } = await analysed(`(defroute "/a/" :cache false :method "post" (p "a")) (defroute "/b/" (p "b"))`);
    expect(env.routes.map((r) => [r.pattern, r.method, r.cache])).toEqual([["/a/", "POST", false], ["/b/", "GET", true]]);
    const problems = checkSource(`(defroute "/c/" :cache 1 :colour "red" (p "c"))\n(defcomp ~x (&key) :cache "yes" (p))`);
    expect(problems.map((p) => [p.message, p.loc?.line, p.loc?.col])).toEqual([
      [":cache takes true or false", 1, 24],
      ['unknown defroute option :colour (known: :method, :cache)', 1, 26],
      [":cache takes true or false", 2, 27],
    ]);
  });

  it("refuses unknown options and bad values, with the position", async () => {
    await expect(analysed(`(defcomp ~a (&key)\n  :kache true (p "a"))`)).rejects.toMatchObject({ message: expect.stringMatching(/unknown defcomp option :kache/), loc: { line: 2, col: 3 } });
    await expect(analysed(`(defcomp ~a (&key) :cache 1 (p "a"))`)).rejects.toThrow(/:cache takes true or false/);
  });
});

/** Render `~root` of `src` with a component hook. */
async function hooked(src: string, hook: (call: ComponentCall, run: (c: EvalContext) => unknown, ctx: EvalContext) => unknown) {
  const env = createEnv(registry());
  await evaluateForms(parse(src), env);
  const ctx = new EvalContext(env);
  ctx.hook = hook as never;
  return toHtml(await apply(env.lookup("~root") as Value, [], ctx));
}

describe("component hook and I/O recording", () => {
  it("sees every component call and can answer instead of running it", async () => {
    const seen: string[] = [];
    const html = await hooked(SITE + `(defcomp ~root (&key) (div (~card :title "a") (~posts)))`, (call, run, ctx) => {
      seen.push(`${call.fn.name} ${call.names.join(",")}`);
      return call.fn.name === "~posts" ? "cached posts" : run(ctx);
    });
    expect(seen).toEqual(["~root ", "~card title", "~posts "]);
    expect(html).toBe(`<div><div class="card">a</div>cached posts</div>`);
  });

  it("records the I/O calls made under a recording, with their answers, nested recordings included", async () => {
    const outer: IoCall[] = [];
    const inner: IoCall[] = [];
    const html = await hooked(SITE + `(defcomp ~root (&key) (div (~posts) (p (query "tags"))))`, (call, run, ctx) => {
      if (call.fn.name === "~root") return run(ctx.child(ctx.io, outer));
      if (call.fn.name === "~posts") return run(ctx.child(ctx.io, inner));
      return run(ctx);
    });
    expect(html).toBe(`<div><ul><li>rows of posts</li></ul><p>rows of tags</p></div>`);
    expect(inner.map((c) => [c.primitive, c.args, c.result])).toEqual([["query", ["posts"], "rows of posts"]]);
    expect(outer.map((c) => c.result)).toEqual(["rows of posts", "rows of tags"]);
  });
});

describe("input keys", () => {
  async function keys(src: string) {
    const env = createEnv(registry());
    await evaluateForms(parse(src), env);
    const hasher = new Hasher(env.allDefinitions());
    const call = (name: string, args: [string, Value][], children: Value[] = []): ComponentCall => ({
      fn: env.lookup(name) as never,
      names: args.map(([k]) => k),
      values: [...args.map(([, v]) => v), ...children],
    });
    return { hasher, call };
  }

  it("are the same for the same component and arguments, whatever their order", async () => {
    const { hasher, call } = await keys(`(defcomp ~card (&key title sub) (div title sub))`);
    const a = callKey(hasher, call("~card", [["title", "t"], ["sub", "s"]]));
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(callKey(hasher, call("~card", [["sub", "s"], ["title", "t"]]))).toBe(a);
    expect(callKey(hasher, call("~card", [["title", "t"], ["sub", "S"]]))).not.toBe(a);
    expect(callKey(hasher, call("~card", [["title", "t"], ["sub", "s"]], ["child"]))).not.toBe(a);
  });

  it("change when anything the component references changes (Merkle), not with layout", async () => {
    const base = `(defcomp ~inner (&key) (b "x")) (defcomp ~card (&key title) (div (~inner) title))`;
    const k = async (src: string) => {
      const { hasher, call } = await keys(src);
      return callKey(hasher, call("~card", [["title", "t"]]));
    };
    const key = await k(base);
    expect(await k(base.replace(`(b "x")`, `(b "y")`))).not.toBe(key);
    expect(await k(base.replace(`(div (~inner) title)`, `(div   (~inner)\n ; a comment\n title)`))).toBe(key);
  });

  it("have none when an argument is a function", async () => {
    const { hasher, call } = await keys(`(defcomp ~card (&key title) (div title))`);
    const env = createEnv(registry());
    const [fn] = (await evaluateForms(parse(`(fn (x) x)`), env)) as Value[];
    expect(callKey(hasher, call("~card", [["title", fn!]]))).toBeNull();
  });

  it("take in what the I/O answered", async () => {
    const { hasher } = await keys(``);
    const before = "b".repeat(64);
    const answered = (result: Value): IoCall[] => [{ primitive: "query", args: [Keyword.of("slug"), "apple"], result }];
    const k1 = inputKey(hasher, before, answered("old title"));
    expect(k1).toMatch(/^[0-9a-f]{64}$/);
    expect(inputKey(hasher, before, answered("old title"))).toBe(k1);
    expect(inputKey(hasher, before, answered("new title"))).not.toBe(k1);
    expect(inputKey(hasher, before, [{ primitive: "query", args: [] }])).toBeNull(); // not answered yet
    // Which call came back first, or was asked twice, is not part of the input.
    const a: IoCall = { primitive: "query", args: ["a"], result: 1 };
    const b: IoCall = { primitive: "query", args: ["b"], result: 2 };
    expect(inputKey(hasher, before, [b, a])).toBe(inputKey(hasher, before, [a, b]));
    expect(inputKey(hasher, before, [a, b, a])).toBe(inputKey(hasher, before, [a, b]));
  });

  it("share one step budget between a context and its children", async () => {
    const env = createEnv(registry());
    await evaluateForms(parse(`(defcomp ~busy (&key) (p (reduce + 0 (range 200))))`), env);
    const ctx = new EvalContext(env, { maxSteps: 500 });
    ctx.hook = (_call, run, c) => run(c.child(c.io, []));
    const page = parseOne(`(div (~busy) (~busy) (~busy) (~busy))`);
    await expect(Promise.resolve().then(() => compileTop(page)(null, ctx))).rejects.toThrow(/step budget of 500 exceeded/);
  });

  it("write calls down so they can be asked again (never a write), and refuse what would not read back", async () => {
    const env = createEnv(registry());
    const calls: IoCall[] = [{ primitive: "query", args: ["posts"], result: "old" }];
    const written = writeCalls(calls)!;
    expect(written).toBe(`((query "posts"))`);
    const asked = await askAgain(written, new EvalContext(env));
    expect(asked).toEqual([{ primitive: "query", args: ["posts"], result: "rows of posts" }]);
    await expect(askAgain(`((action "save"))`, new EvalContext(env))).rejects.toThrow(/cannot ask action again/);
    const [fn] = (await evaluateForms(parse(`(fn (x) x)`), env)) as Value[];
    expect(writeCalls([{ primitive: "query", args: [fn!] }])).toBeNull();
  });
});
