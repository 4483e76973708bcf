/**
 * The resolver figure: one page with 10 independent named queries against a
 * database 20 ms away (every statement costs one 20 ms round trip), rendered
 * through the real `query` primitive, client and executor. Measured three ways:
 * batched (the resolver: a wave is one batch, its reads one statement), one
 * statement per query within the Workers cap of 6 connections, and serial.
 */
import { basePrimitives, createEnv, evaluateForms, parse, renderForms } from "@rose-ash/sexp";
import { RequestIO, ResolverClient, executeBatch, localTransport, loadApp, registerResolverPrimitives, type Db, type Transport } from "../workers/resolver/src/index.ts";

const LATENCY_MS = 20;
const QUERIES = 10;

const registry = basePrimitives.extend();
registerResolverPrimitives(registry);
const defs = Array.from(
  { length: QUERIES },
  (_, i) => `(defquery bench q${i} (&key n) :params {:n :int} :returns :value :sql "SELECT :n + ${i} AS v")`,
).join("\n");
const app = await loadApp([{ name: "bench.sexp", text: defs }], registry);
const page = parse(`(ul ${Array.from({ length: QUERIES }, (_, i) => `(li (query bench q${i} :n ${i}))`).join(" ")})`);

/** A database one round trip away: each statement (combined or not) answers after LATENCY_MS. */
const db: Db = {
  query: (sql, params) =>
    new Promise((resolve) => {
      const row: Record<string, unknown> = {};
      // Evaluate each `SELECT $k + i AS v` subquery of the statement.
      for (const [, k, i, n] of sql.matchAll(/SELECT \$(\d+) \+ (\d+) AS v\s*\) q\) AS r(\d+)/g)) row[`r${n}`] = [{ v: Number(params[Number(k) - 1]) + Number(i) }];
      setTimeout(() => resolve([row]), LATENCY_MS);
    }),
  close: async () => {},
};

const batched = localTransport(app, () => db);
/** Each call its own statement and connection, as a resolver without batching would do. */
const perQuery = (requests: RequestIO): Transport => (calls) =>
  Promise.all(calls.map((c, i) => requests.run(`call ${i}`, () => executeBatch(app, db, [c]).then((r) => r[0]!))));

export type Mode = "batched" | "per-query" | "serial";

export async function measure(rounds: number, mode: Mode): Promise<number[]> {
  const times: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now();
    const inner = new RequestIO({ maxConcurrent: mode === "serial" ? 1 : 6 });
    const resolver = new ResolverClient(mode === "batched" ? batched : perQuery(inner));
    const html = await renderForms(page, createEnv(app.env), { io: { resolver, method: "GET" } });
    times.push(performance.now() - t0);
    if (!String(html).startsWith("<ul><li>0</li><li>2</li>")) throw new Error("unexpected page: " + html);
  }
  return times;
}

export const settings = { LATENCY_MS, QUERIES };
