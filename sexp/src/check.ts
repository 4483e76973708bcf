/**
 * Static validation (`sexp check`, and the LLM output validator): finds the
 * mistakes the compiler or the runtime would report — malformed special
 * forms, unknown symbols and components, wrong arity, unknown keyword
 * arguments, children of void elements, unsafe literal URLs, data in
 * script-running attributes or in `script`/`style` content — without
 * evaluating anything, and reports all of them rather than the first.
 *
 * The walk mirrors compiler.ts node by node: the same head resolution (HTML
 * tag, then local, then special form, `~component`, custom element, call),
 * the same lexical scopes (it reuses the compiler's `Scope`, including the
 * hoisting of internal defines into the enclosing body) and the same
 * messages where both report the same thing.
 */
import { COMPONENT_OPTIONS, ROUTE_OPTIONS, SPECIAL_FORMS, Scope, definedName, readOptions, toData } from "./compiler.ts";
import { renderChild } from "./html.ts";
import { isLiteral, rawTextPieces, splitArgs, type SplitArgs } from "./markup.ts";
import { SexpError, arityMessage, unknownKeyMessage, unknownNameMessage } from "./errors.ts";
import { UNSAFE_URL, isSafeUrl } from "./escape.ts";
import {
  HTML_TAGS,
  RAW_TEXT_ELEMENTS,
  SCRIPT_ATTRIBUTE_MESSAGE,
  VOID_ELEMENTS,
  attributeKind,
  isCustomElementName,
  isValidAttributeName,
} from "./html-tags.ts";
import { basePrimitives } from "./primitives/index.ts";
import { print } from "./printer.ts";
import { compileQuery, queryKey, type QueryDef } from "./query.ts";
import type { CallCheck, CheckScope } from "./call-check.ts";
import { parse } from "./reader.ts";
import type { Registry } from "./registry.ts";
import type { ListNode, Loc, Node } from "./types.ts";

/** One mistake found in the source, at the node it is about. */
export interface Problem {
  readonly loc: Loc;
  readonly message: string;
}

export interface CheckOptions {
  /** The primitives calls may use (default: the base set). Pass the host's registry to allow its I/O primitives. */
  registry?: Registry;
  /** Forms of library files (`--lib`): their definitions are known; they are not checked themselves. */
  lib?: readonly Node[];
  /** Names bound at run time outside the checked forms (`--data` keys, host variables): known, of unknown value. */
  globals?: Iterable<string>;
}

/** A lambda list as far as calls are concerned. */
export interface Signature {
  readonly positional: readonly string[];
  readonly rest: string | null;
  readonly keys: readonly string[];
  /** The lambda list as written, e.g. `a b &key (size 3)`. */
  readonly text: string;
}

/** What a global definition (`define`, `defcomp`) tells the checker about a name. */
interface Definition {
  /** The file it is defined in. */
  src?: string;
  /** `unknown`: defined, but nothing is known of its value (or it is defined twice, differently). */
  kind: "component" | "function" | "value" | "unknown";
  /** Lambda list of a function or component; null when it could not be read. */
  sig: Signature | null;
}

/**
 * Check top-level forms. Every problem is reported once, sorted by source
 * (in order of appearance), line and column.
 */
export function check(forms: readonly Node[], options: CheckOptions = {}): Problem[] {
  const known: Known = {
    registry: options.registry ?? basePrimitives,
    globals: new Set(options.globals ?? []),
    definitions: new Map(),
    queries: new Map(),
  };
  // Pass 1 collects every global definition (uses may come before definitions).
  const collector = new Walker(known, null);
  for (const form of options.lib ?? []) collector.top(form);
  for (const form of forms) collector.top(form);
  // Pass 2 checks the forms against them.
  const problems: Problem[] = [];
  const checker = new Walker(known, problems);
  for (const form of forms) checker.top(form);
  return sortProblems(problems, forms);
}

