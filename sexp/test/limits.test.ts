import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { EvalError, LimitError, createEnv, fromJson } from "../src/index.ts";
import { jsonTooDeep } from "../src/program.ts";
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

  it("copying a list costs a step per item, so copies in a loop stop at the budget (found by the fuzzer)", async () => {
    const limits = { limits: { maxSteps: 100_000 } };
    // Before: each of these ran 5000 copies of 5000 items (25M) on about 10,000 steps.
    for (const copy of ["rest big", "reverse big", "take i big", "drop i big", "cons i big", "distinct big"]) {
      const e = await failure(ev(`(let ((big (range 5000))) (count (map (fn (i) (${copy})) big)))`, createEnv(), limits));
      expect(e, copy).toBeInstanceOf(LimitError);
    }
    const maps = "(let ((m (reduce (fn (acc i) (assoc acc (str i) i)) {} (range 300))))";
    for (const copy of ["keys m", "vals m", "assoc m :x 1", "dissoc m :x", "merge m m"]) {
      const e = await failure(ev(`${maps} (count (map (fn (i) (${copy})) (range 5000))))`, createEnv(), limits));
      expect(e, copy).toBeInstanceOf(LimitError);
    }
    // distinct compares each new list with every one kept so far: lists of different lengths too.
    const e = await failure(ev("(let ((big (range 3000))) (count (distinct (map (fn (i) (take i big)) (range 3000)))))", createEnv(), { limits: { maxSteps: 1_000_000 } }));
    expect(e).toBeInstanceOf(LimitError);
    expect(await ev("(count (rest (range 10)))", createEnv(), { limits: { maxSteps: 100 } })).toBe("9");
  });

  it("a range with a NaN count is an error, and cannot switch the budget off (found by the fuzzer)", async () => {
    // Before: (range ##NaN) charged NaN steps, after which no step count ever exceeded the budget.
    for (const expr of ["(range ##NaN)", "(range ##Inf ##Inf)", "(range 0 1 ##NaN)", "(range ##-Inf ##Inf ##Inf)"]) {
      const e = await failure(ev(`(do ${expr} (count (range 1e12)))`, createEnv(), { limits: { maxSteps: 10_000 } }));
      expect(e, expr).toBeInstanceOf(EvalError);
      expect(e.message, expr).toMatch(/^range: cannot count from /);
    }
    expect((await failure(ev("(range ##NaN)"))).message).toBe("range: cannot count from 0 to ##NaN by 1");
  });

  it("replace is refused before it builds a string over the output limit (found by the fuzzer)", async () => {
    // Before: an empty `find` put the replacement between every two characters, and V8 gave up (RangeError).
    const big = '(let ((big (reduce (fn (acc i) (str acc acc)) "ab" (range 20)))) (count (replace big "" big)))';
    const e = await failure(ev(big));
    expect(e).toBeInstanceOf(LimitError);
    expect(e.message).toMatch(/^output larger than the limit/);
    expect(await ev('(replace "abc" "" "-")')).toBe('"a-b-c"');
    expect(await ev('(replace "aXbXc" "X" "")')).toBe('"abc"');
  });

  it("the output limit covers fragments, lists and whole pages", async () => {
    const big = '"' + "a".repeat(85) + '"';
    const limits = { limits: { maxOutput: 100 } };
    expect(await failure(html(`(<> (div ${big}) (div ${big}))`, createEnv(), limits))).toBeInstanceOf(LimitError);
    expect(await failure(html(`(list (div ${big}) (div ${big}))`, createEnv(), limits))).toBeInstanceOf(LimitError);
    expect(await failure(html(`(div ${big}) (div ${big})`, createEnv(), limits))).toBeInstanceOf(LimitError);
  });
});

describe("host data", () => {
  it("jsonTooDeep finds the depth JSON.parse sees, skipping brackets in strings", () => {
    const depth = (v: unknown): number =>
      v !== null && typeof v === "object" ? 1 + Math.max(0, ...Object.values(v as object).map(depth)) : 0;
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 8 }), fc.boolean(), (data, pretty) => {
        const text = JSON.stringify(data, null, pretty ? 2 : undefined);
        const d = depth(data);
        expect(jsonTooDeep(text, d)).toBeNull();
        if (d > 0) expect(jsonTooDeep(text, d - 1)).not.toBeNull();
      }),
      { numRuns: 300 },
    );
    expect(jsonTooDeep('{"a": "[[[\\"[[", "b": [[1]]}', 2)).toEqual({ line: 1, col: 24 });
  });


  it("fromJson converts data as deep as the reader's limit and refuses deeper with a LimitError, not a stack overflow", () => {
    const nest = (n: number): unknown => {
      let d: unknown = { k: 1 };
      for (let i = 1; i < n; i++) d = i % 2 ? [d] : { a: d };
      return d;
    };
    expect(() => fromJson(nest(1000))).not.toThrow();
    for (const n of [1001, 200_000]) {
      let err: unknown;
      try {
        fromJson(nest(n));
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(LimitError);
      expect((err as Error).message).toBe("JSON nested deeper than 1000 levels");
    }
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
