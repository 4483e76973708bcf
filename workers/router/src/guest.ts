/**
 * Guest content: s-expressions the site did not write (a model's generation,
 * another instance's federated document), already checked, rendered inside
 * the page that asks. One way for both (`generated.ts`, `federated.ts`): the
 * checked form is evaluated under the policy's limits with its own step
 * budget, in the environment given, with the page's I/O, component plan
 * (hook) and recordings, so its queries go out in the page's waves and are
 * written down with the page's calls.
 *
 * What the checker cannot see (a number where a string was wanted, a
 * component given the wrong kind of data) fails when it runs: the guest part
 * then shows a notice with the position (`generatedFailures` reads it back),
 * and the page around it stands. Failures that are not the s-expression's
 * (the database) go on up as they would from any page.
 */
import { EvalContext, Html, SexpError, compileTop, escapeHtml, type Env, type Limits, type Node, type Out, type Value } from "@rose-ash/sexp";

/** The site's environment: the root of a request's (definitions are made there once per isolate). */
export function siteOf(env: Env): Env {
  let e = env;
  while (e.parent) e = e.parent;
  return e;
}

/** Evaluate a checked form in `env` under `limits`, in the page's evaluation `ctx`; a language error shows as a notice in its place. */
export function renderGuest(form: Node, env: Env, limits: Limits, ctx: EvalContext): Out {
  // Its own budget, the page's I/O, plan and recordings.
  const inner = new EvalContext(env, limits, ctx.io);
  inner.hook = ctx.hook;
  inner.recorders = ctx.recorders;
  inner.depth = ctx.depth;
  try {
    const value = compileTop(form)(null, inner);
    return value instanceof Promise ? value.catch(guestFailure) : value;
  } catch (e) {
    return guestFailure(e);
  }
}

/** A language error in guest code: a notice in its place, with the position; anything else is not ours to hide. */
export function guestFailure(e: unknown): Value {
  if (!(e instanceof SexpError)) throw e;
  const at = e.loc ? { line: e.loc.line, col: e.loc.col } : { line: 1, col: 1 };
  return new Html(
    `<p class="generated-error" role="alert" data-line="${at.line}" data-col="${at.col}">This part could not be shown: ${at.line}:${at.col}: ${escapeHtml(e.message)}</p>`,
  );
}

/** The failures (line, column, message) that guest code showed in a rendered page. */
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
