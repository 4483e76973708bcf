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
// The LLM Worker: the same values, and the model settings from this environment (LOCAL_GGUF starts the sidecar).
const model = await startModel(process.env);
const llmConfig = fileURLToPath(new URL(`../.data/dev/llm-${port}.wrangler.toml`, import.meta.url));
writeFileSync(
  llmConfig,
  readFileSync(new URL("../workers/llm/wrangler.toml", import.meta.url), "utf8")
    .replace(/^main = .*$/m, `main = ${JSON.stringify(fileURLToPath(new URL("../workers/llm/src/worker.ts", import.meta.url)))}`)
    .replace(/^DATABASE_URL = .*$/m, `DATABASE_URL = ${JSON.stringify(db.connectionString)}`)
    .replace(/^NEON_DEV_PROXY = .*$/m, (line) => [`NEON_DEV_PROXY = ${JSON.stringify(`127.0.0.1:${db.relayPort}`)}`, ...Object.entries(model.vars).map(([k, v]) => `${k} = ${JSON.stringify(v)}`)].join("\n")),
);
process.stdout.write(`  model     ${model.description}\n`);

const wranglerBin = createRequire(import.meta.url).resolve("wrangler/bin/wrangler.js");
const wrangler = spawn(
  process.execPath,
  [
    wranglerBin, "dev", "-c", "wrangler.toml", "-c", resolverConfig, "-c", llmConfig,
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
  model.stop();
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

/**
 * The model the LLM Worker uses, from this environment: LLM_* settings as
 * they are (an OpenAI-compatible endpoint), or LOCAL_GGUF: the local-gguf
 * sidecar (dev/local-gguf) started on a free port with that model file, its
 * decoding under the catalog's grammar.
 * @param {NodeJS.ProcessEnv} env
 * @returns {Promise<{ vars: Record<string, string>, description: string, stop: () => void }>}
 */
async function startModel(env) {
  /** @type {Record<string, string>} */
  const vars = {};
  for (const k of ["LLM_PROVIDER", "LLM_BASE_URL", "LLM_MODEL", "LLM_API_KEY", "LLM_GRAMMAR", "LLM_STREAM", "LLM_REPAIR_ROUNDS", "LLM_TIMEOUT_MS", "LLM_MAX_TOKENS", "LLM_CONVERSATION_TOKENS"]) {
    if (env[k]) vars[k] = /** @type {string} */ (env[k]);
  }
  if (!env.LOCAL_GGUF) {
    const description = vars.LLM_BASE_URL ? `${vars.LLM_MODEL || "default"} at ${vars.LLM_BASE_URL}` : "none configured: /llm is a playground (LOCAL_GGUF=model.gguf or LLM_BASE_URL=... to add one)";
    return { vars, description, stop: () => {} };
  }
  const sidecar = spawn(process.execPath, [fileURLToPath(new URL("./local-gguf/server.js", import.meta.url))], {
    env: { ...env, PORT: env.LOCAL_GGUF_PORT || "0" },
    stdio: ["ignore", "pipe", "inherit"],
  });
  const url = await new Promise((resolve, reject) => {
    let out = "";
    sidecar.stdout.on("data", (chunk) => {
      out += chunk;
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1]);
    });
    sidecar.once("exit", (code) => reject(new Error(`the local model (LOCAL_GGUF=${env.LOCAL_GGUF}) did not start (exit ${code})`)));
  }).catch((e) => {
    console.error(e.message);
    process.exit(1);
  });
  const name = env.LOCAL_GGUF.split("/").pop() ?? "local";
  Object.assign(vars, { LLM_BASE_URL: String(url), LLM_MODEL: vars.LLM_MODEL || name, LLM_GRAMMAR: vars.LLM_GRAMMAR || "gbnf" });
  return { vars, description: `${name} on this machine (node-llama-cpp, under the catalog's grammar)`, stop: () => void sidecar.kill("SIGINT") };
}

/** Whether a port on 127.0.0.1 can be listened on. @param {number} p */
function portFree(p) {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once("error", () => resolve(false));
    server.listen(p, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}
