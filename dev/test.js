#!/usr/bin/env node
// @ts-check
/**
 * `npm test` after the type check: vitest, with the lines the tools print
 * about themselves left out, so that a failure stands out. Those are
 * workerd's note that the test runner's own connection closed after each
 * Worker test file, and Vite's about dependencies' source maps. What tests
 * print is already shown only for tests that fail (`silent: "passed-only"`).
 * Arguments go to `vitest run`; the exit status is vitest's.
 */
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

const NOISE = [/web-socket\.c\+\+:\d+: disconnected: WebSocket peer disconnected/, /^Sourcemap for ".*" points to a source file outside its package/];

const vitest = fileURLToPath(new URL("../node_modules/vitest/vitest.mjs", import.meta.url));
const child = spawn(process.execPath, [vitest, "run", ...process.argv.slice(2)], {
  stdio: ["inherit", "pipe", "pipe"],
  env: { ...process.env, ...(process.stdout.isTTY && !process.env.NO_COLOR ? { FORCE_COLOR: "1" } : {}) },
});
for (const [from, to] of /** @type {const} */ ([[child.stdout, process.stdout], [child.stderr, process.stderr]])) {
  createInterface({ input: from, crlfDelay: Infinity }).on("line", (line) => {
    if (!NOISE.some((re) => re.test(line))) to.write(line + "\n");
  });
}
child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
for (const s of /** @type {const} */ (["SIGINT", "SIGTERM"])) process.on(s, () => child.kill(s));
