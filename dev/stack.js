// @ts-check
/**
 * Starts the whole local stack (`npm run dev`: the dev database, the render
 * service and the Workers under wrangler dev) as a child process, for tests
 * and benchmarks that talk to it over HTTP, and stops it again.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * @param {{ port: number, dbPort: number, databaseUrl?: string, vars?: Record<string, string>, env?: Record<string, string>, render?: boolean, instance?: string, timeoutMs?: number }} options
 *   databaseUrl: a Postgres to use (its schema applied); absent: PGlite in memory, seeded
 *   vars: more variables for the router Worker (wrangler's --var; these win over dev/main.js's own, RENDER_SERVICE_URL and RENDER_SECRET included)
 *   env: more environment for `npm run dev` itself (the model: LOCAL_GGUF, LLM_BASE_URL, ...; RENDER_BACKEND=cpu, RENDER_CALLBACK_ATTEMPTS, ...)
 *   render: false: no render service (RENDER_SERVICE=off: the router gets no RENDER_SERVICE_URL); true: one, even where
 *     this environment says RENDER_SERVICE=off; absent: one unless it says so. It runs on a free port (RENDER_SERVICE_PORT
 *     in `env` to choose one), its store fresh in the stack's state folder.
 *   instance: the instance's name (`--instance`: federation's two instances side by side; its state stays in the fresh folder)
 * @returns {Promise<{ url: string, relayPort: number, renderServiceUrl: string | null, output: () => string, freezeDatabase: () => void, thawDatabase: () => void, stop: () => Promise<void> }>}
 *   renderServiceUrl: the render service's own URL (jobs signed with dev/main.js's development secret), null when it is off or did not start
 */
export async function startStack({ port, dbPort, databaseUrl = "", vars = {}, env = {}, render, instance, timeoutMs = 90_000 }) {
  // A fresh state folder: pointers and cached pages from an earlier run do not carry over.
  const state = mkdtempSync(join(tmpdir(), "rose-ash-stack-"));
  const child = spawn(process.execPath, [fileURLToPath(new URL("./main.js", import.meta.url)), ...(instance ? ["--instance", instance, "--port", String(port)] : [])], {
    env: {
      ...process.env,
      // Any free port for the render service (stacks may run side by side), unless `env` chooses one.
      RENDER_SERVICE_PORT: "0",
      ...(render === undefined ? {} : { RENDER_SERVICE: render ? "" : "off" }),
      ...env,
      PORT: String(port), DEV_DB_PORT: String(dbPort), DATABASE_URL: databaseUrl, DEV_DB_DATA: "memory", DEV_STATE_DIR: state, DEV_VARS: JSON.stringify(vars),
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stderr.on("data", (chunk) => (output += chunk));
  await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the dev stack did not start in ${timeoutMs / 1000} s:\n${output}`)), timeoutMs);
    child.stdout.on("data", (chunk) => {
      output += chunk;
      if (output.includes("running at")) {
        clearTimeout(timer);
        resolve(undefined);
      }
    });
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`the dev stack exited with ${code}:\n${output}`));
    });
  });
  return {
    url: `http://127.0.0.1:${port}`,
    // The database's relay (Neon's WebSocket and HTTP endpoints): `dbPort`, or the one it found when that was 0.
    relayPort: Number(/relay at 127\.0\.0\.1:(\d+)/.exec(output)?.[1] ?? dbPort),
    renderServiceUrl: /^ {2}render {4}.* at (http:\/\/127\.0\.0\.1:\d+)$/m.exec(output)?.[1] ?? null,
    output: () => output,
    // The database and its relay live in this child process (wrangler in its own): stopping it freezes them, as a hung database would be.
    freezeDatabase: () => void child.kill("SIGSTOP"),
    thawDatabase: () => void child.kill("SIGCONT"),
    stop: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once("exit", resolve));
        child.kill("SIGINT");
        await exited;
      }
      rmSync(state, { recursive: true, force: true });
    },
  };
}
