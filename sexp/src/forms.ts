/**
 * Reading forms: the one place that knows the shape of each special form
 * (`if`, `let`, `lambda`, `define`, `defcomp`, `defroute`, ...), of lambda
 * lists (`&rest`, `&key` with defaults), of definition options (`:cache`,
 * `:method`) and of keyword access, and what a form defines; elements and
 * component calls are read by markup-forms.ts, the same way.
 *
 * Each reader turns a form into a small typed description and says what is
 * wrong through a `Report`; every message is written here once. The
 * compiler's report throws, so it stops at the first problem; the checker's
 * collects, so after a problem a reader goes on with what the form most
 * likely meant (a name is still bound, so its uses are not reported too).
 */
import type { Report } from "./errors.ts";
import { HTML_TAGS, isCustomElementName } from "./html-tags.ts";
import { print } from "./printer.ts";
import { queryKey } from "./query.ts";
import { isLocal, type Scope } from "./scope.ts";
import type { ListNode, Node } from "./types.ts";

/** Forms the compiler handles itself when they head a list (unless a local shadows the name). */
export const SPECIAL_FORMS = new Set([
  "quote", "if", "when", "unless", "cond", "and", "or", "let", "lambda", "fn", "define", "do",
  "defcomp", "defroute", "defquery", "defaction", "<>", "raw!", "defer",
]);

export function isLiteral(n: Node): boolean {
  return n.kind === "str" || n.kind === "num" || n.kind === "bool" || n.kind === "nil" || n.kind === "kw";
}

/** `bad NAME form: expected USAGE` when the argument count is outside [min, max]; true when it is fine. */
function arity(n: ListNode, min: number, max: number, usage: string, report: Report): boolean {
  const got = n.value.length - 1;
  if (got >= min && got <= max) return true;
  report(`bad ${n.value[0]!.value} form: expected ${usage}`, n);
  return false;
}

// ---------------------------------------------------------------------------
// What a list is: the head decides

export type Head =
  | { readonly kind: "element"; readonly tag: string }
  | { readonly kind: "special"; readonly form: string }
  | { readonly kind: "component"; readonly name: string }
  /** A custom element name (`my-widget`): a call if a function of that name exists, else an element. */
  | { readonly kind: "custom"; readonly name: string }
  /** `(:key obj ...)`: data access. */
  | { readonly kind: "keyword"; readonly key: string }
  /** A call: of the global `name`, or (null) of a local or of what the head expression gives. */
  | { readonly kind: "call"; readonly name: string | null };

/**
 * How a non-empty list is read, in this order: HTML tag names are always
 * elements (`(title title)` is a <title> holding the variable `title`);
 * special forms, `~components` and custom elements yield to a local of the
 * same name (so `fn` can be a parameter, as in `(map fn items)`).
 */
export function readHead(n: ListNode, scope: Scope | null, report: Report): Head {
  const head = n.value[0]!;
  if (head.kind === "sym") {
    const name = head.value;
    if (HTML_TAGS.has(name)) return { kind: "element", tag: name };
    if (isLocal(scope, name)) return { kind: "call", name: null };
    if (SPECIAL_FORMS.has(name)) return { kind: "special", form: name };
    if (name.startsWith("~")) return { kind: "component", name };
    if (isCustomElementName(name)) return { kind: "custom", name };
    return { kind: "call", name };
  }
  if (head.kind === "kw") return { kind: "keyword", key: head.value };
  if (head.kind !== "list") {
    const what = head.kind === "str" ? "string" : head.kind === "num" ? "number" : head.kind;
    report(`cannot call a ${what}: a list's first item must name a function, element or component`, head);
  }
  return { kind: "call", name: null };
}

// ---------------------------------------------------------------------------
// Control forms

/** `(quote form)`: the form, or null. */
export function readQuote(n: ListNode, report: Report): Node | null {
  return arity(n, 1, 1, "(quote form)", report) ? n.value[1]! : null;
}

