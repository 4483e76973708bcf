/**
 * Validating what a model (or a person in the playground) wrote, before
 * anything renders it: the reader, then `check` with the untrusted policy
 * against the site (its components with their keys, its queries with their
 * parameters and types, through the registry's call checks), and exactly
 * one top-level form. Beyond the policy, generated content:
 *
 * - uses only the catalog's components, fragments and queries, when a
 *   catalog is given (it leaves out those told whose data to read, see
 *   catalog.ts);
 * - calls the primitives that take bare names (`query`, `frag`) only
 *   directly, never as values given to another function (`(apply query
 *   ...)` would name its query where no check sees it);
 * - puts nothing read from who is asking (`current-user`, `session-key`,
 *   cookies, headers: primitives of effect `user`) into a URL attribute or
 *   a component's keyword argument, where it could be sent to another site
 *   by a page the visitor did not write;
 * - has no keyword naming a JavaScript prototype property (`:__proto__`,
 *   `:constructor`, `:prototype`): nothing generated needs them, and a
 *   consumer of its data might read them.
 *
 * Every problem has a line and column, read errors included. Warnings do
 * not refuse anything: a literal price, date or count written as text where
 * a query has such a field is probably invented data (the page should show
 * the query's field).
 */
import { check } from "../check.ts";
import { SexpError } from "../errors.ts";
import { HTML_TAGS, attributeKind } from "../html-tags.ts";
import { untrusted, sourceRefusal, type Policy } from "../policy.ts";
import { MAX_NESTING, parse } from "../reader.ts";
import type { Env, PrimitiveTable } from "../runtime.ts";
import type { ListNode, Node } from "../types.ts";
import type { Catalog } from "./catalog.ts";
import { siteScope } from "./site.ts";
import "../env-accessors.ts";

/** A problem or warning, where it is in the text. */
export interface Positioned {
  readonly line: number;
  readonly col: number;
  readonly message: string;
}

export interface ValidateOptions {
  /** The site's primitives (its vocabulary). */
  readonly registry: PrimitiveTable;
  /** The site's evaluated environment: its components and queries. */
  readonly env: Env;
  /** Default `untrusted`. */
  readonly policy?: Policy;
  /**
   * The catalog: its components and queries are the only ones allowed (those
   * it left out are refused, saying why), and its queries' fields are what
   * the warnings about literal data look for (the environment's otherwise).
   */
  readonly catalog?: Catalog;
  /** The name positions are given in (default `<generated>`). */
  readonly src?: string;
  /**
   * Definition forms known beside the environment's (a federated document's
   * remote components): calls to them are checked with their keys; they are
   * not checked themselves (as `CheckOptions.lib`).
   */
  readonly lib?: readonly Node[];
}

export interface Validation {
  /** What was read (none when it did not read). */
  readonly forms: Node[];
  /** Everything that refuses the text, in order of position. */
  readonly problems: Positioned[];
  readonly warnings: Positioned[];
}

/** Keywords that name what every JavaScript object inherits. */
export const PROTOTYPE_KEYS: ReadonlySet<string> = new Set(["__proto__", "constructor", "prototype"]);

/** Read and check generated text against the site. */
export function validateGenerated(text: string, opts: ValidateOptions): Validation {
  const policy = opts.policy ?? untrusted;
  const src = opts.src ?? "<generated>";
  const tooBig = sourceRefusal(policy, new TextEncoder().encode(text).length);
  if (tooBig) return { forms: [], problems: [{ line: 1, col: 1, message: tooBig }], warnings: [] };
  let forms: Node[];
  try {
    forms = parse(text, { src, maxDepth: policy.limits.maxNesting ?? MAX_NESTING });
  } catch (e) {
    if (!(e instanceof SexpError) || !e.loc) throw e;
    return { forms: [], problems: [{ line: e.loc.line, col: e.loc.col, message: e.message }], warnings: [] };
  }
  const problems: Positioned[] = [];
  if (forms.length === 0) problems.push({ line: 1, col: 1, message: "no s-expression: answer with one form, like (div ...)" });
  if (forms.length > 1) {
    const second = forms[1]!;
    problems.push({ line: second.line, col: second.col, message: `${forms.length} top-level forms where one is expected: put them in one element, or in (<> ...)` });
  }
  const scope = siteScope(opts.env, opts.registry);
  const lib = opts.lib?.length ? [...scope.lib, ...opts.lib] : scope.lib;
  for (const p of check(forms, { registry: scope.registry, lib, policy })) problems.push({ line: p.loc.line, col: p.loc.col, message: p.message });
  for (const f of forms) prototypeKeys(f, problems);
  if (opts.catalog) outsideCatalog(forms, opts.catalog, problems);
  namedCallsAsValues(forms, scope.registry, problems);
  whoIsAsking(forms, scope.registry, problems);
  return { forms, problems: ordered(problems), warnings: ordered(literalData(forms, dataFields(opts, queriesCalled(forms)))) };
}

