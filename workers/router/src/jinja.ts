/**
 * `(jinja "fragments/nav_tree.njk" :items items)`: one of the app's legacy
 * Nunjucks templates rendered into the page (@rose-ash/vocabulary's
 * JINJA_PRIMITIVES). The templates were precompiled at build time
 * (dev/templates.js), so nothing is compiled here — Workers refuse `new
 * Function` — and they can call the site's components back through
 * `sexp(...)`. The keyword arguments are the template's variables, as plain
 * data; its HTML goes in as it is (Nunjucks escaped what it printed), which
 * is why only the app's own code may call it (the untrusted policy refuses it).
 */
import { templates as precompiled } from "@rose-ash/app";
import { precompiledTemplates, type Templates } from "@rose-ash/jinja/templates";
import { EvalError, Html, Keyword, type Env, type Registry, type Value } from "@rose-ash/sexp";
import { JINJA_PRIMITIVES, defineVocabulary, type PrimitiveFn } from "@rose-ash/vocabulary";
import { siteOf } from "./guest.ts";

const bySite = new WeakMap<Env, Templates>();

const jinja: PrimitiveFn = ([name, ...keys], ctx) => {
  if (typeof name !== "string") throw new EvalError("jinja: the first argument is the template's name (text), e.g. \"fragments/nav_tree.njk\"");
  const variables: Record<string, unknown> = {};
  for (let i = 0; i < keys.length; i += 2) {
    const k = keys[i];
    if (!(k instanceof Keyword) || i + 1 >= keys.length) throw new EvalError("jinja: the template's variables come as :name value pairs");
    variables[k.name] = plain(keys[i + 1]!);
  }
  const site = siteOf(ctx.env);
  let templates = bySite.get(site);
  if (!templates) bySite.set(site, (templates = precompiledTemplates(precompiled, site)));
  try {
    return new Html(templates.render(name, variables));
  } catch (e) {
    throw new EvalError(`jinja: ${name}: ${e instanceof Error ? e.message : String(e)}`);
  }
};

/** A value as the data a template reads: maps as objects (keys by name), keywords as their names, lists as arrays. */
function plain(v: Value): unknown {
  if (v instanceof Keyword) return v.name;
  if (v instanceof Html) return v.html;
  if (Array.isArray(v)) return v.map(plain);
  if (v instanceof Map) return Object.fromEntries([...v].map(([k, x]) => [String(k), plain(x as Value)]));
  return v;
}

export function registerJinjaPrimitives(registry: Registry): void {
  defineVocabulary(registry, JINJA_PRIMITIVES, { jinja });
}
