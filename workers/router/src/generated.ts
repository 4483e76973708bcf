/**
 * `(generated source)`: s-expression text a model or a person wrote (see
 * @rose-ash/vocabulary's GENERATED_PRIMITIVES), rendered inside the page
 * that asks. It is checked with the untrusted policy against the site's
 * vocabulary first (a problem is an error with its line and column, never
 * a render), then evaluated in the page's own context: its queries go out in
 * the page's waves and are written down with the page's calls, its
 * user-scoped components become holes of a shared page, and the policy's
 * step and depth limits bound it. A source is checked once per isolate.
 */
import { EvalContext, EvalError, compileTop, policyLimits, untrusted, validateGenerated, type Node, type Registry } from "@rose-ash/sexp";
import { GENERATED_PRIMITIVES, defineVocabulary, type PrimitiveFn } from "@rose-ash/vocabulary";

const checked = new Map<string, Node>();
const KEEP = 256;
const limits = policyLimits(untrusted);

const generated: PrimitiveFn = ([source], ctx) => {
  if (typeof source !== "string") throw new EvalError("generated: the source must be s-expression text (a string)");
  let form = checked.get(source);
  if (form === undefined) {
    const result = validateGenerated(source, { registry: ctx.env.registry, env: ctx.env });
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
  return compileTop(form)(null, inner);
};

export function registerGeneratedPrimitives(registry: Registry): void {
  defineVocabulary(registry, GENERATED_PRIMITIVES, { generated });
}
