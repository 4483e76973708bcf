/** List and sequence primitives. Higher-order ones accept functions that do I/O. */
import { EvalError } from "../errors.ts";
import type { Registry } from "../registry.ts";
import type { Out, PrimitiveFn } from "../runtime.ts";
import { keyName } from "../data.ts";
import { Keyword, truthy, typeName, type Value } from "../types.ts";
import { printNumber } from "../printer.ts";
import { display } from "./strings.ts";
import { compare, equal } from "./equality.ts";
import { chargeSize, copied, list, num, settle, str, whenReady } from "./util.ts";

const mapFn: PrimitiveFn = ([f, c], ctx) => settle(list(c!, "map", 1).map((x) => ctx.apply(f!, [x])));

export function registerLists(r: Registry): void {
  r.define({
    name: "list",
    params: "&rest items",
    doc: "A list of the arguments.",
    examples: [["(list 1 2 3)", "(1 2 3)"], ["(list)", "()"]],
    fn: (a) => a,
    fn1: (x) => [x],
    fn2: (x, y) => [x, y],
    fn3: (x, y, z) => [x, y, z],
    inline: "list",
  });
  r.define({
    name: "first",
    params: "coll",
    doc: "The first item of a list, or nil when empty.",
    examples: [["(first (list 1 2))", "1"], ["(first nil)", "nil"]],
    fn: ([c]) => list(c!, "first")[0] ?? null,
  });
  r.define({
    name: "last",
    params: "coll",
    doc: "The last item of a list, or nil when empty.",
    examples: [["(last (list 1 2))", "2"]],
    fn: ([c]) => list(c!, "last").at(-1) ?? null,
  });
  r.define({
    name: "rest",
    params: "coll",
    doc: "All but the first item.",
    examples: [["(rest (list 1 2 3))", "(2 3)"], ["(rest nil)", "()"]],
    fn: ([c], ctx) => copied(list(c!, "rest").slice(1), ctx),
  });
  r.define({
    name: "nth",
    params: "coll index &optional default",
    doc: "The item at a zero-based index, or the default (nil) when out of range.",
    examples: [["(nth (list 10 20 30) 1)", "20"], ['(nth (list 1) 5 "none")', '"none"']],
    fn: ([c, i, d]) => list(c!, "nth")[num(i!, "nth", 1)] ?? d ?? null,
  });
  r.define({
    name: "count",
    params: "coll",
    doc: "Number of items in a list or map, or characters in a string; 0 for nil.",
    examples: [["(count (list 1 2 3))", "3"], ['(count "abc")', "3"], ["(count nil)", "0"]],
    fn: ([c]) => {
      if (c === null) return 0;
      if (typeof c === "string" || Array.isArray(c)) return c.length;
      if (c instanceof Map) return c.size;
      throw new EvalError(`count: cannot count a ${typeName(c!)}`);
    },
  });
  r.define({
    name: "empty?",
    params: "coll",
    doc: "True when a list, map or string has no items, or for nil.",
    examples: [["(empty? (list))", "true"], ["(empty? nil)", "true"], ['(empty? "x")', "false"]],
    fn: ([c]) => {
      if (c === null) return true;
      if (typeof c === "string" || Array.isArray(c)) return c.length === 0;
      if (c instanceof Map) return c.size === 0;
      throw new EvalError(`empty?: not a collection: ${typeName(c!)}`);
    },
  });
  r.define({
    name: "range",
    params: "start-or-end &optional end step",
    doc: "Numbers from start (default 0) up to but not including end, by step (default 1).",
    examples: [["(range 4)", "(0 1 2 3)"], ["(range 2 5)", "(2 3 4)"], ["(range 0 10 5)", "(0 5)"]],
    fn: (a, ctx) => {
      const [start, end] = a.length === 1 ? [0, num(a[0]!, "range")] : [num(a[0]!, "range"), num(a[1]!, "range", 1)];
      const step = a.length > 2 ? num(a[2]!, "range", 2) : 1;
      if (step === 0) throw new EvalError("range: step cannot be 0");
      const n = Math.max(0, Math.ceil((end - start) / step));
      // NaN would pass the budget (it compares false with everything) and leave the meter NaN for good.
      if (Number.isNaN(n)) throw new EvalError(`range: cannot count from ${printNumber(start)} to ${printNumber(end)} by ${printNumber(step)}`);
      // Each item counts as a step, charged before allocating.
      ctx.charge(n);
      return Array.from({ length: n }, (_, k) => start + k * step);
    },
  });
  r.define({
    name: "concat",
    params: "&rest colls",
    doc: "One list of the items of every list given (nil counts as empty).",
    examples: [["(concat (list 1) (list 2 3) nil)", "(1 2 3)"]],
    fn: (a, ctx) => {
      const lists = a.map((c, i) => list(c, "concat", i));
      ctx.charge(lists.reduce((n, l) => n + l.length, 0));
      return lists.flat(1);
    },
  });
  r.define({
    name: "cons",
    params: "item coll",
    doc: "A list with item in front of coll.",
    examples: [["(cons 0 (list 1 2))", "(0 1 2)"]],
    fn: ([x, c], ctx) => copied([x!, ...list(c!, "cons", 1)], ctx),
  });
  r.define({
    name: "reverse",
    params: "coll",
    doc: "The items in reverse order.",
    examples: [["(reverse (list 1 2 3))", "(3 2 1)"]],
    fn: ([c], ctx) => copied([...list(c!, "reverse")].reverse(), ctx),
  });
  r.define({
    name: "take",
    params: "n coll",
    doc: "The first n items.",
    examples: [["(take 2 (list 1 2 3))", "(1 2)"]],
    fn: ([n, c], ctx) => copied(list(c!, "take", 1).slice(0, Math.max(0, num(n!, "take"))), ctx),
  });
  r.define({
    name: "drop",
    params: "n coll",
    doc: "All but the first n items.",
    examples: [["(drop 2 (list 1 2 3))", "(3)"]],
    fn: ([n, c], ctx) => copied(list(c!, "drop", 1).slice(Math.max(0, num(n!, "drop"))), ctx),
  });
  r.define({
    name: "join",
    params: "separator coll",
    doc: "The items of a list as one string with separator between them (nil items are skipped).",
    examples: [['(join ", " (list "a" "b" 3))', '"a, b, 3"']],
    fn: ([sep, c], ctx) => {
      const items = list(c!, "join", 1);
      chargeSize(items, ctx);
      const separator = str(sep!, "join");
      let s = "";
      let first = true;
      for (const x of items) {
        if (x === null) continue;
        s += (first ? "" : separator) + display(x);
        first = false;
        ctx.checkOutput(s.length);
      }
      return s;
    },
  });
  r.define({
    name: "map",
    params: "f coll",
    doc: "A list of (f item) for every item; the calls run concurrently when f does I/O.",
    examples: [["(map (fn (x) (* x x)) (list 1 2 3))", "(1 4 9)"], ["(map :name (list {:name \"a\"}))", '("a")']],
    // The compiler runs `(map (fn (x) ...) items)` as a loop, without a call per item.
    inline: "map",
    fn: mapFn,
  });
  r.define({
    name: "map-indexed",
    params: "f coll",
    doc: "A list of (f index item) for every item, index from 0.",
    examples: [["(map-indexed (fn (i x) (+ i x)) (list 10 20))", "(10 21)"]],
    fn: ([f, c], ctx) => settle(list(c!, "map-indexed", 1).map((x, i) => ctx.apply(f!, [i, x]))),
  });
  r.define({
    name: "filter",
    params: "pred coll",
    doc: "The items for which (pred item) is true.",
    examples: [["(filter (fn (x) (> x 1)) (list 1 2 3))", "(2 3)"]],
    fn: ([f, c], ctx) => {
      const items = list(c!, "filter", 1);
      return whenReady(settle(items.map((x) => ctx.apply(f!, [x]))) as Out, (keep) =>
        items.filter((_, i) => truthy((keep as Value[])[i]!)),
      );
    },
  });
  r.define({
    name: "reduce",
    params: "f init coll",
    doc: "Folds coll into one value: (f (f init x1) x2) ...",
    examples: [["(reduce + 0 (list 1 2 3))", "6"], ["(reduce (fn (acc x) (cons x acc)) nil (list 1 2))", "(2 1)"]],
    fn: ([f, init, c], ctx) => {
      const items = list(c!, "reduce", 2);
      const step = (acc: Value, i: number): Out => {
        for (; i < items.length; i++) {
          const next = ctx.apply(f!, [acc, items[i]!]);
          if (next instanceof Promise) {
            const k = i + 1;
            return next.then((v) => step(v, k));
          }
          acc = next;
        }
        return acc;
      };
      return step(init!, 0);
    },
  });
  r.define({
    name: "some",
    params: "pred coll",
    doc: "The first truthy (pred item), or nil.",
    examples: [["(some (fn (x) (> x 1)) (list 1 2 3))", "true"]],
    fn: ([f, c], ctx) =>
      whenReady(settle(list(c!, "some", 1).map((x) => ctx.apply(f!, [x]))) as Out, (rs) => (rs as Value[]).find(truthy) ?? null),
  });
  r.define({
    name: "every?",
    params: "pred coll",
    doc: "True when (pred item) is truthy for every item.",
    examples: [["(every? (fn (x) (> x 0)) (list 1 2))", "true"]],
    fn: ([f, c], ctx) =>
      whenReady(settle(list(c!, "every?", 1).map((x) => ctx.apply(f!, [x]))) as Out, (rs) => (rs as Value[]).every(truthy)),
  });
  r.define({
    name: "sort",
    params: "coll",
    doc: "Numbers or strings in ascending order.",
    examples: [["(sort (list 3 1 2))", "(1 2 3)"]],
    fn: ([c], ctx) => {
      const items = list(c!, "sort");
      ctx.charge(items.length);
      return [...items].sort((a, b) => compare(a, b, "sort"));
    },
  });
  r.define({
    name: "sort-by",
    params: "key coll &optional order",
    doc: 'Items ordered by (key item); order is :asc (default) or :desc.',
    examples: [['(sort-by :price (list {:price 3} {:price 1}))', "({:price 1} {:price 3})"], ["(sort-by (fn (x) x) (list 1 3 2) :desc)", "(3 2 1)"]],
    fn: ([k, c, order], ctx) => {
      const items = list(c!, "sort-by", 1);
      if (order !== undefined && order !== null && !(order instanceof Keyword && (order.name === "asc" || order.name === "desc"))) {
        throw new EvalError("sort-by: order must be :asc or :desc");
      }
      const sign = order instanceof Keyword && order.name === "desc" ? -1 : 1;
      ctx.charge(items.length);
      return whenReady(settle(items.map((x) => ctx.apply(k!, [x]))) as Out, (keys) => {
        const ks = keys as Value[];
        return items
          .map((x, i) => [ks[i]!, x] as const)
          .sort((a, b) => sign * compare(a[0], b[0], "sort-by"))
          .map((p) => p[1]);
      });
    },
  });
  r.define({
    name: "distinct",
    params: "coll",
    doc: "The items with later duplicates removed.",
    examples: [["(distinct (list 1 2 1 3))", "(1 2 3)"]],
    fn: ([c], ctx) => {
      const items = list(c!, "distinct");
      ctx.charge(items.length);
      // Atoms by identity in a set; lists and maps structurally.
      const atoms = new Set<Value>();
      const out: Value[] = [];
      for (const x of items) {
        if (typeof x !== "object" || x === null || x instanceof Keyword) {
          if (atoms.has(x)) continue;
          atoms.add(x);
        } else {
          // Each comparison is a step, even one that fails at once (lists of different lengths).
          ctx.charge(out.length);
          if (out.some((y) => equal(x, y, ctx))) continue;
        }
        out.push(x);
      }
      return out;
    },
  });
  r.define({
    name: "group-by",
    params: "key coll",
    doc: "A map from (key item) to the list of items with that key.",
    examples: [['(group-by :cat (list {:cat "a" :n 1} {:cat "a" :n 2}))', '{:a ({:cat "a" :n 1} {:cat "a" :n 2})}']],
    fn: ([k, c], ctx) => {
      const items = list(c!, "group-by", 1);
      return whenReady(settle(items.map((x) => ctx.apply(k!, [x]))) as Out, (keys) => {
        const m = new Map<string, Value[]>();
        items.forEach((x, i) => {
          const key = String(keyName((keys as Value[])[i]!));
          const group = m.get(key);
          if (group) group.push(x);
          else m.set(key, [x]);
        });
        return m as Map<string, Value>;
      });
    },
  });
  r.define({
    name: "apply",
    params: "f args",
    doc: "Call f with the items of a list as its arguments.",
    examples: [["(apply + (list 1 2 3))", "6"]],
    fn: ([f, a], ctx) => {
      const args = list(a!, "apply", 1);
      ctx.charge(args.length);
      return ctx.apply(f!, [...args]);
    },
  });
}
