/**
 * Values embedded in raw-text elements, where HTML escaping does not apply:
 * `(json v)` inside `script`, `(css-value v)` inside `style`. Neither output
 * ever contains `<`, so data cannot close the element, open a comment, or
 * (inside `svg`/`math`, where this content is parsed as markup) start a tag.
 */
import { isPlainObject } from "./data.ts";
import { EvalError, LimitError } from "./errors.ts";
import type { RenderBudget } from "./html.ts";
import { MAX_NESTING } from "./reader.ts";
import { Html, Keyword, Sym, typeName, type Value } from "./types.ts";

// In JSON text these appear only inside strings, where `\uXXXX` means the same.
const JSON_UNSAFE = /[<>&\u2028\u2029]/g;
const JSON_ESCAPES: Record<string, string> = {
  "<": "\\u003c",
  ">": "\\u003e",
  "&": "\\u0026",
  "\u2028": "\\u2028",
  "\u2029": "\\u2029",
};

/**
 * A value as JSON text that is safe anywhere a JavaScript value may stand in
 * a script, and as the whole content of `<script type="application/json">`:
 * maps and host records become objects, lists arrays, keywords and symbols
 * their names, markup its text, non-finite numbers null. `<`, `>`, `&`,
 * U+2028 and U+2029 are written as `\uXXXX` escapes. Every list item and map
 * entry costs a step; functions cannot be serialised; nesting is limited.
 */
export function scriptJson(v: Value, budget?: RenderBudget): string {
  const out = { s: "" };
  writeJson(v, budget, out, 0);
  return out.s.replace(JSON_UNSAFE, (c) => JSON_ESCAPES[c]!);
}

function writeJson(v: unknown, budget: RenderBudget | undefined, out: { s: string }, depth: number): void {
  if (v === null || v === undefined) {
    out.s += "null";
    return;
  }
  switch (typeof v) {
    case "string":
      out.s += JSON.stringify(v);
      return;
    case "number":
      out.s += Number.isFinite(v) ? JSON.stringify(v) : "null";
      return;
    case "boolean":
      out.s += v ? "true" : "false";
      return;
  }
  if (v instanceof Keyword || v instanceof Sym) {
    out.s += JSON.stringify(v.name);
    return;
  }
  if (v instanceof Html) {
    out.s += JSON.stringify(v.html);
    return;
  }
  if (depth >= MAX_NESTING) throw new LimitError(`json: value nested deeper than ${MAX_NESTING} levels`);
  if (Array.isArray(v)) {
    budget?.charge(v.length);
    out.s += "[";
    for (let i = 0; i < v.length; i++) {
      if (i) out.s += ",";
      writeJson(v[i], budget, out, depth + 1);
      budget?.checkOutput(out.s.length);
    }
    out.s += "]";
    return;
  }
  const entries = v instanceof Map ? [...(v as Map<string, unknown>)] : isPlainObject(v) ? Object.entries(v) : null;
  if (!entries) {
    const type = typeName(v);
    throw new EvalError(`json: cannot serialise ${/^[aeiou]/.test(type) ? "an" : "a"} ${type}`);
  }
  budget?.charge(entries.length);
  out.s += "{";
  for (let i = 0; i < entries.length; i++) {
    const [k, x] = entries[i]!;
    out.s += (i ? "," : "") + JSON.stringify(String(k)) + ":";
    writeJson(x, budget, out, depth + 1);
    budget?.checkOutput(out.s.length);
  }
  out.s += "}";
}

/** What a value that is not a safe CSS value renders as: resets the property. */
export const UNSAFE_CSS_VALUE = "unset";

/**
 * CSS functions a value may call: colours, maths, variables, gradients,
 * transforms, filters, timing and grid helpers. Never one that fetches or
 * runs anything (`url`, `image`, `image-set`, `cross-fade`, `element`,
 * `expression`, `attr`, `paint`, ...).
 */
