/**
 * The `query` I/O primitive: `(query service name :param value ...)` runs a
 * named query from `defquery`, with its parameters checked and bound, through
 * the request's database and I/O discipline, and returns rows as maps.
 */
import { EvalError, Keyword, Sym, bindQuery, printValue, type QueryDef, type Registry, type Value } from "@rose-ash/sexp";
import type { Db, Row } from "./db.ts";
import type { RequestIO } from "./request-io.ts";

/** What the resolver gives I/O primitives for one request (`EvalContext.io`). */
export interface ResolverIO {
  readonly db: Db;
  readonly requests: RequestIO;
}

export function registerQuery(registry: Registry): void {
  registry.defineIO({
    name: "query",
    params: "service name &rest keys-and-values",
    doc: "Run the named query service/name (declared with defquery) with :param value pairs; rows come back as maps.",
    names: 2,
    fn: (args, ctx) => {
      const [service, name, ...rest] = args;
      if (!(service instanceof Sym) || !(name instanceof Sym)) throw new EvalError("query: service and name are bare names: (query blog post-by-slug :slug s)");
      const def = ctx.env.query(service.name, name.name);
      if (!def) throw new EvalError(`unknown query ${service.name}/${name.name}`);
      if (rest.length % 2) throw new EvalError(`query ${service.name}/${name.name}: parameters come as :name value pairs`);
      const given = new Map<string, Value>();
      for (let i = 0; i < rest.length; i += 2) {
        const k = rest[i];
        if (!(k instanceof Keyword)) throw new EvalError(`query ${service.name}/${name.name}: expected a :parameter, got ${printValue(k!)}`);
        given.set(k.name, rest[i + 1]!);
      }
      const params = bindQuery(def, given);
      const io = ctx.io as ResolverIO;
      const key = `query ${def.service}/${def.name} ${JSON.stringify(params)}`;
      return io.requests.run(key, () => io.db.query(def.sql, params)).then((rows) => shape(def, rows));
    },
  });
}

/** Rows as the query declared them: one map (or nil), a list of maps, one value, or nil. */
function shape(def: QueryDef, rows: Row[]): Value {
  switch (def.returns) {
    case "one":
      return rows[0] ? rowValue(rows[0]) : null;
    case "value": {
      const first = rows[0];
      return first ? cell(Object.values(first)[0]) : null;
    }
    case "none":
      return null;
    default:
      return rows.map(rowValue);
  }
}

function rowValue(row: Row): Value {
  const m = new Map<string, Value>();
  for (const [k, v] of Object.entries(row)) m.set(k, cell(v));
  return m;
}

/** A database value as a language value: timestamps become ISO strings. */
function cell(v: unknown): Value {
  if (v === undefined || v === null) return null;
  if (v instanceof Date) return v.toISOString();
  if (Array.isArray(v)) return v.map(cell);
  if (typeof v === "string" || typeof v === "number" || typeof v === "boolean") return v;
  if (typeof v === "bigint") return Number(v);
  return String(v);
}
