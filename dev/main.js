#!/usr/bin/env node
// @ts-check
// `npm run dev`: the development database, the render service (media
// recipes; RENDER_SERVICE=off leaves it out), and the router and resolver
// Workers under one `wrangler dev` (joined by the RESOLVER service binding),
// together, until Ctrl-C. It says what it runs on, then the URL, last; after
// that only warnings and errors (wrangler's banner, bindings table and
// request log, and the render service's line per job, are left out).
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, watch, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import net from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { startDevDatabase } from "./db/server.js";
import { precompileTemplates } from "./templates.js";

const root = fileURLToPath(new URL("..", import.meta.url));
// `npm run dev -- --instance NAME --port PORT`: an instance of its own (federation: two on one machine), its
// state under .data/NAME (database, pointers, caches, keys, render store), its database relay on any free port.
const { values: args } = parseArgs({ options: { instance: { type: "string" }, port: { type: "string" } } });
const instance = args.instance ?? process.env.INSTANCE_NAME ?? "";
if (instance && !/^[a-z0-9][a-z0-9-]{0,31}$/.test(instance)) {
  console.error(`--instance ${instance}: a name of lower-case letters, digits and dashes (it names the folder .data/${instance})`);
  process.exit(1);
}
/** Where this instance keeps its state: .data/, or .data/NAME/ for a named instance. */
const dataRoot = fileURLToPath(new URL(instance ? `../.data/${instance}/` : "../.data/", import.meta.url));
const databaseUrl = process.env.DATABASE_URL || undefined;
// PGlite keeps its data in .data/pglite; DEV_DB_DATA=memory starts from the seed every time (tests).
const dataDir = databaseUrl || process.env.DEV_DB_DATA === "memory" ? undefined : join(dataRoot, "pglite");
if (dataDir) mkdirSync(dataDir, { recursive: true });
const port = Number(args.port ?? process.env.PORT ?? 8787);
// A named instance's relay: DEV_DB_PORT when given, else any free port (0).
const dbPort = Number(process.env.DEV_DB_PORT ?? (instance ? 0 : 5488));
// The render service: RENDER_SERVICE_PORT when given (it must be free), else 8790 when free, else any free port.
const renderOff = process.env.RENDER_SERVICE === "off";
const renderPort = process.env.RENDER_SERVICE_PORT ? Number(process.env.RENDER_SERVICE_PORT) : undefined;
/** @type {(code: string, text: string) => string} */
const color = process.stdout.isTTY ? (code, text) => `\x1b[${code}m${text}\x1b[0m` : (_code, text) => text;

// A port in use is one line, with the way out: not a stack trace from deep inside.
for (const [p, name] of /** @type {const} */ ([[port, "PORT"], [dbPort, "DEV_DB_PORT"]])) {
  if (p && !(await portFree(p))) {
    console.error(
      instance
        ? `Port ${p} (${name === "PORT" ? "--port" : name}) is in use: another instance? Stop it, or choose another: npm run dev -- --instance ${instance} --port ${port + 1}`
        : `Port ${p} (${name}) is in use: another npm run dev? Stop it, or choose free ports: PORT=8788 DEV_DB_PORT=5489 npm run dev`,
    );
    process.exit(1);
  }
}
if (!renderOff && renderPort && !(await portFree(renderPort))) {
  console.error(`Port ${renderPort} (RENDER_SERVICE_PORT) is in use: another render service? Stop it, or choose a free port, or leave RENDER_SERVICE_PORT unset for any free one`);
  process.exit(1);
}

// The render service bundles itself at its first start: it starts while the database does.
const renderStarting = startRender(process.env);

const db = await startDevDatabase({ databaseUrl, dataDir, port: dbPort });
const title = instance ? `Rose Ash (${instance})` : "Rose Ash";
process.stdout.write(
  // A named instance's relay is on a port found free: said, for tools that reach its database (dev/federation.js).
  `${color("1", title)}, development\n  database  ${db.description}${dataDir ? `; delete ${instance ? `.data/${instance}/` : ".data/"} to start again from the seed` : ""}${instance ? `; relay at 127.0.0.1:${db.relayPort}` : ""}\n`,
);

