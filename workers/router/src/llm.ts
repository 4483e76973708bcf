/**
 * The LLM endpoint, as HTTP (the contract other tools rely on):
 *
 *   POST /llm                 {"prompt", "conversation"?} (or "sexp": the playground) ->
 *                             200 {sexp, hash, cid, html, model, cached, repairs, conversation, ...};
 *                             422 {error, errors: [{line, col, message}], sexp}; 400; 413; 429
 *                             (Retry-After); 403 from another site; 502 the provider failed;
 *                             503 no model configured.
 *                             With Accept: text/html or a form post, the same as a page (htmx: a turn).
 *   GET  /llm                 the chat page (and playground)
 *   POST /llm/feedback        a rating (1..5) or a click on a generation
 *   GET  /llm/catalog         what the model may use, with its hash
 *   GET  /llm/grammar.gbnf    the grammar compiled from it
 *   GET  /llm/generations/:h  a generation's provenance (ActivityStreams Create)
 *   GET  /llm/actor           who generations are attributed to
 *
 * The LLM Worker (over the LLM service binding, or in-process without one)
 * turns the prompt into a validated s-expression; it is then rendered as the
 * site's page /llm/g/<hash>/ (app/routes/llm.sexp), through the one
 * executor: live data, holes for who is asking, stored by CID and kept by
 * its pointer like any page.
 */
import { Html, Keyword, apply, fromJson, toHtml, type Value } from "@rose-ash/sexp";
import { ACTIVITY_JSON, HAND_WRITTEN, creationOf, lineDiff, llmActor, llmService, type Generation, type LlmService, type Outcome } from "@rose-ash/llm";
import { readText } from "./body.ts";
import { isCrossSite } from "./cross-site.ts";
import { generatedFailures } from "./generated.ts";
import { deferTo, isDevelopment, type WorkerEnv } from "./env.ts";
import { currentSite, evalContext, executorFor, requestContext } from "./render.ts";
import { Session } from "./session.ts";

/** Largest request body taken, in bytes. */
export const LLM_MAX_BODY_BYTES = 64 * 1024;
/** Requests a minute per address and per session, unless LLM_RATE_LIMIT says otherwise. */
const DEFAULT_RATE_LIMIT = 10;

/** Answers a request as the site would (the router's `handle`): how generations are rendered (whole: their CID is part of the answer). */
export type SiteHandler = (request: Request, env: WorkerEnv, context?: ExecutionContext, options?: { readonly whole?: boolean }) => Promise<Response>;

let inProcess: { env: WorkerEnv; service: LlmService } | null = null;

/** The LLM Worker over its binding, or the same service in this isolate. */
function llmOf(env: WorkerEnv): LlmService {
  if (env.LLM) return env.LLM as unknown as LlmService;
  if (inProcess?.env !== env) inProcess = { env, service: llmService(env) };
  return inProcess.service;
}

interface Asked {
  readonly prompt?: string;
  readonly sexp?: string;
  readonly conversation?: string;
  /** The form was posted (not JSON). */
  readonly form: boolean;
}

