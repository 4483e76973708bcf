/**
 * `(generated source)`: s-expression text a model or a person wrote (see
 * @rose-ash/vocabulary's GENERATED_PRIMITIVES), rendered inside the page
 * that asks. It is checked with the untrusted policy against the site's
 * vocabulary first, as the LLM Worker checks a model's answer (the same
 * catalog: private queries and components are not there), a problem an
 * error with its line and column, never
 * a render), then evaluated in the page's own context: its queries go out in
 * the page's waves and are written down with the page's calls, its
 * user-scoped components become holes of a shared page, and the policy's
 * step and depth limits bound it. A source is checked once per isolate.
 *
 * What the checker cannot see (a number where a string was wanted, a
 * component given the wrong kind of data) fails when it runs: the generated
 * part then shows a notice with the position (`generatedFailure` reads it
 * back), and the page around it stands. Failures that are not the
 * s-expression's (the database) go on up as they would from any page.
 */
import { EvalContext, EvalError, Html, SexpError, buildCatalog, compileTop, escapeHtml, policyLimits, untrusted, validateGenerated, type Catalog, type Env, type Node, type Registry, type Value } from "@rose-ash/sexp";
import { GENERATED_PRIMITIVES, defineVocabulary, type PrimitiveFn } from "@rose-ash/vocabulary";

const checked = new Map<string, Node>();
const KEEP = 256;
const limits = policyLimits(untrusted);

const generated: PrimitiveFn = ([source], ctx) => {
  if (typeof source !== "string") throw new EvalError("generated: the source must be s-expression text (a string)");
  let form = checked.get(source);
  if (form === undefined) {
    const site = siteOf(ctx.env);
    const result = validateGenerated(source, { registry: site.registry, env: site, catalog: catalogOf(site) });
    const problem = result.problems[0];
    if (problem) throw new EvalError(`generated: ${problem.line}:${problem.col}: ${problem.message}${result.problems.length > 1 ? ` (and ${result.problems.length - 1} more)` : ""}`);
    if (result.forms.length !== 1) throw new EvalError("generated: the source must be one form");
    form = result.forms[0]!;
    if (checked.size >= KEEP) checked.delete(checked.keys().next().value!);
    checked.set(source, form);
  }
  // Its own budget, the page's I/O, plan and recordings.
  const inner = new EvalContext(ctx.env, limits, ctx.io);
  inner.hook = ctx.hook;
  inner.recorders = ctx.recorders;
  inner.depth = ctx.depth;
  try {
    const value = compileTop(form)(null, inner);
    return value instanceof Promise ? value.catch(failure) : value;
  } catch (e) {
    return failure(e);
  }
};

/** The site's environment: the root of a request's (definitions are made there once per isolate). */
function siteOf(env: Env): Env {
  let e = env;
  while (e.parent) e = e.parent;
  return e;
}

const catalogs = new WeakMap<Env, Catalog>();

/** What generated code may use here: the catalog the LLM Worker makes from the same vocabulary and sources. */
function catalogOf(site: Env): Catalog {
  let catalog = catalogs.get(site);
  if (!catalog) catalogs.set(site, (catalog = buildCatalog({ registry: site.registry, env: site })));
  return catalog;
}

/** A language error in generated code: a notice in its place, with the position; anything else is not ours to hide. */
function failure(e: unknown): Value {
  if (!(e instanceof SexpError)) throw e;
  const at = e.loc ? { line: e.loc.line, col: e.loc.col } : { line: 1, col: 1 };
  return new Html(
    `<p class="generated-error" role="alert" data-line="${at.line}" data-col="${at.col}">This part could not be shown: ${at.line}:${at.col}: ${escapeHtml(e.message)}</p>`,
  );
}

/** The failures (line, column, message) that generated code showed in a rendered page. */
export function generatedFailures(html: string): { line: number; col: number; message: string }[] {
  return [...html.matchAll(/<p class="generated-error" role="alert" data-line="(\d+)" data-col="(\d+)">This part could not be shown: \d+:\d+: ([^<]*)<\/p>/g)].map((m) => ({
    line: Number(m[1]),
    col: Number(m[2]),
    message: unescape(m[3]!),
  }));
}

function unescape(text: string): string {
  return text.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, "&");
}

export function registerGeneratedPrimitives(registry: Registry): void {
  defineVocabulary(registry, GENERATED_PRIMITIVES, { generated });
}
