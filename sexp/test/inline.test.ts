// Component calls compiled in place once they have run a few times
// (inline.ts): the same page, steps and errors as the call, and the call
// itself wherever the inlined body may not run. `links` is long enough
// for the calls in a loop over it to be inlined partway through.
import { describe, expect, it } from "vitest";
import { basePrimitives, createEnv, emitForms, evaluateForms, EvalContext, fromJson, parse, renderForms, Sink, type ComponentCall, type Env, type Node } from "../src/index.ts";

const LINKS = fromJson(Array.from({ length: 40 }, (_, i) => (i % 2 ? { href: "/b", title: "<b>" } : { href: "/a", title: "A & B" })));
/** What `f` renders for each of the links, one after another. */
const each = (f: (even: boolean) => string): string => Array.from({ length: 40 }, (_, i) => f(i % 2 === 0)).join("");

/** A site: its definitions evaluated (and compiled against it), `links` bound. */
function site(defs: string, env: Env = createEnv()): Env {
  env.define("links", LINKS);
  const r = evaluateForms(parse(defs), env);
  if (r instanceof Promise) throw new Error("definitions did I/O");
  return env;
}

const NAV = `(defcomp ~link (&key link) (li (a :href (:href link) (:title link))))
  (defcomp ~nav (&key items) (ul (map (fn (l) (~link :link l)) items)))`;
const PAGE = `(~nav :items links)`;

/** The page rendered in a new child of `env`, with the steps it took. */
function render(env: Env, page: string | Node[] = PAGE, hook: EvalContext["hook"] = null): { html: string; steps: number } {
  const ctx = new EvalContext(createEnv(env));
  ctx.hook = hook;
  const out = new Sink();
  const done = emitForms(typeof page === "string" ? parse(page) : page, ctx, out);
  if (done !== undefined) throw new Error("the page did I/O");
  return { html: out.text, steps: ctx.steps };
}

/** A hook that passes no component: every call is made as a call. */
const CALLS = Object.assign((_call: ComponentCall, run: (ctx: EvalContext) => unknown, ctx: EvalContext) => run(ctx), { passes: () => false }) as never;

/** `(depth)`: how many calls deep it is evaluated (an inlined call is none). */
function withDepth(): Env {
  const r = basePrimitives.extend();
  r.define({ name: "depth", params: "", doc: "Calls deep.", examples: [["(depth)", "0"]], fn: (_a, ctx) => ctx.depth });
  return createEnv(r);
}

describe("inlined component calls", () => {
  it("render what the calls render, in as many steps", () => {
    const inlined = render(site(NAV));
    expect(inlined.html).toBe("<ul>" + each((even) => (even ? '<li><a href="/a">A &amp; B</a></li>' : '<li><a href="/b">&lt;b&gt;</a></li>')) + "</ul>");
    expect(inlined).toEqual(render(site(NAV), PAGE, CALLS));
  });

  it("are made once a call has run 32 times: the body runs in the caller's frame, no call deeper", () => {
    const env = site(`(defcomp ~d (&key x) (i (depth)))`, withDepth());
    // The same page's code, run again: its call is inlined from the start.
    const page = parse(`(map (fn (l) (~d :x l)) links)`);
    expect(render(env, page).html).toBe("<i>1</i>".repeat(32) + "<i>0</i>".repeat(8));
    expect(render(env, page).html).toBe("<i>0</i>".repeat(40));
    expect(render(env, page, CALLS).html).toBe("<i>1</i>".repeat(40));
  });

  it("are calls where the name is another component", () => {
    const env = site(NAV);
    render(env);
    // Another site's ~link, and the code compiled against the first.
    const other = createEnv(env);
    evaluateForms(parse(`(defcomp ~link (&key link) (li "other " (:title link)))`), other);
    const ctx = new EvalContext(createEnv(other));
    const out = new Sink();
    emitForms(parse(PAGE), ctx, out);
    expect(out.text).toBe("<ul>" + each((even) => (even ? "<li>other A &amp; B</li>" : "<li>other &lt;b&gt;</li>")) + "</ul>");
  });

  it("are calls a hook sees when it does not pass the component", () => {
    const seen: string[] = [];
    const hook = Object.assign(
      (call: ComponentCall, run: (ctx: EvalContext) => unknown, ctx: EvalContext) => (seen.push(call.fn.name), run(ctx)),
      { passes: (fn: { name: string }) => fn.name !== "~link" },
    );
    expect(render(site(NAV), PAGE, hook as never).html).toContain("A &amp; B");
    expect(seen).toEqual(Array(40).fill("~link"));
  });

  it("keep the body's names its own: a caller's local of the same name is not read", () => {
    // The body reads the global `title`; the caller has a local `title`.
    const defs = `(define title "global") (defcomp ~t (&key x) (b title (:title x)))`;
    const page = `(map (fn (title) (~t :x title)) links)`;
    const env = site(defs);
    expect(render(env, page).html).toBe(each((even) => (even ? "<b>globalA &amp; B</b>" : "<b>global&lt;b&gt;</b>")));
  });

  it("keep the body's own bindings over the caller's names", () => {
    const defs = `(defcomp ~t (&key x) (let ((x "inner")) (i x)))`;
    const page = `(map (fn (l) (~t :x l)) links)`;
    expect(render(site(defs), page).html).toBe("<i>inner</i>".repeat(40));
  });

  it("stay calls inside their own body, so a recursive component renders to its depth", () => {
    const defs = `(defcomp ~tree (&key n) (if (> n 0) (span n (let ((m (- n 1))) (~tree :n m))) "."))`;
    expect(render(site(defs), `(let ((k 3)) (~tree :n k))`).html).toBe("<span>3<span>2<span>1.</span></span></span>");
  });

  it("fail with the body's error at the body's position", () => {
    const defs = `(defcomp ~bad (&key x) (p (:title (:href x))))`;
    const env = site(defs);
    expect(() => render(env, `(map (fn (l) (~bad :x l)) links)`)).toThrow(/:title/);
  });

  it("are not made of calls that leave a parameter out, give children or are not locals", () => {
    const defs = NAV + ` (defcomp ~two (&key a b) (i a b))`;
    const env = site(defs);
    expect(render(env, `(map (fn (l) (~two :a (:title l))) links)`).html).toBe(each((even) => (even ? "<i>A &amp; B</i>" : "<i>&lt;b&gt;</i>")));
    expect(renderForms(parse(`(~nav :items links)`), createEnv(env))).toContain("A &amp; B");
    // Past 32 runs, and again, each is still a call: one call deep.
    const deep = site(`(defcomp ~two (&key a b) (i (depth))) (defcomp ~kid (&key a &rest children) (i (depth)))`, withDepth());
    for (const call of [`(~two :a (:title l))`, `(~kid :a l "child")`, `(~two :a "A" :b "B")`]) {
      const page = parse(`(map (fn (l) ${call}) links)`);
      render(deep, page);
      expect(render(deep, page).html, call).toBe("<i>1</i>".repeat(40));
    }
  });
});