export interface IfForm {
  readonly test: Node;
  readonly then: Node;
  readonly else: Node | null;
}

/** `(if test then [else])`. */
export function readIf(n: ListNode, report: Report): IfForm | null {
  if (!arity(n, 2, 3, "(if test then [else])", report)) return null;
  return { test: n.value[1]!, then: n.value[2]!, else: n.value[3] ?? null };
}

export interface WhenForm {
  readonly test: Node;
  readonly body: readonly Node[];
}

/** `(when test body...)`, `(unless test body...)`. */
export function readWhen(n: ListNode, report: Report): WhenForm | null {
  if (!arity(n, 1, Infinity, `(${n.value[0]!.value} test body...)`, report)) return null;
  return { test: n.value[1]!, body: n.value.slice(2) };
}

export interface DeferForm {
  /** What stands in its place until it arrives; null for nothing. */
  readonly fallback: Node | null;
  readonly body: readonly Node[];
}

/**
 * `(defer [:fallback expr] body...)`: markup a streamed page sends out of
 * order (the fallback in place at once, the body when it is ready); rendered
 * in place otherwise.
 */
export function readDefer(n: ListNode, report: Report): DeferForm | null {
  const fallback = n.value[1]?.kind === "kw" && n.value[1].value === "fallback";
  const body = n.value.slice(fallback ? 3 : 1);
  if (body.length === 0 || (fallback && n.value.length < 3)) {
    report("bad defer form: expected (defer [:fallback expr] body...)", n);
    return null;
  }
  return { fallback: fallback ? n.value[2]! : null, body };
}

export interface CondClause {
  /** Null for `else` (or `:else`). */
  readonly test: Node | null;
  /** Empty: the clause yields its test's value. */
  readonly body: readonly Node[];
}

/**
 * `(cond (test body...) ...)`. A clause that is not a list is reported once
 * per cond (`(cond a 1 :else 2)`, Clojure style, is one mistake) and read as
 * a test to check.
 */
export function readCond(n: ListNode, report: Report): CondClause[] {
  let reported = false;
  return n.value.slice(1).map((c) => {
    if (c.kind !== "list" || c.value.length === 0) {
      if (!reported) report("cond clause must be a list: (test body...)", c);
      reported = true;
      return { test: isElse(c) && c.kind === "sym" ? null : c, body: [] };
    }
    const t = c.value[0]!;
    return { test: isElse(t) ? null : t, body: c.value.slice(1) };
  });
}

function isElse(t: Node): boolean {
  return (t.kind === "sym" || t.kind === "kw") && t.value === "else";
}

export interface LetBinding {
  /** The name bound (null for a binding with no name to read). */
  readonly name: string | null;
  /** The value (one, unless the binding is malformed), evaluated before the name is bound. */
  readonly values: readonly Node[];
}

export interface LetForm {
  readonly bindings: readonly LetBinding[];
  readonly body: readonly Node[];
}

/**
 * `(let ((name value) ...) body...)`. Bindings are sequential: a value sees
 * the bindings before it, not its own. `(let (a 1 b 2) ...)` is one mistake,
 * read as the pairs that were meant.
 */
export function readLet(n: ListNode, report: Report): LetForm | null {
  if (!arity(n, 1, Infinity, "(let ((name value) ...) body...)", report)) return null;
  const list = n.value[1]!;
  const body = n.value.slice(2);
  if (list.kind !== "list") {
    report("let bindings must be a list: (let ((name value) ...) body...)", list);
    return { bindings: [], body };
  }
  const bindings: LetBinding[] = [];
  if (list.value[0]?.kind === "sym") {
    report(BINDING_MESSAGE, list.value[0]);
    for (let i = 0; i < list.value.length; i += 2) {
      const [name, value] = [list.value[i]!, list.value[i + 1]];
      bindings.push({ name: name.kind === "sym" ? name.value : null, values: value ? [value] : [] });
    }
    return { bindings, body };
  }
  for (const b of list.value) {
    if (b.kind === "list" && b.value.length === 2 && b.value[0]!.kind === "sym") {
      bindings.push({ name: b.value[0]!.value as string, values: [b.value[1]!] });
      continue;
    }
    report(BINDING_MESSAGE, b);
    const first = b.kind === "list" ? b.value[0] : b;
    const name = first?.kind === "sym" ? first.value : null;
    const values = b.kind !== "list" ? [] : name === null ? b.value : b.value.slice(1);
    bindings.push({ name, values });
  }
  return { bindings, body };
}

