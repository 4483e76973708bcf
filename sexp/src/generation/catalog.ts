/**
 * The catalog: everything a generated s-expression may use, read from the
 * registries and never written by hand: the primitives the policy allows
 * (signature, description, examples), the site's components (keywords with
 * defaults, whether they take children, an example call), its named queries
 * (typed parameters, result, shape, example call), and the elements,
 * attributes and special forms generated content may write.
 *
 * `text` is the catalog as s-expressions, one form per entry, which the
 * reader reads back; the model is shown it, and `hash` (SHA3-256 of the
 * text) names it: the system prompt, the grammar and cached generations are
 * kept by it. Everything is sorted, so the same registry and environment
 * give the same text and hash.
 */
import { Analysis } from "../analyze.ts";
import { definitionOf, readDefcomp, SPECIAL_FORMS } from "../forms.ts";
import { sha3Hex } from "../hash.ts";
import { HTML_TAGS, attributeKind } from "../html-tags.ts";
import { definitionRefusal, primitiveRefusal, untrusted, type Policy } from "../policy.ts";
import { print, printString, printValue } from "../printer.ts";
import type { ParamType, QueryDef } from "../query.ts";
import { parse } from "../reader.ts";
import type { Env, PrimitiveMeta, PrimitiveTable } from "../runtime.ts";
import type { Node } from "../types.ts";
import "../env-accessors.ts";

/** A primitive as the catalog shows it: its metadata without the checks and code. */
export type CatalogPrimitive = Pick<PrimitiveMeta, "name" | "params" | "doc" | "examples" | "io" | "effect" | "names">;

export interface CatalogComponentKey {
  readonly name: string;
  /** The default as written (printed), when it has one. */
  readonly default?: string;
}

export interface CatalogComponent {
  /** With its `~`. */
  readonly name: string;
  /** Keyword parameters in declaration order, without `children`. */
  readonly keys: readonly CatalogComponentKey[];
  /** Whether it takes children (`&key children` or `&rest`). */
  readonly children: boolean;
  readonly doc?: string;
  /** An example call, as s-expression text: a use in the site's own code, or one made from its keys. */
  readonly example: string;
}

export interface CatalogQueryParam {
  readonly name: string;
  readonly type: ParamType;
  /** It has a default, so a call may leave it out. */
  readonly optional: boolean;
}

export interface CatalogQuery {
  readonly service: string;
  readonly name: string;
  readonly doc: string;
  readonly params: readonly CatalogQueryParam[];
  /** `one`, `many` or `value`. */
  readonly returns: string;
  /** The declared shape as written, e.g. `{:id :int :name :text}`, when there is one. */
  readonly shape?: string;
  /** The shape's fields with their type names, in declaration order. */
  readonly fields: readonly { readonly name: string; readonly type: string }[];
  /** An example call, as s-expression text. */
  readonly example: string;
}

/**
 * An attribute generated markup may carry: `data` takes any value, `url` a
 * safe URL (literal or computed), `path` only a literal path on this site
 * (htmx requests and form actions under the untrusted policy).
 */
export interface CatalogAttribute {
  readonly name: string;
  readonly kind: "data" | "url" | "path";
}

/** A component or query left out of the catalog, and why. */
export interface CatalogExclusion {
  readonly kind: "component" | "query";
  /** `~name`, or `service/name`. */
  readonly name: string;
  readonly why: string;
  /**
   * Left out by the policy (which `check` enforces itself), or by
   * `CatalogInput.include` or the query's own `:private` (which
   * `validateGenerated` enforces with the catalog).
   */
  readonly by: "policy" | "include";
}

export interface Catalog {
  /** The policy the catalog was made for (`untrusted` unless told). */
  readonly policy: string;
  readonly primitives: readonly CatalogPrimitive[];
  readonly components: readonly CatalogComponent[];
  readonly queries: readonly CatalogQuery[];
  /** HTML elements the policy allows, sorted. */
  readonly elements: readonly string[];
  readonly attributes: readonly CatalogAttribute[];
  /** Special forms the policy allows, sorted. */
  readonly forms: readonly string[];
  /** The whole catalog as s-expression text, one form per entry. */
  readonly text: string;
  /** SHA3-256 of `text`, 64 hex digits. */
  readonly hash: string;
  /** The components and queries generated content may not use (not in `text`), with why. */
  readonly excluded: readonly CatalogExclusion[];
}

/** What `CatalogInput.include` is asked about. */
export interface CatalogEntry {
  readonly kind: "component" | "query";
  /** `~name`, or `service/name`. */
  readonly name: string;
  /** A query's parameters, a component's keywords. */
  readonly params: readonly string[];
  /** A query's shape fields (none for a component). */
  readonly fields: readonly string[];
}