function ordered(list: Positioned[]): Positioned[] {
  const seen = new Set<string>();
  return list
    .filter((p) => {
      const key = `${p.line}:${p.col}:${p.message}`;
      return !seen.has(key) && (seen.add(key), true);
    })
    .sort((a, b) => a.line - b.line || a.col - b.col);
}

/** Keywords and map keys naming a prototype property, anywhere. */
function prototypeKeys(n: Node, out: Positioned[]): void {
  const pending = [n];
  for (let x = pending.pop(); x; x = pending.pop()) {
    if (x.kind === "kw" && PROTOTYPE_KEYS.has(x.value)) {
      out.push({ line: x.line, col: x.col, message: `:${x.value} is not allowed in generated content: it names a JavaScript object's prototype property` });
    } else if (x.kind === "map") {
      for (let i = 0; i < x.value.length; i += 2) {
        const k = x.value[i]!;
        if (k.kind === "str" && PROTOTYPE_KEYS.has(k.value)) out.push({ line: k.line, col: k.col, message: `the key "${k.value}" is not allowed in generated content: it names a JavaScript object's prototype property` });
      }
      pending.push(...x.value);
    } else if (x.kind === "list") pending.push(...x.value);
  }
}

/** Component and query calls of what the catalog left out (or never had). */
function outsideCatalog(forms: readonly Node[], catalog: Catalog, out: Positioned[]): void {
  const components = new Set(catalog.components.map((c) => c.name));
  const queries = new Set(catalog.queries.map((q) => `${q.service}/${q.name}`));
  // What the policy left out, `check` refuses itself.
  const why = new Map(catalog.excluded.filter((e) => e.by === "include").map((e) => [e.name, e.why]));
  const pending = [...forms];
  for (let n = pending.pop(); n; n = pending.pop()) {
    if (n.kind !== "list" && n.kind !== "map") continue;
    pending.push(...n.value);
    const [head, service, name] = n.value;
    if (n.kind !== "list" || head?.kind !== "sym") continue;
    if (head.value.startsWith("~") && !components.has(head.value) && why.has(head.value)) {
      out.push({ line: n.line, col: n.col, message: `${head.value} is not available to generated content: ${why.get(head.value)}` });
    } else if (head.value === "frag" && service?.kind === "sym" && name?.kind === "sym" && why.has(`~${name.value}`)) {
      out.push({ line: n.line, col: n.col, message: `fragment ${service.value}/${name.value} is not available to generated content: ${why.get(`~${name.value}`)}` });
    } else if (head.value === "query" && service?.kind === "sym" && name?.kind === "sym") {
      const key = `${service.value}/${name.value}`;
      if (!queries.has(key) && why.has(key)) out.push({ line: n.line, col: n.col, message: `query ${key} is not available to generated content: ${why.get(key)}` });
    }
  }
}

/** Primitives that take bare names (`query`, `frag`, `action`) anywhere but at the head of a call. */
function namedCallsAsValues(forms: readonly Node[], registry: PrimitiveTable, out: Positioned[]): void {
  const names = (name: string): number => registry.get(name)?.meta.names ?? 0;
  const pending = [...forms];
  for (let n = pending.pop(); n; n = pending.pop()) {
    if (n.kind === "sym" && names(n.value) > 0) {
      out.push({ line: n.line, col: n.col, message: `${n.value} may only be called directly in generated content, as (${n.value} service name ...), not given to another function` });
    } else if (n.kind === "map") pending.push(...n.value);
    else if (n.kind === "list") {
      const head = n.value[0];
      if (head?.kind === "sym" && head.value === "quote") continue;
      // The head and its bare names are the call's own.
      const skip = head?.kind === "sym" ? 1 + names(head.value) : 0;
      pending.push(...n.value.slice(skip));
      if (skip === 0 && head) pending.push(head);
    }
  }
}

