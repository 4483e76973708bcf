/** Arithmetic, comparison and logic primitives. */
import { EvalError } from "../errors.ts";
import type { Registry } from "../registry.ts";
import { truthy, type Value } from "../types.ts";
import { compare, equal } from "./equality.ts";
import { num } from "./util.ts";

function chain(a: readonly Value[], fn: string, ok: (c: number) => boolean): boolean {
  for (let i = 0; i + 1 < a.length; i++) if (!ok(compare(a[i]!, a[i + 1]!, fn))) return false;
  return true;
}

export function registerMath(r: Registry): void {
  r.define({
    name: "+",
    params: "&rest numbers",
    doc: "Sum of the numbers (0 for none).",
    examples: [["(+ 1 2 3)", "6"], ["(+)", "0"]],
    fn: (a) => {
      let s = 0;
      for (let i = 0; i < a.length; i++) s += num(a[i]!, "+", i);
      return s;
    },
    fn2: (x, y) => num(x, "+", 0) + num(y, "+", 1),
  });
  r.define({
    name: "-",
    params: "x &rest numbers",
    doc: "x minus the rest, or -x when alone.",
    examples: [["(- 10 3 2)", "5"], ["(- 4)", "-4"]],
    fn: (a) => {
      const x = num(a[0]!, "-");
      if (a.length === 1) return -x;
      let s = x;
      for (let i = 1; i < a.length; i++) s -= num(a[i]!, "-", i);
      return s;
    },
    fn2: (x, y) => num(x, "-") - num(y, "-", 1),
  });
  r.define({
    name: "*",
    params: "&rest numbers",
    doc: "Product of the numbers (1 for none).",
    examples: [["(* 2 3 4)", "24"]],
    fn: (a) => {
      let s = 1;
      for (let i = 0; i < a.length; i++) s *= num(a[i]!, "*", i);
      return s;
    },
  });
  r.define({
    name: "/",
    params: "x y &rest numbers",
    doc: "x divided by the rest in turn; dividing by zero is an error.",
    examples: [["(/ 10 4)", "2.5"]],
    fn: (a) => {
      let s = num(a[0]!, "/");
      for (let i = 1; i < a.length; i++) {
        const d = num(a[i]!, "/", i);
        if (d === 0) throw new EvalError("/: division by zero");
        s /= d;
      }
      return s;
    },
  });
  r.define({
    name: "mod",
    params: "x y",
    doc: "Remainder of x / y with the sign of y.",
    examples: [["(mod 7 3)", "1"], ["(mod -1 3)", "2"]],
    fn: ([x, y]) => {
      const d = num(y!, "mod", 1);
      if (d === 0) throw new EvalError("mod: division by zero");
      const m = num(x!, "mod") % d;
      return m !== 0 && m < 0 !== d < 0 ? m + d : m;
    },
  });
  for (const [name, f, doc] of [
    ["round", Math.round, "Nearest integer."],
    ["floor", Math.floor, "Largest integer not above x."],
    ["ceil", Math.ceil, "Smallest integer not below x."],
    ["abs", Math.abs, "Absolute value."],
  ] as const) {
    r.define({ name, params: "x", doc, examples: [[`(${name} -2.5)`, String(f(-2.5) === 0 ? 0 : f(-2.5))]], fn: ([x]) => f(num(x!, name)) });
  }
  r.define({
    name: "min",
    params: "x &rest numbers",
    doc: "The smallest number.",
    examples: [["(min 3 1 2)", "1"]],
    fn: (a) => a.reduce<number>((m, x, i) => Math.min(m, num(x, "min", i)), Infinity),
  });
  r.define({
    name: "max",
    params: "x &rest numbers",
    doc: "The largest number.",
    examples: [["(max 3 1 2)", "3"]],
    fn: (a) => a.reduce<number>((m, x, i) => Math.max(m, num(x, "max", i)), -Infinity),
  });
  r.define({ name: "inc", params: "x", doc: "x + 1.", examples: [["(inc 1)", "2"]], fn: ([x]) => num(x!, "inc") + 1 });
  r.define({ name: "dec", params: "x", doc: "x - 1.", examples: [["(dec 1)", "0"]], fn: ([x]) => num(x!, "dec") - 1 });
  r.define({ name: "even?", params: "x", doc: "True for even integers.", examples: [["(even? 2)", "true"]], fn: ([x]) => num(x!, "even?") % 2 === 0 });
  r.define({ name: "odd?", params: "x", doc: "True for odd integers.", examples: [["(odd? 3)", "true"]], fn: ([x]) => Math.abs(num(x!, "odd?") % 2) === 1 });
  r.define({ name: "zero?", params: "x", doc: "True for 0.", examples: [["(zero? 0)", "true"]], fn: ([x]) => num(x!, "zero?") === 0 });

  r.define({
    name: "=",
    params: "x y &rest more",
    doc: "True when all arguments are structurally equal.",
    examples: [["(= 1 1)", "true"], ["(= (list 1 {:a 2}) (list 1 {:a 2}))", "true"], ['(= "a" "b")', "false"]],
    fn: (a, ctx) => a.every((x, i) => i === 0 || equal(a[0]!, x, ctx)),
    fn2: (x, y, ctx) => equal(x, y, ctx),
  });
  r.define({
    name: "not=",
    params: "x y &rest more",
    doc: "True when not all arguments are equal.",
    examples: [["(not= 1 2)", "true"]],
    fn: (a, ctx) => !a.every((x, i) => i === 0 || equal(a[0]!, x, ctx)),
    fn2: (x, y, ctx) => !equal(x, y, ctx),
  });
  for (const [name, ok, doc] of [
    ["<", (c: number) => c < 0, "strictly increasing"],
    [">", (c: number) => c > 0, "strictly decreasing"],
    ["<=", (c: number) => c <= 0, "non-decreasing"],
    [">=", (c: number) => c >= 0, "non-increasing"],
  ] as const) {
    r.define({
      name,
      params: "x y &rest more",
      doc: `True when the numbers (or strings) are ${doc}.`,
      examples: [[`(${name} 1 2)`, String(ok(-1))]],
      fn: (a) => chain(a, name, ok),
      fn2: (x, y) => ok(typeof x === "number" && typeof y === "number" ? x - y : compare(x, y, name)),
    });
  }
  r.define({
    name: "not",
    params: "x",
    doc: "True for nil and false, false for everything else.",
    examples: [["(not nil)", "true"], ["(not 0)", "false"]],
    fn: ([x]) => !truthy(x),
    fn1: (x) => !truthy(x),
  });
}
