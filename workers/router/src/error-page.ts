/**
 * What a request that failed answers: never a bare "Internal Server Error",
 * but the site's own error page (`~error-page`) with a short reference that
 * the log has the detail under. The database out of reach (its deadline
 * passed, or the circuit breaker is open) is a 503 with Retry-After; anything
 * else a 500. In development the page also shows the error with its
 * position and the source line; in production only the log does.
 */
import { EvalContext, Keyword, apply, createEnv, escapeHtml, formatError, toHtml, type Value } from "@rose-ash/sexp";
import { UnavailableError, causeOf } from "@rose-ash/resolver";
import { routes, sources } from "@rose-ash/app";
import { isDevelopment, type WorkerEnv } from "./env.ts";
import type { Site } from "./site.ts";

const sourceTexts = new Map([...sources, ...routes].map((s) => [s.name, s.text]));

/** The error, logged under a new reference, as the response a person sees. */
export async function errorResponse(e: unknown, env: Pick<WorkerEnv, "ENVIRONMENT">, site: Site | null): Promise<Response> {
  const reference = crypto.randomUUID().slice(0, 8);
  const detail = formatError(e, (src) => sourceTexts.get(src));
  console.error(`[${reference}] ${detail}`);
  const unavailable = causeOf(e, UnavailableError);
  const status = unavailable ? 503 : 500;
  const page = unavailable
    ? { title: "Temporarily unavailable", message: "The site cannot reach its data just now. Please try again in a few seconds." }
    : { title: "Something went wrong", message: "This page could not be made. The problem has been logged; quote the reference below if you report it." };
  const shown = isDevelopment(env) ? detail : null;
  const html = (site && renderErrorPage(site, { ...page, reference, detail: shown })) || plainErrorPage({ ...page, reference, detail: shown });
  const headers: Record<string, string> = { "content-type": "text/html; charset=utf-8", "cache-control": "no-store", "x-rose-error": reference };
  if (unavailable) headers["retry-after"] = String(Math.max(1, Math.ceil(unavailable.retryAfterMs / 1000)));
  return new Response(html, { status, headers });
}

interface ErrorPage {
  readonly title: string;
  readonly message: string;
  readonly reference: string;
  readonly detail: string | null;
}

/** The site's `~error-page`; null when it cannot be rendered (the page below is the fallback). */
function renderErrorPage(site: Site, page: ErrorPage): string | null {
  const component = site.app.env.lookup("~error-page");
  if (!component) return null;
  try {
    const args: Value[] = Object.entries(page).flatMap(([k, v]) => [Keyword.of(k), v]);
    // Nothing here may do I/O: no request context is given.
    const html = apply(component as Value, args, new EvalContext(createEnv(site.app.env)));
    return html instanceof Promise ? null : toHtml(html);
  } catch (e) {
    console.error(`~error-page failed: ${formatError(e)}`);
    return null;
  }
}

/** For when the site itself cannot load: the same page, written out here. */
function plainErrorPage({ title, message, reference, detail }: ErrorPage): string {
  return (
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">` +
    `<title>${escapeHtml(title)} · Rose Ash</title><link rel="stylesheet" href="/static/site.css"></head><body>` +
    `<header class="site-header"><a class="logo" href="/">Rose Ash</a></header>` +
    `<main class="layout narrow error-page"><h1>${escapeHtml(title)}</h1><p>${escapeHtml(message)}</p>` +
    `<p class="reference">Reference <code>${escapeHtml(reference)}</code></p>` +
    (detail ? `<pre class="error-detail">${escapeHtml(detail)}</pre>` : "") +
    `</main></body></html>`
  );
}
