/**
 * The resolver's executor: one batch of calls to a service, answered with one
 * result per call. Actions run first, in order, so reads and fragments in the
 * same batch see their changes. All reads of a batch go to the database as ONE
 * statement (each query a json_agg subquery), so a wave of independent queries
 * costs one round trip on one connection, not one connection per query.
 */
import { EvalContext, apply, bindQuery, createEnv, formatError, numberedSql, toHtml, Keyword, type QueryDef, type Value } from "@rose-ash/sexp";
import type { App } from "./app.ts";
import { ResolverClient } from "./client.ts";
import { UnavailableError, causeOf } from "./breaker.ts";
import { isOutage, type Db, type Row } from "./db.ts";
import { fromWire, type Call, type CallResult, type Json } from "./wire.ts";
import type { ResolverIO } from "./primitives.ts";

interface Bound {
  readonly index: number;
  readonly def: QueryDef;
  readonly params: unknown[];
}

export async function executeBatch(app: App, db: Db, calls: readonly Call[]): Promise<CallResult[]> {
  const results: CallResult[] = new Array(calls.length);
  /** A call failed; `outage` when the database could not be reached. */
  const fail = (i: number, e: unknown, outage = causeOf(e, UnavailableError) !== null) => {
    const message = e instanceof Error ? e.message : String(e);
    console.error(`${calls[i]!.op} ${calls[i]!.service}/${calls[i]!.name}: ${formatError(e)}`);
    results[i] = outage ? { error: message, unavailable: true } : { error: message };
  };
  const actions: Bound[] = [];
  const reads: Bound[] = [];
  const frags: number[] = [];
  calls.forEach((c, i) => {
    try {
      if (c.op === "frag") return void frags.push(i);
      const def = app.env.query(c.service, c.name);
      if (!def || def.kind !== c.op) throw new Error(`unknown ${c.op} ${c.service}/${c.name}`);
      const bound = { index: i, def, params: bindQuery(def, new Map(Object.entries(c.args).map(([k, v]) => [k, fromWire("query", v)]))) };
      (c.op === "action" ? actions : reads).push(bound);
    } catch (e) {
      fail(i, e);
    }
  });

  for (const a of actions) {
    try {
      results[a.index] = { ok: shape(a.def, await db.query(a.def.sql, a.params)) };
    } catch (e) {
      fail(a.index, e, isOutage(e));
    }
  }
  // Fragments may query too: their calls batch among themselves on this database.
  const client = new ResolverClient((inner) => executeBatch(app, db, inner));
  await Promise.all([
    runReads(db, reads, results, fail),
    ...frags.map(async (i) => {
      try {
        results[i] = { ok: await renderFragment(app, calls[i]!, client) };
      } catch (e) {
        fail(i, e);
      }
    }),
  ]);
  return results;
}

async function runReads(db: Db, reads: readonly Bound[], results: CallResult[], fail: (i: number, e: unknown, outage: boolean) => void): Promise<void> {
  if (reads.length === 0) return;
  try {
    const row = (await db.query(...combined(reads)))[0]!;
    reads.forEach((r, i) => (results[r.index] = { ok: shape(r.def, row[`r${i}`] as Row[]) }));
  } catch (e) {
    // The database is out of reach: every read fails alike, and at once.
    const outage = isOutage(e);
    if (reads.length === 1 || outage) return reads.forEach((r) => fail(r.index, e, outage));
    // One query failed the statement: run each alone so the error lands on its own call.
    await Promise.all(reads.map((r) => runReads(db, [r], results, fail)));
  }
}

/** `SELECT (SELECT coalesce(json_agg(q), '[]') FROM (<query 1>) q) AS r0, ...` with parameters renumbered. */
function combined(reads: readonly Bound[]): [string, unknown[]] {
  const params: unknown[] = [];
  const columns = reads.map((r, i) => {
    const sql = numberedSql(r.def, params.length).trim().replace(/;$/, "");
    params.push(...r.params);
    return `(SELECT coalesce(json_agg(q), '[]'::json) FROM (${sql}\n) q) AS r${i}`;
  });
  return [`SELECT ${columns.join(",\n")}`, params];
}

/** Rows as the query declared them: one row (or nil), rows, one value, or nil. */
function shape(def: QueryDef, rows: Row[]): Json {
  const normal = rows.map((row) => {
    const out: { [key: string]: Json } = {};
    for (const [k, v] of Object.entries(row)) out[k] = cell(v, def.shape.get(k));
    return out;
  });
  switch (def.returns) {
    case "one":
      return normal[0] ?? null;
    case "value":
      return normal[0] ? (Object.values(normal[0])[0] ?? null) : null;
    case "none":
      return null;
    default:
      return normal;
  }
}

/** A database value as JSON; timestamps (by value or declared shape) as ISO 8601 in UTC. */
function cell(v: unknown, type: string | undefined): Json {
  if (v === undefined || v === null) return null;
  if (v instanceof Date) return v.toISOString();
  if (type === "timestamp" && typeof v === "string") {
    const t = Date.parse(v);
    return Number.isNaN(t) ? v : new Date(t).toISOString();
  }
  if (typeof v === "bigint") return Number(v);
  if (Array.isArray(v)) return v.map((x) => cell(x, undefined));
  return v as Json; // strings, numbers, booleans, and JSON values already parsed

}

async function renderFragment(app: App, call: Call, client: ResolverClient): Promise<string> {
  const component = app.fragment(call.service, call.name);
  if (!component) throw new Error(`unknown fragment ${call.service}/${call.name}`);
  const args: Value[] = [];
  for (const [k, v] of Object.entries(call.args)) args.push(Keyword.of(k), fromWire("query", v));
  const io: ResolverIO = { resolver: client, method: "GET" };
  return toHtml(await apply(component, args, new EvalContext(createEnv(app.env), {}, io)));
}
