/**
 * The development database path: the Neon serverless driver, exactly as the
 * Workers use it, through the relay (WebSockets, and HTTP queries on /sql) to
 * PGlite (always) and to the machine's Postgres (when DATABASE_URL is set).
 */
import { Client, Pool, neon, neonConfig, type NeonDbError } from "@neondatabase/serverless";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import ws from "ws";
import { FrontendMessages } from "../dev/db/frontend-messages.js";
import { neonLocalConfig, schemaSql, startDevDatabase } from "../dev/db/server.js";

// Node 20 has no global WebSocket; inside workerd the driver uses the built-in one.
neonConfig.webSocketConstructor = ws;

describe("frontend message framing", () => {
  const startup = Buffer.alloc(8);
  startup.writeInt32BE(8, 0);
  startup.writeInt32BE(196608, 4);
  const query = Buffer.concat([Buffer.from("Q"), Buffer.from([0, 0, 0, 9]), Buffer.from("X\0\0\0\x04")]); // a query whose text looks like Terminate
  const terminate = Buffer.from([0x58, 0, 0, 0, 4]);

  it("sees Terminate only as a message, in any chunking", () => {
    const whole = Buffer.concat([startup, query, terminate]);
    for (let split = 1; split < whole.length; split++) {
      const m = new FrontendMessages();
      const first = m.push(whole.subarray(0, split));
      const second = m.push(whole.subarray(split));
      expect(first || second, `split at ${split}`).toBe(true);
      expect(first, `split at ${split}`).toBe(split >= whole.length);
    }
    const m = new FrontendMessages();
    expect(m.push(Buffer.concat([startup, query]))).toBe(false);
  });
});

const targets: [string, string | undefined][] = [["PGlite", undefined]];
if (process.env.DATABASE_URL) targets.push(["Postgres (DATABASE_URL)", process.env.DATABASE_URL]);

describe.each(targets)("the Neon driver against %s", (_name, databaseUrl) => {
  let db: Awaited<ReturnType<typeof startDevDatabase>>;
  beforeAll(async () => {
    db = await startDevDatabase({ databaseUrl });
    Object.assign(neonConfig, neonLocalConfig(db.relayPort));
  }, 30_000);
  afterAll(async () => {
    await db?.stop();
  });

  /** Run `fn` with the schema and seed data applied; on a real server, inside a rolled-back transaction in a scratch schema. */
  async function withData<T>(fn: (c: Client) => Promise<T>): Promise<T> {
    const client = new Client({ connectionString: db.connectionString });
    await client.connect();
    try {
      if (!databaseUrl) return await fn(client);
      await client.query("BEGIN");
      await client.query(`CREATE SCHEMA rose_ash_test; SET LOCAL search_path TO rose_ash_test`);
      await client.query(await schemaSql(true));
      try {
        return await fn(client);
      } finally {
        await client.query("ROLLBACK");
      }
    } finally {
      await client.end();
    }
  }

  it("runs parameterized queries over the seed data", async () => {
    await withData(async (c) => {
      const posts = await c.query("SELECT count(*)::int AS n FROM posts WHERE published");
      expect(posts.rows[0].n).toBeGreaterThanOrEqual(20);
      const slug = (await c.query("SELECT slug FROM products ORDER BY id LIMIT 1")).rows[0].slug as string;
      const byslug = await c.query("SELECT slug, price_pence FROM products WHERE slug = $1", [slug]);
      expect(byslug.rows).toHaveLength(1);
      // A parameter is data, never SQL.
      const injected = await c.query("SELECT count(*)::int AS n FROM products WHERE slug = $1", [`${slug}' OR '1'='1`]);
      expect(injected.rows[0].n).toBe(0);
    });
  });

  it("serves concurrent queries from a pool, and the pool shuts down cleanly", async () => {
    const pool = new Pool({ connectionString: db.connectionString, max: 5 });
    try {
      const results = await Promise.all(Array.from({ length: 8 }, (_, i) => pool.query("SELECT $1::int * 2 AS v", [i])));
      expect(results.map((r) => r.rows[0].v)).toEqual([0, 2, 4, 6, 8, 10, 12, 14]);
    } finally {
      await pool.end();
    }
  });

  it("reports SQL errors as errors and keeps serving", async () => {
    const client = new Client({ connectionString: db.connectionString });
    await client.connect();
    try {
      await expect(client.query("SELECT * FROM no_such_table")).rejects.toThrow(/no_such_table/);
      expect((await client.query("SELECT 1 AS one")).rows[0].one).toBe(1);
    } finally {
      await client.end();
    }
  });

  it("answers neon() HTTP queries as Neon does: typed rows, 400s with the Postgres error, batches in one transaction", async () => {
    const sql = neon(db.connectionString);
    const rows = await sql.query("SELECT $1::int + 1 AS n, now() AS t, ARRAY['a','b'] AS xs, '{\"k\": 1}'::json AS j, NULL AS nothing", [41]);
    expect(rows).toEqual([{ n: 42, t: expect.any(Date), xs: ["a", "b"], j: { k: 1 }, nothing: null }]);
    const err = (await sql.query("SELECT * FROM no_such_table").catch((e) => e)) as NeonDbError;
    expect([err.message, err.code]).toEqual(['relation "no_such_table" does not exist', "42P01"]);
    const [a, b] = await sql.transaction([sql.query("SELECT 1 AS one"), sql`SELECT ${"x"}::text AS x`], { readOnly: true });
    expect([a, b]).toEqual([[{ one: 1 }], [{ x: "x" }]]);
    // A failing statement rolls the whole batch back.
    const failed = await sql.transaction([sql.query("CREATE TEMP TABLE t_batch (x int)"), sql.query("SELECT * FROM no_such_table")]).catch((e) => e);
    expect(failed.code).toBe("42P01");
    await expect(sql.transaction([sql.query("CREATE TABLE rose_ash_never (x int)")], { readOnly: true })).rejects.toThrow(/read-only transaction/);
  });
});
