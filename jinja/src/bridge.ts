/**
 * The bridge from templates to s-expressions: in a Nunjucks environment,
 * `sexp(...)` — a global and a filter — renders an s-expression with the
 * site's components, the template's variables in scope:
 *
 *   {{ sexp('(~link-card :slug slug :title title)') }}
 *   {{ '(~link-card :slug slug :title title)' | sexp }}
 *   {% for p in posts %}{{ sexp('(~link-card :slug slug :title title)', slug=p.slug, title=p.title) }}{% endfor %}
 *
 * Its variables are the template's context and, over them, the call's
 * keyword arguments (a loop's or a `set`'s names are not in the context:
 * they are passed so). The HTML is marked safe only because the renderer
 * escaped it. It must render without I/O (templates render synchronously):
 * a component that queries is an error, with its position.
 */
import { SexpError, createEnv, fromJson, parse, renderForms, type Env, type Node } from "@rose-ash/sexp";

/** What the bridge needs of a Nunjucks environment (the full one, or the slim runtime's). */
export interface NunjucksEnvironment {
  addGlobal(name: string, value: unknown): unknown;
  addFilter(name: string, fn: (...args: never[]) => unknown): unknown;
}

/** How Nunjucks calls a global or a filter: `this` is the render's context. */
interface CallContext {
  readonly ctx?: Record<string, unknown>;
}

/** The expressions read so far, by their text (templates render the same ones again and again). */
const parsed = new Map<string, Node[]>();
const KEEP = 512;

/** Add `sexp` (global and filter) to a Nunjucks environment, rendering with `site`'s definitions; `markSafe` is Nunjucks' (runtime.markSafe). */
export function addSexpBridge(nunjucks: NunjucksEnvironment, site: Env, markSafe: (html: string) => unknown): void {
  function sexp(this: CallContext | undefined, source: unknown, keywords?: unknown): unknown {
    return markSafe(renderWith(site, source, { ...(this?.ctx ?? {}), ...keywordsOf(keywords) }));
  }
  nunjucks.addGlobal("sexp", sexp);
  nunjucks.addFilter("sexp", sexp as (...args: never[]) => unknown);
}

/** Render s-expression text with variables, in a child of the site's environment; synchronously, or an error saying why not. */
export function renderWith(site: Env, source: unknown, variables: Record<string, unknown>): string {
  if (typeof source !== "string") throw new Error(`sexp(): the s-expression must be text, not ${source === null ? "null" : typeof source}`);
  let forms = parsed.get(source);
  if (!forms) {
    try {
      forms = parse(source, { src: "sexp()" });
    } catch (e) {
      throw new Error(`sexp(): ${e instanceof SexpError ? e.text : String(e)}`);
    }
    if (parsed.size >= KEEP) parsed.delete(parsed.keys().next().value!);
    parsed.set(source, forms);
  }
  const env = createEnv(site);
  for (const [name, value] of Object.entries(variables)) {
    if (value !== undefined && typeof value !== "function") env.define(name, fromJson(value as never));
  }
  let html: string | Promise<string>;
  try {
    html = renderForms(forms, env);
  } catch (e) {
    throw new Error(`sexp(): ${e instanceof SexpError ? e.text : e instanceof Error ? e.message : String(e)}`);
  }
  if (typeof html !== "string") {
    html.catch(() => {});
    throw new Error(`sexp(): ${JSON.stringify(source.slice(0, 60))} does I/O (a query, a fragment): a template renders at once, so give it the data instead`);
  }
  return html;
}

function keywordsOf(keywords: unknown): Record<string, unknown> {
  if (typeof keywords !== "object" || keywords === null || !(keywords as { __keywords?: unknown }).__keywords) return {};
  const { __keywords: _, ...rest } = keywords as Record<string, unknown>;
  return rest;
}

