/** String primitives. */
import { EvalError } from "../errors.ts";
import { printNumber, printValue } from "../printer.ts";
import type { Registry } from "../registry.ts";
import type { EvalContext } from "../runtime.ts";
import { Html, Keyword, Sym, type Value } from "../types.ts";
import { equal } from "./equality.ts";
import { chargeSize, copied, num, str } from "./util.ts";

/** Display text of a value: strings as-is, nil as "", everything else printed. */
export function display(v: Value): string {
  if (typeof v === "string") return v;
  if (v === null) return "";
  if (typeof v === "number") return printNumber(v);
  if (v instanceof Keyword) return v.name;
  if (v instanceof Sym) return v.name;
  if (v instanceof Html) return v.html;
  return printValue(v);
}

/** A parsed template: literal text, then for each placeholder its conversion and the text after it. */
interface Template {
  readonly head: string;
  readonly convs: readonly { readonly conv: "s" | "d" | "f"; readonly prec: number; readonly tail: string }[];
}

// Templates are usually literals in page code: parse each once.
const templates = new Map<string, Template>();

function parseTemplate(template: string): Template {
  let t = templates.get(template);
  if (t) return t;
  const pieces = template.split(/%(\.\d+)?([sdf%])/);
  // split with two capture groups: text, prec, conv, text, prec, conv, ..., text
  let head = pieces[0]!;
  const convs: { conv: "s" | "d" | "f"; prec: number; tail: string }[] = [];
  for (let i = 1; i < pieces.length; i += 3) {
    const conv = pieces[i + 1]!;
    const text = pieces[i + 2]!;
    if (conv === "%") {
      if (convs.length) convs[convs.length - 1]!.tail += "%" + text;
      else head += "%" + text;
      continue;
    }
    const prec = pieces[i] ? Math.min(20, Number(pieces[i]!.slice(1))) : 6;
    convs.push({ conv: conv as "s" | "d" | "f", prec, tail: text });
  }
  t = { head, convs };
  if (templates.size < 1000) templates.set(template, t);
  return t;
}

const SCALES = [1, 10, 100, 1e3, 1e4, 1e5, 1e6];

/**
 * `n.toFixed(prec)`, worked out directly where that is sure to agree (up to
 * six decimals, far from a tie, well within exact integers): a price takes
 * a quarter of the time toFixed does. Anything else is toFixed's.
 */
export function toFixed(n: number, prec: number): string {
  if (prec < SCALES.length) {
    const scale = SCALES[prec]!;
    const scaled = Math.abs(n) * scale;
    // Below 2^40 the product is off by under 2^-12, so a fraction this far from .5 rounds as the exact one would.
    if (scaled < 1099511627776) {
      const r = Math.round(scaled);
      if (Math.abs(scaled - r) < 0.499) {
        const whole = String(Math.floor(r / scale));
        const sign = n < 0 ? "-" : "";
        if (prec === 0) return sign + whole;
        return sign + whole + "." + String(r % scale).padStart(prec, "0");
      }
    }
  }
  return n.toFixed(prec);
}

/** printf-style subset: %s, %d, %.Nf, %%; the values are `args` from `from` on. */
export function format(template: string, args: readonly Value[], from = 0): string {
  const t = parseTemplate(template);
  const given = args.length - from;
  if (t.convs.length > given) {
    throw new EvalError(`format: "${template}" needs more arguments than the ${given} given`);
  }
  let out = t.head;
  for (let i = 0; i < t.convs.length; i++) {
    const c = t.convs[i]!;
    const v = args[from + i]!;
    if (c.conv === "s") out += display(v);
    else {
      const n = num(v, "format", i + 1);
      out += c.conv === "d" ? String(Math.trunc(n)) : toFixed(n, c.prec);
    }
    out += c.tail;
  }
  return out;
}

/** One argument of `str`: its display text (a list or map is charged for its size). */
function strPart(v: Value, ctx: EvalContext): string {
  if (typeof v === "string") return v;
  chargeSize(v, ctx);
  return display(v);
}

/** `s`, within the output limit. */
function checked(s: string, ctx: EvalContext): string {
  ctx.checkOutput(s.length);
  return s;
}