export async function postLlm(request: Request, env: WorkerEnv, context: ExecutionContext | undefined, handle: SiteHandler): Promise<Response> {
  const html = wantsHtml(request);
  // Any client without an Origin (curl, tools) or this site's own pages; never another site's.
  if (isCrossSite(request, new URL(request.url))) return failure(request, env, 403, { error: "requests from other sites are refused" }, html);
  const body = await readText(request, LLM_MAX_BODY_BYTES);
  if (body === null) return failure(request, env, 413, { error: `the request is larger than ${LLM_MAX_BODY_BYTES} bytes` }, html);
  const asked = readAsked(request, body);
  if ("error" in asked) return failure(request, env, 400, asked, html);

  const limited = await rateLimited(request, env);
  if (limited) return failure(request, env, 429, { error: `too many requests: try again in ${limited} s` }, html, { "retry-after": String(limited) });

  const session = await sessionOf(request, env);
  const llm = llmOf(env);
  const outcome = await llm.generate({ prompt: asked.prompt, sexp: asked.sexp, conversation: asked.conversation, session });
  if (outcome.kind !== "ok") return failed(request, env, outcome, asked, html || asked.form);

  const { generation, cached, conversation, previous, warnings, model, provider } = outcome;
  const page = await handle(new Request(new URL(`/llm/g/${generation.hash}/`, request.url), { headers: pageHeaders(request) }), env, context, { whole: true });
  const rendered = await page.text();
  if (page.status !== 200) {
    const error = `the s-expression is valid but did not render (${page.status}${page.status === 503 ? ": the data is unavailable for now" : ""})`;
    return failure(request, env, page.status === 503 ? 503 : 422, { error, errors: [], sexp: generation.sexp, conversation }, html || asked.form);
  }
  deferTo(context)(llm.interact(generation.hash, "rendered", null, session).catch(() => {}));
  // What failed when it ran (the checker cannot see every type): shown in place, and said here.
  const failures = generatedFailures(rendered).map((f) => ({ ...f, message: `when rendered: ${f.message}` }));
  const answer = {
    sexp: generation.sexp,
    hash: generation.hash,
    cid: page.headers.get("x-rose-cid"),
    html: rendered,
    model,
    provider,
    cached,
    repairs: generation.repairs,
    warnings: [...warnings, ...failures],
    conversation,
    page: `/llm/g/${generation.hash}/`,
    provenance: `/llm/generations/${generation.hash}`,
  };
  if (!(html || asked.form)) return Response.json(answer, { headers: { "cache-control": "no-store" } });
  const turn = await component(request, env, "~llm-turn", {
    prompt: asked.prompt ?? HAND_WRITTEN,
    generation: fromJson({ ...generation, model, provider } as unknown as Json),
    cached,
    repairs: fromJson(generation.repairs as unknown as Json),
    warnings: fromJson([...warnings, ...failures] as unknown as Json),
    diff: previous && previous !== generation.sexp ? fromJson(lineDiff(previous, generation.sexp) as unknown as Json) : null,
    conversation,
    content: new Html(rendered),
  });
  return htmlAnswer(request, env, 200, turn, conversation);
}

export async function getLlm(request: Request, env: WorkerEnv, handle: SiteHandler, context?: ExecutionContext): Promise<Response> {
  const llm = llmOf(env);
  const conversation = new URL(request.url).searchParams.get("conversation");
  const history: Generation[] = conversation && /^[A-Za-z0-9_-]{16,64}$/.test(conversation) ? await llm.history(conversation).catch(() => []) : [];
  const turns: Value[] = [];
  for (const g of history) {
    const page = await handle(new Request(new URL(`/llm/g/${g.hash}/`, request.url), { headers: pageHeaders(request) }), env, context, { whole: true });
    turns.push(
      await component(request, env, "~llm-turn", { prompt: g.prompt, generation: fromJson(g as unknown as Json), cached: false, repairs: fromJson(g.repairs as unknown as Json), warnings: [], diff: null, conversation, content: new Html(await page.text()) }),
    );
  }
  return page(request, env, 200, turns, conversation ?? "");
}

export async function postFeedback(request: Request, env: WorkerEnv): Promise<Response> {
  const html = wantsHtml(request);
  if (isCrossSite(request, new URL(request.url))) return Response.json({ error: "requests from other sites are refused" }, { status: 403 });
  const body = await readText(request, 4096);
  if (body === null) return new Response("too large", { status: 413 });
  let fields: Record<string, unknown>;
  try {
    fields = isForm(request) ? Object.fromEntries(new URLSearchParams(body)) : (JSON.parse(body) as Record<string, unknown>);
  } catch {
    return Response.json({ error: 'the body is JSON: {"hash", "rating": 1..5} or {"hash", "kind": "clicked"}' }, { status: 400 });
  }
  const hash = String(fields.hash ?? "");
  const rating = fields.rating === undefined ? null : Number(fields.rating);
  const kind = rating !== null ? "rated" : fields.kind === "clicked" ? "clicked" : null;
  if (!/^[0-9a-f]{64}$/.test(hash) || !kind || (rating !== null && !(Number.isInteger(rating) && rating >= 1 && rating <= 5))) {
    return Response.json({ error: 'the body is {"hash": "<64 hex>", "rating": 1..5} or {"hash", "kind": "clicked"}' }, { status: 400 });
  }
  const limited = await rateLimited(request, env);
  if (limited) return Response.json({ error: `too many requests: try again in ${limited} s` }, { status: 429, headers: { "retry-after": String(limited) } });
  // Who rated: their session, or else their address; each counts once (their last rating).
  const rater = (await sessionOf(request, env)) ?? `address:${request.headers.get("cf-connecting-ip") ?? "unknown"}`;
  const known = await llmOf(env).interact(hash, kind, rating, rater);
  if (!known) return Response.json({ error: "no such generation" }, { status: 404 });
  if (html || isForm(request)) return htmlAnswer(request, env, 200, await component(request, env, "~llm-rated", { rating }), null);
  return Response.json({ hash, kind, rating });
}

