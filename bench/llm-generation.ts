/**
 * The LLM endpoint's own cost per generation, the model excluded: a typical
 * model reply (prose around a fenced s-expression that lists products through
 * the site's query and component) is extracted, repaired where certain,
 * validated with the untrusted policy, kept (pretty print, hash, CID, cache
 * key), and rendered with the site's components. The query answers with rows
 * already in hand (the database's time is the database's, not this
 * pipeline's). Also the catalog and grammar build, once per isolate.
 */
import {
  buildCatalog,
  catalogGrammar,
  compileTop,
  contentHash,
  createEnv,
  EvalContext,
  extractSexp,
  fromJson,
  Html,
  policyLimits,
  pretty,
  repairSexp,
  sha3Hex,
  toHtml,
  untrusted,
  validateGenerated,
  type Value,
} from "@rose-ash/sexp";
import { MEDIA_PRIMITIVES, siteVocabulary } from "@rose-ash/vocabulary";
import { sources } from "@rose-ash/app";
import { cidOf } from "../content/src/cid.ts";
import { loadApp } from "../workers/resolver/src/index.ts";
import { mediaAbsent } from "../workers/router/src/media/elements.ts";
import { readRenderMedia } from "../workers/router/src/media/media-call.ts";

/** Rows of the market's `products` query as the database gives them (20 products). */
const rows = Array.from({ length: 20 }, (_, i) => ({
  id: i + 1,
  slug: `product-${i + 1}`,
  name: `Product ${i + 1}, 500g`,
  category: "bakery",
  price_pence: 150 + i * 35,
  sale_price_pence: i % 4 === 0 ? 120 + i * 30 : null,
  stock: i % 5 === 0 ? 0 : 10 + i,
  is_new: i % 3 === 0,
  on_sale: i % 4 === 0,
  image_url: null,
}));

export const REPLY = `Here is a page with the cheapest bakery products:

\`\`\`lisp
(section :class "picks"
  (h2 “Cheapest in the bakery”)
  (p "Fresh every morning, sorted by price.")
  (div :class "grid"
    (map (fn (p) (~product-card :product p))
         (query market products :category "bakery" :sort "price-asc"))))
\`\`\`

Let me know if you would like a different category.`;

const registry = siteVocabulary().extend();
// The query with its answer in hand (see above); everything else is the site's vocabulary.
registry.defineIO({ name: "query", params: "service name &rest args", names: 2, doc: "bench: rows in hand", fn: () => fromJson(rows) });
// The products' pictures: recipes read as the router reads them; outside a page's request each stands as its placeholder.
registry.defineIO({ ...MEDIA_PRIMITIVES.find((p) => p.name === "render-media")!, fn: (args) => { const { spec, look } = readRenderMedia(args); return new Html(mediaAbsent(spec, look)); } });
const app = await loadApp(sources, registry);
const limits = policyLimits(untrusted);
const utf8 = new TextEncoder();

export function buildGrammar(): { catalogMs: number; grammarMs: number; grammar: string; rules: number } {
  const t0 = performance.now();
  const catalog = buildCatalog({ registry, env: app.env });
  const t1 = performance.now();
  const grammar = catalogGrammar(catalog);
  const t2 = performance.now();
  return { catalogMs: t1 - t0, grammarMs: t2 - t1, grammar, rules: grammar.split("\n").filter((l) => l.includes("::=")).length };
}

const catalog = buildCatalog({ registry, env: app.env });

/** One generation's overhead, in ms per step. */
export async function generation(reply: string): Promise<Record<"extract" | "validate" | "keep" | "render" | "total", number>> {
  const t0 = performance.now();
  const extracted = extractSexp(reply)!;
  const repaired = repairSexp(extracted.text);
  const t1 = performance.now();
  const checked = validateGenerated(repaired.text, { registry, env: app.env, catalog });
  if (checked.problems.length || checked.forms.length !== 1) throw new Error(`the bench's reply is not valid: ${JSON.stringify(checked.problems)}`);
  const form = checked.forms[0]!;
  const t2 = performance.now();
  const sexp = pretty(form);
  const hash = contentHash(form);
  const cid = (await cidOf(utf8.encode(sexp))).toString();
  const key = sha3Hex(JSON.stringify(["llm-cache/1", catalog.hash, "bench/model", "cheapest bakery", ""]));
  if (!hash || !cid || !key) throw new Error("nothing kept");
  const t3 = performance.now();
  const ctx = new EvalContext(createEnv(app.env), limits);
  const value = await compileTop(form)(null, ctx);
  const html = toHtml(value as Value);
  const bytes = utf8.encode(html);
  await cidOf(bytes);
  if (!html.includes("Cheapest in the bakery")) throw new Error("the render lost its heading");
  const t4 = performance.now();
  return { extract: t1 - t0, validate: t2 - t1, keep: t3 - t2, render: t4 - t3, total: t4 - t0 };
}