const BINDING_MESSAGE = "each let binding must be (name value)";

// ---------------------------------------------------------------------------
// Functions and lambda lists

export interface Param {
  readonly kind: "positional" | "rest" | "key";
  /** Null for a parameter that is not a symbol (reported). */
  readonly name: string | null;
  readonly node: Node;
  /** A `&key` parameter's default, which sees the parameters before it; null for nil. */
  readonly default: Node | null;
}

export interface ParamList {
  /** In order of appearance, which is the order of their frame slots. */
  readonly params: readonly Param[];
  /** False when the list has a mistake (the first one is reported); `params` is then what could be read. */
  readonly ok: boolean;
  readonly positional: readonly string[];
  readonly rest: string | null;
  readonly keys: readonly string[];
  /** The lambda list as written, e.g. `a b &key (size 3)`. */
  readonly text: string;
}

/**
 * A lambda list: positional names, `&rest name`, then `&key` names with
 * optional defaults `(name default)` (`&rest` and `&key` in either order,
 * as the seed writes `&key a b &rest content`). Only its first mistake is
 * reported; the names are still read, so the body can be checked.
 */
export function readParams(list: Node, what: string, report: Report): ParamList {
  if (list.kind !== "list") {
    report(`${what} parameters must be a list`, list);
    // `(fn args ...)`: the name stays bound for the body.
    const params: Param[] = list.kind === "sym" ? [{ kind: "positional", name: list.value, node: list, default: null }] : [];
    return { params, ok: false, positional: [], rest: null, keys: [], text: print(list) };
  }
  const params: Param[] = [];
  const positional: string[] = [];
  const keys: string[] = [];
  let rest: string | null = null;
  let mode: Param["kind"] = "positional";
  let restNamed = false;
  let keyed = false;
  let ok = true;
  const bad = (message: string, at: Node): void => {
    if (ok) report(message, at);
    ok = false;
  };
  const seen = new Set<string>();
  const nameOf = (p: Node): string | null => {
    if (p.kind !== "sym") {
      bad(`parameter must be a symbol, not ${p.kind === "list" ? "a list" : p.kind}`, p);
      return null;
    }
    if (seen.has(p.value)) bad(`duplicate parameter '${p.value}'`, p);
    seen.add(p.value);
    return p.value;
  };
  for (const p of list.value) {
    if (p.kind === "sym" && p.value.startsWith("&")) {
      if (mode === "rest" && !restNamed) bad("&rest needs a name", p);
      if (p.value === "&rest") {
        if (restNamed) bad("&rest given twice", p);
        mode = "rest";
        restNamed = false;
      } else if (p.value === "&key") {
        if (keyed) bad("&key given twice", p);
        keyed = true;
        mode = "key";
      } else bad(`unknown parameter marker '${p.value}' (use &rest or &key)`, p);
      continue;
    }
    if (mode === "positional") {
      const name = nameOf(p);
      if (name !== null) positional.push(name);
      // `((a 1))` meant a default: `a` stays bound for the body.
      const meant = name ?? (p.kind === "list" && p.value[0]?.kind === "sym" ? p.value[0].value : null);
      params.push({ kind: "positional", name: meant, node: p, default: null });
    } else if (mode === "rest") {
      if (restNamed) bad("&rest takes exactly one name", p);
      const name = nameOf(p);
      if (name !== null && !restNamed) rest = name;
      if (name !== null) restNamed = true;
      params.push({ kind: "rest", name, node: p, default: null });
    } else {
      let nameNode = p;
      let init: Node | null = null;
      if (p.kind === "list") {
        if (p.value.length !== 2) bad("a &key default is written (name default)", p);
        nameNode = p.value[0] ?? p;
        init = p.value[1] ?? null;
      }
      const name = nameOf(nameNode);
      if (name !== null) keys.push(name);
      params.push({ kind: "key", name, node: nameNode, default: init });
    }
  }
  if (mode === "rest" && !restNamed) bad("&rest needs a name", list);
  return { params, ok, positional, rest, keys, text: list.value.map(print).join(" ") };
}

