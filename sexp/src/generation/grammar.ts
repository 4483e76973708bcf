/**
 * The catalog as a GBNF grammar (llama.cpp's grammar format), so that a
 * model decoding under it can only write ONE well-formed s-expression over
 * the registered vocabulary: elements with the catalog's attributes, its
 * components with their own keywords, its queries with their own parameters
 * (literals of each parameter's type), its primitives with their arity, and
 * the special forms the policy allows. What it derives also passes `check`
 * with the policy the catalog was made for: names are bound before they are
 * used, void elements have no children, attributes are not given twice,
 * htmx and form URLs are literal paths on the site.
 *
 * Everything is bounded: every repetition has a count (`{0,N}`, never `*`
 * or `+`), whitespace between items is one space or a newline and at most
 * 40 spaces, strings have a maximum length, and nesting is bounded by
 * numbered rules: `e-D-B` is an expression at list depth D with B local
 * variables bound, and its lists hold `e-(D+1)-B`; at the maximum depth only
 * atoms remain. Nothing refers back to itself, so every derivation ends.
 *
 * Each string has one derivation (llama.cpp keeps a parse stack per
 * derivation; an ambiguous grammar multiplies them, see llama.cpp #4218):
 * every list begins with a head that says what it is (a tag, `~name`,
 * `query`, a primitive, a special form, `:field`), each head in one rule,
 * attributes and keywords come in one fixed (sorted) order, and repetitions
 * are of named rules, so llama.cpp's expansion of `x{0,N}` stays at N rules
 * (its limit is 2000, see llama.cpp #19051).
 *
 * The whole answer is a list that makes markup: an element, a component,
 * `(<> ...)`, a `let`, or a condition (`if`, `when`, `unless`, `cond`).
 *
 * Primitives that read who is asking (effect `user`: the session, cookies,
 * headers) are left out: validation refuses their values in URLs and
 * component arguments, which a grammar cannot follow.
 *
 * Local variables are named by how many are bound: the first `let` or
 * `fn` binds `x`, one inside it `y`, then `z` (GRAMMAR_VARIABLES).
 */
import { arityOf } from "../registry.ts";
import { HTML_TAGS, RAW_TEXT_ELEMENTS, VOID_ELEMENTS } from "../html-tags.ts";
import { SPECIAL_FORMS } from "../forms.ts";
import { parse } from "../reader.ts";
import type { Catalog, CatalogAttribute, CatalogComponent, CatalogPrimitive, CatalogQuery } from "./catalog.ts";
import type { ParamType } from "../query.ts";
import type { Node } from "../types.ts";

export interface GrammarOptions {
  /** Levels of nested lists (default 8); attribute values may nest two more. */
  maxDepth?: number;
  /** Children of an element or component, body forms, and arguments beyond a primitive's required ones (default 12). */
  maxChildren?: number;
  /** Characters of a string literal (default 200). */
  maxStringLength?: number;
}

export const GRAMMAR_DEFAULTS: Required<GrammarOptions> = { maxDepth: 8, maxChildren: 12, maxStringLength: 200 };

/** The names local variables get, outermost first: the grammar binds no more than these. */
export const GRAMMAR_VARIABLES: readonly string[] = ["x", "y", "z"];

/** Spaces of indentation after a newline. */
const MAX_INDENT = 40;
/** Pieces of a `(str ...)` in an attribute value. */
const MAX_PIECES = 6;
/** Characters of a URL's host. */
const MAX_HOST = 60;

/** The GBNF grammar of one s-expression over the catalog. */
export function catalogGrammar(catalog: Catalog, options: GrammarOptions = {}): string {
  const o = { ...GRAMMAR_DEFAULTS, ...options };
  if (!(o.maxDepth >= 1 && o.maxChildren >= 1 && o.maxStringLength >= 1)) throw new RangeError("catalogGrammar: maxDepth, maxChildren and maxStringLength must be at least 1");
  return new Builder(catalog, o).build();
}

/** One alternative of a list's body (what follows its `(`), and whether it may be the whole answer. */
interface Alternative {
  readonly body: string;
  readonly top: boolean;
}

interface FnPrimitive {
  readonly name: string;
  /** Parameters of its function argument, read from its examples. */
  readonly lambda: number;
  readonly min: number;
  readonly max: number;
}

