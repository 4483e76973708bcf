// A primitive's forms for one to three arguments (fn1..fn3) are the same
// function as its `fn` given them as a list: same value, same error.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { basePrimitives, createEnv, EvalContext, Html, Keyword, parse, printValue, Registry, renderForms, type Value } from "../src/index.ts";

const value: fc.Arbitrary<Value> = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer({ min: -5, max: 5 }),
  fc.double({ noNaN: false }),
  fc.string({ maxLength: 6 }),
  fc.constantFrom("%s", "%d%%", "£%.2f", "%s-%s", "a%"),
  fc.constant(Keyword.of("k")),
  fc.constant(new Html("<b>x</b>")),
  fc.array(fc.integer(), { maxLength: 3 }),
  fc.constant(new Map<string, Value>([["a", 1]])),
);

function outcome(run: () => unknown): string {
  try {
    const v = run();
    return "= " + printValue(v as Value);
  } catch (e) {
    return "! " + (e as Error).message;
  }
}

describe("fixed-arity forms of primitives", () => {
  const withForms = basePrimitives.list().filter((p) => p.fn1 || p.fn2 || p.fn3);

  it("the template primitives have them", () => {
    expect(withForms.map((p) => p.name)).toEqual(expect.arrayContaining(["str", "format", "list", "<", "<=", ">", ">=", "=", "not=", "not", "+", "-"]));
  });

  for (const p of withForms) {
    it(`${p.name}: fn1..fn3 equal fn`, () => {
      const ctx = () => new EvalContext(createEnv());
      fc.assert(
        fc.property(fc.array(value, { minLength: 3, maxLength: 3 }), ([x, y, z]) => {
          if (p.fn1) expect(outcome(() => p.fn1!(x!, ctx()))).toBe(outcome(() => p.fn([x!], ctx())));
          if (p.fn2) expect(outcome(() => p.fn2!(x!, y!, ctx()))).toBe(outcome(() => p.fn([x!, y!], ctx())));
          if (p.fn3) expect(outcome(() => p.fn3!(x!, y!, z!, ctx()))).toBe(outcome(() => p.fn([x!, y!, z!], ctx())));
        }),
        { numRuns: 300 },
      );
    });
  }

  for (const p of basePrimitives.list().filter((p) => p.piece)) {
    it(`${p.name}: its pieces joined equal fn`, () => {
      const ctx = () => new EvalContext(createEnv());
      fc.assert(
        fc.property(fc.array(value, { maxLength: 5 }), (xs) => {
          expect(outcome(() => xs.map((x) => p.piece!(x, ctx())).join(""))).toBe(outcome(() => p.fn(xs, ctx())));
        }),
        { numRuns: 300 },
      );
    });
  }

  it("a call through one counts a step and names the primitive and place when it fails", () => {
    const env = createEnv();
    expect(renderForms(parse(`(p (str "a" 1 nil) (format "%.1f" 2) (<= 1 2))`), env)).toBe("<p>a12.0</p>");
    expect(() => renderForms(parse(`(p (<= 1 "a"))`, { src: "page" }), env)).toThrow(/<=: cannot compare number with string/);
    // The element is one step, the call another.
    expect(renderForms(parse(`(p (str 1 2 3))`), env, { limits: { maxSteps: 2 } })).toBe("<p>123</p>");
    expect(() => renderForms(parse(`(p (str 1 2 3))`), env, { limits: { maxSteps: 1 } })).toThrow(/step budget/);
  });

  it("only pure primitives, and only for a number of arguments they take", () => {
    const r = new Registry();
    expect(() => r.defineIO({ name: "io", params: "x", doc: "An I/O call.", fn: () => null, fn1: () => null })).toThrow(/cannot have a form for 1/);
    expect(() => r.define({ name: "two", params: "x y", doc: "Two arguments.", fn: () => null, fn1: () => null })).toThrow(/cannot have a form for 1/);
    expect(() => r.defineIO({ name: "io-str", params: "&rest xs", doc: "An I/O join.", fn: () => null, piece: () => "" })).toThrow(/cannot be written piece by piece/);
  });
});