export async function getCatalog(request: Request, env: WorkerEnv): Promise<Response> {
  const { text, hash } = await llmOf(env).catalog();
  if ((request.headers.get("accept") ?? "").includes("application/json")) return Response.json({ hash, text });
  return new Response(`;; The catalog: what a model may write with. sha3-256 ${hash}\n${text}`, { headers: { "content-type": "text/plain; charset=utf-8", "x-rose-catalog-hash": hash } });
}

export async function getGrammar(env: WorkerEnv): Promise<Response> {
  return new Response(await llmOf(env).grammar(), { headers: { "content-type": "text/plain; charset=utf-8" } });
}

export async function getGeneration(request: Request, env: WorkerEnv, hash: string): Promise<Response> {
  const g = await llmOf(env).generation(hash);
  if (!g) return Response.json({ error: "no such generation" }, { status: 404 });
  return new Response(JSON.stringify(creationOf(g, new URL(request.url).origin)), { headers: { "content-type": ACTIVITY_JSON } });
}

export function getActor(request: Request): Response {
  return new Response(JSON.stringify(llmActor(new URL(request.url).origin)), { headers: { "content-type": ACTIVITY_JSON } });
}

type Json = Parameters<typeof fromJson>[0];

function readAsked(request: Request, body: string): Asked | { error: string } {
  const form = isForm(request);
  let fields: Record<string, unknown>;
  try {
    fields = form ? Object.fromEntries(new URLSearchParams(body)) : (JSON.parse(body) as Record<string, unknown>);
  } catch {
    return { error: 'the body is JSON: {"prompt": "...", "conversation": "<id, optional>"}' };
  }
  if (fields === null || typeof fields !== "object" || Array.isArray(fields)) return { error: 'the body is a JSON object: {"prompt": "..."}' };
  for (const k of ["prompt", "sexp", "conversation"]) {
    if (fields[k] !== undefined && fields[k] !== null && typeof fields[k] !== "string") return { error: `${k}: a string` };
  }
  const text = (k: string) => (typeof fields[k] === "string" && (fields[k] as string).trim() ? (fields[k] as string) : undefined);
  if (!text("prompt") && !text("sexp")) return { error: 'say what to make: {"prompt": "..."} (or {"sexp": "..."} to render one written by hand)' };
  return { prompt: text("prompt"), sexp: text("sexp"), conversation: text("conversation"), form };
}

function isForm(request: Request): boolean {
  return /^application\/x-www-form-urlencoded/i.test(request.headers.get("content-type") ?? "");
}

function wantsHtml(request: Request): boolean {
  const accept = request.headers.get("accept") ?? "";
  return request.headers.get("HX-Request") === "true" || (accept.includes("text/html") && !accept.includes("application/json"));
}

/** The page's own request: htmx (the generated content alone), as this visitor (their holes). */
function pageHeaders(request: Request): Record<string, string> {
  const headers: Record<string, string> = { "HX-Request": "true" };
  for (const h of ["cookie", "cf-connecting-ip"]) {
    const v = request.headers.get(h);
    if (v) headers[h] = v;
  }
  return headers;
}

/** Seconds until another request is allowed, when this one is over the limit (per address, and per session when there is one). */
async function rateLimited(request: Request, env: WorkerEnv): Promise<number | null> {
  if (!env.LIMITS) return null;
  const perMinute = Number(env.LLM_RATE_LIMIT) > 0 ? Number(env.LLM_RATE_LIMIT) : DEFAULT_RATE_LIMIT;
  const keys = [`llm:address:${request.headers.get("cf-connecting-ip") ?? "unknown"}`];
  const session = await sessionOf(request, env);
  if (session) keys.push(`llm:session:${session}`);
  let wait = 0;
  for (const key of keys) {
    const taken = await env.LIMITS.get(env.LIMITS.idFromName(key)).take(perMinute, 60_000);
    if (!taken.allowed) wait = Math.max(wait, Math.ceil(taken.retryAfterMs / 1000));
  }
  return wait || null;
}