const CSS_FUNCTIONS: ReadonlySet<string> = new Set([
  "rgb", "rgba", "hsl", "hsla", "hwb", "lab", "lch", "oklab", "oklch", "color", "color-mix", "light-dark",
  "calc", "min", "max", "clamp", "var", "round", "mod", "rem", "abs", "sign",
  "linear-gradient", "radial-gradient", "conic-gradient",
  "repeating-linear-gradient", "repeating-radial-gradient", "repeating-conic-gradient",
  "translate", "translatex", "translatey", "translatez", "translate3d", "scale", "scalex", "scaley", "scalez", "scale3d",
  "rotate", "rotatex", "rotatey", "rotatez", "rotate3d", "skew", "skewx", "skewy", "matrix", "matrix3d", "perspective",
  "blur", "brightness", "contrast", "drop-shadow", "grayscale", "hue-rotate", "invert", "opacity", "saturate", "sepia",
  "cubic-bezier", "steps", "minmax", "repeat", "fit-content",
]);

/** Characters a CSS value from data may contain at all. */
const CSS_CHARS = /^[a-zA-Z0-9_\-.#%,/ ()+]*$/;
/**
 * One token at a time: `name(` (a function call), a number with an optional
 * unit or `%`, a hex colour, an identifier (`--custom` too), or a piece of
 * punctuation; spaces around them.
 */
const CSS_TOKEN =
  / *(?:(-{0,2}[a-zA-Z_][a-zA-Z0-9_-]*)\(|([+-]?(?:\d+(?:\.\d+)?|\.\d+)(?:[eE][+-]?\d+)?(?:%|[a-zA-Z]+)?|#[0-9a-fA-F]{3,8}(?![0-9a-zA-Z_-])|-{0,2}[a-zA-Z_][a-zA-Z0-9_-]*)|([,/)])|([+-](?= ))) */y;
const MAX_CSS_NESTING = 32;

/**
 * Whether `s` is a CSS value built only from identifiers, numbers with units,
 * hex colours, `,` and `/` between terms, `+`/`-` between terms inside
 * functions (as calc writes them), and calls of the allowed functions with
 * balanced parentheses. Nothing that can end the declaration or the rule
 * (`;`, `}`), start a string, escape or comment, or fetch a resource.
 */
export function isSafeCssValue(s: string): boolean {
  if (!CSS_CHARS.test(s)) return false;
  let depth = 0;
  // After a term (or a closing parenthesis) a separator may follow; otherwise a term must.
  let afterTerm = false;
  CSS_TOKEN.lastIndex = 0;
  while (CSS_TOKEN.lastIndex < s.length) {
    const m = CSS_TOKEN.exec(s);
    if (!m || m[0].length === 0) return false;
    const [, fn, term, punct, op] = m;
    if (fn !== undefined) {
      if (!CSS_FUNCTIONS.has(fn.toLowerCase()) || ++depth > MAX_CSS_NESTING) return false;
      afterTerm = false;
    } else if (term !== undefined) {
      afterTerm = true;
    } else if (punct === ")") {
      if (!afterTerm || depth === 0) return false;
      depth--;
    } else if (punct !== undefined || op !== undefined) {
      if (!afterTerm || (op !== undefined && depth === 0)) return false;
      afterTerm = false;
    } else return false;
  }
  return afterTerm && depth === 0;
}

/**
 * A value for inside a CSS declaration: numbers as they are, strings,
 * keywords and symbols when `isSafeCssValue`, nothing for nil, and
 * UNSAFE_CSS_VALUE for anything else.
 */
export function cssValue(v: Value): string {
  if (v === null) return "";
  if (typeof v === "number") return Number.isFinite(v) ? String(v) : UNSAFE_CSS_VALUE;
  const s = typeof v === "string" ? v : v instanceof Keyword || v instanceof Sym ? v.name : null;
  return s !== null && isSafeCssValue(s) ? s : UNSAFE_CSS_VALUE;
}
