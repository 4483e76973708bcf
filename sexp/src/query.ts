/**
 * Named, parameterized queries, declared in s-expressions:
 *
 *   (defquery blog post-by-slug (&key slug)
 *     "One published post, by its slug."
 *     :params {:slug :text}
 *     :returns :one
 *     :shape {:id :int :slug :text :title :text}
 *     :example {:slug "apple-day"}
 *     :sql "SELECT id, slug, title FROM posts WHERE slug = :slug AND published")
 *
 * `(defaction cart add-item (&key ...) ...)` has the same form and declares a
 * statement that changes data; hosts run actions only from POST routes. An
 * action may name the tables it writes, `:writes (orders products)`, where
 * its SQL does not show them (a call of a database function).
 *
 * Either may say it is not for generated pages, and why: `:private "it
 * lists who follows this instance: operators only"`. The LLM catalog leaves
 * it out with that reason, so a model-written page (or a federated
 * document) may not call it; the site's own code may.
 *
 * The SQL's `:name` placeholders become `$1..$n` when the form is compiled;
 * values are only ever bound as parameters, never spliced into the text. The
 * declaration (parameters with types, result shape, example) is what the LLM
 * catalog and the checker read. Running a query is the host's job (an I/O
 * primitive); this module validates and binds.
 */
import { toData } from "./data.ts";
import { DeclarationKind, type Declarations } from "./declarations.ts";
import { EvalError, unknownKeyMessage, type Report } from "./errors.ts";
import { printValue } from "./printer.ts";
import { Keyword, typeName, type ListNode, type Loc, type Node, type Value } from "./types.ts";

export const PARAM_TYPES = ["text", "int", "number", "bool", "timestamp"] as const;
export type ParamType = (typeof PARAM_TYPES)[number];
export const RETURNS = ["one", "many", "value", "none"] as const;
export type Returns = (typeof RETURNS)[number];

export interface QueryParam {
  readonly name: string;
  readonly type: ParamType;
  /** Literal default, or undefined when the parameter is required. */
  readonly default: Value | undefined;
}

export interface QueryDef {
  /** A query reads (`defquery`); an action changes data (`defaction`) and runs only from POST routes. */
  readonly kind: "query" | "action";
  readonly service: string;
  readonly name: string;
  readonly doc: string;
  readonly params: readonly QueryParam[];
  readonly returns: Returns;
  /** Column name -> type name, as declared. */
  readonly shape: ReadonlyMap<string, string>;
  readonly example: ReadonlyMap<string, Value>;
  /** The tables an action declares it writes (`:writes`), or null when its SQL says. */
  readonly writes: readonly string[] | null;
  /** Why it is not for generated pages (`:private "why"`): the catalog leaves it out with this reason; null when it may be listed. */
  readonly private: string | null;
  /** The SQL with `$n` placeholders. */
  readonly sql: string;
  /** The parameter bound to each `$n`, in order. */
  readonly order: readonly string[];
  /** The SQL text around each placeholder, and each placeholder's parameter number (1-based), for `numberedSql`. */
  readonly parts: readonly string[];
  readonly slots: readonly number[];
  readonly loc: Loc;
}

/** `service/name`, the key a query is registered under. */
export function queryKey(service: string, name: string): string {
  return `${service}/${name}`;
}

/** The queries and actions of an environment, by `service/name`. */
export const QUERIES = new DeclarationKind<QueryDef>("query");

/** Record a query or action (again under the same name: replaced). */
export function declareQuery(declarations: Declarations, def: QueryDef): void {
  declarations.set(QUERIES, queryKey(def.service, def.name), def);
}

/** The query or action `service/name` visible in these declarations. */
export function queryOf(declarations: Declarations, service: string, name: string): QueryDef | undefined {
  return declarations.get(QUERIES, queryKey(service, name));
}

/** Read a `defquery`/`defaction` form: its definition, or null after reporting its first mistake. */
export function readQuery(form: ListNode, report: Report): QueryDef | null {
  try {
    return compileQuery(form);
  } catch (e) {
    if (!(e instanceof EvalError) || !e.loc) throw e;
    report(e.message, e.loc);
    return null;
  }
}

