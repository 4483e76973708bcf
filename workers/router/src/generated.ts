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
 * What the checker cannot see fails when it runs: the generated part then
 * shows a notice with the position, and the page around it stands (guest.ts,
 * shared with federated documents).
 */
import { EvalError, buildCatalog, policyLimits, untrusted, validateGenerated, type Catalog, type Env, type Node, type Registry } from "@rose-ash/sexp";
import { GENERATED_PRIMITIVES, defineVocabulary, type PrimitiveFn } from "@rose-ash/vocabulary";
import { renderGuest, siteOf } from "./guest.ts";

export { generatedFailures } from "./guest.ts";

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
  return renderGuest(form, ctx.env, limits, ctx);
};

const catalogs = new WeakMap<Env, Catalog>();

/**
 * What generated code may use here: the catalog the LLM Worker makes from
 * the same vocabulary and sources. Federated documents are held to it too
 * (federated.ts, and federation/receive.ts as they arrive): this is the one
 * place the site's catalog is made.
 */
export function catalogOf(site: Env): Catalog {
  let catalog = catalogs.get(site);
  if (!catalog) catalogs.set(site, (catalog = buildCatalog({ registry: site.registry, env: site })));
  return catalog;
}

export function registerGeneratedPrimitives(registry: Registry): void {
  defineVocabulary(registry, GENERATED_PRIMITIVES, { generated });
}
