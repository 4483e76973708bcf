#!/usr/bin/env node
// @ts-check
// `npm run dev`: the development database, and the router and resolver
// Workers under one `wrangler dev` (joined by the RESOLVER service binding),
// together, until Ctrl-C. It says what it runs on, then the URL, last; after
// that only warnings and errors (wrangler's banner, bindings table and
// request log are left out).
import { spawn } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import net from "node:net";
import { fileURLToPath } from "node:url";
import { startDevDatabase } from "./db/server.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const databaseUrl = process.env.DATABASE_URL || undefined;
// PGlite keeps its data in .data/pglite; DEV_DB_DATA=memory starts from the seed every time (tests).
const dataDir = databaseUrl || process.env.DEV_DB_DATA === "memory" ? undefined : fileURLToPath(new URL("../.data/pglite", import.meta.url));
if (dataDir) mkdirSync(dataDir, { recursive: true });
const port = Number(process.env.PORT ?? 8787);
const dbPort = Number(process.env.DEV_DB_PORT ?? 5488);
/** @type {(code: string, text: string) => string} */
const color = process.stdout.isTTY ? (code, text) => `\x1b[${code}m${text}\x1b[0m` : (_code, text) => text;

// A port in use is one line, with the way out: not a stack trace from deep inside.
for (const [p, name] of /** @type {const} */ ([[port, "PORT"], [dbPort, "DEV_DB_PORT"]])) {
  if (p && !(await portFree(p))) {
    console.error(`Port ${p} (${name}) is in use: another npm run dev? Stop it, or choose free ports: PORT=8788 DEV_DB_PORT=5489 npm run dev`);
    process.exit(1);
  }
}

const db = await startDevDatabase({ databaseUrl, dataDir, port: dbPort });
process.stdout.write(`${color("1", "Rose Ash")}, development\n  database  ${db.description}${dataDir ? "; delete .data/ to start again from the seed" : ""}\n`);

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
  {
    cwd: root,
    stdio: ["inherit", "inherit", "inherit"],
    // Warnings and errors only; and no fetch of Cloudflare's `request.cf` data, which fails offline.
    env: { ...process.env, WRANGLER_LOG: process.env.WRANGLER_LOG ?? "warn", CLOUDFLARE_CF_FETCH_ENABLED: "false", WRANGLER_SEND_METRICS: "false" },
  },
);

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

// Ready when the router answers.
for (;;) {
  if (stopping) break;
  const up = await fetch(`http://127.0.0.1:${port}/_health`).then((r) => r.ok, () => false);
  if (up) {
    process.stdout.write(`\n  ${color("1;32", "➜")} Rose Ash is running at ${color("1;36", `http://127.0.0.1:${port}/`)}  (sign in as hannah@example.org, password rose-ash; Ctrl-C to stop)\n\n`);
    break;
  }
  await new Promise((r) => setTimeout(r, 250));
}

/** Whether a port on 127.0.0.1 can be listened on. @param {number} p */
function portFree(p) {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once("error", () => resolve(false));
    server.listen(p, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}