export interface LambdaForm {
  readonly params: ParamList;
  readonly body: readonly Node[];
}

/** `(lambda (params...) body...)`, also written `fn`. */
export function readLambda(n: ListNode, report: Report): LambdaForm | null {
  if (!arity(n, 1, Infinity, "(lambda (params...) body...)", report)) return null;
  return { params: readParams(n.value[1]!, "lambda", report), body: n.value.slice(2) };
}

/** `(fn ...)` or `(lambda ...)`, unless a local shadows the name. */
export function isLambdaForm(n: Node | undefined, scope: Scope | null): n is ListNode {
  if (n?.kind !== "list") return false;
  const head = n.value[0];
  return head?.kind === "sym" && (head.value === "fn" || head.value === "lambda") && !isLocal(scope, head.value);
}

// ---------------------------------------------------------------------------
// Definitions

export type DefineForm =
  | { readonly kind: "value"; readonly name: string; readonly target: Node; readonly values: readonly Node[] }
  | { readonly kind: "function"; readonly name: string; readonly target: Node; readonly lambda: LambdaForm };

/** `(define name value)` or `(define (name params...) body...)`, which is `(define name (lambda (params...) body...))`. */
export function readDefine(n: ListNode, report: Report): DefineForm | null {
  if (!arity(n, 2, Infinity, "(define name value) or (define (name params...) body...)", report)) return null;
  const target = n.value[1]!;
  if (target.kind === "sym") {
    arity(n, 2, 2, "(define name value)", report);
    return { kind: "value", name: target.value, target, values: n.value.slice(2) };
  }
  if (target.kind === "list" && target.value[0]?.kind === "sym") {
    const name = target.value[0].value;
    checkFunctionName(name, target, report);
    const params: ListNode = { ...target, value: target.value.slice(1) };
    return { kind: "function", name, target, lambda: { params: readParams(params, "lambda", report), body: n.value.slice(2) } };
  }
  report("define needs a name: (define name value) or (define (name params...) body...)", target);
  return null;
}

/**
 * A function cannot be named like an HTML tag: a call by that name always
 * builds the element. The compiler refuses `(define (title x) ...)`; the
 * checker also reports `(define title (fn (x) ...))`, legal but never callable.
 */
export function checkFunctionName(name: string, at: Node, report: Report): void {
  if (HTML_TAGS.has(name)) report(`'${name}' is an HTML tag: (${name} ...) always builds a <${name}> element, so this function cannot be called by its name`, at);
}

/**
 * The internal `define`s of a body get slots in its scope before any of its
 * forms is compiled, so they can refer to each other.
 */
export function hoistDefines(forms: readonly Node[], scope: Scope | null): void {
  if (!scope) return;
  for (const form of forms) {
    const d = definitionOf(form);
    if (d?.form !== "define" || d.name === null) continue;
    if (!scope.names.includes(d.name)) scope.add(d.name);
    scope.hoisted.add(form);
  }
}

/** A `define` inside a function or `let` must be a form of a body (which gave it a slot); false, reported, when it is not. */
export function checkLocalDefine(n: ListNode, name: string, scope: Scope, report: Report): boolean {
  if (scope.hoisted.has(n)) return true;
  report(`(define ${name} ...) is not directly in a body: a local define must be a form of a let, lambda, do, when, unless or cond body`, n);
  return false;
}

