/**
 * Static validation (`sexp check`, and the LLM output validator): finds the
 * mistakes the compiler or the runtime would report, and what the policy
 * refuses (policy.ts), without evaluating anything, and reports all of them
 * rather than the first.
 *
 * Forms are read by forms.ts, as the compiler reads them (same head
 * resolution, same scopes, same hoisting of internal defines, same
 * messages); this walk adds what only a look at the whole program can tell:
 * names nobody defines, calls that do not fit what they call, components
 * given keys or children they do not take, unsafe literal URLs, constant
 * children that cannot render, and the policy's rules.
 */
import { Analysis } from "./analyze.ts";
import type { CheckScope } from "./call-check.ts";
import { toData } from "./data.ts";
import { componentCallProblems, functionCallProblem, primitiveCallProblem, signatureOf, type Signature } from "./calls.ts";
import { SexpError, notAComponentMessage, unknownNameMessage, type Report } from "./errors.ts";
import { UNSAFE_URL, isSafeUrl } from "./escape.ts";
import {
  checkFunctionName,
  checkLocalDefine,
  hoistDefines,
  isLambdaForm,
  isLiteral,
  readCond,
  readDefcomp,
  readDefine,
  readDefroute,
  readHead,
  readIf,
  readKeywordAccess,
  readLambda,
  readLet,
  readQuote,
  readWhen,
  type Head,
  type LambdaForm,
  type ParamList,
} from "./forms.ts";
import { definitionsOf } from "./hash.ts";
import { renderChild } from "./html.ts";
import { readComponentCall, readElement, type Attribute } from "./markup-forms.ts";
import {
  app,
  attributeRefusal,
  definitionRefusal,
  elementRefusal,
  formRefusal,
  nestingRefusal,
  primitiveRefusal,
  sourceRefusal,
  type Policy,
} from "./policy.ts";
import { basePrimitives } from "./primitives/index.ts";
import { print } from "./printer.ts";
import { queryKey, readQuery, type QueryDef } from "./query.ts";
import { parse } from "./reader.ts";
import { routeParams } from "./route.ts";
import type { PrimitiveMeta, PrimitiveTable } from "./runtime.ts";
import { Scope, isLocal } from "./scope.ts";
import type { ListNode, Loc, Node } from "./types.ts";

/** One mistake found in the source, at the node it is about. */
export interface Problem {
  readonly loc: Loc;
  readonly message: string;
}

export interface CheckOptions {
  /** The primitives calls may use (default: the base set). Pass the host's registry to allow its I/O primitives. */
  registry?: PrimitiveTable;
  /** Forms of library files (`--lib`): their definitions are known; they are not checked themselves. */
  lib?: readonly Node[];
  /** Names bound at run time outside the checked forms (`--data` keys, host variables): known, of unknown value. */
  globals?: Iterable<string>;
  /** What is refused beyond the language's rules (default: `app`, nothing more; see policy.ts). */
  policy?: Policy;
}

export type { Signature } from "./calls.ts";

/**
 * Check top-level forms. Every problem is reported once, sorted by source
 * (in order of appearance), line and column.
 */
export function check(forms: readonly Node[], options: CheckOptions = {}): Problem[] {
  const policy = options.policy ?? app;
  // Parsed forms have no source text: their size is that of their canonical print.
  const tooBig = policy.limits.maxSourceBytes === null ? null : sourceRefusal(policy, printedBytes(forms));
  return checkForms(forms, options, tooBig && forms[0] ? [{ loc: locOf(forms[0]), message: tooBig }] : []);
}

/** Parse and check source text; a read error (or source over the policy's size) is reported as the one problem. */
export function checkSource(text: string, options: CheckOptions & { src?: string } = {}): Problem[] {
  const policy = options.policy ?? app;
  const tooBig = policy.limits.maxSourceBytes === null ? null : sourceRefusal(policy, utf8Bytes(text));
  if (tooBig) return [{ loc: { src: options.src ?? "<input>", line: 1, col: 1 }, message: tooBig }];
  let forms: Node[];
  try {
    forms = parse(text, { src: options.src });
  } catch (e) {
    if (e instanceof SexpError && e.loc) return [{ loc: e.loc, message: e.message }];
    throw e;
  }
  return checkForms(forms, options, []);
}

