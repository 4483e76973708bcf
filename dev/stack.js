// @ts-check
/**
 * Starts the whole local stack (`npm run dev`: the dev database and both
 * Workers under wrangler dev) as a child process, for tests and benchmarks
 * that talk to it over HTTP, and stops it again.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * @param {{ port: number, dbPort: number, databaseUrl?: string, vars?: Record<string, string>, env?: Record<string, string>, timeoutMs?: number }} options
 *   databaseUrl: a Postgres to use (its schema applied); absent: PGlite in memory, seeded
 *   vars: more variables for the router Worker (wrangler's --var)
 *   env: more environment for `npm run dev` itself (the model: LOCAL_GGUF, LLM_BASE_URL, ...)
 * @returns {Promise<{ url: string, output: () => string, freezeDatabase: () => void, thawDatabase: () => void, stop: () => Promise<void> }>}
 */
export async function startStack({ port, dbPort, databaseUrl = "", vars = {}, env = {}, timeoutMs = 90_000 }) {
  // A fresh state folder: pointers and cached pages from an earlier run do not carry over.
  const state = mkdtempSync(join(tmpdir(), "rose-ash-stack-"));
  const child = spawn(process.execPath, [fileURLToPath(new URL("./main.js", import.meta.url))], {
    env: { ...process.env, ...env, PORT: String(port), DEV_DB_PORT: String(dbPort), DATABASE_URL: databaseUrl, DEV_DB_DATA: "memory", DEV_STATE_DIR: state, DEV_VARS: JSON.stringify(vars) },
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
