/**
 * Starts the development database for the Worker tests: PGlite with the
 * seed data, or, when DATABASE_URL is set, that Postgres with schema.sql
 * applied in a scratch schema (dropped afterwards) that the Worker's
 * connections select through their search_path.
 */
import { Client, neonConfig } from "@neondatabase/serverless";
import type { TestProject } from "vitest/node";
import ws from "ws";
import { neonLocalConfig, schemaSql, startDevDatabase } from "../../../dev/db/server.js";

declare module "vitest" {
  export interface ProvidedContext {
    relayPort: number;
    connectionString: string;
  }
}

export default async function setup(project: TestProject) {
  const databaseUrl = process.env.DATABASE_URL || undefined;
  const db = await startDevDatabase({ databaseUrl });
  let connectionString = db.connectionString;
  let cleanup = async () => {};
  if (databaseUrl) {
    neonConfig.webSocketConstructor = ws;
    Object.assign(neonConfig, neonLocalConfig(db.relayPort));
    const schema = `rose_ash_test_${process.pid}`;
    const client = new Client({ connectionString: databaseUrl });
    await client.connect();
    await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE; CREATE SCHEMA ${schema}; SET search_path TO ${schema}`);
    await client.query(await schemaSql(true));
    const url = new URL(databaseUrl);
    url.searchParams.set("options", `-c search_path=${schema}`);
    connectionString = url.toString();
    cleanup = async () => {
      await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await client.end();
    };
  }
  project.provide("relayPort", db.relayPort);
  project.provide("connectionString", connectionString);
  return async () => {
    await cleanup();
    await db.stop();
  };
}