/**
 * Values read from who is asking, followed through `let` and the functions
 * given to calls: refused in URL attributes and components' keyword
 * arguments. The value's source is named (the primitive that read it).
 */
function whoIsAsking(forms: readonly Node[], registry: PrimitiveTable, out: Positioned[]): void {
  const user = (name: string): string | null => (registry.get(name)?.meta.effect === "user" ? name : null);
  type Scope = ReadonlyMap<string, string | null>;
  const walk = (n: Node, scope: Scope): string | null => {
    if (n.kind === "sym") return scope.has(n.value) ? scope.get(n.value)! : user(n.value);
    if (n.kind === "map") return first(n.value.filter((_, i) => i % 2 === 1), scope);
    return n.kind === "list" ? list(n, scope) : null;
  };
  const first = (nodes: readonly Node[], scope: Scope): string | null => {
    let found: string | null = null;
    for (const x of nodes) found = walk(x, scope) ?? found;
    return found;
  };
  const list = (n: ListNode, scope: Scope): string | null => {
    const [head, ...args] = n.value;
    if (!head) return null;
    const name = head.kind === "sym" && !scope.has(head.value) ? head.value : null;
    if (name === "quote") return null;
    if (name === "let" && args[0]?.kind === "list") {
      const inner = new Map(scope);
      for (const b of args[0].value) {
        if (b.kind !== "list" || b.value[0]?.kind !== "sym") continue;
        inner.set(b.value[0].value, first(b.value.slice(1), inner));
      }
      return first(args.slice(1), inner);
    }
    if (name !== null && (HTML_TAGS.has(name) || name.startsWith("~"))) {
      let found: string | null = null;
      for (let i = 0; i < args.length; i++) {
        const a = args[i]!;
        const value = args[i + 1];
        if (a.kind !== "kw" || !value) {
          found = walk(a, scope) ?? found;
          continue;
        }
        i++;
        const source = walk(value, scope);
        found = source ?? found;
        if (source === null) continue;
        if (name.startsWith("~")) out.push({ line: value.line, col: value.col, message: `:${a.value} of ${name} is given what ${source} read (who is asking): in generated content it may only be shown as text, since a component may put it in a URL` });
        else if (attributeKind(a.value) === "url") out.push({ line: value.line, col: value.col, message: `:${a.value} is built from what ${source} read (who is asking): a URL in generated content must not carry it, since it could send it to another site` });
      }
      return found;
    }
    // A call (or fn): the functions among the arguments get the other arguments as their parameters.
    const fns = args.filter(isFn);
    const plain = args.filter((a) => !isFn(a));
    if (name === "fn" || name === "lambda") return first(args.slice(1), scope);
    const given = (name !== null ? user(name) : walk(head, scope)) ?? first(plain, scope);
    let found = given;
    for (const f of fns) {
      const inner = new Map(scope);
      const params = f.value[1];
      if (params?.kind === "list") for (const p of params.value) if (p.kind === "sym") inner.set(p.value, given);
      found = first(f.value.slice(2), inner) ?? found;
    }
    return found;
  };
  for (const f of forms) walk(f, new Map());
}

function isFn(n: Node): n is ListNode {
  return n.kind === "list" && n.value[0]?.kind === "sym" && (n.value[0].value === "fn" || n.value[0].value === "lambda");
}

// ---------------------------------------------------------------------------
// Literal data where a query has it

type DataKind = "price" | "date" | "count";

interface DataField {
  /** `service/name :field`, to point at. */
  readonly where: string;
  readonly kind: DataKind;
}

/** The kind of data a shape field holds, from its name and type; null for other fields. */
function fieldKind(name: string, type: string): DataKind | null {
  if (/price|cost|amount|fee|pence|cents|total/i.test(name)) return "price";
  if (type === "timestamp" || type === "date" || /(^|_)(date|at|on|day|time|starts?|ends?)(_|$)/i.test(name)) return "date";
  if ((type === "int" || type === "number") && /count|stock|quantity|qty|seats|places|capacity|remaining|available/i.test(name)) return "count";
  return null;
}