/** Validate a `(defquery ...)` form and turn it into a definition (errors carry positions). */
export function compileQuery(form: ListNode): QueryDef {
  const [head, serviceNode, nameNode, paramList, ...rest] = form.value;
  const kind = head?.value === "defaction" ? "action" : "query";
  // Annotated so the compiler narrows after a call.
  const fail: (message: string, at?: Loc) => never = (message, at = form) => {
    throw new EvalError(message, { src: at.src, line: at.line, col: at.col });
  };
  if (serviceNode?.kind !== "sym" || nameNode?.kind !== "sym") fail(`def${kind} needs a service and a name: (def${kind} blog post-by-slug (&key slug) ... :sql "...")`);
  const service = serviceNode!.value as string;
  const name = nameNode!.value as string;
  const what = `${kind} ${service}/${name}`;

  // (&key a (b default)) — defaults are literals: they are bound as SQL parameters.
  if (paramList?.kind !== "list") fail(`${what}: expected a parameter list (&key ...)`, paramList ?? form);
  const names: string[] = [];
  const defaults = new Map<string, Value>();
  paramList.value.forEach((p: Node, i: number) => {
    if (i === 0) {
      if (p.kind !== "sym" || p.value !== "&key") fail(`${what}: query parameters are keyword parameters: (&key ...)`, p);
      return;
    }
    if (p.kind === "sym") names.push(p.value);
    else if (p.kind === "list" && p.value.length === 2 && p.value[0]!.kind === "sym" && isLiteral(p.value[1]!)) {
      names.push(p.value[0]!.value as string);
      defaults.set(p.value[0]!.value as string, toData(p.value[1]!));
    } else fail(`${what}: a parameter is a name or (name literal-default)`, p);
  });

  let doc = "";
  let i = 0;
  if (rest[0]?.kind === "str") doc = rest[i++]!.value as string;
  const options = new Map<string, Node>();
  for (; i < rest.length; i += 2) {
    const key = rest[i]!;
    const value = rest[i + 1];
    if (key.kind !== "kw" || !value) fail(`${what}: expected :params, :returns, :shape, :example, :writes, :private or :sql followed by a value`, key);
    if (!["params", "returns", "shape", "example", "writes", "private", "sql"].includes(key.value as string)) fail(`${what}: unknown option :${key.value}`, key);
    options.set(key.value as string, value!);
  }

  const params = mapEntries(options.get("params"), what, ":params").map(([param, t]): QueryParam => {
    if (!names.includes(param)) fail(`${what}: :params declares ${param}, which is not in the parameter list`, t);
    if (t.kind !== "kw" || !(PARAM_TYPES as readonly string[]).includes(t.value as string)) fail(`${what}: the type of ${param} must be one of ${PARAM_TYPES.map((x) => ":" + x).join(" ")}`, t);
    return { name: param, type: t.value as ParamType, default: defaults.get(param) };
  });
  for (const n of names) if (!params.some((p) => p.name === n)) fail(`${what}: parameter ${n} has no type in :params`, paramList!);

  const returnsNode = options.get("returns");
  const returns = (returnsNode?.kind === "kw" ? returnsNode.value : "many") as Returns;
  if (!(RETURNS as readonly string[]).includes(returns)) fail(`${what}: :returns must be one of ${RETURNS.map((x) => ":" + x).join(" ")}`, returnsNode);
  const shape = new Map(mapEntries(options.get("shape"), what, ":shape").map(([k, t]) => [k, t.kind === "kw" ? (t.value as string) : fail(`${what}: shape types are keywords`, t)]));
  const example = new Map(mapEntries(options.get("example"), what, ":example").map(([k, v]) => [k, toData(v)]));

  const writesNode = options.get("writes");
  let writes: string[] | null = null;
  if (writesNode) {
    if (kind !== "action") fail(`${what}: only an action writes (:writes is for defaction)`, writesNode);
    if (writesNode.kind !== "list" || writesNode.value.some((t) => t.kind !== "sym")) fail(`${what}: :writes is a list of table names, e.g. (orders products)`, writesNode);
    writes = writesNode.value.map((t) => t.value as string);
  }

  const privateNode = options.get("private");
  if (privateNode && (privateNode.kind !== "str" || privateNode.value.trim() === "")) {
    fail(`${what}: :private says why generated pages may not use it, as a string, e.g. :private "operators only: it lists who follows this instance"`, privateNode);
  }
  const why = privateNode ? (privateNode.value as string) : null;

  const sqlNode = options.get("sql");
  if (sqlNode?.kind !== "str") fail(`${what}: :sql must be a string`, sqlNode ?? form);
  const { sql, order, parts, slots } = placeholders(sqlNode!.value as string, names, (m) => fail(`${what}: ${m}`, sqlNode));
  return { kind, service, name, doc, params, returns, shape, example, writes, private: why, sql, order, parts, slots, loc: { src: form.src, line: form.line, col: form.col } };
}

function isLiteral(n: Node): boolean {
  return n.kind === "str" || n.kind === "num" || n.kind === "bool" || n.kind === "nil";
}

function mapEntries(n: Node | undefined, what: string, option: string): [string, Node][] {
  if (!n) return [];
  if (n.kind !== "map") throw new EvalError(`${what}: ${option} must be a map`, { src: n.src, line: n.line, col: n.col });
  const out: [string, Node][] = [];
  for (let i = 0; i < n.value.length; i += 2) out.push([String(n.value[i]!.value), n.value[i + 1]!]);
  return out;
}

/**
 * Replace `:name` placeholders with `$n`, outside string literals, quoted
 * identifiers and comments; `::type` casts are left alone.
 */
