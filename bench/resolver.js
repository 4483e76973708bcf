/**
 * `npm run bench`, resolver part: bundles bench/resolver-page.ts (it uses the
 * resolver's TypeScript sources) with esbuild and reports how long a page of
 * 10 independent queries against a database 20 ms away takes, as a ratio of
 * one round trip.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { build } from "esbuild";

const dir = mkdtempSync(join(tmpdir(), "rose-ash-bench-"));
const out = join(dir, "resolver-page.mjs");
try {
  await build({
    entryPoints: [new URL("./resolver-page.ts", import.meta.url).pathname],
    bundle: true,
    platform: "node",
    format: "esm",
    outfile: out,
    logLevel: "warning",
  });
  const { measure, settings } = await import(pathToFileURL(out).href);
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  await measure(5, "batched"); // warm-up
  const ROUNDS = 30;
  const batched = median(await measure(ROUNDS, "batched"));
  const perQuery = median(await measure(ROUNDS, "per-query"));
  const serial = median(await measure(5, "serial"));
  const L = settings.LATENCY_MS;
  const row = (label, ms, note = "") => console.log(`  ${label.padEnd(44)} ${ms.toFixed(1).padStart(6)} ms   ${(ms / L).toFixed(2)}x one round trip${note}`);
  console.log(`\nresolver: ${settings.QUERIES} independent queries, database ${L} ms away, median of ${ROUNDS} renders`);
  row("batched: one batch, one statement per wave", batched, "   target < 1.5x");
  row("one statement per query, 6 connections", perQuery);
  row("serial, one at a time", serial);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
