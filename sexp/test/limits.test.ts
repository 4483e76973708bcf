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
