/**
 * A small receiving site for the federation tests: the real site vocabulary
 * (queries, fragments, actions, who is asking, media), a query, and
 * components of its own, one of which (`~post-article`) the origin has too.
 */
import { createEnv, definitionsOf, evaluateForms, parse, type Env, type Node, type Registry } from "@rose-ash/sexp";
import { siteVocabulary } from "@rose-ash/vocabulary";

export const SITE_SOURCE = `
(defquery blog recent-posts (&key (limit 5))
  "The latest posts."
  :params {:limit :int}
  :returns :many
  :shape {:slug :text :title :text}
  :sql "SELECT slug, title FROM posts LIMIT :limit")

(defcomp ~post-article (&key title &rest body)
  (article :class "site-post" (h1 :class "site-title" title) body))

(defcomp ~site-card (&key title)
  (div :class "site-card" title))

(defcomp ~cart-mini (&key user_id)
  (span "cart of " user_id))

(defcomp ~recent ()
  (ul (map (fn (p) (li (:title p))) (query blog recent-posts :limit 3))))
`;

/** The site: its registry and evaluated environment. */
export async function testSite(): Promise<{ registry: Registry; env: Env }> {
  const registry = siteVocabulary();
  const env = createEnv(registry);
  await evaluateForms(parse(SITE_SOURCE, { src: "site.sexp" }), env);
  return { registry, env };
}

/** Definitions as an origin sends them (each its canonical source, read back), by name. */
export function remoteDefinitions(source: string): Map<string, Node> {
  return definitionsOf(parse(source, { src: "origin.sexp" }));
}