/** `service/name` of every `(query service name ...)` in the forms. */
function queriesCalled(forms: readonly Node[]): Set<string> {
  const out = new Set<string>();
  const visit = (n: Node): void => {
    if (n.kind !== "list" && n.kind !== "map") return;
    const [head, service, name] = n.value;
    if (n.kind === "list" && head?.kind === "sym" && head.value === "query" && service?.kind === "sym" && name?.kind === "sym") out.add(`${service.value}/${name.value}`);
    n.value.forEach(visit);
  };
  forms.forEach(visit);
  return out;
}

/** The first field of each kind among the queries: those the forms call first, then the others (by service, name, then shape order). */
function dataFields(opts: ValidateOptions, called: ReadonlySet<string>): Map<DataKind, DataField> {
  const queries = opts.catalog
    ? opts.catalog.queries.map((q) => ({ service: q.service, name: q.name, fields: q.fields }))
    : opts.env
        .allQueries()
        .filter((q) => q.kind === "query")
        .map((q) => ({ service: q.service, name: q.name, fields: [...q.shape].map(([name, type]) => ({ name, type })) }))
        .sort((a, b) => (a.service + "/" + a.name < b.service + "/" + b.name ? -1 : 1));
  const out = new Map<DataKind, DataField>();
  const first = (q: { service: string; name: string }) => (called.has(`${q.service}/${q.name}`) ? 0 : 1);
  for (const q of [...queries].sort((a, b) => first(a) - first(b))) {
    for (const f of q.fields) {
      const kind = fieldKind(f.name, f.type);
      if (kind && !out.has(kind)) out.set(kind, { kind, where: `${q.service}/${q.name} :${f.name}` });
    }
  }
  return out;
}

const MONTH = "(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\\.?";
const PATTERNS: Readonly<Record<DataKind, RegExp>> = {
  price: /[£$€¥]\s?\d[\d,]*(?:\.\d{1,2})?|\b\d[\d,]*(?:\.\d{1,2})?\s?(?:GBP|USD|EUR|pence)\b|\b\d+p\b/i,
  date: new RegExp(`\\b\\d{4}-\\d{2}-\\d{2}\\b|\\b\\d{1,2}/\\d{1,2}/\\d{2,4}\\b|\\b\\d{1,2}(?:st|nd|rd|th)?\\s+${MONTH}(?:\\s+\\d{4})?(?![a-z])|\\b${MONTH}\\s+\\d{1,2}(?:st|nd|rd|th)?\\b(?:,?\\s+\\d{4})?`, "i"),
  count: /\b\d+\s+(?:in stock|left|remaining|available|items?|products?|results?|tickets?|places?|seats?|spaces?|posts?|events?|comments?|orders?)\b/i,
};

/** Attributes that name or classify rather than show. */
const NAMING_ATTRIBUTES: ReadonlySet<string> = new Set(["class", "id", "name", "for", "type", "role", "method", "target", "rel", "hx-target", "hx-swap", "hx-select"]);

/**
 * Strings written as data (children, arguments, keyword arguments and shown
 * attributes; not query parameters, URLs or names) that look like a price, a
 * date or a count, when some query has a field of that kind.
 */
function literalData(forms: readonly Node[], fields: ReadonlyMap<DataKind, DataField>): Positioned[] {
  const out: Positioned[] = [];
  if (!fields.size) return out;
  const visit = (n: Node): void => {
    if (n.kind === "str") {
      for (const [kind, field] of fields) {
        const m = PATTERNS[kind].exec(n.value);
        if (m) out.push({ line: n.line, col: n.col, message: `literal ${kind} ${JSON.stringify(m[0])} — show the query's field instead (${field.where})` });
      }
      return;
    }
    if (n.kind !== "list" && n.kind !== "map") return;
    const head = n.value[0];
    if (n.kind === "map" || (head?.kind === "sym" && (head.value === "query" || head.value === "quote"))) return;
    const element = head?.kind === "sym" && HTML_TAGS.has(head.value);
    for (let i = 1; i < n.value.length; i++) {
      const x = n.value[i]!;
      // An element's URLs and names are not shown: a date in a link's path is an address, not data.
      if (element && x.kind === "kw" && i + 1 < n.value.length && (attributeKind(x.value) === "url" || NAMING_ATTRIBUTES.has(x.value))) {
        i++;
        continue;
      }
      visit(x);
    }
    if (head && head.kind === "list") visit(head);
  };
  for (const f of forms) visit(f);
  return out;
}
