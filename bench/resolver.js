/**
 * `npm run bench`, resolver part: bundles bench/resolver-page.ts (it uses the
 * resolver's TypeScript sources) with esbuild and reports how long a page of
 * 10 independent 20 ms queries takes, as a ratio of one query's latency.
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
  await measure(5, 6); // warm-up
  const ROUNDS = 30;
  const capped = median(await measure(ROUNDS, 6));
  const unlimited = median(await measure(ROUNDS, 100));
  const serial = median(await measure(5, 1));
  const L = settings.LATENCY_MS;
  console.log(`\nresolver: ${settings.QUERIES} independent queries of ${L} ms each, median of ${ROUNDS} renders`);
  console.log(`  Workers cap (6 in flight)      ${capped.toFixed(1).padStart(6)} ms   ${(capped / L).toFixed(2)}x one query`);
  console.log(`  no cap                         ${unlimited.toFixed(1).padStart(6)} ms   ${(unlimited / L).toFixed(2)}x one query   target < 1.5x`);
  console.log(`  serial (1 in flight)           ${serial.toFixed(1).padStart(6)} ms   ${(serial / L).toFixed(2)}x one query`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