export interface CatalogInput {
  /** The primitives (a Registry): the site's vocabulary. */
  readonly registry: PrimitiveTable;
  /** The site's evaluated environment: its components and queries. */
  readonly env: Env;
  /** What generated content may do (default: `untrusted`). */
  readonly policy?: Policy;
  /**
   * Which components and queries generated content may use: null to keep
   * one, or why not. Default `privateEntry`: none that is told whose data to
   * read, or returns secrets. A query that says it is `:private "why"` is
   * left out whatever this would say, with its reason (not asked).
   */
  readonly include?: (entry: CatalogEntry) => string | null;
}

/** Parameters that say whose data to read: a page written for anyone must not choose them. */
const IDENTITY = /^(?:user_id|user-id|session_key|session-key|session_id|sid|email)$/;
/** Fields that hold secrets. */
const SECRET = /password|secret|token|api_?key/i;

/**
 * Why generated content may not use a component or query, or null: it takes
 * whose data to read (a user id, a session key, an email address), so a page
 * could show anyone's orders or cart; or its rows hold secrets (a password
 * hash). Such a query is for the site's own routes, which pass who is asking.
 * (A query that says so itself, with `:private "why"`, is left out by
 * `buildCatalog` before this is asked.)
 */
export function privateEntry(entry: CatalogEntry): string | null {
  const who = entry.params.find((p) => IDENTITY.test(p));
  if (who) return `it is told whose data to read (:${who}); only the site's own pages, which know who is asking, may say`;
  const secret = entry.fields.find((f) => SECRET.test(f));
  if (secret) return `its rows hold a secret (:${secret})`;
  return null;
}

/**
 * Attributes generated markup may write: the common HTML ones and the htmx
 * ones that only name or fetch things. Those that can run script are left
 * out whatever the policy, and the policy decides the rest (see
 * `catalogAttributes`).
 */
export const GENERATED_ATTRIBUTES: readonly string[] = [
  "action", "alt", "aria-current", "aria-describedby", "aria-expanded", "aria-hidden", "aria-label", "checked", "class",
  "cols", "colspan", "datetime", "dir", "disabled", "download", "for", "formaction", "height", "hidden", "href", "hx-get",
  "hx-post", "hx-push-url", "hx-select", "hx-swap", "hx-target", "id", "lang", "loading", "max", "maxlength", "method",
  "min", "multiple", "name", "open", "placeholder", "readonly", "rel", "required", "reversed", "role", "rows", "rowspan",
  "scope", "selected", "src", "start", "step", "style", "tabindex", "target", "title", "type", "value", "width",
];

/** The catalog of what content checked under `policy` may use from this registry and environment. */
export function buildCatalog(input: CatalogInput): Catalog {
  const policy = input.policy ?? untrusted;
  const include = input.include ?? privateEntry;
  const excluded: CatalogExclusion[] = [];
  const primitives = catalogPrimitives(input.registry, policy);
  const components = catalogComponents(input.env, input.registry, policy, excluded).filter((c) => {
    const why = include({ kind: "component", name: c.name, params: c.keys.map((k) => k.name), fields: [] });
    if (why !== null) excluded.push({ kind: "component", name: c.name, why, by: "include" });
    return why === null;
  });
  const queries = catalogQueries(input.env)
    .filter(([def, q]) => {
      const name = `${q.service}/${q.name}`;
      // A query's own `:private` stands, whatever `include` would say.
      const why = def.private ?? include({ kind: "query", name, params: q.params.map((p) => p.name), fields: q.fields.map((f) => f.name) });
      if (why !== null) excluded.push({ kind: "query", name, why, by: "include" });
      return why === null;
    })
    .map(([, q]) => q);
  const elements = [...HTML_TAGS].filter((t) => !Object.hasOwn(policy.elements, t)).sort(compare);
  const attributes = catalogAttributes(policy);
  const forms = [...SPECIAL_FORMS].filter((f) => !Object.hasOwn(policy.forms, f)).sort(compare);
  const text = catalogText({ policy: policy.name, primitives, components, queries, elements, attributes, forms });
  return { policy: policy.name, primitives, components, queries, elements, attributes, forms, text, hash: sha3Hex(text), excluded };
}

/** Every primitive the policy allows, by name. */
function catalogPrimitives(registry: PrimitiveTable, policy: Policy): CatalogPrimitive[] {
  return registry
    .list()
    .filter((p) => primitiveRefusal(policy, p.name, p.meta.effect) === null)
    .map(({ meta }) => ({ name: meta.name, params: meta.params, doc: meta.doc, examples: meta.examples, io: meta.io, effect: meta.effect, names: meta.names }))
    .sort((a, b) => compare(a.name, b.name));
}