/** Parse and check source text; a read error is reported as the one problem. */
export function checkSource(text: string, options: CheckOptions & { src?: string } = {}): Problem[] {
  let forms: Node[];
  try {
    forms = parse(text, { src: options.src });
  } catch (e) {
    if (e instanceof SexpError && e.loc) return [{ loc: e.loc, message: e.message }];
    throw e;
  }
  return check(forms, options);
}

/** Names a route pattern binds as locals in its body: each `:param`, and `path` for a trailing `*`. */
export function routeParams(pattern: string): string[] {
  return pattern.split("/").flatMap((s) => (s === "*" ? ["path"] : s.startsWith(":") && s.length > 1 ? [s.slice(1)] : []));
}

function sortProblems(problems: Problem[], forms: readonly Node[]): Problem[] {
  const order = new Map<string, number>();
  for (const f of forms) if (!order.has(f.src)) order.set(f.src, order.size);
  const rank = (src: string): number => order.get(src) ?? order.size;
  // Array.prototype.sort is stable: problems at one node keep the order they were found in.
  return problems.sort(
    (a, b) =>
      rank(a.loc.src) - rank(b.loc.src) ||
      (a.loc.src < b.loc.src ? -1 : a.loc.src > b.loc.src ? 1 : 0) ||
      a.loc.line - b.loc.line ||
      a.loc.col - b.loc.col,
  );
}

interface Known {
  readonly registry: Registry;
  readonly globals: ReadonlySet<string>;
  readonly definitions: Map<string, Definition>;
  /** Declared queries and actions, by `service/name`. */
  readonly queries: Map<string, QueryDef>;
}

/** What primitives' own call checks see of the checked code. */
function checkScope(known: Known): CheckScope {
  return {
    query: (service, name) => known.queries.get(queryKey(service, name)),
    queries: () => known.queries.values(),
    component: (name) => {
      const d = known.definitions.get(name);
      return d?.kind === "component" && d.src !== undefined ? { src: d.src, keys: d.sig?.keys ?? null } : undefined;
    },
    components: () => [...known.definitions].filter(([, d]) => d.kind === "component").map(([n]) => n),
  };
}

/** What a global name refers to, in the runtime's lookup order (definitions, host globals, primitives). */
type Global =
  | { readonly kind: "definition"; readonly def: Definition }
  | { readonly kind: "global" }
  | { readonly kind: "primitive"; readonly params: string; readonly min: number; readonly max: number; readonly names: number; readonly check: CallCheck | null };

function isLambdaForm(n: Node | undefined): n is ListNode {
  return n?.kind === "list" && n.value[0]?.kind === "sym" && (n.value[0].value === "fn" || n.value[0].value === "lambda");
}

/**
 * One walk over the forms. With `out === null` it only records global
 * definitions (pass 1); otherwise it reports problems into `out` (pass 2).
 */
class Walker {
  private readonly seen = new Set<string>();
  constructor(
    private readonly known: Known,
    private readonly out: Problem[] | null,
  ) {}

  top(form: Node): void {
    this.walk(form, null);
  }

