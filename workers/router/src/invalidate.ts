/**
 * Content changes -> the pages to re-render. A change names the tables it
 * touched (a signed webhook says so; an action's SQL shows it). A page
 * depends on the queries and fragments it used: a query is touched when its
 * SQL reads one of the tables, a fragment when any query of its service does
 * (fragments query inside their service, so this is the safe side).
 */
import type { Env, QueryDef } from "@rose-ash/sexp";
import type { Dependency } from "@rose-ash/executor";

const IDENT = "([a-z_][a-z0-9_]*)";

/** Tables a statement reads or writes. */
export function tablesRead(sql: string): string[] {
  return [...new Set([...sql.matchAll(new RegExp(`\\b(?:from|join|into|update)\\s+${IDENT}`, "gi"))].map((m) => m[1]!.toLowerCase()))];
}

/** Tables an action writes: those it declares (`:writes`), else those its statement shows. */
export function tablesWritten(action: QueryDef): string[] {
  if (action.writes) return action.writes.map((t) => t.toLowerCase());
  return [...new Set([...action.sql.matchAll(new RegExp(`\\b(?:insert\\s+into|update|delete\\s+from)\\s+${IDENT}`, "gi"))].map((m) => m[1]!.toLowerCase()))];
}

/** The dependencies (of those pages have) that a change to `tables` touches. */
export function touchedDependencies(deps: readonly Dependency[], tables: readonly string[], env: Env): Dependency[] {
  const changed = new Set(tables.map((t) => t.toLowerCase()));
  const reads = (q: QueryDef | undefined) => !!q && tablesRead(q.sql).some((t) => changed.has(t));
  const services = new Set<string>();
  for (const q of env.allQueries()) if (reads(q)) services.add(q.service);
  return deps.filter((d) => (d.op === "query" ? reads(env.query(d.service, d.name)) : d.op === "frag" && services.has(d.service)));
}

/** The largest webhook body read (a list of table names is far smaller). */
export const WEBHOOK_MAX_BYTES = 64 * 1024;