/** The components defined in the environment that the policy allows (none that writes, even through what it calls), by name. */
function catalogComponents(env: Env, registry: PrimitiveTable, policy: Policy, excluded: CatalogExclusion[]): CatalogComponent[] {
  const definitions = env.allDefinitions();
  const analysis = Object.keys(policy.effects).length ? new Analysis(definitions, registry) : null;
  const uses = componentUses(env, definitions, registry);
  const out: CatalogComponent[] = [];
  for (const [name, form] of definitions) {
    if (definitionOf(form)?.kind !== "component" || form.kind !== "list") continue;
    const effects = analysis?.of(name);
    const refused = effects && definitionRefusal(policy, name, effects.deep);
    if (refused) {
      excluded.push({ kind: "component", name, why: refused, by: "policy" });
      continue;
    }
    const c = readDefcomp(form, () => {});
    if (!c || !c.named || !c.ok) continue;
    const keys: CatalogComponentKey[] = [];
    for (const p of c.params.params) {
      if (p.kind !== "key" || p.name === null || p.name === "children") continue;
      keys.push(p.default ? { name: p.name, default: print(p.default) } : { name: p.name });
    }
    const children = c.params.rest !== null || c.params.keys.includes("children");
    const docNode = form.value[2];
    const doc = docNode?.kind === "str" && form.value.length > 3 ? docNode.value : undefined;
    const example = uses.get(name) ?? madeUpCall(name, keys, children);
    out.push(doc === undefined ? { name, keys, children, example } : { name, keys, children, doc, example });
  }
  return out.sort((a, b) => compare(a.name, b.name));
}

/** Examples longer than this are made up from the keys instead. */
const MAX_EXAMPLE = 160;

/**
 * The shortest call of each component in the site's own code (definitions
 * and routes), printed; ties go to the first in code-unit order. Calls that
 * name data by reading it there (a query, a fragment, the session) are not
 * examples to follow.
 */
function componentUses(env: Env, definitions: ReadonlyMap<string, Node>, registry: PrimitiveTable): Map<string, string> {
  const best = new Map<string, string>();
  const visit = (n: Node): void => {
    if (n.kind !== "list" && n.kind !== "map") return;
    const head = n.value[0];
    if (n.kind === "list" && head?.kind === "sym" && head.value.startsWith("~") && !readsData(n, registry)) {
      const text = print(n);
      const prev = best.get(head.value);
      if (text.length <= MAX_EXAMPLE && (prev === undefined || text.length < prev.length || (text.length === prev.length && text < prev))) best.set(head.value, text);
    }
    for (const c of n.value) visit(c);
  };
  for (const form of definitions.values()) visit(form);
  for (const route of env.routes) visit(route.form);
  return best;
}

/** Whether a form calls a primitive that reads by name (query, frag), reads who is asking or writes. */
function readsData(n: Node, registry: PrimitiveTable): boolean {
  if (n.kind === "sym") {
    const meta = registry.get(n.value)?.meta;
    return meta !== undefined && (meta.names > 0 || meta.effect !== null);
  }
  return (n.kind === "list" || n.kind === "map") && n.value.some((x) => readsData(x, registry));
}

/** `(~name :key key ...)`, with defaults as given and a paragraph for children. */
function madeUpCall(name: string, keys: readonly CatalogComponentKey[], children: boolean): string {
  const parts = [name];
  for (const k of keys) parts.push(`:${k.name}`, k.default ?? k.name);
  if (children) parts.push('(p "...")');
  return `(${parts.join(" ")})`;
}

/** The named queries (not actions) visible in the environment, by service and name: each definition, and the query as the catalog shows it. */
function catalogQueries(env: Env): [QueryDef, CatalogQuery][] {
  return env
    .allQueries()
    .filter((q) => q.kind === "query")
    .sort((a, b) => compare(a.service, b.service) || compare(a.name, b.name))
    .map((q): [QueryDef, CatalogQuery] => [q, catalogQuery(q)]);
}

/** A query as the catalog shows it: typed parameters, what it returns, its shape and an example call. */
function catalogQuery(q: QueryDef): CatalogQuery {
  const fields = [...q.shape].map(([name, type]) => ({ name, type }));
  const base = {
    service: q.service,
    name: q.name,
    doc: q.doc,
    params: q.params.map((p) => ({ name: p.name, type: p.type, optional: p.default !== undefined })),
    returns: q.returns,
    fields,
    example: queryExample(q),
  };
  return fields.length ? { ...base, shape: `{${fields.map((f) => `:${f.name} :${f.type}`).join(" ")}}` } : base;
}