  private problem(message: string, loc: Loc): void {
    if (!this.out) return;
    const key = `${loc.src}\0${loc.line}\0${loc.col}\0${message}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.out.push({ loc: { src: loc.src, line: loc.line, col: loc.col }, message });
  }

  /** `bad if form: expected ...` when the argument count is outside [min, max]; true when it is fine. */
  private arity(n: ListNode, min: number, max: number, usage: string): boolean {
    const got = n.value.length - 1;
    if (got >= min && got <= max) return true;
    this.problem(`bad ${n.value[0]!.value} form: expected ${usage}`, n);
    return false;
  }

  private define(name: string, def: Definition): void {
    if (this.out) return; // definitions are recorded in pass 1 only
    const prev = this.known.definitions.get(name);
    if (!prev) {
      this.known.definitions.set(name, def);
      return;
    }
    // Defined twice: only what both definitions agree on is known.
    if (prev.kind !== def.kind || prev.sig?.text !== def.sig?.text) {
      this.known.definitions.set(name, { kind: prev.kind === def.kind ? def.kind : "unknown", sig: null });
    }
  }

  private lookup(name: string): Global | null {
    const def = this.known.definitions.get(name);
    if (def) return { kind: "definition", def };
    if (this.known.globals.has(name)) return { kind: "global" };
    const p = this.known.registry.get(name);
    if (p) return { kind: "primitive", params: p.meta.params, min: p.meta.minArgs, max: p.meta.maxArgs, names: p.meta.names, check: p.meta.check };
    return null;
  }

  /** Every name a symbol here could mean (for "did you mean"). */
  private knownNames(scope: Scope | null): Iterable<string> {
    return [...(scope?.allNames() ?? []), ...this.known.definitions.keys(), ...this.known.globals, ...this.known.registry.list().map((p) => p.name)];
  }

  // -------------------------------------------------------------------------
  // Expressions

  private walk(n: Node, scope: Scope | null): void {
    switch (n.kind) {
      case "sym":
        return this.symbol(n.value, n, scope);
      case "map":
        // Keys are names, not expressions.
        for (let i = 1; i < n.value.length; i += 2) this.walk(n.value[i]!, scope);
        return;
      case "list":
        return this.list(n, scope);
      default:
        return;
    }
  }

  private walkAll(nodes: readonly Node[], scope: Scope | null): void {
    for (const x of nodes) this.walk(x, scope);
  }

  private symbol(name: string, loc: Loc, scope: Scope | null): void {
    if (scope?.resolve(name)) return;
    if (this.lookup(name)) return;
    this.problem(unknownNameMessage(name, this.knownNames(scope)), loc);
  }

  private list(n: ListNode, scope: Scope | null): void {
    const items = n.value;
    if (items.length === 0) return;
    const head = items[0]!;
    // Same order as compileList: HTML tags always, then locals, special forms, components, custom elements.
    if (head.kind === "sym" && HTML_TAGS.has(head.value)) return this.element(head.value, n, scope);
    if (head.kind === "sym" && !scope?.resolve(head.value)) {
      const name = head.value;
      if (SPECIAL_FORMS.has(name)) return this.special(name, n, scope);
      if (name.startsWith("~")) return this.componentCall(name, n, scope);
      if (isCustomElementName(name) && !this.lookup(name)) return this.element(name, n, scope);
      return this.call(n, scope);
    }
    if (head.kind === "kw") return this.keywordAccess(head.value, n, scope);
    if (head.kind !== "list" && head.kind !== "sym") {
      const what = head.kind === "str" ? "string" : head.kind === "num" ? "number" : head.kind;
      this.problem(`cannot call a ${what}: a list's first item must name a function, element or component`, head);
      return this.walkAll(items.slice(1), scope);
    }
    this.walkAll(items, scope);
  }

  /** A call of a global function or primitive: the head must exist and the argument count fit. */
  private call(n: ListNode, scope: Scope | null): void {
    const head = n.value[0] as Extract<Node, { kind: "sym" }>;
    const args = n.value.slice(1);
    const g = this.lookup(head.value);
    // A primitive's leading name arguments are not variables (see PrimitiveMeta.names).
    const names = g?.kind === "primitive" && !scope?.resolve(head.value) ? g.names : 0;
    this.walkAll(args.filter((a, i) => !(i < names && a.kind === "sym")), scope);
    if (!g) return this.symbol(head.value, head, scope);
    if (g.kind === "primitive") {
      if (args.length < g.min || args.length > g.max) this.problem(arityMessage(`${head.value}${g.params ? " " + g.params : ""}`, g.min, g.max, args.length), n);
      else if (g.check && this.out) for (const p of g.check(args, n, checkScope(this.known))) this.problem(p.message, p.at);
    } else if (g.kind === "definition" && g.def.kind === "function" && g.def.sig) {
      this.functionArgs(head.value, g.def.sig, args, n);
    }
  }

  /** Mirror of the runtime's argument binding (`bindArgs`) over the literal arguments. */
  private functionArgs(name: string, sig: Signature, args: Node[], loc: Loc): void {
    const np = sig.positional.length;
    const signature = sig.text ? `${name} ${sig.text}` : name;
    const open = sig.rest !== null || sig.keys.length > 0;
    if (args.length < np) return this.problem(arityMessage(signature, np, open ? Infinity : np, args.length), loc);
    // With &rest, every further argument is accepted (unknown keys go to the rest list too).
    if (sig.rest !== null) return;
    let positional = np;
    for (let i = np; i < args.length; i++) {
      const a = args[i]!;
      if (sig.keys.length && a.kind === "kw" && i + 1 < args.length) {
        if (sig.keys.includes(a.value)) {
          i++;
          continue;
        }
        return this.problem(unknownKeyMessage(name, a.value, sig.keys), loc);
      }
      positional++;
    }
    if (positional > np) {
      if (!sig.keys.length) return this.problem(arityMessage(signature, np, np, args.length), loc);
      this.problem(`(${signature}) takes ${np} argument${np === 1 ? "" : "s"} plus keyword arguments, got ${positional}`, loc);
    }
  }

  // -------------------------------------------------------------------------
  // Special forms (mirrors of the compiler's)

  private special(name: string, n: ListNode, scope: Scope | null): void {
    const items = n.value;
    switch (name) {
      case "quote":
        this.arity(n, 1, 1, "(quote form)");
        return; // data: not checked
      case "if":
        this.arity(n, 2, 3, "(if test then [else])");
        return this.walkAll(items.slice(1), scope);
      case "when":
      case "unless":
        if (!this.arity(n, 1, Infinity, `(${name} test body...)`)) return;
        this.walk(items[1]!, scope);
        return this.body(items.slice(2), scope);
      case "cond":
        return this.cond(n, scope);
      case "and":
      case "or":
        return this.walkAll(items.slice(1), scope);
      case "let":
        return this.let(n, scope);
      case "lambda":
      case "fn":
        this.lambda(n, scope);
        return;
      case "define":
        return this.defineForm(n, scope);
      case "do":
        return this.body(items.slice(1), scope);
      case "defcomp":
        return this.defcomp(n, scope);
      case "defroute":
        return this.defroute(n, scope);
      case "defquery":
      case "defaction":
        // Its body is declarations and SQL, not expressions.
        try {
          const def = compileQuery(n);
          if (!this.out) this.known.queries.set(queryKey(def.service, def.name), def);
        } catch (e) {
          if (!(e instanceof SexpError) || !e.loc) throw e;
          this.problem(e.message, e.loc);
        }
        return;
      case "<>":
      case "raw!":
        return this.walkAll(items.slice(1), scope);
    }
  }

  /** A body: internal defines are hoisted into the enclosing scope first (as compileBody does). */
  private body(forms: readonly Node[], scope: Scope | null): void {
    if (scope) {
      for (const form of forms) {
        const name = definedName(form);
        if (name !== null && !scope.names.includes(name)) scope.add(name);
      }
    }
    this.walkAll(forms, scope);
  }

  private cond(n: ListNode, scope: Scope | null): void {
    let reported = false;
    for (const c of n.value.slice(1)) {
      if (c.kind !== "list" || c.value.length === 0) {
        // `(cond a 1 :else 2)` (Clojure style) is one mistake, not one per item.
        if (!reported) this.problem("cond clause must be a list: (test body...)", c);
        reported = true;
        if (!(c.kind === "sym" && c.value === "else")) this.walk(c, scope);
        continue;
      }
      const t = c.value[0]!;
      const isElse = (t.kind === "sym" && t.value === "else") || (t.kind === "kw" && t.value === "else");
      if (!isElse) this.walk(t, scope);
      if (c.value.length > 1) this.body(c.value.slice(1), scope);
    }
  }

  private let(n: ListNode, scope: Scope | null): void {
    if (!this.arity(n, 1, Infinity, "(let ((name value) ...) body...)")) return;
    const bindings = n.value[1]!;
    const inner = new Scope(scope);
    if (bindings.kind !== "list") {
      this.problem("let bindings must be a list: (let ((name value) ...) body...)", bindings);
    } else if (bindings.value[0]?.kind === "sym") {
      // `(let (a 1 b 2) ...)`: one mistake, read as the pairs that were meant.
      this.problem("each let binding must be (name value)", bindings.value[0]);
      const flat = bindings.value;
      for (let i = 0; i < flat.length; i += 2) {
        if (flat[i + 1]) this.walk(flat[i + 1]!, inner);
        if (flat[i]!.kind === "sym") inner.add(flat[i]!.value as string);
      }
    } else {
      for (const b of bindings.value) {
        if (b.kind === "list" && b.value.length === 2 && b.value[0]!.kind === "sym") {
          // Sequential: a binding's value sees the bindings before it, not itself.
          this.walk(b.value[1]!, inner);
          inner.add(b.value[0]!.value as string);
          continue;
        }
        this.problem("each let binding must be (name value)", b);
        // Keep the name bound so its uses are not reported as well.
        if (b.kind === "list") {
          const [first, ...rest] = b.value;
          this.walkAll(first?.kind === "sym" ? rest : b.value, inner);
          if (first?.kind === "sym") inner.add(first.value);
        } else if (b.kind === "sym") inner.add(b.value);
      }
    }
    this.body(n.value.slice(2), inner);
  }

  /** `(lambda (params...) body...)`; its signature, or null when the lambda list is malformed. */
  private lambda(n: ListNode, scope: Scope | null): Signature | null {
    if (!this.arity(n, 1, Infinity, "(lambda (params...) body...)")) return null;
    const inner = new Scope(scope);
    const sig = this.params(n.value[1]!, inner, "lambda");
    this.body(n.value.slice(2), inner);
    return sig;
  }

  /**
   * Mirror of `compileParams`: positional names, `&rest name` and `&key`
   * names with optional `(name default)`, declared into `scope`. Only the
   * first mistake of a list is reported (as the compiler does); the names
   * are still declared so the body is checked without follow-on reports.
   */
  private params(list: Node, scope: Scope, what: string): Signature | null {
    if (list.kind !== "list") {
      this.problem(`${what} parameters must be a list`, list);
      if (list.kind === "sym") scope.add(list.value); // `(fn args ...)`: keep the name bound for the body
      return null;
    }
    const positional: string[] = [];
    const keys: string[] = [];
    let rest: string | null = null;
    let restNamed = false;
    let mode: "pos" | "rest" | "key" = "pos";
    let keyed = false;
    let ok = true;
    const bad = (message: string, loc: Loc): void => {
      if (ok) this.problem(message, loc);
      ok = false;
    };
    const seen = new Set<string>();
    const declare = (p: Node): string | null => {
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
      if (mode === "pos") {
        const name = declare(p);
        if (name !== null) positional.push(name), scope.add(name);
        else if (p.kind === "list" && p.value[0]?.kind === "sym") scope.add(p.value[0].value); // `((a 1))`: meant a default
      } else if (mode === "rest") {
        if (restNamed) bad("&rest takes exactly one name", p);
        const name = declare(p);
        if (name !== null) {
          if (!restNamed) rest = name;
          restNamed = true;
          scope.add(name);
        }
      } else {
        let nameNode = p;
        if (p.kind === "list") {
          if (p.value.length !== 2) bad("a &key default is written (name default)", p);
          // The default sees the parameters before it.
          this.walkAll(p.value.slice(1), scope);
          nameNode = p.value[0] ?? p;
        }
        const name = declare(nameNode);
        if (name !== null) keys.push(name), scope.add(name);
      }
    }
    if (mode === "rest" && !restNamed) bad("&rest needs a name", list);
    if (!ok) return null;
    return { positional, rest, keys, text: list.value.map(print).join(" ") };
  }

  private defineForm(n: ListNode, scope: Scope | null): void {
    if (!this.arity(n, 2, Infinity, "(define name value) or (define (name params...) body...)")) return;
    const target = n.value[1]!;
    let name: string;
    let def: Definition;
    if (target.kind === "sym") {
      this.arity(n, 2, 2, "(define name value)");
      name = target.value;
      const value = n.value[2];
      if (isLambdaForm(value) && !scope?.resolve(value.value[0]!.value as string)) {
        def = { kind: "function", sig: this.lambda(value, scope) };
      } else {
        this.walkAll(n.value.slice(2), scope);
        def = { kind: value && isLiteral(value) ? "value" : "unknown", sig: null };
      }
    } else if (target.kind === "list" && target.value[0]?.kind === "sym") {
      name = target.value[0].value;
      // (define (f a b) body...) is (define f (lambda (a b) body...)).
      const lambda: ListNode = { ...n, value: [n.value[0]!, { ...target, value: target.value.slice(1) }, ...n.value.slice(2)] };
      def = { kind: "function", sig: this.lambda(lambda, scope) };
    } else {
      this.problem("define needs a name: (define name value) or (define (name params...) body...)", target);
      return this.walkAll(n.value.slice(2), scope);
    }
    if (def.kind === "function" && HTML_TAGS.has(name)) {
      this.problem(`'${name}' is an HTML tag: (${name} ...) always builds a <${name}> element, so this function cannot be called by its name`, target);
    }
    if (scope) {
      // compileDefine writes to a slot of the current frame: only a define hoisted by a body has one.
      if (!scope.names.includes(name)) {
        this.problem(`(define ${name} ...) is not directly in a body: a local define must be a form of a let, lambda, do, when, unless or cond body`, n);
        scope.add(name); // so its uses are not reported as well
      }
      return;
    }
    this.define(name, def);
  }

  private defcomp(n: ListNode, scope: Scope | null): void {
    if (!this.arity(n, 2, Infinity, "(defcomp ~name (&key ...) body...)")) return;
    const nameNode = n.value[1]!;
    const validName = nameNode.kind === "sym" && nameNode.value.startsWith("~") && nameNode.value.length >= 2;
    if (!validName) this.problem("component names start with ~, e.g. (defcomp ~card (&key title) ...)", nameNode);
    const name = nameNode.kind === "sym" ? nameNode.value : print(nameNode);
    let i = 2;
    if (n.value[i]?.kind === "str") i++; // optional docstring
    const paramList = n.value[i];
    if (!paramList) return this.problem(`defcomp ${name} needs a parameter list`, n);
    const inner = new Scope(scope);
    let sig = this.params(paramList, inner, "component");
    if (sig?.positional.length) {
      this.problem(`component parameters must be &key (and &rest): ${name} has positional '${sig.positional[0]}'`, paramList);
      sig = null;
    } else if (sig?.rest && sig.keys.includes("children")) {
      this.problem(`${name} declares both &rest ${sig.rest} and a children key; use one`, paramList);
      sig = null;
    }
    const { body, problems } = readOptions(n, i + 1, "defcomp", COMPONENT_OPTIONS);
    for (const [message, at] of problems) this.problem(message, at);
    this.body(n.value.slice(body), inner);
    // A component is global wherever it is defined (a defcomp inside a let closes over it).
    if (validName) this.define(name, { kind: "component", sig, src: n.src });
  }

  private defroute(n: ListNode, scope: Scope | null): void {
    if (!this.arity(n, 2, Infinity, '(defroute "/path/:param/" [:method "POST"] body...)')) return;
    const pattern = n.value[1]!;
    const validPattern = pattern.kind === "str" && pattern.value.startsWith("/");
    if (!validPattern) this.problem('a route pattern is a string starting with "/"', pattern);
    const { body, problems } = readOptions(n, 2, "defroute", ROUTE_OPTIONS);
    for (const [message, at] of problems) this.problem(message, at);
    // The router runs the body with the pattern's :params bound.
    const inner = new Scope(scope);
    if (validPattern) for (const p of routeParams(pattern.value as string)) inner.add(p);
    this.body(n.value.slice(body), inner);
  }

  // -------------------------------------------------------------------------
  // Data access: (:slot obj :a :b) and (:key obj [default])

  private keywordAccess(kw: string, n: ListNode, scope: Scope | null): void {
    const args = n.value.slice(1);
    if (kw === "slot") {
      if (args.length < 2) this.problem("(:slot obj :field ...) needs an object and at least one field", n);
      for (const k of args.slice(1)) if (k.kind !== "kw" && k.kind !== "str") this.problem("(:slot obj :field ...) fields are keywords", k);
      if (args[0]) this.walk(args[0], scope);
      return;
    }
    if (args.length < 1 || args.length > 2) this.problem(`(:${kw} obj [default]) takes an object and an optional default`, n);
    this.walkAll(args, scope);
  }

  // -------------------------------------------------------------------------
  // Markup

  private splitArgs(args: readonly Node[], what: string): SplitArgs {
    return splitArgs(args, what, (message, at) => this.problem(message, at));
  }

  private element(tag: string, n: ListNode, scope: Scope | null): void {
    const { attrs, children } = this.splitArgs(n.value.slice(1), "attribute");
    if (VOID_ELEMENTS.has(tag) && children.length) {
      this.problem(`<${tag}> is a void element and cannot have children`, children[0]!);
    }
    for (const a of attrs) {
      const kind = attributeKind(a.name);
      if (!isValidAttributeName(a.name)) this.problem(`invalid attribute name :${a.name}`, a.key);
      else if (kind === "script" && !isLiteral(a.value)) this.problem(SCRIPT_ATTRIBUTE_MESSAGE(a.name), a.value);
      if (kind === "url" && a.value.kind === "str" && !isSafeUrl(a.value.value)) {
        this.problem(`unsafe URL in :${a.name}: ${print(a.value)} renders as ${UNSAFE_URL} (javascript:, vbscript: and non-image data: URLs are refused)`, a.value);
      }
      this.walk(a.value, scope);
    }
    if (!RAW_TEXT_ELEMENTS.has(tag)) {
      for (const c of children) this.constantChild(c, scope);
      return this.walkAll(children, scope);
    }
    // Only literal text and the element's embedding form; what is refused is still checked inside.
    const pieces = rawTextPieces(tag, children, scope, (message, at) => this.problem(message, at));
    const embedded = new Map<Node, Node>(pieces.flatMap((p) => ("embed" in p ? [[p.at, p.embed] as const] : [])));
    for (const c of children) this.walk(embedded.get(c) ?? c, scope);
  }

  /**
   * The compiler renders an element's constant children once, as it compiles
   * (see compileElement): a quoted symbol or map there, also as the one form
   * of a `do` (which compiles to that form), is an error already.
   */
  private constantChild(child: Node, scope: Scope | null): void {
    let c = child;
    for (;;) {
      if (c.kind !== "list" || c.value.length !== 2 || c.value[0]!.kind !== "sym") return;
      const head = c.value[0]!.value;
      if ((head !== "quote" && head !== "do") || scope?.resolve(head)) return;
      if (head === "do") c = c.value[1]!;
      else break;
    }
    try {
      renderChild(toData(c.value[1]!));
    } catch (e) {
      if (!(e instanceof SexpError)) throw e;
      this.problem(e.message, child);
    }
  }

  private componentCall(name: string, n: ListNode, scope: Scope | null): void {
    const { attrs, children } = this.splitArgs(n.value.slice(1), `${name} argument`);
    for (const a of attrs) this.walk(a.value, scope);
    this.walkAll(children, scope);
    const g = this.lookup(name);
    if (!g) return this.problem(unknownNameMessage(name, this.knownNames(scope)), n);
    if (g.kind !== "definition") return;
    const { def } = g;
    if (def.kind === "function" || def.kind === "value") return this.problem(`${name} is not a component`, n);
    if (def.kind !== "component" || !def.sig) return;
    const sig = def.sig;
    for (const a of attrs) if (!sig.keys.includes(a.name)) this.problem(unknownKeyMessage(name, a.name, sig.keys), n);
    if (children.length) {
      const childrenKey = sig.keys.includes("children");
      if (!childrenKey && sig.rest === null) this.problem(`${name} takes no children (declare &key children or &rest)`, n);
      else if (childrenKey && attrs.some((a) => a.name === "children")) this.problem(`${name}: children given both positionally and as :children`, n);
    }
  }
}