// The resolver reads the database settings from its own [vars] (wrangler's
// --var reaches only the first Worker), so it runs from a copy of its config
// with this database's values, kept under .data/.
const resolverConfig = join(dataRoot, "dev", `resolver-${port}.wrangler.toml`);
mkdirSync(join(dataRoot, "dev"), { recursive: true });
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
const llmConfig = join(dataRoot, "dev", `llm-${port}.wrangler.toml`);
writeFileSync(
  llmConfig,
  readFileSync(new URL("../workers/llm/wrangler.toml", import.meta.url), "utf8")
    .replace(/^main = .*$/m, `main = ${JSON.stringify(fileURLToPath(new URL("../workers/llm/src/worker.ts", import.meta.url)))}`)
    .replace(/^DATABASE_URL = .*$/m, `DATABASE_URL = ${JSON.stringify(db.connectionString)}`)
    .replace(/^NEON_DEV_PROXY = .*$/m, (line) => [`NEON_DEV_PROXY = ${JSON.stringify(`127.0.0.1:${db.relayPort}`)}`, ...Object.entries(model.vars).map(([k, v]) => `${k} = ${JSON.stringify(v)}`)].join("\n")),
);
process.stdout.write(`  model     ${model.description}\n`);
const render = await renderStarting;
process.stdout.write(`  render    ${render.description}\n`);

// The app's Nunjucks templates, precompiled now and whenever one changes (wrangler then reloads the Worker).
await precompileTemplates();
watch(fileURLToPath(new URL("../app/templates/", import.meta.url)), { recursive: true }, () => {
  precompileTemplates().catch((e) => process.stderr.write(`templates: ${e instanceof Error ? e.message : String(e)}\n`));
});

