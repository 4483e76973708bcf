#!/usr/bin/env node
// @ts-check
// `npm run dev`: the development database, and the router and resolver
// Workers under one `wrangler dev` (joined by the RESOLVER service binding),
// together, until Ctrl-C.
import { spawn } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { startDevDatabase } from "./db/server.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const databaseUrl = process.env.DATABASE_URL || undefined;
// PGlite keeps its data in .data/pglite; DEV_DB_DATA=memory starts from the seed every time (tests).
const dataDir = databaseUrl || process.env.DEV_DB_DATA === "memory" ? undefined : fileURLToPath(new URL("../.data/pglite", import.meta.url));
if (dataDir) mkdirSync(dataDir, { recursive: true });
const port = Number(process.env.PORT ?? 8787);

const db = await startDevDatabase({ databaseUrl, dataDir, port: Number(process.env.DEV_DB_PORT ?? 5488) });
process.stdout.write(`database: ${db.description}\n`);

// The resolver reads the database settings from its own [vars] (wrangler's
// --var reaches only the first Worker), so it runs from a copy of its config
// with this database's values, kept under .data/.
const resolverConfig = fileURLToPath(new URL(`../.data/dev/resolver-${port}.wrangler.toml`, import.meta.url));
mkdirSync(fileURLToPath(new URL("../.data/dev/", import.meta.url)), { recursive: true });
writeFileSync(
  resolverConfig,
  readFileSync(new URL("../workers/resolver/wrangler.toml", import.meta.url), "utf8")
    .replace(/^main = .*$/m, `main = ${JSON.stringify(fileURLToPath(new URL("../workers/resolver/src/worker.ts", import.meta.url)))}`)
    .replace(/^DATABASE_URL = .*$/m, `DATABASE_URL = ${JSON.stringify(db.connectionString)}`)
    .replace(/^NEON_DEV_PROXY = .*$/m, `NEON_DEV_PROXY = ${JSON.stringify(`127.0.0.1:${db.relayPort}`)}`),
);

// Run wrangler's own entry directly (not through npx) so Ctrl-C reaches it.
const wranglerBin = createRequire(import.meta.url).resolve("wrangler/bin/wrangler.js");
const wrangler = spawn(
  process.execPath,
  [
    wranglerBin, "dev", "-c", "wrangler.toml", "-c", resolverConfig,
    "--ip", "127.0.0.1", "--port", String(port),
    // Local Durable Objects, R2 and KV (pointers, cached pages): kept beside the database's data.
    "--persist-to", process.env.DEV_STATE_DIR || fileURLToPath(new URL("../.data/wrangler", import.meta.url)),
    "--var", `DATABASE_URL:${db.connectionString}`,
    "--var", `NEON_DEV_PROXY:127.0.0.1:${db.relayPort}`,
    // More router variables, as JSON (dev/stack.js passes them for tests: a pinning service, say).
    ...Object.entries(JSON.parse(process.env.DEV_VARS || "{}")).flatMap(([k, v]) => ["--var", `${k}:${v}`]),
  ],
  { cwd: root, stdio: ["inherit", "pipe", "inherit"] },
);
let announced = false;
wrangler.stdout.on("data", (chunk) => {
  process.stdout.write(chunk);
  if (!announced && /Ready on/.test(String(chunk))) {
    announced = true;
    process.stdout.write(`\nRose Ash is running at http://127.0.0.1:${port}/ (Ctrl-C to stop)\n`);
  }
});

let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  wrangler.kill("SIGINT");
  await db.stop();
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
wrangler.on("exit", async (code) => {
  await stop();
  process.exit(code ?? 0);
});