function checkForms(forms: readonly Node[], options: CheckOptions, problems: Problem[]): Problem[] {
  const policy = options.policy ?? app;
  const registry = options.registry ?? basePrimitives;
  const lib = options.lib ?? [];
  const known: Known = {
    registry,
    policy,
    globals: new Set(options.globals ?? []),
    definitions: new Map(),
    queries: new Map(),
    // What the library's definitions do, when the policy refuses some of it (a write through a library function).
    libEffects: Object.keys(policy.effects).length && lib.length ? new Analysis(definitionsOf(lib), registry) : null,
  };
  const deep = nestingRefusal(policy, forms);
  if (deep) problems.push({ loc: locOf(deep.at), message: deep.message });
  // Pass 1 collects every global definition (uses may come before definitions).
  const collector = new Walker(known, null);
  for (const form of lib) collector.top(form);
  for (const form of forms) collector.top(form);
  // Pass 2 checks the forms against them.
  const checker = new Walker(known, problems);
  for (const form of forms) checker.top(form);
  return sortProblems(problems, forms);
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

function locOf(n: Loc): Loc {
  return { src: n.src, line: n.line, col: n.col };
}

function utf8Bytes(text: string): number {
  return new TextEncoder().encode(text).length;
}

function printedBytes(forms: readonly Node[]): number {
  return forms.reduce((n, f, i) => n + (i ? 1 : 0) + utf8Bytes(print(f)), 0);
}

/** What a global definition (`define`, `defcomp`) tells the checker about a name. */
interface GlobalDefinition {
  /** The file it is defined in. */
  src?: string;
  /** `unknown`: defined, but nothing is known of its value (or it is defined twice, differently). */
  kind: "component" | "function" | "value" | "unknown";
  /** Lambda list of a function or component; null when it could not be read. */
  sig: Signature | null;
}

interface Known {
  readonly registry: PrimitiveTable;
  readonly policy: Policy;
  readonly globals: ReadonlySet<string>;
  readonly definitions: Map<string, GlobalDefinition>;
  /** Declared queries and actions, by `service/name`. */
  readonly queries: Map<string, QueryDef>;
  readonly libEffects: Analysis | null;
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
  | { readonly kind: "definition"; readonly def: GlobalDefinition }
  | { readonly kind: "global" }
  | { readonly kind: "primitive"; readonly meta: PrimitiveMeta };

/**
 * One walk over the forms. With `out === null` it only records global
 * definitions (pass 1); otherwise it reports problems into `out` (pass 2).
 */
class Walker {
  private readonly seen = new Set<string>();
  private readonly report: Report = (message, at) => this.problem(message, at);
  /** What primitives' call checks see (it reads `known` as it is when they ask). */
  private readonly callScope: CheckScope;
  constructor(
    private readonly known: Known,
    private readonly out: Problem[] | null,
  ) {
    this.callScope = checkScope(known);
  }

  top(form: Node): void {
    this.walk(form, null);
  }

  private problem(message: string, loc: Loc): void {
    if (!this.out) return;
    const key = `${loc.src}\0${loc.line}\0${loc.col}\0${message}`;
    if (this.seen.has(key)) return;
    this.seen.add(key);
    this.out.push({ loc: locOf(loc), message });
  }

  private define(name: string, def: GlobalDefinition): void {
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
    return p ? { kind: "primitive", meta: p.meta } : null;
  }

  /** Every name a symbol here could mean (for "did you mean"). */
  private knownNames(scope: Scope | null): Iterable<string> {
    return [...(scope?.allNames() ?? []), ...this.known.definitions.keys(), ...this.known.globals, ...this.known.registry.list().map((p) => p.name)];
  }

  /** The policy's word on using a global: a primitive, or a library definition, that does what it refuses. */
  private refuseGlobal(name: string, g: Global, at: Loc): void {
    const { policy, libEffects } = this.known;
    if (g.kind === "primitive") {
      const refusal = primitiveRefusal(policy, name, g.meta.effect);
      if (refusal) this.problem(refusal, at);
    } else if (g.kind === "definition" && libEffects) {
      const effects = libEffects.of(name);
      const refusal = effects && definitionRefusal(policy, name, effects.deep);
      if (refusal) this.problem(refusal, at);
    }
  }

  /** The policy's word on an element's attribute. */
  private refuseAttribute(a: Attribute): void {
    const refusal = this.out && attributeRefusal(this.known.policy, a);
    if (refusal) this.problem(refusal.message, refusal.at);
  }

  /** The policy's word on a list's head: a special form, or an element (or a global named like one, in any case), it refuses. */
  private refuseHead(n: ListNode, head: Head): void {
    const policy = this.known.policy;
    const element = head.kind === "element" ? head.tag : head.kind === "custom" || head.kind === "call" ? head.name : null;
    const refusal = head.kind === "special" ? formRefusal(policy, head.form) : element !== null ? elementRefusal(policy, element) : null;
    if (refusal) this.problem(refusal, n);
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
    if (isLocal(scope, name)) return;
    const g = this.lookup(name);
    if (g) return this.refuseGlobal(name, g, loc);
    this.problem(unknownNameMessage(name, this.knownNames(scope)), loc);
  }

  private list(n: ListNode, scope: Scope | null): void {
    if (n.value.length === 0) return;
    const head = readHead(n, scope, this.report);
    if (this.out) this.refuseHead(n, head);
    switch (head.kind) {
      case "element":
        return this.element(head.tag, n, scope);
      case "special":
        return this.special(head.form, n, scope);
      case "component":
        return this.componentCall(head.name, n, scope);
      case "custom": {
        // A call when a function of that name exists, as at run time.
        const g = this.lookup(head.name);
        if (!g) return this.element(head.name, n, scope);
        // A host global the host does not bind after all is an element when it runs: its attributes must pass too.
        if (g.kind === "global" && this.out) for (const a of readElement(head.name, n, scope, () => {}).attrs) this.refuseAttribute(a);
        return this.call(head.name, n, scope);
      }
      case "keyword":
        return this.walkAll(readKeywordAccess(head.key, n, this.report).exprs, scope);
      case "call":
        return head.name === null ? this.walkAll(n.value, scope) : this.call(head.name, n, scope);
    }
  }

  /** A call of a global function or primitive: the head must exist and the arguments fit. */
  private call(name: string, n: ListNode, scope: Scope | null): void {
    const args = n.value.slice(1);
    const g = this.lookup(name);
    // A primitive's leading name arguments are not variables (see PrimitiveMeta.names).
    const names = g?.kind === "primitive" ? g.meta.names : 0;
    this.walkAll(args.filter((a, i) => !(i < names && a.kind === "sym")), scope);
    if (!g) return this.problem(unknownNameMessage(name, this.knownNames(scope)), n.value[0]!);
    this.refuseGlobal(name, g, n.value[0]!);
    if (g.kind === "primitive") {
      const wrong = primitiveCallProblem(name, g.meta, args.length);
      if (wrong) this.problem(wrong, n);
      else if (g.meta.check && this.out) for (const p of g.meta.check(args, n, this.callScope)) this.problem(p.message, p.at);
    } else if (g.kind === "definition" && g.def.kind === "function" && g.def.sig) {
      const wrong = functionCallProblem(name, g.def.sig, args);
      if (wrong) this.problem(wrong, n);
    }
  }

  // -------------------------------------------------------------------------
  // Special forms (read by forms.ts, as the compiler reads them)

  private special(form: string, n: ListNode, scope: Scope | null): void {
    const report = this.report;
    switch (form) {
      case "quote":
        readQuote(n, report);
        return; // data: not checked
      case "if":
        readIf(n, report);
        return this.walkAll(n.value.slice(1), scope);
      case "when":
      case "unless": {
        const w = readWhen(n, report);
        if (!w) return;
        this.walk(w.test, scope);
        return this.body(w.body, scope);
      }
      case "cond":
        for (const c of readCond(n, report)) {
          if (c.test) this.walk(c.test, scope);
          this.body(c.body, scope);
        }
        return;
      case "let":
        return this.let(n, scope);
      case "lambda":
      case "fn":
        this.lambda(readLambda(n, report), scope);
        return;
      case "define":
        return this.defineForm(n, scope);
      case "do":
        return this.body(n.value.slice(1), scope);
      case "defcomp":
        return this.defcomp(n, scope);
      case "defroute":
        return this.defroute(n, scope);
      case "defquery":
      case "defaction": {
        // Its body is declarations and SQL, not expressions.
        const def = readQuery(n, report);
        if (def && !this.out) this.known.queries.set(queryKey(def.service, def.name), def);
        return;
      }
      default: // and, or, <>, raw!
        return this.walkAll(n.value.slice(1), scope);
    }
  }

  /** A body: internal defines are hoisted into the enclosing scope first (as the compiler does). */
  private body(forms: readonly Node[], scope: Scope | null): void {
    hoistDefines(forms, scope);
    this.walkAll(forms, scope);
  }

  private let(n: ListNode, scope: Scope | null): void {
    const form = readLet(n, this.report);
    if (!form) return;
    const inner = new Scope(scope);
    for (const b of form.bindings) {
      // Sequential: a binding's value sees the bindings before it, not itself.
      this.walkAll(b.values, inner);
      if (b.name !== null) inner.add(b.name);
    }
    this.body(form.body, inner);
  }

  /** A lambda list's names into `scope`, each `&key` default checked where it stands. */
  private params(params: ParamList, scope: Scope): void {
    for (const p of params.params) {
      if (p.default) this.walk(p.default, scope);
      if (p.name !== null) scope.add(p.name);
    }
  }

  /** A lambda; its signature, or null when it is malformed. */
  private lambda(form: LambdaForm | null, scope: Scope | null): Signature | null {
    if (!form) return null;
    const inner = new Scope(scope);
    this.params(form.params, inner);
    this.body(form.body, inner);
    return signatureOf(form.params);
  }

  private defineForm(n: ListNode, scope: Scope | null): void {
    const form = readDefine(n, this.report);
    if (!form) return this.walkAll(n.value.slice(2), scope);
    let def: GlobalDefinition;
    if (form.kind === "function") {
      def = { kind: "function", sig: this.lambda(form.lambda, scope) };
    } else {
      const [value, ...more] = form.values;
      if (isLambdaForm(value, scope)) {
        def = { kind: "function", sig: this.lambda(readLambda(value, this.report), scope) };
        checkFunctionName(form.name, form.target, this.report);
        this.walkAll(more, scope);
      } else {
        this.walkAll(form.values, scope);
        def = { kind: value && isLiteral(value) ? "value" : "unknown", sig: null };
      }
    }
    if (scope) {
      // So its uses are not reported as well.
      if (!checkLocalDefine(n, form.name, scope, this.report)) scope.add(form.name);
      return;
    }
    this.define(form.name, def);
  }

  private defcomp(n: ListNode, scope: Scope | null): void {
    const form = readDefcomp(n, this.report);
    if (!form) return;
    const inner = new Scope(scope);
    this.params(form.params, inner);
    this.body(form.body, inner);
    // A component is global wherever it is defined (a defcomp inside a let closes over it).
    if (form.named) this.define(form.name, { kind: "component", sig: form.ok ? signatureOf(form.params) : null, src: n.src });
  }

  private defroute(n: ListNode, scope: Scope | null): void {
    const form = readDefroute(n, this.report);
    if (!form) return;
    // The router runs the body with the pattern's :params bound.
    const inner = new Scope(scope);
    if (form.pattern !== null) for (const p of routeParams(form.pattern)) inner.add(p);
    this.body(form.body, inner);
  }

  // -------------------------------------------------------------------------
  // Markup

  private element(tag: string, n: ListNode, scope: Scope | null): void {
    const form = readElement(tag, n, scope, this.report);
    for (const a of form.attrs) {
      if (a.kind === "url" && a.value.kind === "str" && !isSafeUrl(a.value.value)) {
        this.problem(`unsafe URL in :${a.name}: ${print(a.value)} renders as ${UNSAFE_URL} (javascript:, vbscript: and non-image data: URLs are refused)`, a.value);
      }
      this.refuseAttribute(a);
      this.walk(a.value, scope);
    }
    if (form.rawText) {
      // Only literal text and the element's embedding form; what is refused is still checked inside.
      for (const p of form.rawText) if (!("text" in p)) this.walk("embed" in p ? p.embed : p.refused, scope);
      return;
    }
    for (const c of form.children) this.constantChild(c, scope);
    this.walkAll(form.children, scope);
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
      if ((head !== "quote" && head !== "do") || isLocal(scope, head)) return;
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
    const { attrs, children } = readComponentCall(name, n, this.report);
    for (const a of attrs) this.walk(a.value, scope);
    this.walkAll(children, scope);
    const g = this.lookup(name);
    if (!g) return this.problem(unknownNameMessage(name, this.knownNames(scope)), n);
    this.refuseGlobal(name, g, n);
    if (g.kind !== "definition") return;
    const { def } = g;
    if (def.kind === "function" || def.kind === "value") return this.problem(notAComponentMessage(name), n);
    if (def.kind !== "component" || !def.sig) return;
    for (const p of componentCallProblems(name, def.sig, attrs.map((a) => a.name), children.length)) this.problem(p, n);
  }
}