export interface ComponentForm {
  readonly name: string;
  /** The name starts with `~` (else reported). */
  readonly named: boolean;
  readonly params: ParamList;
  /** The lambda list is one a component can have (else reported). */
  readonly ok: boolean;
  /** `:cache true`: its output may be kept under its input key (see analyze.ts). */
  readonly cache: boolean;
  readonly body: readonly Node[];
}

/** `(defcomp ~name ["doc"] (&key ... [&rest name]) [:cache true] body...)`. */
export function readDefcomp(n: ListNode, report: Report): ComponentForm | null {
  if (!arity(n, 2, Infinity, "(defcomp ~name (&key ...) body...)", report)) return null;
  const nameNode = n.value[1]!;
  const named = nameNode.kind === "sym" && nameNode.value.startsWith("~") && nameNode.value.length >= 2;
  if (!named) report("component names start with ~, e.g. (defcomp ~card (&key title) ...)", nameNode);
  const name = nameNode.kind === "sym" ? nameNode.value : print(nameNode);
  let i = 2;
  if (n.value[i]?.kind === "str") i++; // optional docstring
  const list = n.value[i];
  if (!list) {
    report(`defcomp ${name} needs a parameter list`, n);
    return null;
  }
  const params = readParams(list, "component", report);
  let ok = params.ok;
  if (ok && params.positional.length) {
    report(`component parameters must be &key (and &rest): ${name} has positional '${params.positional[0]}'`, list);
    ok = false;
  } else if (ok && params.rest !== null && params.keys.includes("children")) {
    report(`${name} declares both &rest ${params.rest} and a children key; use one`, list);
    ok = false;
  }
  const { options, body } = readOptions(n, i + 1, "defcomp", COMPONENT_OPTIONS, report);
  return { name, named, params, ok, cache: options.get("cache")?.value === true, body: n.value.slice(body) };
}

export interface RouteForm {
  /** Null when it is not a string starting with `/` (reported). */
  readonly pattern: string | null;
  /** Upper case; GET unless `:method` says. */
  readonly method: string;
  /** False with `:cache false`. */
  readonly cache: boolean;
  readonly body: readonly Node[];
}

/** `(defroute "/path/:param/" [:method "POST"] [:cache false] body...)`. */
export function readDefroute(n: ListNode, report: Report): RouteForm | null {
  if (!arity(n, 2, Infinity, '(defroute "/path/:param/" [:method "POST"] body...)', report)) return null;
  const p = n.value[1]!;
  const pattern = p.kind === "str" && p.value.startsWith("/") ? p.value : null;
  if (pattern === null) report('a route pattern is a string starting with "/"', p);
  const { options, body } = readOptions(n, 2, "defroute", ROUTE_OPTIONS, report);
  const method = ((options.get("method")?.value as string | undefined) ?? "GET").toUpperCase();
  return { pattern, method, cache: options.get("cache")?.value !== false, body: n.value.slice(body) };
}

export const METHODS: ReadonlySet<string> = new Set(["GET", "POST", "PUT", "PATCH", "DELETE"]);

/** Checks one option's value: null when fine, else what is wrong. */
type OptionCheck = (value: Node) => string | null;

const boolOption: OptionCheck = (v) => (v.kind === "bool" ? null : "takes true or false");
export const COMPONENT_OPTIONS: Readonly<Record<string, OptionCheck>> = { cache: boolOption };
export const ROUTE_OPTIONS: Readonly<Record<string, OptionCheck>> = {
  method: (v) => (v.kind === "str" && METHODS.has(v.value.toUpperCase()) ? null : `must be one of ${[...METHODS].join(", ")}`),
  cache: boolOption,
};