/** A literal of each parameter type, for calls made up from the declaration. */
export const TYPE_EXAMPLES: Readonly<Record<ParamType, string>> = {
  text: '"text"',
  int: "1",
  number: "1.5",
  bool: "true",
  timestamp: '"2026-01-01T00:00:00Z"',
};

/** The call its `:example` describes; without one, a call with its required parameters. */
function queryExample(q: QueryDef): string {
  const parts = ["query", q.service, q.name];
  if (q.example.size) for (const [k, v] of q.example) parts.push(`:${k}`, printValue(v));
  else for (const p of q.params) if (p.default === undefined) parts.push(`:${p.name}`, TYPE_EXAMPLES[p.type]);
  return `(${parts.join(" ")})`;
}

/**
 * GENERATED_ATTRIBUTES as the policy sees them: none that can run script
 * or that the policy refuses whatever the value; the policy's same-origin
 * ones take a literal path; none holding URL lists, and no `style` where the
 * policy wants it literal (`:class` does that job).
 */
export function catalogAttributes(policy: Policy): CatalogAttribute[] {
  const out: CatalogAttribute[] = [];
  for (const name of GENERATED_ATTRIBUTES) {
    const kind = attributeKind(name);
    if (kind === "script" || Object.hasOwn(policy.attributes, name) || policy.urlLists.includes(name) || (name === "style" && policy.literalStyle)) continue;
    out.push({ name, kind: Object.hasOwn(policy.sameOrigin, name) ? "path" : kind });
  }
  return out.sort((a, b) => compare(a.name, b.name));
}

type CatalogParts = Omit<Catalog, "text" | "hash" | "excluded">;

/** The catalog as s-expression text: a header, then one form per entry. */
function catalogText(c: CatalogParts): string {
  const lines = [`(catalog :policy ${name(c.policy)})`];
  for (const p of c.primitives) {
    const parts = ["primitive", name(p.name), printString(p.params), printString(p.doc)];
    if (p.io) parts.push(":io", "true");
    if (p.effect) parts.push(":effect", `:${p.effect}`);
    for (const [code, result] of p.examples) parts.push(formText(code), "=>", formText(result));
    lines.push(`(${parts.join(" ")})`);
  }
  for (const comp of c.components) {
    const parts = ["component", name(comp.name), `(${comp.keys.map((k) => `:${k.name}`).join(" ")})`];
    if (comp.doc !== undefined) parts.push(printString(comp.doc));
    const defaults = comp.keys.filter((k) => k.default !== undefined);
    if (defaults.length) parts.push(":defaults", `{${defaults.map((k) => `:${k.name} ${formText(k.default!)}`).join(" ")}}`);
    if (comp.children) parts.push(":children", "true");
    parts.push(":example", formText(comp.example));
    lines.push(`(${parts.join(" ")})`);
  }
  for (const q of c.queries) {
    const params = q.params.map((p) => `:${p.name} :${p.type}${p.optional ? "?" : ""}`).join(" ");
    const parts = ["query", name(q.service), name(q.name), `(${params})`];
    if (q.doc) parts.push(printString(q.doc));
    parts.push(":returns", `:${q.returns}`);
    if (q.shape !== undefined) parts.push(":shape", q.shape);
    parts.push(":example", formText(q.example));
    lines.push(`(${parts.join(" ")})`);
  }
  lines.push(`(elements ${c.elements.map(name).join(" ")})`);
  const kinds = (["data", "url", "path"] as const).map((k) => [k, c.attributes.filter((a) => a.kind === k)] as const).filter(([, as]) => as.length);
  lines.push(`(attributes ${kinds.map(([k, as]) => `(${k} ${as.map((a) => `:${a.name}`).join(" ")})`).join(" ")})`);
  lines.push(`(forms ${c.forms.map(name).join(" ")})`);
  return lines.join("\n") + "\n";
}

/** A name as a symbol when it reads back as that symbol, else as a string. */
function name(s: string): string {
  const forms = tryParse(s);
  return forms?.length === 1 && forms[0]!.kind === "sym" && forms[0]!.value === s ? s : printString(s);
}

/** Code as its canonical form when it is exactly one form, else as a string. */
function formText(code: string): string {
  const forms = tryParse(code);
  return forms?.length === 1 ? print(forms[0]!) : printString(code);
}

function tryParse(text: string): Node[] | null {
  try {
    return parse(text, { src: "<catalog>" });
  } catch {
    return null;
  }
}

/** Code-unit order, independent of locale. */
export function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
