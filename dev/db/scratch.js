// @ts-check
/**
 * A scratch schema in a real Postgres for tests: schema.sql with its seed
 * applied in `rose_ash_test_<pid>_<n>`, and a connection string whose
 * search_path selects it, so tests never touch the database's own tables.
 * The admin connection goes through a dev relay like every other.
 */
import { Client, neonConfig } from "@neondatabase/serverless";
import ws from "ws";
import { neonLocalConfig, schemaSql, startDevDatabase } from "./server.js";

let count = 0;

/**
 * @param {string} databaseUrl
 * @returns {Promise<{ connectionString: string, drop: () => Promise<void> }>}
 */
export async function createScratchSchema(databaseUrl) {
  const schema = `rose_ash_test_${process.pid}_${++count}`;
  const relay = await startDevDatabase({ databaseUrl });
  neonConfig.webSocketConstructor = ws;
  Object.assign(neonConfig, neonLocalConfig(relay.relayPort));
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE; CREATE SCHEMA ${schema}; SET search_path TO ${schema}`);
  await client.query(await schemaSql(true));
  const url = new URL(databaseUrl);
  url.searchParams.set("options", `-c search_path=${schema}`);
  return {
    connectionString: url.toString(),
    drop: async () => {
      await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await client.end();
      await relay.stop();
    },
  };
}
