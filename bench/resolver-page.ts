/**
 * The resolver figure: one page with 10 independent named queries, each with
 * 20 ms of added latency, rendered through the real `query` primitive and
 * per-request I/O discipline. Concurrent waves (at most 6 in flight, as
 * Workers allow) should keep it near 2 x 20 ms; fully serial would be 200 ms.
 */
import { basePrimitives, createEnv, evaluateForms, parse, renderForms } from "@rose-ash/sexp";
import { RequestIO, registerQuery, type Db } from "../workers/resolver/src/index.ts";

const LATENCY_MS = 20;
const QUERIES = 10;

const registry = basePrimitives.extend();
registerQuery(registry);
const site = createEnv(registry);
const defs = Array.from(
  { length: QUERIES },
  (_, i) => `(defquery bench q${i} (&key n) :params {:n :int} :returns :value :sql "SELECT :n + ${i}")`,
).join("\n");
await evaluateForms(parse(defs), site);
const page = parse(`(ul ${Array.from({ length: QUERIES }, (_, i) => `(li (query bench q${i} :n ${i}))`).join(" ")})`);

/** A database that answers after a fixed latency, like a remote Postgres. */
const db: Db = {
  query: (_sql, params) => new Promise((resolve) => setTimeout(() => resolve([{ v: Number(params[0]) }]), LATENCY_MS)),
  close: async () => {},
};

export async function measure(rounds: number, maxConcurrent: number): Promise<number[]> {
  const times: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const t0 = performance.now();
    const html = await renderForms(page, createEnv(site), { io: { db, requests: new RequestIO({ maxConcurrent }) } });
    times.push(performance.now() - t0);
    if (!String(html).startsWith("<ul><li>0</li>")) throw new Error("unexpected page: " + html);
  }
  return times;
}

export const settings = { LATENCY_MS, QUERIES };
