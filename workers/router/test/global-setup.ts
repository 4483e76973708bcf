/**
 * Starts the development database for the Worker tests: PGlite with the
 * seed data, or, when DATABASE_URL is set, that Postgres with schema.sql
 * applied in a scratch schema (dropped afterwards) that the Worker's
 * connections select through their search_path. Also bundles the resolver
 * Worker, which the tests run beside the router as its RESOLVER service.
 */
import { mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Client, neonConfig } from "@neondatabase/serverless";
import { build } from "esbuild";
import type { TestProject } from "vitest/node";
import ws from "ws";
import { neonLocalConfig, schemaSql, startDevDatabase } from "../../../dev/db/server.js";

declare module "vitest" {
  export interface ProvidedContext {
    relayPort: number;
    connectionString: string;
    resolverScript: string;
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
  project.provide("resolverScript", await bundleResolver());
  project.provide("relayPort", db.relayPort);
  project.provide("connectionString", connectionString);
  return async () => {
    await cleanup();
    await db.stop();
  };
}

/** The resolver Worker as one ES module, bundled as wrangler would (text rule for .sexp). */
async function bundleResolver(): Promise<string> {
  const dir = fileURLToPath(new URL("../../../.data/test/", import.meta.url));
  mkdirSync(dir, { recursive: true });
  const outfile = `${dir}resolver-worker.mjs`;
  await build({
    entryPoints: [fileURLToPath(new URL("../../resolver/src/worker.ts", import.meta.url))],
    bundle: true,
    format: "esm",
    platform: "browser",
    conditions: ["workerd", "worker", "browser"],
    loader: { ".sexp": "text" },
    outfile,
    logLevel: "warning",
  });
  return outfile;
}