export function registerStrings(r: Registry): void {
  r.define({
    name: "str",
    params: "&rest values",
    doc: "The display text of every argument, concatenated (nil is empty).",
    examples: [['(str "a" 1 nil :b)', '"a1b"']],
    fn: (a, ctx) => {
      let s = "";
      for (let i = 0; i < a.length; i++) {
        s += strPart(a[i]!, ctx);
        ctx.checkOutput(s.length);
      }
      return s;
    },
    fn1: (x, ctx) => checked(strPart(x, ctx), ctx),
    fn2: (x, y, ctx) => checked(strPart(x, ctx) + strPart(y, ctx), ctx),
    fn3: (x, y, z, ctx) => checked(strPart(x, ctx) + strPart(y, ctx) + strPart(z, ctx), ctx),
    piece: strPart,
  });
  r.define({
    name: "format",
    params: "template &rest values",
    doc: "Fill %s (text), %d (integer) and %.2f (fixed decimals) placeholders in order; %% is a percent sign.",
    examples: [['(format "%s costs £%.2f" "Tea" 3.5)', '"Tea costs £3.50"'], ['(format "%d%%" 42.7)', '"42%"']],
    fn: (a, ctx) => {
      for (let i = 1; i < a.length; i++) chargeSize(a[i]!, ctx);
      return checked(format(str(a[0]!, "format"), a, 1), ctx);
    },
    fn2: (t, x, ctx) => (chargeSize(x, ctx), checked(format(str(t, "format"), [x]), ctx)),
    fn3: (t, x, y, ctx) => (chargeSize(x, ctx), chargeSize(y, ctx), checked(format(str(t, "format"), [x, y]), ctx)),
  });
  r.define({
    name: "upper",
    params: "s",
    doc: "Upper-case text.",
    examples: [['(upper "abc")', '"ABC"']],
    fn: ([s]) => str(s!, "upper").toUpperCase(),
  });
  r.define({
    name: "lower",
    params: "s",
    doc: "Lower-case text.",
    examples: [['(lower "ABC")', '"abc"']],
    fn: ([s]) => str(s!, "lower").toLowerCase(),
  });
  r.define({
    name: "trim",
    params: "s",
    doc: "Text without leading and trailing whitespace.",
    examples: [['(trim "  a ")', '"a"']],
    fn: ([s]) => str(s!, "trim").trim(),
  });
  r.define({
    name: "split",
    params: "s separator",
    doc: "A list of the parts of s between separators.",
    examples: [['(split "a,b" ",")', '("a" "b")']],
    fn: ([s, sep], ctx) => copied(str(s!, "split").split(str(sep!, "split", 1)), ctx),
  });
  r.define({
    name: "replace",
    params: "s find replacement",
    doc: "s with every occurrence of find replaced.",
    examples: [['(replace "a-b-c" "-" "/")', '"a/b/c"']],
    fn: ([s, f, t], ctx) => {
      const text = str(s!, "replace");
      const find = str(f!, "replace", 1);
      const replacement = str(t!, "replace", 2);
      const parts = text.split(find);
      // Checked before joining: an empty `find` puts the replacement between every two characters.
      ctx.charge(parts.length);
      ctx.checkOutput(text.length + (parts.length - 1) * (replacement.length - find.length));
      return parts.join(replacement);
    },
  });
  r.define({
    name: "starts-with?",
    params: "s prefix",
    doc: "True when s starts with prefix.",
    examples: [['(starts-with? "/blog/x" "/blog")', "true"]],
    fn: ([s, p]) => str(s!, "starts-with?").startsWith(str(p!, "starts-with?", 1)),
  });
  r.define({
    name: "ends-with?",
    params: "s suffix",
    doc: "True when s ends with suffix.",
    examples: [['(ends-with? "a.png" ".png")', "true"]],
    fn: ([s, p]) => str(s!, "ends-with?").endsWith(str(p!, "ends-with?", 1)),
  });
  r.define({
    name: "includes?",
    params: "coll item",
    doc: "True when a string contains a substring, or a list contains an item.",
    examples: [['(includes? "hello" "ell")', "true"], ["(includes? (list 1 2) 2)", "true"]],
    fn: ([c, x], ctx) => {
      if (typeof c === "string") return c.includes(str(x!, "includes?", 1));
      if (Array.isArray(c)) {
        ctx.charge(c.length);
        return c.some((y) => equal(x!, y, ctx));
      }
      if (c === null) return false;
      throw new EvalError("includes?: expects a string or a list");
    },
  });
  r.define({
    name: "subs",
    params: "s start &optional end",
    doc: "The part of s from start up to (not including) end.",
    examples: [['(subs "hello" 1 3)', '"el"']],
    fn: ([s, a, b]) => str(s!, "subs").slice(num(a!, "subs", 1), b === undefined || b === null ? undefined : num(b, "subs", 2)),
  });
  r.define({
    name: "truncate",
    params: "s n",
    doc: "s cut to at most n characters, with an ellipsis when cut.",
    examples: [['(truncate "hello world" 5)', '"hell…"']],
    fn: ([s, n]) => {
      const t = str(s!, "truncate");
      const k = num(n!, "truncate", 1);
      return t.length <= k ? t : t.slice(0, Math.max(0, k - 1)) + "…";
    },
  });
}