const wranglerBin = createRequire(import.meta.url).resolve("wrangler/bin/wrangler.js");
// Its inspector (Chrome DevTools) on 9229; a named instance (or where 9229 is taken) on any free port: instances side by side.
const inspectorPort = !instance && (await portFree(9229)) ? 9229 : await anyFreePort();
const wrangler = spawn(
  process.execPath,
  [
    wranglerBin, "dev", "-c", "wrangler.toml", "-c", resolverConfig, "-c", llmConfig,
    "--ip", "127.0.0.1", "--port", String(port), "--inspector-port", String(inspectorPort),
    // Local Durable Objects, R2 and KV (pointers, cached pages): kept beside the database's data.
    "--persist-to", process.env.DEV_STATE_DIR || join(dataRoot, "wrangler"),
    "--var", `DATABASE_URL:${db.connectionString}`,
    "--var", `NEON_DEV_PROXY:127.0.0.1:${db.relayPort}`,
    // The render service's URL and secret (none when it is off or did not start).
    ...Object.entries(render.vars).flatMap(([k, v]) => ["--var", `${k}:${v}`]),
    // Its name on its actor (federation).
    ...(instance ? ["--var", `INSTANCE_NAME:${instance}`] : []),
    // More router variables (after the ones above: wrangler takes a name's last --var), as JSON (dev/stack.js passes them for tests: a pinning service, say).
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
  await Promise.all([render.stop(), db.stop()]);
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
    process.stdout.write(`\n  ${color("1;32", "➜")} ${title} is running at ${color("1;36", `http://127.0.0.1:${port}/`)}  (sign in as hannah@example.org, password rose-ash; Ctrl-C to stop)\n\n`);
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

/**
 * The render service (`npm run render-service`: gpu-render-service), on
 * 127.0.0.1 with a development-only secret, its store in .data/render-store
 * (DEV_STATE_DIR/render-store when that is set: a test's fresh state),
 * RENDER_BACKEND and RENDER_CALLBACK_ATTEMPTS from this environment. Ready
 * when its /health answers; after that only its stderr (warnings and errors)
 * is shown. If it cannot start, the site runs without it (no
 * RENDER_SERVICE_URL); if it stops later, one line says so and the site runs
 * on (media stays pending). RENDER_SERVICE=off: not started.
 * @param {NodeJS.ProcessEnv} env
 * @returns {Promise<{ vars: Record<string, string>, description: string, stop: () => Promise<void> }>}
 */
async function startRender(env) {
  if (env.RENDER_SERVICE === "off") return { vars: {}, description: "off (RENDER_SERVICE=off)", stop: async () => {} };
  const secret = "development-only-render-secret";
  // 8790 only when the site itself was not given it (it is not bound yet, so it would look free).
  const listenPort = renderPort ?? (port !== 8790 && dbPort !== 8790 && (await portFree(8790)) ? 8790 : 0);
  const store = env.DEV_STATE_DIR ? join(env.DEV_STATE_DIR, "render-store") : env.ROSE_RENDER_STORE || join(dataRoot, "render-store");
  // Dawn (Mesa's lavapipe) wants XDG_RUNTIME_DIR.
  const runtimeDir = env.XDG_RUNTIME_DIR ? undefined : mkdtempSync(join(tmpdir(), "rose-ash-render-"));
  const child = spawn(process.execPath, [fileURLToPath(new URL("../gpu-render-service/src/server/start.js", import.meta.url))], {
    cwd: root,
    env: { ...env, RENDER_SECRET: secret, RENDER_SERVICE_PORT: String(listenPort), RENDER_SERVICE_HOST: "127.0.0.1", ROSE_RENDER_STORE: store, XDG_RUNTIME_DIR: env.XDG_RUNTIME_DIR || runtimeDir },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stopping = false;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  const running = () => child.exitCode === null && child.signalCode === null;
  // However this process ends (an error while starting the rest, say), the service ends with it.
  process.once("exit", () => {
    if (running()) child.kill("SIGINT");
    if (runtimeDir) rmSync(runtimeDir, { recursive: true, force: true });
  });
  const stop = async () => {
    stopping = true;
    if (running()) {
      child.kill("SIGINT");
      // It lets go of its connections and exits; it does not wait for a render in flight past 5 s.
      await Promise.race([exited, new Promise((r) => setTimeout(r, 6000).unref())]);
    }
  };

  // Its stdout: which engine and why, the store, the port; then a line per job (not shown).
  let out = "";
  let err = "";
  let ready = false;
  child.stdout.setEncoding("utf8");
  child.stderr.setEncoding("utf8");
  const listening = new Promise((resolve) => {
    child.stdout.on("data", (chunk) => {
      if (ready) return;
      out += chunk;
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1]);
    });
  });
  // Its stderr: kept until it is ready (Dawn's notes while it looks for an adapter are summed up by the status line), then passed through.
  child.stderr.on("data", (chunk) => {
    if (ready) process.stderr.write(chunk);
    else err += chunk;
  });

  const timeoutMs = 60_000;
  const deadline = Date.now() + timeoutMs;
  /** @type {string | null} why it did not start */
  let failure = null;
  /** @type {{ backend?: string } | null} */
  let health = null;
  const url = await Promise.race([
    listening,
    exited.then(() => null),
    new Promise((r) => setTimeout(r, timeoutMs).unref()).then(() => null),
  ]);
  if (typeof url === "string") {
    while (!health && running() && Date.now() < deadline) {
      health = await fetch(`${url}/health`).then((r) => (r.ok ? r.json() : null), () => null);
      if (!health) await new Promise((r) => setTimeout(r, 100));
    }
  }
  if (!health || typeof url !== "string") {
    const said = err.split("\n").filter((l) => l.startsWith("render-service: ")).map((l) => l.slice("render-service: ".length));
    if (running()) {
      failure = `no answer from its /health in ${timeoutMs / 1000} s`;
      await stop();
    } else {
      await exited;
      failure = said.at(-1) ?? `it exited with ${child.exitCode ?? child.signalCode}`;
      if (!said.length && err.trim()) process.stderr.write(err);
    }
    return { vars: {}, description: `not started: ${failure}; the site runs without it (RENDER_SERVICE=off to leave it out)`, stop };
  }

  ready = true;
  // What it said on stderr while starting, less Dawn's own notes.
  for (const line of err.split("\n")) if (line.startsWith("render-service: ")) process.stderr.write(`${line}\n`);
  child.once("exit", (code, signal) => {
    // A Ctrl-C reaches it and this process at once: give this one's handler a moment to say so.
    setTimeout(() => {
      if (!stopping) console.error(`render-service: stopped unexpectedly (${signal ?? `exit ${code}`}); the site runs on without it, media stays pending until npm run dev is restarted`);
    }, 200);
  });

  // "backend webgpu on <adapter> (an adapter was found)", "backend cpu, as WebGPU is not available: <why>", "backend cpu".
  const first = /^render-service: backend (.*)$/m.exec(out)?.[1] ?? "";
  const backend = health.backend ?? first.split(/[ ,]/)[0] ?? "unknown";
  let why = "";
  const webgpu = /^webgpu on (.*?)( \(an adapter was found\))?$/.exec(first);
  if (webgpu) why = webgpu[2] ? webgpu[1] : `${webgpu[1]}; RENDER_BACKEND=webgpu`;
  else if (first === "cpu") why = env.RENDER_BACKEND ? `RENDER_BACKEND=${env.RENDER_BACKEND}` : "";
  else if (first.startsWith("cpu, as ")) why = first.slice("cpu, as ".length).split(" — ")[0];
  else why = first;
  return {
    vars: { RENDER_SERVICE_URL: url, RENDER_SECRET: secret },
    description: `${backend}${why ? ` (${why})` : ""} at ${url}`,
    stop,
  };
}

/** A port on 127.0.0.1 nothing listens on now. @returns {Promise<number>} */
function anyFreePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port: free } = /** @type {net.AddressInfo} */ (server.address());
      server.close(() => resolve(free));
    });
  });
}

/** Whether a port on 127.0.0.1 can be listened on. @param {number} p */
function portFree(p) {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once("error", () => resolve(false));
    server.listen(p, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}