class Builder {
  private readonly rules = new Map<string, string>();
  private readonly families = new Set<string>();
  private readonly tags: string[];
  private readonly voids: string[];
  private readonly attributes: readonly CatalogAttribute[];
  private readonly fields: string[];
  private readonly generic = new Map<string, string[]>();
  private readonly fnPrimitives = new Map<string, FnPrimitive[]>();
  private readonly forms: ReadonlySet<string>;
  private readonly str: boolean;

  constructor(
    private readonly catalog: Catalog,
    private readonly o: Required<GrammarOptions>,
  ) {
    const elements = catalog.elements.filter((t) => !RAW_TEXT_ELEMENTS.has(t));
    this.tags = elements.filter((t) => !VOID_ELEMENTS.has(t));
    this.voids = elements.filter((t) => VOID_ELEMENTS.has(t));
    this.attributes = catalog.attributes;
    // `(:slot obj :a :b)` is a path, not a field.
    this.fields = [...new Set(catalog.queries.flatMap((q) => q.fields.map((f) => f.name)))].filter((f) => FIELD_NAME.test(f) && f !== "slot").sort(compare);
    this.forms = new Set(catalog.forms);
    for (const p of catalog.primitives) this.classify(p);
    this.str = catalog.primitives.some((p) => p.name === "str" && p.names === 0 && arityOf(p.params)[1] >= MAX_PIECES);
  }

  /** Put a callable primitive in its arity class (or with the primitives that take a function first). */
  private classify(p: CatalogPrimitive): void {
    // Names passed bare (query, frag) have rules of their own or none; a tag or special form of that name is never a call.
    if (p.names > 0 || HTML_TAGS.has(p.name) || SPECIAL_FORMS.has(p.name) || p.name.startsWith("~")) return;
    // Who is asking must not reach a URL (validate.ts refuses it); the grammar cannot follow values, so it leaves these out.
    if (p.effect === "user") return;
    if (!PRIMITIVE_NAME.test(p.name)) return;
    const [min, max] = arityOf(p.params);
    const cap = max === Infinity ? min + this.o.maxChildren : max;
    const lambda = lambdaArity(p);
    if (lambda > 0 && min >= 1) {
      const key = `${lambda}-${min}-${cap}`;
      const list = this.fnPrimitives.get(key) ?? [];
      list.push({ name: p.name, lambda, min, max: cap });
      this.fnPrimitives.set(key, list);
      return;
    }
    const key = `${min}-${cap}`;
    this.generic.set(key, [...(this.generic.get(key) ?? []), p.name]);
  }

  build(): string {
    this.rules.set("root", ""); // first in the text
    this.rules.set("root", `"(" ${this.top()}`);
    this.atoms();
    return [...this.rules].map(([name, body]) => `${name} ::= ${body}`).join("\n") + "\n";
  }

  private rule(name: string, body: string): string {
    if (!this.rules.has(name)) this.rules.set(name, body);
    return name;
  }

  // ---------------------------------------------------------------------------
  // Atoms and literals (shared by every depth)

  private atoms(): void {
    const m = this.o.maxStringLength;
    this.rule("ws", `" " | "\\n" [ ]{0,${MAX_INDENT}}`);
    this.rule("str", `"\\"" chr{0,${m}} "\\""`);
    this.rule("chr", `[^"\\\\\\x00-\\x1F\\x7F] | "\\\\" ["\\\\nt]`);
    this.rule("nat", `"0" | [1-9] [0-9]{0,9}`);
    this.rule("int", `"-"? nat`);
    this.rule("num", `"-"? nat frac?`);
    this.rule("frac", `"." [0-9]{1,6}`);
    this.rule("bool", `"true" | "false"`);
    this.rule("lit", `str | num | bool | "nil"`);
    this.rule("date", `"\\"" [12] [0-9]{3} "-" ("0" [1-9] | "1" [0-2]) "-" ("0" [1-9] | [12] [0-9] | "3" [01]) time? "\\""`);
    this.rule("time", `"T" ([01] [0-9] | "2" [0-3]) ":" [0-5] [0-9] (":" [0-5] [0-9])? "Z"`);
    this.rule("path", `"\\"/" (pfirst uchr{0,${m}})? "\\""`);
    this.rule("pfirst", `[a-zA-Z0-9._~%?#&=+:-]`);
    this.rule("uchr", `[a-zA-Z0-9._~%?#&=+:/-]`);
    this.rule("url", `path | "\\"#" [a-zA-Z0-9_-]{1,40} "\\"" | "\\"https://" [a-z0-9.-]{1,${MAX_HOST}} ("/" uchr{0,${m}})? "\\""`);
  }

