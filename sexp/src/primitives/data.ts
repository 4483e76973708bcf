/** Map, field access and type primitives. */
import { EvalError } from "../errors.ts";
import { getField, isPlainObject, keyName } from "../data.ts";
import type { Registry } from "../registry.ts";
import type { EvalContext } from "../runtime.ts";
import { Keyword, Sym, isCallable, typeName, type SMap, type Value } from "../types.ts";
import { copied } from "./util.ts";

/** A copy of a map to change, a step per entry copied. */
function copiedMap(m: SMap, ctx: EvalContext): SMap {
  ctx.charge(m.size);
  return new Map(m);
}

/** A map argument: maps as they are, host objects by their own properties, nil as empty. */
function asMap(v: Value, fn: string): SMap {
  if (v === null) return new Map();
  if (v instanceof Map) return v;
  if (isPlainObject(v)) return new Map(Object.entries(v) as [string, Value][]);
  throw new EvalError(`${fn}: expects a map, got ${typeName(v)}`);
}

export function registerData(r: Registry): void {
  r.define({
    name: "get",
    params: "coll key &optional default",
    doc: "The value at key (a keyword or string for maps, an index for lists), or default (nil).",
    examples: [["(get {:a 1} :a)", "1"], ['(get {:a 1} "b" 0)', "0"], ["(get (list 5 6) 1)", "6"]],
    fn: ([c, k, d]) => {
      const v = getField(c!, keyName(k!));
      return v === null ? (d ?? null) : v;
    },
  });
  r.define({
    name: "get-in",
    params: "coll path &optional default",
    doc: "The value found by following a list of keys.",
    examples: [["(get-in {:a {:b 2}} (list :a :b))", "2"]],
    fn: ([c, p, d]) => {
      let v: Value = c!;
      for (const k of Array.isArray(p) ? p : []) v = v === null ? null : getField(v, keyName(k));
      return v === null ? (d ?? null) : v;
    },
  });
  r.define({
    name: "hash-map",
    params: "&rest keys-and-values",
    doc: "A map from alternating keys and values.",
    examples: [['(hash-map :a 1 "b" 2)', "{:a 1 :b 2}"]],
    fn: (a) => {
      if (a.length % 2) throw new EvalError("hash-map: needs key/value pairs");
      const m: SMap = new Map();
      for (let i = 0; i < a.length; i += 2) m.set(String(keyName(a[i]!)), a[i + 1]!);
      return m;
    },
  });
  r.define({
    name: "assoc",
    params: "map key value &rest more",
    doc: "A copy of map with the keys set.",
    examples: [["(assoc {:a 1} :b 2)", "{:a 1 :b 2}"]],
    fn: ([m, ...kv], ctx) => {
      if (kv.length % 2) throw new EvalError("assoc: needs key/value pairs");
      const out = copiedMap(asMap(m!, "assoc"), ctx);
      for (let i = 0; i < kv.length; i += 2) out.set(String(keyName(kv[i]!)), kv[i + 1]!);
      return out;
    },
  });
  r.define({
    name: "dissoc",
    params: "map &rest keys",
    doc: "A copy of map without the keys.",
    examples: [["(dissoc {:a 1 :b 2} :a)", "{:b 2}"]],
    fn: ([m, ...ks], ctx) => {
      const out = copiedMap(asMap(m!, "dissoc"), ctx);
      for (const k of ks) out.delete(String(keyName(k)));
      return out;
    },
  });
  r.define({
    name: "merge",
    params: "&rest maps",
    doc: "One map with the entries of every map, later ones winning.",
    examples: [["(merge {:a 1} {:a 2 :b 3})", "{:a 2 :b 3}"]],
    fn: (ms, ctx) => {
      const out: SMap = new Map();
      for (const m of ms) {
        const entries = asMap(m, "merge");
        ctx.charge(entries.size);
        for (const [k, v] of entries) out.set(k, v);
      }
      return out;
    },
  });
  r.define({
    name: "keys",
    params: "map",
    doc: "The keys of a map, as keywords.",
    examples: [["(keys {:a 1 :b 2})", "(:a :b)"]],
    fn: ([m], ctx) => copied([...asMap(m!, "keys").keys()].map((k) => Keyword.of(k)), ctx),
  });
  r.define({
    name: "vals",
    params: "map",
    doc: "The values of a map.",
    examples: [["(vals {:a 1 :b 2})", "(1 2)"]],
    fn: ([m], ctx) => copied([...asMap(m!, "vals").values()], ctx),
  });
  r.define({
    name: "contains?",
    params: "map key",
    doc: "True when the map has the key.",
    examples: [["(contains? {:a nil} :a)", "true"]],
    fn: ([m, k]) => asMap(m!, "contains?").has(String(keyName(k!))),
  });
  r.define({
    name: "seq",
    params: "coll",
    doc: "A list of a collection's items (map entries as (key value) pairs), or nil when empty.",
    examples: [["(seq (list))", "nil"], ["(seq {:a 1})", "((:a 1))"], ['(seq "ab")', '("a" "b")']],
    fn: ([c], ctx) => {
      let items: Value[];
      if (c === null) return null;
      if (Array.isArray(c)) items = c;
      else if (typeof c === "string") items = copied([...c], ctx);
      else items = copied([...asMap(c!, "seq")].map(([k, v]) => [Keyword.of(k), v]), ctx);
      return items.length ? items : null;
    },
  });
  r.define({
    name: "keyword",
    params: "name",
    doc: "The keyword with that name.",
    examples: [['(keyword "a")', ":a"]],
    fn: ([s]) => Keyword.of(String(keyName(s!))),
  });
  r.define({
    name: "name",
    params: "x",
    doc: "The name of a keyword or symbol as a string.",
    examples: [["(name :a)", '"a"']],
    fn: ([x]) => {
      if (x instanceof Keyword || x instanceof Sym) return x.name;
      if (typeof x === "string") return x;
      throw new EvalError(`name: expects a keyword, got ${typeName(x!)}`);
    },
  });
  r.define({ name: "identity", params: "x", doc: "x itself.", examples: [["(identity 1)", "1"]], fn: ([x]) => x! });
  r.define({ name: "type-of", params: "x", doc: "The name of x's type.", examples: [["(type-of (list))", '"list"']], fn: ([x]) => typeName(x!) });
  const preds: [string, (v: Value) => boolean][] = [
    ["nil?", (v) => v === null],
    ["string?", (v) => typeof v === "string"],
    ["number?", (v) => typeof v === "number"],
    ["integer?", (v) => Number.isSafeInteger(v)],
    ["boolean?", (v) => typeof v === "boolean"],
    ["list?", (v) => Array.isArray(v)],
    ["map?", (v) => v instanceof Map],
    ["keyword?", (v) => v instanceof Keyword],
    ["fn?", (v) => isCallable(v)],
  ];
  for (const [name, test] of preds) {
    r.define({ name, params: "x", doc: name === "nil?" ? "True when x is nil." : `True when x is ${/^[aeiou]/.test(name) ? "an" : "a"} ${name.slice(0, -1)}.`, examples: [[`(${name} nil)`, String(test(null))]], fn: ([x]) => test(x!) });
  }
  r.define({
    name: "parse-number",
    params: "s",
    doc: "The number written in s, or nil when s is not a number.",
    examples: [['(parse-number "4.5")', "4.5"], ['(parse-number "x")', "nil"]],
    fn: ([s]) => {
      if (typeof s === "number") return s;
      if (typeof s !== "string" || !/^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$/.test(s)) return null;
      return Number(s);
    },
  });
}
