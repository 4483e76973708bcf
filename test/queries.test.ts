/**
 * The site's named queries (app/queries/*.sexp): they check clean, and each
 * one's declared example runs on the development database through the Neon
 * driver and returns rows of the declared shape.
 */
import { readFileSync, readdirSync } from "node:fs";
import { Client, neonConfig } from "@neondatabase/serverless";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import ws from "ws";
import { neonLocalConfig, startDevDatabase } from "../dev/db/server.js";
import { bindQuery, check, createEnv, evaluateForms, parse, type QueryDef } from "../sexp/src/index.ts";

neonConfig.webSocketConstructor = ws;

const dir = new URL("../app/queries/", import.meta.url);
const files = readdirSync(dir).filter((f) => f.endsWith(".sexp"));
const forms = files.flatMap((f) => parse(readFileSync(new URL(f, dir), "utf8"), { src: `app/queries/${f}` }));

const TYPE_CHECKS: Record<string, (v: unknown) => boolean> = {
  int: (v) => Number.isInteger(v),
  text: (v) => typeof v === "string",
  bool: (v) => typeof v === "boolean",
  timestamp: (v) => v instanceof Date,
  list: (v) => Array.isArray(v),
};

describe("app/queries", () => {
  let db: Awaited<ReturnType<typeof startDevDatabase>>;
  let client: Client;
  const env = createEnv();
  let queries: QueryDef[] = [];

  beforeAll(async () => {
    await evaluateForms(forms, env);
    queries = [...env.queries.values()];
    db = await startDevDatabase();
    Object.assign(neonConfig, neonLocalConfig(db.relayPort));
    client = new Client({ connectionString: db.connectionString });
    await client.connect();
  }, 30_000);
  afterAll(async () => {
    await client?.end();
    await db?.stop();
  });

  it("check clean and declare what the pages need", () => {
    expect(check(forms)).toEqual([]);
    const names = queries.map((q) => `${q.service}/${q.name}`);
    for (const n of ["blog/recent-posts", "blog/post-by-slug", "blog/nav-tree", "market/products", "market/product-by-slug", "events/upcoming", "cart/cart-summary"]) {
      expect(names).toContain(n);
    }
  });

  it("each query's example (and each action's, rolled back) returns rows of its declared shape", async () => {
    for (const q of queries) {
      // Federation's tables start empty (no seeded keys or followers): test/federation-queries.test.ts runs its examples on state it makes.
      if (q.service === "federation") continue;
      const what = `${q.kind} ${q.service}/${q.name}`;
      if (q.kind === "action") await client.query("BEGIN");
      const result = await client.query(q.sql, bindQuery(q, q.example)).finally(() => q.kind === "action" && client.query("ROLLBACK"));
      if (q.returns === "none") continue;
      expect(result.rows.length, what).toBeGreaterThan(0);
      if (q.returns === "one") expect(result.rows.length, what).toBe(1);
      for (const row of result.rows) {
        expect(Object.keys(row).sort(), what).toEqual([...q.shape.keys()].sort());
        for (const [column, type] of q.shape) {
          const v = row[column];
          if (v !== null) expect(TYPE_CHECKS[type]?.(v), `${what}: ${column} should be ${type}, got ${String(v)}`).toBe(true);
        }
      }
    }
  });

  it("filters and sorts products as declared", async () => {
    const products = queries.find((q) => q.name === "products")!;
    const run = async (args: Record<string, unknown>) =>
      (await client.query(products.sql, bindQuery(products, new Map(Object.entries(args) as never)))).rows;
    const bakery = await run({ category: "bakery", sort: "price-asc" });
    expect(bakery.every((r) => r.category === "bakery")).toBe(true);
    const prices = bakery.map((r) => r.sale_price_pence ?? r.price_pence);
    expect(prices).toEqual([...prices].sort((a, b) => a - b));
    const cheap = await run({ max_price_pence: 300 });
    expect(cheap.length).toBeGreaterThan(0);
    expect(cheap.every((r) => (r.sale_price_pence ?? r.price_pence) <= 300)).toBe(true);
    expect(await run({ category: "no-such-category" })).toEqual([]);
  });
});
