/**
 * `npm run bench`, streaming part: the benchmark page (bench/page.sexp) when
 * its products take 50 ms to arrive, as a page no cache has. Time to first
 * byte and to the last byte of:
 *
 * - sexp, streamed (`streamForms`): the shell (head, header, nav, the
 *   article) at once, the product grid in order when its data comes;
 * - sexp, rendered whole (`renderForms`): nothing until everything is there;
 * - React's `renderToReadableStream` (react-dom/server.edge) on the same
 *   page, the grid behind a Suspense boundary waiting with `use`.
 *
 * All three pages are checked against the template literal's HTML first
 * (React's streamed page is checked rendered whole; streamed, its grid comes
 * in a hidden div its script moves into place).
 *
 * Options: --runs N (default 30), --delay MS (default 50).
 */
import "./production.js";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { createEnv, evaluateForms, fromJson, isDefinition, parse, renderForms, streamForms } from "../sexp/dist/index.js";
import { pageData } from "./data.js";
import { firstDifference } from "./equivalence.js";
import { renderPage as renderReact, streamPage as streamReact } from "./peers/react.js";
import { renderPage as renderTemplate } from "./peers/template-literal.js";

const argv = process.argv.slice(2);
const option = (name, fallback) => {
  const i = argv.indexOf(name);
  return i >= 0 ? Number(argv[i + 1]) : fallback;
};
const RUNS = option("--runs", 30);
const DELAY = option("--delay", 50);

const source = readFileSync(fileURLToPath(new URL("./page.sexp", import.meta.url)), "utf8");
const forms = parse(source, { src: "bench/page.sexp" });
const pageForms = forms.filter((f) => !isDefinition(f));
const dataEnv = createEnv();
for (const [name, value] of Object.entries(pageData)) if (name !== "products") dataEnv.define(name, fromJson(value));
const siteEnv = createEnv(dataEnv);
if (evaluateForms(forms.filter(isDefinition), siteEnv) instanceof Promise) throw new Error("page.sexp definitions did I/O");
const products = fromJson(pageData.products);

/** The products as a query would give them: after DELAY ms. */
const slowly = (value) => new Promise((resolve) => setTimeout(() => resolve(value), DELAY));

/** A request's environment: the products still coming. */
function requestEnv() {
  const env = createEnv(siteEnv);
  env.define("products", slowly(products));
  return env;
}

/** Read a stream to its end: [ms to the first chunk, ms to the end, the first chunk's bytes, the text]. */
async function timed(t0, stream) {
  const reader = stream.getReader();
  const utf8 = new TextDecoder();
  let first = -1;
  let firstBytes = 0;
  let text = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    if (first < 0) (first = performance.now() - t0), (firstBytes = value.length);
    text += utf8.decode(value, { stream: true });
  }
  return { first, last: performance.now() - t0, firstBytes, text };
}

const contenders = [
  {
    name: "sexp, streamed",
    run: () => {
      const t0 = performance.now();
      return timed(t0, streamForms(pageForms, requestEnv()));
    },
  },
  {
    name: "sexp, rendered whole",
    run: async () => {
      const t0 = performance.now();
      const html = await renderForms(pageForms, requestEnv());
      const t = performance.now() - t0;
      return { first: t, last: t, firstBytes: Buffer.byteLength(html), text: html };
    },
  },
  {
    name: "React renderToReadableStream",
    run: async () => {
      const t0 = performance.now();
      return timed(t0, await streamReact({ ...pageData, products: slowly(pageData.products) }));
    },
  },
];

// The same page from each: sexp's streamed and whole pages are the template literal's; React's too, rendered whole.
const reference = renderTemplate(pageData);
for (const c of contenders.slice(0, 2)) {
  const diff = firstDifference(reference, (await c.run()).text, "template literal", c.name);
  if (diff) throw new Error(`${c.name} differs:\n${diff}`);
}
const reactDiff = firstDifference(reference, renderReact(pageData), "template literal", "React renderToString");
if (reactDiff) throw new Error(`React's page differs:\n${reactDiff}`);
const reactStreamed = (await contenders[2].run()).text;
for (const part of ["Loading…", "$RC", "<h1>", 'class="grid"']) if (!reactStreamed.includes(part)) throw new Error(`React's streamed page lacks ${part}`);

// Warm up, then interleaved runs.
for (let i = 0; i < 5; i++) for (const c of contenders) await c.run();
const samples = contenders.map(() => []);
for (let i = 0; i < RUNS; i++) for (const [k, c] of contenders.entries()) samples[k].push(await c.run());
const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

console.log(`\nStreaming: the benchmark page, its products arriving after ${DELAY} ms; ${RUNS} runs each, medians (HTML checked equivalent to the template literal's)`);
console.log(`  ${"".padEnd(30)} ${"first byte".padStart(11)} ${"last byte".padStart(10)} ${"first chunk".padStart(12)}`);
const rows = samples.map((s) => ({ first: median(s.map((r) => r.first)), last: median(s.map((r) => r.last)), bytes: median(s.map((r) => r.firstBytes)) }));
for (const [k, c] of contenders.entries()) {
  const r = rows[k];
  console.log(`  ${c.name.padEnd(30)} ${`${r.first.toFixed(2)} ms`.padStart(11)} ${`${r.last.toFixed(1)} ms`.padStart(10)} ${`${(r.bytes / 1024).toFixed(1)} KB`.padStart(12)}`);
}
const [streamed, whole, react] = rows;
console.log(`  first byte: streamed ${(whole.first / streamed.first).toFixed(0)}x sooner than rendered whole; React's shell ${(react.first / streamed.first).toFixed(2)}x sexp's time`);
console.log(`  target: the shell in under 5 ms: ${streamed.first < 5 ? "met" : "NOT met"} (${streamed.first.toFixed(2)} ms)`);