/**
 * `:name value` options after a definition's head, before its body (which
 * keeps at least one form): the options that are fine, and where the body
 * starts. Each wrong option is reported.
 */
function readOptions(n: ListNode, from: number, form: string, known: Readonly<Record<string, OptionCheck>>, report: Report) {
  const options = new Map<string, Node>();
  let i = from;
  while (n.value[i]?.kind === "kw" && i + 1 < n.value.length - 1) {
    const [opt, value] = [n.value[i]!, n.value[i + 1]!];
    const name = opt.value as string;
    const check = Object.hasOwn(known, name) ? known[name]! : null;
    if (!check) report(`unknown ${form} option :${name} (known: ${Object.keys(known).map((k) => ":" + k).join(", ")})`, opt);
    else {
      const wrong = check(value);
      if (wrong) report(`:${name} ${wrong}`, value);
      else options.set(name, value);
    }
    i += 2;
  }
  return { options, body: i };
}

/** What a defining form defines. */
export interface Definition {
  readonly form: "define" | "defcomp" | "defroute" | "defquery" | "defaction";
  readonly kind: "value" | "function" | "component" | "route" | "query" | "action";
  /**
   * The global a `define` or `defcomp` binds, a query's or action's
   * `service/name`, a route's pattern; null when the form does not say.
   */
  readonly name: string | null;
}

/** What a form defines (read from its head only, well-formed or not), or null when it is not a defining form. */
export function definitionOf(form: Node): Definition | null {
  if (form.kind !== "list") return null;
  const [head, target, third] = form.value;
  if (head?.kind !== "sym") return null;
  switch (head.value) {
    case "define":
      if (target?.kind === "sym") return { form: "define", kind: isLambdaForm(third, null) ? "function" : "value", name: target.value };
      if (target?.kind === "list" && target.value[0]?.kind === "sym") return { form: "define", kind: "function", name: target.value[0].value };
      return { form: "define", kind: "value", name: null };
    case "defcomp":
      return { form: "defcomp", kind: "component", name: target?.kind === "sym" ? target.value : null };
    case "defroute":
      return { form: "defroute", kind: "route", name: target?.kind === "str" ? target.value : null };
    case "defquery":
    case "defaction":
      return {
        form: head.value,
        kind: head.value === "defquery" ? "query" : "action",
        name: target?.kind === "sym" && third?.kind === "sym" ? queryKey(target.value, third.value) : null,
      };
    default:
      return null;
  }
}

/** Top-level forms that define rather than produce output. */
export function isDefinition(form: Node): boolean {
  return definitionOf(form) !== null;
}

/** The global name a `define` or `defcomp` form binds, or null for any other form. */
export function definitionName(form: Node): string | null {
  const d = definitionOf(form);
  return d?.form === "define" || d?.form === "defcomp" ? d.name : null;
}

// ---------------------------------------------------------------------------
// Data access: (:slot obj :a :b) and (:key obj [default])

export interface KeywordAccess {
  readonly object: Node | null;
  /** The fields to follow, in order. */
  readonly path: readonly string[];
  readonly fallback: Node | null;
  /** Every expression of the form, to check. */
  readonly exprs: readonly Node[];
}

export function readKeywordAccess(key: string, n: ListNode, report: Report): KeywordAccess {
  const args = n.value.slice(1);
  if (key === "slot") {
    if (args.length < 2) report("(:slot obj :field ...) needs an object and at least one field", n);
    const path: string[] = [];
    for (const k of args.slice(1)) {
      if (k.kind === "kw" || k.kind === "str") path.push(k.value);
      else report("(:slot obj :field ...) fields are keywords", k);
    }
    return { object: args[0] ?? null, path, fallback: null, exprs: args.slice(0, 1) };
  }
  if (args.length < 1 || args.length > 2) report(`(:${key} obj [default]) takes an object and an optional default`, n);
  return { object: args[0] ?? null, path: [key], fallback: args[1] ?? null, exprs: args };
}