  // ---------------------------------------------------------------------------
  // Expressions at depth d with b variables bound

  /** `e-d-b`: an atom, a bound variable, or (above the maximum depth) a list. */
  private expr(d: number, b: number): string {
    const name = `e-${d}-${b}`;
    if (this.families.has(name)) return name;
    this.families.add(name);
    const alts = ["lit"];
    if (b > 0) alts.push(this.variable(b));
    if (d < this.o.maxDepth) alts.push(`"(" ${this.rule(`l-${d}-${b}`, this.alternatives(d, b).map((a) => a.body).join(" | "))}`);
    return this.rule(name, alts.join(" | "));
  }

  /** The whole answer: a list that makes markup (an element, a component, a fragment, a binding or a condition). */
  private top(): string {
    return this.rule("top", this.alternatives(0, 0).filter((a) => a.top).map((a) => a.body).join(" | "));
  }

  private readonly alternativesMemo = new Map<string, Alternative[]>();

  /** Everything a list at depth d may be, after its `(`. */
  private alternatives(d: number, b: number): Alternative[] {
    const key = `${d}-${b}`;
    const memo = this.alternativesMemo.get(key);
    if (memo) return memo;
    const alts: Alternative[] = [];
    const item = (): string => this.expr(d + 1, b);
    const kids = (): string => this.repeat(`kid-${d}-${b}`, `ws ${item()}`, 0, this.o.maxChildren);
    const some = (): string => this.repeat(`kid-${d}-${b}`, `ws ${item()}`, 1, this.o.maxChildren);
    const attrs = this.attrs(b);
    if (this.tags.length) alts.push({ body: `${this.rule("tag", this.tags.map(lit).join(" | "))}${attrs ? " " + attrs : ""} ${kids()} ")"`, top: true });
    if (this.voids.length) alts.push({ body: `${this.rule("vtag", this.voids.map(lit).join(" | "))}${attrs ? " " + attrs : ""} ")"`, top: true });
    this.catalog.components.forEach((c, i) => alts.push({ body: this.component(c, i, d, b, kids), top: true }));
    this.catalog.queries.forEach((q, i) => alts.push({ body: this.query(q, i, b), top: false }));
    for (const [key, names] of this.generic) {
      const [min, max] = key.split("-").map(Number) as [number, number];
      const args = [...Array(min)].map(() => `ws ${item()}`);
      if (max > min) args.push(this.repeat(`kid-${d}-${b}`, `ws ${item()}`, 0, max - min));
      alts.push({ body: [this.rule(`pn-${key}`, names.map(lit).join(" | ")), ...args, `")"`].join(" "), top: false });
    }
    for (const [key, fns] of this.fnPrimitives) {
      const { lambda, min, max } = fns[0]!;
      if (!this.forms.has("fn") || b + lambda > GRAMMAR_VARIABLES.length || d + 2 > this.o.maxDepth) continue;
      const params = GRAMMAR_VARIABLES.slice(b, b + lambda).join(" ");
      const fn = `ws "(fn (${params})" ws ${this.expr(d + 2, b + lambda)} ")"`;
      const args = [...Array(min - 1)].map(() => `ws ${item()}`);
      if (max > min) args.push(this.repeat(`kid-${d}-${b}`, `ws ${item()}`, 0, max - min));
      alts.push({ body: [this.rule(`fn-${key}`, fns.map((f) => lit(f.name)).join(" | ")), fn, ...args, `")"`].join(" "), top: false });
    }
    const form = (name: string, body: string, top = true): void => {
      if (this.forms.has(name)) alts.push({ body: `${lit(name)} ${body}`, top });
    };
    form("if", `ws ${item()} ws ${item()} ${this.rule(`else-${d}-${b}`, `ws ${item()}`)}? ")"`);
    form("when", `ws ${item()} ${some()} ")"`);
    form("unless", `ws ${item()} ${some()} ")"`);
    if (d + 2 <= this.o.maxDepth) {
      const inner = this.expr(d + 2, b);
      const clause = this.rule(`clause-${d}-${b}`, `ws "(" ${inner} ws ${inner} ")"`);
      form("cond", `${this.repeat(`clause-${d}-${b}`, clause, 1, this.o.maxChildren, true)} ${this.rule(`default-${d}-${b}`, `ws "(else" ws ${inner} ")"`)}? ")"`);
    }
    if (b < GRAMMAR_VARIABLES.length && d + 3 <= this.o.maxDepth) {
      const body = this.repeat(`kid-${d}-${b + 1}`, `ws ${this.expr(d + 1, b + 1)}`, 1, this.o.maxChildren);
      form("let", `ws "((${GRAMMAR_VARIABLES[b]}" ws ${this.expr(d + 3, b)} "))" ${body} ")"`);
    }
    form("<>", `${some()} ")"`);
    form("do", `${some()} ")"`, false);
    form("and", `${some()} ")"`, false);
    form("or", `${some()} ")"`, false);
    if (this.fields.length) alts.push({ body: `":" ${this.field()} ws ${item()} ")"`, top: false });
    this.alternativesMemo.set(key, alts);
    return alts;
  }

