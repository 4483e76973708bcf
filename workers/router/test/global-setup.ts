/** Starts the development database (PGlite, or DATABASE_URL's Postgres) for the Worker tests. */
import type { TestProject } from "vitest/node";
import { startDevDatabase } from "../../../dev/db/server.js";

declare module "vitest" {
  export interface ProvidedContext {
    relayPort: number;
    connectionString: string;
  }
}

export default async function setup(project: TestProject) {
  const db = await startDevDatabase({ databaseUrl: process.env.DATABASE_URL || undefined });
  project.provide("relayPort", db.relayPort);
  project.provide("connectionString", db.connectionString);
  return () => db.stop();
}
