/**
 * The database behind named queries. One small interface, two adapters on the
 * Neon serverless driver: `neonHttpDb` sends each statement as one HTTPS
 * request (no connection to set up, nothing to share across requests; the
 * resolver's batches are one statement each, so this is the default), and
 * `neonDb` opens a WebSocket Pool per request, ended when the request is done,
 * for interactive transactions. Locally the same driver reaches PGlite or any
 * Postgres through the dev relay (dev/db), which speaks both protocols.
 */
import { Pool, neon, neonConfig } from "@neondatabase/serverless";

export type Row = Record<string, unknown>;

export interface Db {
  query(sql: string, params: unknown[]): Promise<Row[]>;
  /** Release connections at the end of the request. */
  close(): Promise<void>;
}

/** How long one statement may take before it is abandoned (ms), unless DATABASE_TIMEOUT_MS says otherwise. */
export const DEFAULT_DATABASE_TIMEOUT_MS = 3000;

/** Statements over HTTP to Neon's query endpoint (or wherever `neonConfig.fetchEndpoint` points), each within `timeoutMs`. */
export function neonHttpDb(connectionString: string, timeoutMs = DEFAULT_DATABASE_TIMEOUT_MS): Db {
  const sql = neon(connectionString);
  return {
    query: (text, params) => sql.query(text, params, { fetchOptions: { signal: AbortSignal.timeout(timeoutMs) } }) as Promise<Row[]>,
    close: async () => {},
  };
}

/**
 * Whether a failed statement means the database could not be reached (an
 * outage) rather than a mistake in the statement or in our code: no Postgres
 * error code at all (the connection, the fetch or its deadline failed), or a
 * code of the connection (08), resource (53) or shutdown (57P) classes.
 */
export function isOutage(e: unknown): boolean {
  if (e instanceof TypeError || e instanceof RangeError || e instanceof SyntaxError || e instanceof ReferenceError) return false;
  const code = (e as { code?: unknown } | null)?.code;
  if (typeof code === "string" && /^[0-9A-Z]{5}$/.test(code)) return /^(08|53|57P)/.test(code);
  return true;
}

/** A per-request WebSocket pool on Neon (or wherever `neonConfig.wsProxy` points). */
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
  /** Development only: the dev database relay's `host:port` (see dev/db); production talks to Neon. */
  NEON_DEV_PROXY?: string;
  /** How long a statement (and a page's batch of them) may take before it is given up, in ms (default 3000). */
  DATABASE_TIMEOUT_MS?: string;
}

/** DATABASE_TIMEOUT_MS, or the default. */
export function databaseTimeoutMs(env: DatabaseEnv): number {
  const ms = Number(env.DATABASE_TIMEOUT_MS);
  return Number.isFinite(ms) && ms > 0 ? ms : DEFAULT_DATABASE_TIMEOUT_MS;
}

/** The request's database from a Worker's bindings; without DATABASE_URL every query fails with a clear error. */
export function databaseFromEnv(env: DatabaseEnv): Db {
  if (!env.DATABASE_URL) {
    const missing = () => Promise.reject(new Error("no database configured (DATABASE_URL)"));
    return { query: missing, close: async () => {} };
  }
  if (env.NEON_DEV_PROXY) {
    const proxy = env.NEON_DEV_PROXY;
    configureNeon({ fetchEndpoint: `http://${proxy}/sql`, wsProxy: () => `${proxy}/v2`, useSecureWebSocket: false, pipelineTLS: false, pipelineConnect: false });
  }
  return neonHttpDb(env.DATABASE_URL, databaseTimeoutMs(env));
}
