// @ts-check
/**
 * Neon's HTTP query endpoint (`POST /sql`), locally: what the serverless
 * driver's `neon()` sends when `neonConfig.fetchEndpoint` points here. A body
 * `{query, params}` runs one statement; `{queries: [...]}` runs them in one
 * transaction (Neon-Batch-Isolation-Level / -Read-Only / -Deferrable). Rows
 * come back as arrays of Postgres text values with their fields' type ids,
 * and the driver parses them as it does Neon's answers. Errors are 400 with
 * the Postgres error's fields. Connections are pooled per connection string
 * (as Neon's endpoint pools them), always to the one configured target.
 */
import pg from "pg";

/** Values stay as Postgres wrote them; the driver parses them by type id. */
const RAW = { getTypeParser: () => (/** @type {string} */ v) => v };
const ISOLATION = new Set(["ReadUncommitted", "ReadCommitted", "RepeatableRead", "Serializable"]);

/**
 * @param {{ host: string, port: number }} target
 * @returns {{ handle(req: import("node:http").IncomingMessage, res: import("node:http").ServerResponse): Promise<void>, close(): Promise<void> }}
 */
export function httpSql(target) {
  /** @type {Map<string, pg.Pool>} */
  const pools = new Map();

  /** @param {string} connectionString */
  function pool(connectionString) {
    let p = pools.get(connectionString);
    if (!p) {
      const url = new URL(connectionString);
      p = new pg.Pool({
        host: target.host,
        port: target.port,
        user: decodeURIComponent(url.username) || "postgres",
        password: decodeURIComponent(url.password) || undefined,
        database: url.pathname.slice(1) || "postgres",
        options: url.searchParams.get("options") ?? undefined,
        max: 8,
        idleTimeoutMillis: 10_000,
      });
      p.on("error", () => {}); // an idle connection dropped; the pool replaces it
      pools.set(connectionString, p);
    }
    return p;
  }

  /** @param {pg.ClientBase} client @param {{ query: string, params?: unknown[] }} q */
  async function run(client, q) {
    const r = await client.query({ text: q.query, values: q.params ?? [], rowMode: "array", types: RAW });
    return {
      command: r.command,
      rowCount: r.rowCount,
      rows: r.rows,
      fields: r.fields.map((f) => ({ ...f, format: "text" })),
      rowAsArray: true,
    };
  }

  return {
    async handle(req, res) {
      const send = (/** @type {number} */ status, /** @type {unknown} */ body) => {
        res.writeHead(status, { "content-type": "application/json" });
        res.end(JSON.stringify(body));
      };
      try {
        const connectionString = req.headers["neon-connection-string"];
        if (typeof connectionString !== "string") return send(400, { message: "missing Neon-Connection-String header" });
        let text = "";
        for await (const chunk of req) text += chunk;
        const body = JSON.parse(text);
        const p = pool(connectionString);
        if (!Array.isArray(body.queries)) {
          const client = await p.connect();
          try {
            return send(200, await run(client, body));
          } finally {
            client.release();
          }
        }
        const isolation = String(req.headers["neon-batch-isolation-level"] ?? "ReadCommitted");
        if (!ISOLATION.has(isolation)) return send(400, { message: `unknown isolation level ${isolation}` });
        const client = await p.connect();
        try {
          const level = isolation.replace(/([a-z])([A-Z])/g, "$1 $2").toUpperCase();
          const readOnly = req.headers["neon-batch-read-only"] === "true" ? " READ ONLY" : "";
          const deferrable = req.headers["neon-batch-deferrable"] === "true" ? " DEFERRABLE" : "";
          await client.query(`BEGIN ISOLATION LEVEL ${level}${readOnly}${deferrable}`);
          const results = [];
          for (const q of body.queries) results.push(await run(client, q));
          await client.query("COMMIT");
          return send(200, { results });
        } catch (e) {
          await client.query("ROLLBACK").catch(() => {});
          throw e;
        } finally {
          client.release();
        }
      } catch (e) {
        const err = /** @type {Record<string, unknown> & Error} */ (e);
        // Postgres errors (they carry a SQLSTATE code) are the caller's: 400 with their fields, as Neon answers.
        if (typeof err.code === "string" && /^[0-9A-Z]{5}$/.test(err.code)) {
          const { message, code, detail, hint, position, severity, schema, table, column, constraint } = err;
          return send(400, { message, code, detail, hint, position, severity, schema, table, column, constraint });
        }
        if (e instanceof SyntaxError) return send(400, { message: `malformed request body: ${e.message}` });
        res.writeHead(500, { "content-type": "text/plain" });
        res.end(`database unavailable: ${err.message}`);
      }
    },
    close: async () => {
      await Promise.all([...pools.values()].map((p) => p.end()));
    },
  };
}