  /** `name ::= item{min,max}` once per name, as a rule of a named rule (so llama.cpp expands it to max rules, no more). */
  private repeat(base: string, item: string, min: number, max: number, named = false): string {
    const one = named ? item : this.rule(base, item);
    return this.rule(`${base}-${min}-${max}`, `${one}{${min},${max}}`);
  }

  private variable(b: number): string {
    return this.rule(`var-${b}`, GRAMMAR_VARIABLES.slice(0, b).map(lit).join(" | "));
  }

  private field(): string {
    return this.rule("fld", this.fields.map(lit).join(" | "));
  }

  // ---------------------------------------------------------------------------
  // Attributes and other shallow values (they depend only on the bound variables)

  /** The attributes of an element: each at most once, in the catalog's (sorted) order; null when there are none. */
  private attrs(b: number): string | null {
    if (!this.attributes.length) return null;
    const each = this.attributes.map((a) => {
      const value = a.kind === "path" ? "path" : a.kind === "url" ? this.urlValue(b) : this.dataValue(b);
      return `${this.rule(`at-${a.name}-${a.kind === "path" ? "p" : b}`, `ws ${lit(":" + a.name)} ws ${value}`)}?`;
    });
    return this.rule(`attrs-${b}`, each.join(" "));
  }

  /** A literal, a variable, a field of one, or `(str ...)` of those. */
  private dataValue(b: number): string {
    return this.rule(`av-${b}`, ["lit", ...this.computed(b)].join(" | "));
  }

  private urlValue(b: number): string {
    return this.rule(`uv-${b}`, ["url", ...this.computed(b)].join(" | "));
  }

  /** Values computed from bound variables: the variable, `(:field v)`, `(str ...)`. */
  private computed(b: number): string[] {
    if (b === 0) return [];
    const out = [this.variable(b)];
    if (this.fields.length) out.push(this.rule(`fa-${b}`, `"(:" ${this.field()} ws ${this.variable(b)} ")"`));
    if (this.str) {
      const piece = this.rule(`piece-${b}`, ["str", "num", ...out].join(" | "));
      out.push(this.rule(`cat-${b}`, `"(str" ${this.repeat(`part-${b}`, `ws ${piece}`, 1, MAX_PIECES)} ")"`));
    }
    return out;
  }

  // ---------------------------------------------------------------------------
  // Components and queries

  /** `~name`, its keywords in order (each optional), then children when it takes them. */
  private component(c: CatalogComponent, i: number, d: number, b: number, kids: () => string): string {
    const keys = c.keys.map((k, j) => `${this.rule(`ck${i}-${j}-${d}-${b}`, `ws ${lit(":" + k.name)} ws ${this.expr(d + 1, b)}`)}?`);
    return [lit(c.name), ...keys, ...(c.children ? [kids()] : []), `")"`].join(" ");
  }

  /** `query service name`, then its parameters in order: the required ones, and each optional one or not. */
  private query(q: CatalogQuery, i: number, b: number): string {
    const params = q.params.map((p, j) => {
      const pair = this.rule(`qp${i}-${j}-${b}`, `ws ${lit(":" + p.name)} ws ${this.queryValue(p.type, b)}`);
      return p.optional ? `${pair}?` : pair;
    });
    return this.rule(`q${i}-${b}`, [lit(`query ${q.service} ${q.name}`), ...params, `")"`].join(" "));
  }