async function sessionOf(request: Request, env: WorkerEnv): Promise<string | null> {
  const cookie = /(?:^|;\s*)([^=;\s]+)=([^;]*)/g;
  for (const [, name, value] of (request.headers.get("cookie") ?? "").matchAll(cookie)) {
    if (name === Session.cookieName) return (await new Session(env.SESSION_SECRET, value, !isDevelopment(env)).data())?.sid ?? null;
  }
  return null;
}

const STATUS: Record<Exclude<Outcome["kind"], "ok">, number> = { invalid: 422, "bad-request": 400, "no-model": 503, provider: 502, budget: 429 };

function failed(request: Request, env: WorkerEnv, outcome: Exclude<Outcome, { kind: "ok" }>, asked: Asked, html: boolean): Promise<Response> {
  const { kind: _kind, ...rest } = outcome;
  return failure(request, env, STATUS[outcome.kind], { ...rest, prompt: asked.prompt }, html);
}

/** An error: JSON, or a turn (htmx: with status 200, so that htmx shows it) or the page. */
async function failure(request: Request, env: WorkerEnv, status: number, body: Record<string, unknown>, html: boolean, headers: Record<string, string> = {}): Promise<Response> {
  if (!html) {
    const { prompt: _prompt, ...json } = body;
    return Response.json({ ...json, ...(status === 422 && !("errors" in json) ? { errors: [] } : {}) }, { status, headers: { "cache-control": "no-store", ...headers } });
  }
  const conversation = typeof body.conversation === "string" ? body.conversation : null;
  const turn = await component(request, env, "~llm-failure", {
    prompt: typeof body.prompt === "string" ? body.prompt : null,
    error: body.error as string,
    errors: fromJson((body.errors ?? []) as Json),
    sexp: (body.sexp as string | undefined) ?? null,
    closest: body.closest ? fromJson(body.closest as Json) : null,
    conversation,
  });
  return htmlAnswer(request, env, status, turn, conversation, headers);
}

/** A turn: alone for htmx (always 200: htmx swaps nothing else), else the whole page around it. */
async function htmlAnswer(request: Request, env: WorkerEnv, status: number, turn: Value, conversation: string | null, headers: Record<string, string> = {}): Promise<Response> {
  if (request.headers.get("HX-Request") === "true") return new Response(toHtml(turn), { status: 200, headers: { "content-type": "text/html; charset=utf-8", "cache-control": "no-store", ...headers } });
  return page(request, env, status, [turn], conversation ?? "", headers);
}

async function page(request: Request, env: WorkerEnv, status: number, turns: Value[], conversation: string, headers: Record<string, string> = {}): Promise<Response> {
  const llmStatus = await llmOf(env).status();
  const html = await component(request, env, "~llm-page", {
    status: fromJson({ provider: llmStatus.provider, model: llmStatus.model, grammar: llmStatus.grammar, how_to: llmStatus.howTo }),
    conversation,
    turns,
  });
  // A page for this visitor's conversation, never shared (what crawlers such as npm run warm read).
  return new Response(toHtml(html), { status, headers: { "content-type": "text/html; charset=utf-8", "cache-control": "no-store", "x-rose-cache": "bypass", ...headers } });
}

/** One of the site's components, rendered for this request (the header is the visitor's). */
async function component(request: Request, env: WorkerEnv, name: string, args: Record<string, Value>): Promise<Value> {
  const s = await currentSite();
  const dbs: Parameters<typeof requestContext>[3] = [];
  try {
    const io = requestContext(s, request, env, dbs);
    const ctx = evalContext(s, io, executorFor(s, io, env, () => {}));
    const given: Value[] = [];
    let content: Value | undefined;
    for (const [k, v] of Object.entries(args)) {
      if (k === "content") content = v;
      else given.push(Keyword.of(k), v);
    }
    if (content !== undefined) given.push(content);
    return await apply(s.app.env.lookup(name) as Value, given, ctx);
  } finally {
    for (const db of dbs) await db.close();
  }
}
