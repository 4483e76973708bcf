import { describe, expect, it } from "vitest";
import { LimitError, createEnv } from "../src/index.ts";
import { ev, failure, html } from "./helpers.ts";

describe("limits", () => {
  it("step budget", async () => {
    const e = await failure(ev("(map (fn (x) (* x x)) (range 5000))", createEnv(), { limits: { maxSteps: 1000 } }));
    expect(e).toBeInstanceOf(LimitError);
    expect(e.message).toBe("step budget of 1000 exceeded");
    expect(e.loc).toBeDefined();
  });

  it("a huge range hits the step budget before allocating", async () => {
    const e = await failure(ev("(count (range 1e12))", createEnv(), { limits: { maxSteps: 10_000 } }));
    expect(e).toBeInstanceOf(LimitError);
  });

  it("host stack exhaustion becomes a LimitError when the depth limit is raised too far", async () => {
    const e = await failure(ev("(define (down n) (+ 1 (down n)))\n(down 1)", createEnv(), { limits: { maxDepth: 1e9 } }));
    expect(e).toBeInstanceOf(LimitError);
  });

  it("recursion depth, with the position of the call", async () => {
    const e = await failure(ev("(define (down n) (+ 1 (down n)))\n(down 1)"));
    expect(e).toBeInstanceOf(LimitError);
    expect(e.message).toMatch(/^recursion deeper than 400 calls \(in down\)$/);
    expect(e.loc?.line).toBe(1);
  });

  it("deep recursion within the limit works", async () => {
    expect(await ev("(define (sum n) (if (= n 0) 0 (+ n (sum (- n 1))))) (sum 350)")).toBe(String((350 * 351) / 2));
  });

  it("component recursion is limited too", async () => {
    const e = await failure(html("(defcomp ~loop (&key n) (div (~loop :n n))) (~loop :n 1)"));
    expect(e).toBeInstanceOf(LimitError);
  });

  it("output size", async () => {
    const src = '(define (grow s n) (if (= n 0) s (grow (str s s) (- n 1))))\n(p (grow "x" 40))';
    const e = await failure(html(src, createEnv(), { limits: { maxOutput: 1_000_000 } }));
    expect(e).toBeInstanceOf(LimitError);
    expect(e.message).toBe("output larger than the limit of 1000000 characters");
  });

  it("output size of nested markup", async () => {
    const e = await failure(html('(ul (map (fn (i) (li "xxxxxxxxxx")) (range 2000)))', createEnv(), { limits: { maxOutput: 10_000 } }));
    expect(e).toBeInstanceOf(LimitError);
    expect([e.loc?.line, e.loc?.col]).toEqual([1, 1]);
  });
});

describe("work inside primitives and the renderer is metered", () => {
  // A list shared with itself: n steps build 2^n leaves.
  const doubling = "(define (dbl l n) (if (= n 0) l (dbl (list l l) (- n 1))))\n";
  const tight = { limits: { maxSteps: 100_000, maxOutput: 1_000_000 } };

  it("rendering a huge shared list stops at the budget", async () => {
    const e = await failure(html(doubling + '(div (dbl (list "x") 40))', createEnv(), tight));
    expect(e).toBeInstanceOf(LimitError);
  });

  it("comparing, printing and joining huge shared lists stop at the budget", async () => {
    for (const expr of ["(= (dbl (list 1) 60) (dbl (list 1) 60))", "(str (dbl (list 1) 40))", '(join "," (dbl (list 1) 40))', '(format "%s" (dbl (list 1) 40))']) {
      const e = await failure(ev(doubling + expr, createEnv(), tight));
      expect(e, expr).toBeInstanceOf(LimitError);
    }
  });

  it("a range is charged per item before it is allocated", async () => {
    const e = await failure(ev("(count (range 300000000))"));
    expect(e).toBeInstanceOf(LimitError);
  });

  it("distinct and group-by stay linear", async () => {
    expect(await ev("(count (distinct (map (fn (x) (mod x 7)) (range 100000))))")).toBe("7");
    expect(await ev("(count (get (group-by (fn (x) :all) (range 100000)) :all))")).toBe("100000");
  });

  it("the output limit covers fragments, lists and whole pages", async () => {
    const big = '"' + "a".repeat(85) + '"';
    const limits = { limits: { maxOutput: 100 } };
    expect(await failure(html(`(<> (div ${big}) (div ${big}))`, createEnv(), limits))).toBeInstanceOf(LimitError);
    expect(await failure(html(`(list (div ${big}) (div ${big}))`, createEnv(), limits))).toBeInstanceOf(LimitError);
    expect(await failure(html(`(div ${big}) (div ${big})`, createEnv(), limits))).toBeInstanceOf(LimitError);
  });
});

describe("failures never escape as unhandled rejections", () => {
  it("a sibling failing synchronously after I/O started leaves nothing unhandled", async () => {
    const { basePrimitives } = await import("../src/index.ts");
    const r = basePrimitives.extend();
    r.defineIO({ name: "boom", params: "", doc: "Rejects soon (test I/O).", fn: () => new Promise((_, reject) => setTimeout(() => reject(new Error("boom")), 5)) });
    const unhandled: unknown[] = [];
    const onUnhandled = (e: unknown) => unhandled.push(e);
    process.on("unhandledRejection", onUnhandled);
    try {
      for (const src of ["(div (boom) (nope))", "(list (boom) (nope))", "(list (map (fn (x) (boom)) (list 1)) (nope))", "(let ((a (boom))) (nope))", "(defcomp ~c (&key (a (boom))) (div)) (~c)", "(defcomp ~d (&key (a (boom))) (nope)) (~d)"]) {
        await html(src, createEnv(r)).catch(() => null);
      }
      await new Promise((resolve) => setTimeout(resolve, 30));
    } finally {
      process.off("unhandledRejection", onUnhandled);
    }
    expect(unhandled).toEqual([]);
  });

  it("a value that cannot be rendered at the top level is an error with the form's position", async () => {
    const e = await failure(html('(p "ok")\n{:a 1}'));
    expect(e.message).toBe("cannot render a map as HTML");
    expect([e.loc?.line, e.loc?.col]).toEqual([2, 1]);
  });
});
