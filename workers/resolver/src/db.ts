/**
 * The database behind named queries. One small interface; the production
 * adapter is the Neon serverless driver, with a pool created per request and
 * ended when the request is done (Workers must not share connections across
 * requests). Locally the same driver reaches PGlite or any Postgres through
 * the dev relay: apply its settings once with `configureNeon`.
 */
import { Pool, neonConfig } from "@neondatabase/serverless";

export type Row = Record<string, unknown>;

export interface Db {
  query(sql: string, params: unknown[]): Promise<Row[]>;
  /** Release connections at the end of the request. */
  close(): Promise<void>;
}

/** A per-request database on Neon (or wherever `neonConfig` points). */
export function neonDb(connectionString: string): Db {
  // Within the 6 simultaneous connections a Workers request may open.
  const pool = new Pool({ connectionString, max: 4 });
  // An idle connection that drops (e.g. as the pool closes) is reported on the
  // pool; without a listener that would be an uncaught error.
  pool.on("error", (e: Error) => console.warn(`database connection: ${e.message}`));
  let closed: Promise<void> | undefined;
  return {
    query: async (sql, params) => {
      try {
        return (await pool.query(sql, params)).rows as Row[];
      } catch (e) {
        // A failed WebSocket surfaces as an ErrorEvent, not an Error.
        if (e instanceof Error) throw e;
        throw new Error(`could not reach the database: ${(e as { message?: string }).message || String((e as { type?: string }).type ?? e)}`);
      }
    },
    close: () => (closed ??= pool.end()),
  };
}

/** Isolate-wide driver settings (e.g. `neonLocalConfig(port)` from dev/db for the local relay). */
export function configureNeon(settings: Partial<Record<keyof typeof neonConfig, unknown>>): void {
  Object.assign(neonConfig, settings);
}

/** The database bindings a Worker reads. */
export interface DatabaseEnv {
  /** Postgres (Neon) connection string. */
  DATABASE_URL?: string;
  /** Development only: the dev database relay, e.g. `127.0.0.1:5488/v2` (see dev/db). */
  NEON_WS_PROXY?: string;
}

/** The request's database from a Worker's bindings; without DATABASE_URL every query fails with a clear error. */
export function databaseFromEnv(env: DatabaseEnv): Db {
  if (!env.DATABASE_URL) {
    const missing = () => Promise.reject(new Error("no database configured (DATABASE_URL)"));
    return { query: missing, close: async () => {} };
  }
  if (env.NEON_WS_PROXY) {
    const proxy = env.NEON_WS_PROXY;
    configureNeon({ wsProxy: () => proxy, useSecureWebSocket: false, pipelineTLS: false, pipelineConnect: false });
  }
  return neonDb(env.DATABASE_URL);
}
