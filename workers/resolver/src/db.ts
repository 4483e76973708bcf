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
  const pool = new Pool({ connectionString });
  // An idle connection that drops (e.g. as the pool closes) is reported on the
  // pool; without a listener that would be an uncaught error.
  pool.on("error", (e: Error) => console.warn(`database connection: ${e.message}`));
  return {
    query: async (sql, params) => (await pool.query(sql, params)).rows as Row[],
    close: () => pool.end(),
  };
}

/** Isolate-wide driver settings (e.g. `neonLocalConfig(port)` from dev/db for the local relay). */
export function configureNeon(settings: Partial<Record<keyof typeof neonConfig, unknown>>): void {
  Object.assign(neonConfig, settings);
}
