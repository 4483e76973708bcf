import { it } from "vitest";
import { sources } from "@rose-ash/app";
import { loadApp } from "@rose-ash/resolver";
import { buildCatalog, extractSexp, repairSexp, validateGenerated } from "@rose-ash/sexp";
import { siteVocabulary } from "@rose-ash/vocabulary";
it("t", async () => {
  const registry = siteVocabulary();
  const app = await loadApp(sources, registry);
  const catalog = buildCatalog({ registry, env: app.env });
  const reply = 'Here you go:\n```lisp\n(div :class "grid"\n  (h2 "Bakery")\n  (map (fn (x) (~product-card :product x))\n    (query market products :category "bakery" :sort "price-asc")))\n```\n';
  const times: number[] = [];
  for (let i = 0; i < 300; i++) {
    const t = performance.now();
    const e = extractSexp(reply)!; const r = repairSexp(e.text); const v = validateGenerated(r.text, { registry, env: app.env, catalog });
    times.push(performance.now() - t);
    if (v.problems.length) throw new Error(JSON.stringify(v.problems));
  }
  times.sort((a, b) => a - b);
  console.log("p50", times[150], "p90", times[270]);
});
