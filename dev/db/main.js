#!/usr/bin/env node
// @ts-check
// `npm run db`: the development database on its own, until Ctrl-C.
import { mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { startDevDatabase } from "./server.js";

const dataDir = fileURLToPath(new URL("../../.data/pglite", import.meta.url));
const databaseUrl = process.env.DATABASE_URL || undefined;
if (!databaseUrl) mkdirSync(dataDir, { recursive: true });
const port = Number(process.env.DEV_DB_PORT ?? 5488);

const db = await startDevDatabase({ databaseUrl, dataDir: databaseUrl ? undefined : dataDir, port });
process.stdout.write(
  `${db.description}\nNeon driver: neonConfig.fetchEndpoint = "http://127.0.0.1:${db.relayPort}/sql" (neon() queries); wsProxy = "127.0.0.1:${db.relayPort}/v2", useSecureWebSocket/pipelineTLS/pipelineConnect = false (Pool, Client)\n` +
    `connection string: ${db.connectionString}\nCtrl-C to stop.\n`,
);
const stop = async () => {
  await db.stop();
  process.exit(0);
};
process.once("SIGINT", stop);
process.once("SIGTERM", stop);