  /** A literal of the parameter's type, or a value computed from bound variables (checked when it runs). */
  private queryValue(type: ParamType, b: number): string {
    const literal = QUERY_LITERALS[type];
    if (b === 0) return literal;
    const computed = [this.variable(b), ...(this.fields.length ? [`"(:" ${this.field()} ws ${this.variable(b)} ")"`] : [])];
    return this.rule(`qv-${type}-${b}`, [literal, ...computed].join(" | "));
  }
}

const QUERY_LITERALS: Readonly<Record<ParamType, string>> = { text: "str", int: "int", number: "num", bool: "bool", timestamp: "date" };

/** Field names the grammar writes as `(:name v)`: those that print as keywords. */
const FIELD_NAME = /^[A-Za-z_][A-Za-z0-9_\-?!*+<>=/.]*$/;
/** Primitive names that read back as a symbol. */
const PRIMITIVE_NAME = /^[^\s,()[\]{}";'`\\:~0-9][^\s,()[\]{}";'`\\]*$/;

/**
 * How many parameters a primitive's function argument takes, read from its
 * examples (`(map (fn (x) ...) ...)` gives 1); 0 when its first parameter is
 * not a function (`f` or `pred`) or no example shows one.
 */
function lambdaArity(p: CatalogPrimitive): number {
  const first = p.params.split(/\s+/)[0];
  if (first !== "f" && first !== "pred") return 0;
  for (const [code] of p.examples) {
    let forms: Node[];
    try {
      forms = parse(code);
    } catch {
      continue;
    }
    const call = forms[0];
    if (call?.kind !== "list" || call.value[0]?.kind !== "sym" || call.value[0].value !== p.name) continue;
    const fn = call.value[1];
    if (fn?.kind !== "list" || fn.value[0]?.kind !== "sym" || (fn.value[0].value !== "fn" && fn.value[0].value !== "lambda")) continue;
    const params = fn.value[1];
    if (params?.kind === "list" && params.value.every((x) => x.kind === "sym" && !x.value.startsWith("&"))) return params.value.length;
  }
  return 0;
}

/** A GBNF string literal. */
function lit(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '"' || ch === "\\") out += "\\" + ch;
    else if (ch === "\n") out += "\\n";
    else if (ch === "\t") out += "\\t";
    else if (ch === "\r") out += "\\r";
    else if (c < 0x20 || c === 0x7f) out += "\\x" + c.toString(16).padStart(2, "0");
    else out += ch;
  }
  return out + '"';
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

// ---------------------------------------------------------------------------
// A structural check of GBNF text

/** llama.cpp refuses a repetition that would expand to this many rules (MAX_REPETITION_THRESHOLD). */
const LLAMA_REPETITION_LIMIT = 2000;

/**
 * What is wrong with GBNF text, each with its line; empty when nothing is:
 * syntax llama.cpp would not read, no `root`, a rule used but not defined or
 * defined twice, unbounded repetition (`*`, `+`, `{m,}`), a repetition
 * llama.cpp would refuse as too large, and a rule that can contain itself
 * (unbounded nesting). It mirrors llama.cpp's parser (src/llama-grammar.cpp).
 */
export function grammarProblems(gbnf: string): string[] {
  return new GbnfReader(gbnf).problems();
}

class GbnfReader {
  private pos = 0;
  private readonly out: string[] = [];
  private readonly defined = new Map<string, number>();
  private readonly refs = new Map<string, Set<string>>();
  private readonly used = new Map<string, number>();
  /** Symbols llama.cpp would have made so far: names seen, groups, repetition rules. */
  private symbols = 0;
  private readonly seen = new Set<string>();

  constructor(private readonly text: string) {}

  problems(): string[] {
    try {
      this.space(true);
      while (this.pos < this.text.length) this.ruleDef();
    } catch (e) {
      if (!(e instanceof GbnfSyntaxError)) throw e;
      this.out.push(e.message);
      return this.out;
    }
    if (!this.defined.size) this.out.push("no rules");
    else if (!this.defined.has("root")) this.out.push("no root rule");
    for (const [name, at] of this.used) if (!this.defined.has(name)) this.out.push(`line ${at}: rule ${name} is used but never defined`);
    this.out.push(...this.cycles());
    return this.out;
  }

