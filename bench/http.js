/**
 * `npm run bench`, HTTP part: requests/second and latency of rendered pages
 * on the local stack (`npm run dev`: both Workers under wrangler dev, PGlite
 * behind the Neon relay) against a static hello-world route on the same
 * Worker, measured with autocannon in one run.
 *
 * With DATABASE_URL set, the stack uses that Postgres (in a scratch schema
 * with the seed data) instead of PGlite.
 *
 * Routes are measured in interleaved rounds (a run's speed drifts on a shared
 * 2-core machine, so each route sees the same conditions) and each figure is
 * the median over the rounds.
 *
 * Options: --seconds N per route and round (default 5), --rounds N (default 3),
 * --connections N (default 10).
 */
import autocannon from "autocannon";
import { createScratchSchema } from "../dev/db/scratch.js";
import { startStack } from "../dev/stack.js";

const argv = process.argv.slice(2);
const option = (name, fallback) => {
  const i = argv.indexOf(name);
  return i >= 0 ? Number(argv[i + 1]) : fallback;
};
const SECONDS = option("--seconds", 5);
const ROUNDS = option("--rounds", 3);
const CONNECTIONS = option("--connections", 10);

// The comparison, on one `wrangler dev` in one run: a cached page (served
// from its pointer; its user-scoped header is a hole filled per request), the
// same page rendered afresh every time (`Cache-Control: no-cache`, which the dev
// config honours: every query, component and the CID), and a static route.
// Then other pages: /events/ reads the time and /cart/ the session, so they
// are never shared.
/** @type {[string, string, Record<string, string>?][]} */
const ROUTES = [
  ["static hello-world (/_health)", "/_health"],
  // What response size alone costs here: a static file larger than any page.
  ["static asset, 51 KB (htmx)", "/static/htmx-2.0.11.min.js"],
  ["blog post, cached", "/blog/apple-day-2026/"],
  ["blog post, rendered every time", "/blog/apple-day-2026/", { "cache-control": "no-cache" }],
  ["home, cached", "/"],
  ["market listing, cached", "/market/"],
  ["events, never shared", "/events/"],
  ["cart, never shared", "/cart/"],
];

/** @param {string} url @param {Record<string, string>} headers */
function run(url, headers = {}) {
  return new Promise((resolve, reject) => {
    autocannon({ url, headers, connections: CONNECTIONS, duration: SECONDS }, (err, result) => (err ? reject(err) : resolve(result)));
  });
}

const scratch = process.env.DATABASE_URL ? await createScratchSchema(process.env.DATABASE_URL) : null;
const stack = await startStack({ port: 8797, dbPort: 7797, databaseUrl: scratch?.connectionString });
try {
  for (const [, path, headers] of ROUTES) {
    const res = await fetch(stack.url + path, { headers });
    if (res.status !== 200) throw new Error(`${path} answered ${res.status}`);
    await res.arrayBuffer();
  }
  // The pages' media (product pictures, post headers) render in the render service and land: measured after, as pages are served then.
  for (const [, path] of ROUTES) {
    for (let t = Date.now(); (await (await fetch(stack.url + path)).text()).includes("media-pending"); ) {
      if (Date.now() - t > 120_000) throw new Error(`${path}: its media did not land in 120 s`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  /** @type {Map<string, number>} each page's size as served (after its media landed) */
  const sizes = new Map();
  for (const [, path] of ROUTES) sizes.set(path, (await (await fetch(stack.url + path)).arrayBuffer()).byteLength);
  // Warm-up: the first requests compile the Workers' code.
  for (let i = 0; i < 200; i++) for (const [, path, headers] of ROUTES) await (await fetch(stack.url + path, { headers })).arrayBuffer();
  console.log(`\nHTTP on wrangler dev, database ${scratch ? "Postgres (DATABASE_URL)" : "PGlite"}: ${CONNECTIONS} connections, ${ROUNDS} rounds of ${SECONDS} s per route (medians)`);
  /** @type {{ rps: number, p50: number, p99: number }[][]} */
  const results = ROUTES.map(() => []);
  for (let round = 0; round < ROUNDS; round++) {
    for (const [i, [, path, headers]] of ROUTES.entries()) {
      const r = /** @type {any} */ (await run(stack.url + path, headers));
      if (r.non2xx || r.errors) throw new Error(`${path}: ${r.non2xx} non-2xx answers, ${r.errors} errors`);
      results[i].push({ rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99 });
    }
  }
  /** @param {number[]} xs */
  const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
  const rows = results.map((rs) => ({ rps: median(rs.map((r) => r.rps)), p50: median(rs.map((r) => r.p50)), p99: median(rs.map((r) => r.p99)) }));
  const hello = rows[0];
  console.log(`  ${"route".padEnd(34)} ${"req/s".padStart(7)} ${"p50 ms".padStart(7)} ${"p99 ms".padStart(7)}   p50 vs hello   req/s vs hello`);
  for (const [i, [label]] of ROUTES.entries()) {
    const m = rows[i];
    console.log(
      `  ${label.padEnd(34)} ${m.rps.toFixed(0).padStart(7)} ${String(m.p50).padStart(7)} ${String(m.p99).padStart(7)}   ${(m.p50 / hello.p50).toFixed(2).padStart(11)}x   ${(m.rps / hello.rps).toFixed(2).padStart(13)}x`,
    );
  }
  // Issue 17's two ratios: a cached page should cost no more than a static file of its size.
  const row = (label) => rows[ROUTES.findIndex(([l]) => l === label)];
  const market = row("market listing, cached");
  const file = row("static asset, 51 KB (htmx)");
  console.log(`  the cached market page (${(sizes.get("/market/") / 1024).toFixed(0)} KB) serves ${(market.rps / hello.rps).toFixed(2)}x hello-world's requests/s, the static 51 KB file ${(file.rps / hello.rps).toFixed(2)}x`);
} finally {
  await stack.stop();
  await scratch?.drop();
}