function placeholders(text: string, names: readonly string[], fail: (m: string) => never) {
  const order: string[] = [];
  const parts: string[] = [];
  const slots: number[] = [];
  let sql = "";
  let partStart = 0;
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (c === "'" || c === '"') {
      const end = text.indexOf(c, i + 1);
      if (end < 0) fail(`unterminated ${c === "'" ? "string" : "quoted identifier"} in :sql`);
      sql += text.slice(i, end + 1);
      i = end + 1;
    } else if (c === "-" && text[i + 1] === "-") {
      const end = text.indexOf("\n", i);
      sql += text.slice(i, end < 0 ? text.length : end);
      i = end < 0 ? text.length : end;
    } else if (c === ":" && text[i + 1] === ":") {
      sql += "::";
      i += 2;
    } else if (c === ":" && /[a-z_]/i.test(text[i + 1] ?? "")) {
      const m = /^[a-z_][a-z0-9_-]*/i.exec(text.slice(i + 1))!;
      const name = m[0];
      if (!names.includes(name)) fail(`:sql uses :${name}, which is not a parameter`);
      let n = order.indexOf(name);
      if (n < 0) n = order.push(name) - 1;
      parts.push(sql.slice(partStart));
      slots.push(n + 1);
      sql += "$" + (n + 1);
      partStart = sql.length;
      i += 1 + name.length;
    } else {
      sql += c;
      i++;
    }
  }
  for (const n of names) if (!order.includes(n)) fail(`parameter ${n} is not used in :sql`);
  parts.push(sql.slice(partStart));
  return { sql, order, parts, slots };
}

/** The query's SQL with its parameters numbered from `offset + 1`, to combine several queries in one statement. */
export function numberedSql(def: QueryDef, offset: number): string {
  let sql = def.parts[0]!;
  def.slots.forEach((slot, i) => (sql += "$" + (slot + offset) + def.parts[i + 1]!));
  return sql;
}

/**
 * The SQL parameters for a call: every argument checked against the declared
 * types, defaults applied, unknown or missing ones refused.
 */
export function bindQuery(def: QueryDef, args: ReadonlyMap<string, Value>): unknown[] {
  for (const k of args.keys()) if (!def.params.some((p) => p.name === k)) throw new EvalError(unknownParamMessage(def, k));
  return def.order.map((name) => {
    const p = def.params.find((q) => q.name === name)!;
    const v = args.has(name) ? args.get(name)! : p.default;
    if (v === undefined) throw new EvalError(missingParamMessage(def, p));
    if (v === null) return null;
    if (!fits(p.type, v)) throw new EvalError(mistypedParamMessage(def, p, v));
    return v instanceof Keyword ? v.name : v;
  });
}

/**
 * The same checks, before anything runs, on a call's `:name value` pairs as
 * written: unknown and missing parameters, and literal values of the wrong
 * type (a value computed at run time is checked then).
 */
export function checkQueryArgs(def: QueryDef, given: readonly { name: string; value: Node; at: Loc }[], call: Loc): { message: string; at: Loc }[] {
  const problems: { message: string; at: Loc }[] = [];
  for (const { name, value, at } of given) {
    const p = def.params.find((q) => q.name === name);
    if (!p) problems.push({ message: unknownParamMessage(def, name), at });
    else if (isLiteral(value) && value.kind !== "nil" && !fits(p.type, toData(value))) problems.push({ message: mistypedParamMessage(def, p, toData(value)), at: value });
  }
  for (const p of def.params) {
    if (p.default === undefined && !given.some((g) => g.name === p.name)) problems.push({ message: missingParamMessage(def, p), at: call });
  }
  return problems;
}

function describe(def: QueryDef): string {
  return `${def.kind} ${def.service}/${def.name}`;
}

function unknownParamMessage(def: QueryDef, key: string): string {
  const message = unknownKeyMessage(describe(def), key, def.params.map((p) => p.name));
  return def.params.length ? message : `${message} (it takes none)`;
}

function missingParamMessage(def: QueryDef, p: QueryParam): string {
  return `${describe(def)} needs :${p.name} (${p.type})`;
}

/** How much of a mistyped value a message shows: enough to recognise it, never a whole document (or a key) in a log. */
const SHOWN = 60;

function mistypedParamMessage(def: QueryDef, p: QueryParam, v: Value): string {
  const printed = printValue(v);
  return `${describe(def)}: :${p.name} must be ${p.type}, got ${typeName(v)} ${printed.length > SHOWN ? `${printed.slice(0, SHOWN)}…` : printed}`;
}

function fits(type: ParamType, v: Value): boolean {
  switch (type) {
    case "text":
      return typeof v === "string" || v instanceof Keyword;
    case "int":
      return typeof v === "number" && Number.isSafeInteger(v);
    case "number":
      return typeof v === "number" && Number.isFinite(v);
    case "bool":
      return typeof v === "boolean";
    case "timestamp":
      return typeof v === "string" && !Number.isNaN(Date.parse(v));
  }
}
