import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { basePrimitives, createEnv, parse, Registry } from "../src/index.ts";
import { arityOf } from "../src/registry.ts";
import { toFixed } from "../src/primitives/strings.ts";
import { ev, failure } from "./helpers.ts";

describe("primitive registry", () => {
  const all = basePrimitives.list();

  it("has the base set from the seed", () => {
    for (const name of ["list", "map", "filter", "reduce", "first", "rest", "nth", "count", "empty?", "range", "concat", "join",
      "str", "format", "upper", "lower", "get", "+", "-", "*", "/", "=", "<", ">", "not", "seq"]) {
      expect(basePrimitives.has(name), name).toBe(true);
    }
  });

  it("every primitive has metadata: params, a description and examples; the base set is pure", () => {
    for (const p of all) {
      expect(p.meta.doc.length, p.name).toBeGreaterThan(3);
      expect(p.meta.examples.length, p.name).toBeGreaterThan(0);
      expect(p.meta.io, p.name).toBe(false);
      expect(() => parse(`(${p.meta.params})`), p.name).not.toThrow();
    }
  });

  // The documented examples are the catalog the LLM learns from: each must be true.
  for (const p of all) {
    for (const [expr, result] of p.meta.examples) {
      it(`example ${expr} => ${result}`, async () => {
        expect(await ev(expr)).toBe(result);
      });
    }
  }

  it("registries extend without changing their parent, and names are unique", () => {
    const r = basePrimitives.extend();
    r.defineIO({ name: "now", params: "", doc: "Current time.", fn: () => 1 });
    expect(r.get("now")?.meta.io).toBe(true);
    expect(basePrimitives.has("now")).toBe(false);
    expect(() => new Registry().define({ name: "x", params: "", doc: "", fn: () => 1 }).define({ name: "x", params: "", doc: "", fn: () => 1 })).toThrow(
      /already registered/,
    );
  });

  it("a child registry's primitive is callable from code", async () => {
    const r = basePrimitives.extend();
    r.define({ name: "twice", params: "x", doc: "x doubled.", fn: ([x]) => (x as number) * 2 });
    expect(await ev("(twice 21)", createEnv(r))).toBe("42");
  });
});

describe("arityOf", () => {
  it("counts required, optional, keyword (two each: :k value) and rest arguments", () => {
    expect(arityOf("a b")).toEqual([2, 2]);
    expect(arityOf("a &optional b")).toEqual([1, 2]);
    expect(arityOf("recipe &key with format alt class")).toEqual([1, 9]);
    expect(arityOf("&rest xs")).toEqual([0, Infinity]);
  });
});

describe("primitive behaviour", () => {
  it("format", async () => {
    expect(await ev('(format "%s/%s" "a" 1)')).toBe('"a/1"');
    expect(await ev('(format "£%.2f" 4)')).toBe('"£4.00"');
    expect((await failure(ev('(format "%s %s" 1)'))).message).toMatch(/needs more arguments/);
  });

  it("division by zero is an error, not Infinity", async () => {
    expect((await failure(ev("(/ 1 0)"))).message).toBe("/: division by zero");
  });

  it("comparison chains and type errors", async () => {
    expect(await ev("(< 1 2 3)")).toBe("true");
    expect(await ev("(< 1 3 2)")).toBe("false");
    expect(await ev('(< "a" "b")')).toBe("true");
    expect((await failure(ev('(< 1 "b")'))).message).toBe("<: cannot compare number with string");
  });

  it("nil counts as an empty list", async () => {
    expect(await ev("(map inc nil)")).toBe("()");
    expect(await ev("(count nil)")).toBe("0");
    expect(await ev("(concat nil (list 1))")).toBe("(1)");
  });

  it("sort-by and group-by with keywords", async () => {
    expect(await ev("(map :n (sort-by :p (list {:n \"b\" :p 2} {:n \"a\" :p 1})))")).toBe('("a" "b")');
    expect(await ev("(sort-by :p (list {:p 1} {:p 3} {:p 2}) :desc)")).toBe("({:p 3} {:p 2} {:p 1})");
  });
});

describe("format's fixed decimals", () => {
  // Worked out directly where that is sure to agree with toFixed, by toFixed elsewhere.
  const agrees = (x: number, p: number) => expect(toFixed(x, p), `${x} to ${p}`).toBe(x.toFixed(p));

  it("agree with toFixed at ties, signs, zeros and the edges", () => {
    for (const x of [0, -0, 1.005, 2.675, 8.345, 0.285, -0.001, -0.005, 0.5, 1.5, 2.5, -2.5, 99.995, 4.35, 123456789.125, 1e12, 1e21, 5e-7, NaN, Infinity, -Infinity]) {
      for (let p = 0; p <= 8; p++) agrees(x, p);
    }
  });

  it("agree with toFixed on any double and on decimals like prices", () => {
    fc.assert(fc.property(fc.double(), fc.integer({ min: 0, max: 8 }), (x, p) => {
      agrees(x, p);
    }), { numRuns: 20000 });
    fc.assert(fc.property(fc.integer({ min: -1e7, max: 1e7 }), fc.integer({ min: 0, max: 6 }), fc.integer({ min: 0, max: 6 }), (i, d, p) => {
      agrees(i / 10 ** d, p);
    }), { numRuns: 20000 });
  });
});
