/**
 * `npm run bench`, HTTP part: requests/second and latency of rendered pages
 * on the local stack (`npm run dev`: both Workers under wrangler dev, PGlite
 * behind the Neon relay) against a static hello-world route on the same
 * Worker, measured with autocannon in one run.
 *
 * With DATABASE_URL set, the stack uses that Postgres (in a scratch schema
 * with the seed data) instead of PGlite.
 *
 * Options: --seconds N per route (default 10), --connections N (default 10).
 */
import autocannon from "autocannon";
import { createScratchSchema } from "../dev/db/scratch.js";
import { startStack } from "../dev/stack.js";

const argv = process.argv.slice(2);
const option = (name, fallback) => {
  const i = argv.indexOf(name);
  return i >= 0 ? Number(argv[i + 1]) : fallback;
};
const SECONDS = option("--seconds", 10);
const CONNECTIONS = option("--connections", 10);

// Shared pages are served from their pointers after the first request (the
// per-user header is still rendered per request); /events/ reads the time and
// /cart/ the session, so they are rendered every time.
const ROUTES = [
  ["static hello-world (/_health)", "/_health"],
  ["blog post, cached (header per user)", "/blog/apple-day-2026/"],
  ["home, cached (header per user)", "/"],
  ["market listing, cached (header per user)", "/market/"],
  ["events, rendered every time", "/events/"],
  ["cart, rendered every time", "/cart/"],
];

/** @param {string} url */
function run(url) {
  return new Promise((resolve, reject) => {
    autocannon({ url, connections: CONNECTIONS, duration: SECONDS }, (err, result) => (err ? reject(err) : resolve(result)));
  });
}

const scratch = process.env.DATABASE_URL ? await createScratchSchema(process.env.DATABASE_URL) : null;
const stack = await startStack({ port: 8797, dbPort: 7797, databaseUrl: scratch?.connectionString });
try {
  for (const [, path] of ROUTES) {
    const res = await fetch(stack.url + path);
    if (res.status !== 200) throw new Error(`${path} answered ${res.status}`);
  }
  // Warm-up: the first requests compile the Workers' code.
  for (let i = 0; i < 200; i++) for (const [, path] of ROUTES) await (await fetch(stack.url + path)).arrayBuffer();
  console.log(`\nHTTP on wrangler dev, database ${scratch ? "Postgres (DATABASE_URL)" : "PGlite"}: ${CONNECTIONS} connections, ${SECONDS} s per route`);
  console.log(`  ${"route".padEnd(42)} ${"req/s".padStart(8)} ${"p50 ms".padStart(8)} ${"p99 ms".padStart(8)}   vs hello-world`);
  let hello = 0;
  for (const [label, path] of ROUTES) {
    const r = /** @type {any} */ (await run(stack.url + path));
    if (r.non2xx || r.errors) throw new Error(`${path}: ${r.non2xx} non-2xx answers, ${r.errors} errors`);
    const rps = r.requests.average;
    hello ||= rps;
    console.log(
      `  ${label.padEnd(42)} ${rps.toFixed(0).padStart(8)} ${String(r.latency.p50).padStart(8)} ${String(r.latency.p99).padStart(8)}   ${(rps / hello).toFixed(2)}x the requests/s`,
    );
  }
} finally {
  await stack.stop();
  await scratch?.drop();
}