  /** Offsets of the newlines, for line numbers. */
  private newlines: number[] | null = null;

  private line(at = this.pos): number {
    if (!this.newlines) {
      this.newlines = [];
      for (let i = this.text.indexOf("\n"); i >= 0; i = this.text.indexOf("\n", i + 1)) this.newlines.push(i);
    }
    // Lines are one more than the newlines before `at`.
    let lo = 0;
    let hi = this.newlines.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.newlines[mid]! < at) lo = mid + 1;
      else hi = mid;
    }
    return lo + 1;
  }

  private fail(message: string): never {
    throw new GbnfSyntaxError(`line ${this.line()}: ${message}`);
  }

  private problem(message: string, at = this.pos): void {
    this.out.push(`line ${this.line(at)}: ${message}`);
  }

  private space(newlines: boolean): void {
    const t = this.text;
    while (this.pos < t.length) {
      const c = t[this.pos]!;
      if (c === "#") while (this.pos < t.length && t[this.pos] !== "\n" && t[this.pos] !== "\r") this.pos++;
      else if (c === " " || c === "\t" || (newlines && (c === "\n" || c === "\r"))) this.pos++;
      else break;
    }
  }

  private name(): string {
    const m = /^[a-zA-Z0-9-]+/.exec(this.text.slice(this.pos, this.pos + 256));
    if (!m) this.fail(`expecting a rule name at ${JSON.stringify(this.text.slice(this.pos, this.pos + 20))}`);
    this.pos += m![0].length;
    return m![0];
  }

  private symbol(name: string): void {
    if (!this.seen.has(name)) {
      this.seen.add(name);
      this.symbols++;
    }
  }

  private ruleDef(): void {
    const start = this.pos;
    const name = this.name();
    this.symbol(name);
    this.space(false);
    if (!this.text.startsWith("::=", this.pos)) this.fail(`expecting ::= after ${name}`);
    this.pos += 3;
    this.space(true);
    if (this.defined.has(name)) this.problem(`rule ${name} is defined twice (first on line ${this.defined.get(name)})`, start);
    else this.defined.set(name, this.line(start));
    this.alternates(name, false);
    const c = this.text[this.pos];
    if (c === "\r") this.pos += this.text[this.pos + 1] === "\n" ? 2 : 1;
    else if (c === "\n") this.pos++;
    else if (c !== undefined) this.fail(`expecting the end of rule ${name} at ${JSON.stringify(this.text.slice(this.pos, this.pos + 20))}`);
    this.space(true);
  }

  private alternates(rule: string, nested: boolean): void {
    this.sequence(rule, nested);
    while (this.text[this.pos] === "|") {
      this.pos++;
      this.space(true);
      this.sequence(rule, nested);
    }
  }

  private sequence(rule: string, nested: boolean): void {
    const t = this.text;
    let prev = 0; // rules the last item stands for (llama.cpp's n_prev_rules); 0: no item yet
    while (this.pos < t.length) {
      const c = t[this.pos]!;
      if (c === '"') {
        this.pos++;
        while (t[this.pos] !== '"') this.char();
        this.pos++;
        prev = 1;
      } else if (c === "[") {
        this.pos++;
        if (t[this.pos] === "^") this.pos++;
        while (t[this.pos] !== "]") {
          this.char();
          if (t[this.pos] === "-" && t[this.pos + 1] !== "]") {
            this.pos++;
            this.char();
          }
        }
        this.pos++;
        prev = 1;
      } else if (c === "<" || c === "!") {
        const end = t.indexOf(">", this.pos);
        if (end < 0) this.fail("expecting '>'");
        this.pos = end + 1;
        prev = 1;
      } else if (/[a-zA-Z0-9-]/.test(c)) {
        const at = this.pos;
        const name = this.name();
        this.symbol(name);
        if (!this.used.has(name)) this.used.set(name, this.line(at));
        const refs = this.refs.get(rule) ?? new Set<string>();
        refs.add(name);
        this.refs.set(rule, refs);
        prev = 1;
      } else if (c === "(") {
        this.pos++;
        this.space(true);
        const before = this.symbols;
        this.symbols++; // the group's own rule
        this.alternates(rule, true);
        if (t[this.pos] !== ")") this.fail(`expecting ')' at ${JSON.stringify(t.slice(this.pos, this.pos + 20))}`);
        this.pos++;
        prev = Math.max(1, this.symbols - before);
      } else if (c === ".") {
        this.pos++;
        prev = 1;
      } else if (c === "*" || c === "+" || c === "?" || c === "{") {
        if (!prev) this.fail(`expecting an item before '${c}'`);
        const at = this.pos;
        let min = 0;
        let max: number | null = 1;
        if (c === "*" || c === "+") {
          this.problem(`unbounded repetition '${c}' in rule ${rule}: give a count, {0,N}`, at);
          this.pos++;
          min = c === "+" ? 1 : 0;
          max = null;
        } else if (c === "?") this.pos++;
        else {
          const m = /^\{\s*(\d+)\s*(?:(,)\s*(\d*)\s*)?\}/.exec(t.slice(this.pos, this.pos + 40));
          if (!m) this.fail("expecting {m}, {m,} or {m,n}");
          this.pos += m![0].length;
          min = Number(m![1]);
          max = m![2] === undefined ? min : m![3] ? Number(m![3]) : null;
          if (min > LLAMA_REPETITION_LIMIT) this.problem(`repetition {${min},...} in rule ${rule}: llama.cpp refuses more than ${LLAMA_REPETITION_LIMIT}`, at);
          if (max !== null && max > LLAMA_REPETITION_LIMIT) max = null; // llama.cpp reads it as unbounded
          if (max === null) this.problem(`unbounded repetition ${m![0]} in rule ${rule}: give an upper count`, at);
          else if (max < min) this.problem(`repetition ${m![0]} in rule ${rule} has its maximum below its minimum`, at);
        }
        const total = max !== null && max > 0 ? max : min > 0 ? min : 1;
        if (prev * total >= LLAMA_REPETITION_LIMIT) {
          this.problem(`repetition in rule ${rule} expands to ${prev * total} rules: llama.cpp refuses ${LLAMA_REPETITION_LIMIT} or more (repeat a named rule instead of a group)`, at);
        }
        this.symbols += max === null ? 1 : Math.max(0, max - min);
        prev *= total;
      } else break;
      this.space(nested);
    }
  }

  private char(): void {
    const t = this.text;
    if (this.pos >= t.length) this.fail("unexpected end of input");
    if (t[this.pos] !== "\\") {
      this.pos += t.codePointAt(this.pos)! > 0xffff ? 2 : 1;
      return;
    }
    const e = t[this.pos + 1];
    const hex = e === "x" ? 2 : e === "u" ? 4 : e === "U" ? 8 : 0;
    if (hex) {
      if (!new RegExp(`^[0-9a-fA-F]{${hex}}`).test(t.slice(this.pos + 2, this.pos + 2 + hex))) this.fail(`expecting ${hex} hex digits`);
      this.pos += 2 + hex;
    } else if (e !== undefined && 'trn\\"[]-'.includes(e)) this.pos += 2;
    else this.fail(`unknown escape \\${e ?? ""}`);
  }

  /** Rules that can contain themselves: one message per cycle, from its first rule in order of definition. */
  private cycles(): string[] {
    const out: string[] = [];
    const state = new Map<string, "open" | "done">();
    for (const start of this.defined.keys()) {
      if (state.has(start)) continue;
      const path: string[] = [];
      const stack: { name: string; next: Iterator<string> }[] = [];
      const enter = (name: string): void => {
        state.set(name, "open");
        path.push(name);
        stack.push({ name, next: (this.refs.get(name) ?? new Set<string>()).values() });
      };
      enter(start);
      while (stack.length) {
        const top = stack[stack.length - 1]!;
        const step = top.next.next();
        if (step.done) {
          state.set(top.name, "done");
          stack.pop();
          path.pop();
          continue;
        }
        const w = step.value;
        if (!this.defined.has(w)) continue;
        if (!state.has(w)) enter(w);
        else if (state.get(w) === "open") {
          const loop = [...path.slice(path.indexOf(w)), w];
          out.push(`line ${this.defined.get(w)}: rule ${w} can contain itself (${loop.join(" -> ")}): nesting is not bounded`);
        }
      }
    }
    return out;
  }
}

class GbnfSyntaxError extends Error {}
