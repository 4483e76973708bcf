// @ts-check
/**
 * The development database: the same `@neondatabase/serverless` code path as
 * production, against an embedded PGlite (schema.sql applied on first start,
 * data kept in a folder) or, with DATABASE_URL, any Postgres. Either way the
 * driver reaches it through the WebSocket relay (`neonLocalConfig`).
 */
import { readFile } from "node:fs/promises";
import { PGlite } from "@electric-sql/pglite";
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";
import { startRelay } from "./relay.js";

const SCHEMA = new URL("../../schema.sql", import.meta.url);
/** The connection string the driver is given for PGlite (host and port are the relay's business). */
export const PGLITE_CONNECTION_STRING = "postgres://postgres@localhost:5432/postgres";

/**
 * @typedef {object} DevDatabase
 * @property {string} connectionString for the Neon driver's Pool/Client
 * @property {number} relayPort WebSocket relay port (see neonLocalConfig)
 * @property {string} description what is running, for people
 * @property {() => Promise<void>} stop
 */

/**
 * @param {{ databaseUrl?: string, dataDir?: string, port?: number, seed?: boolean }} [options]
 *   databaseUrl: front this Postgres instead of PGlite; dataDir: where PGlite keeps data
 *   (in memory when absent); port: relay port (0 = any free); seed: apply development seed data
 *   (default true) when the schema is first created.
 * @returns {Promise<DevDatabase>}
 */
export async function startDevDatabase({ databaseUrl, dataDir, port = 0, seed = true } = {}) {
  if (databaseUrl) {
    const url = new URL(databaseUrl);
    const relay = await startRelay({ target: { host: url.hostname, port: Number(url.port || 5432) }, port });
    return {
      connectionString: databaseUrl,
      relayPort: relay.port,
      description: `Postgres at ${url.hostname}:${url.port || 5432} (DATABASE_URL)`,
      stop: relay.close,
    };
  }
  const db = await PGlite.create(dataDir);
  const fresh = (await db.query("SELECT to_regclass('public.users') IS NULL AS fresh")).rows[0];
  // A new database gets the schema and the seed; one kept from before gets what the schema has added since (it is idempotent).
  await db.exec(await schemaSql(/** @type {{ fresh: boolean }} */ (fresh).fresh && seed));
  // The driver's pool opens several connections; the socket server allows one by default.
  const sockets = new PGLiteSocketServer({ db, port: 0, host: "127.0.0.1", maxConnections: 20 });
  await sockets.start();
  const [host, sqlPort] = sockets.getServerConn().split(":");
  const relay = await startRelay({ target: { host: host ?? "127.0.0.1", port: Number(sqlPort) }, port });
  return {
    connectionString: PGLITE_CONNECTION_STRING,
    relayPort: relay.port,
    description: `PGlite (${dataDir ? `data in ${dataDir}` : "in memory"})`,
    stop: async () => {
      await relay.close();
      await sockets.stop();
      await db.close();
    },
  };
}

/**
 * schema.sql, with or without the development seed data after its marker line.
 * @param {boolean} withSeed
 */
export async function schemaSql(withSeed) {
  const sql = await readFile(SCHEMA, "utf8");
  if (withSeed) return sql;
  // The marker line itself, not its mention in the header comment.
  const marker = sql.indexOf("\n-- seed: development data\n");
  return marker < 0 ? sql : sql.slice(0, marker + 1);
}

/**
 * The `neonConfig` settings for reaching a dev database through its relay:
 * HTTP queries (`neon()`) to its /sql endpoint, and WebSockets (Pool, Client)
 * as plain ws:// to localhost with no pipelining (PGlite cannot take the
 * pipelined startup; the first failure would wedge it).
 * @param {number} relayPort
 */
export function neonLocalConfig(relayPort) {
  return {
    fetchEndpoint: `http://127.0.0.1:${relayPort}/sql`,
    wsProxy: () => `127.0.0.1:${relayPort}/v2`,
    useSecureWebSocket: false,
    pipelineTLS: false,
    pipelineConnect: /** @type {false} */ (false),
  };
}
