/**
 * Media over HTTP, and the render queue's consumer:
 *
 * - `POST /webhooks/render` `{"recipe", "name"?, "format"?}`, signed like
 *   `/webhooks/content`: 202 with the job and its status URL; 400 with
 *   positioned errors for a recipe with problems. A name moves that pointer
 *   when the render lands (`/ipns/<name>`, `named-media`).
 * - `GET /render/jobs/<id>`: the job's state, stage, progress and, once
 *   landed, its CID and `/ipfs/<cid>`.
 * - `GET /render/media/<key>`: the element a pending one polls for (htmx),
 *   and `POST /render/media/<key>/retry` after a failure.
 * - `POST /render/callback/<key>`: the render service's signed callback.
 *
 * Each look at a job follows it (jobs.ts): a render found done is landed
 * there, and the pages that read it are re-rendered (content-changes.ts).
 */
import { mediaName, type Dependency } from "@rose-ash/executor";
import type { RenderJobRecord } from "@rose-ash/durable-objects";
import { RecipeError, MEDIA_FORMATS, mediaSpec, type MediaFormat } from "@rose-ash/render/recipe";
import { contentChanged } from "../content-changes.ts";
import { isCrossSite } from "../cross-site.ts";
import { deferTo, type Defer, type WorkerEnv } from "../env.ts";
import { readSigned, replayGuard } from "../signed-request.ts";
import { storesFrom } from "../tiers.ts";
import { mediaAbsent, mediaDone, mediaFailed, mediaPending, unknownShape, type MediaLook } from "./elements.ts";
import { ServiceError, askRender, callbackOrigin, claimName, followJob, handOver, jobOf, moveNames, publicStatus, renderingMissing, settle, submitJob, type Followed, type RenderMessage, type ServiceStatus } from "./jobs.ts";
import { RENDER_NAME_RULE, isRenderName } from "./media-call.ts";

const KEY = /^[0-9a-f]{64}$/;
/** The largest render webhook or callback body read (a recipe is far smaller). */
const MAX_BODY_BYTES = 256 * 1024;
/** How many times the queue looks at a job it handed over before leaving it to the pages' polls. */
const MAX_CHECKS = 40;

/** The pages that read what landed are rendered again (queued, or now). */
function afterLanding(env: WorkerEnv, followed: Followed, defer: Defer): void {
  const reads: Dependency[] | null = followed.landed;
  if (!reads?.length) return;
  defer(
    contentChanged({ tables: [], reads, by: `render ${followed.job?.key.slice(0, 16)}` }, env, defer).catch((e: unknown) =>
      console.error(`re-rendering after render ${followed.job?.key.slice(0, 16)}: ${e instanceof Error ? e.message : String(e)}`),
    ),
  );
}

function json(status: number, body: unknown): Response {
  return Response.json(body, { status, headers: { "cache-control": "no-store" } });
}

export async function renderWebhook(request: Request, env: WorkerEnv, context: ExecutionContext): Promise<Response> {
  const index = replayGuard(env);
  if (!env.WEBHOOK_SECRET || !index) return json(503, { error: "Webhooks are not configured (WEBHOOK_SECRET, DEPENDENCIES)" });
  const signed = await readSigned(request, env.WEBHOOK_SECRET, index, MAX_BODY_BYTES);
  if (signed instanceof Response) return signed;
  const usage = 'The body is JSON: {"recipe": "<s-expression>", "name"?: "banner", "format"?: "png"}';
  let input: unknown;
  try {
    input = JSON.parse(signed.body);
  } catch {
    return json(400, { error: usage });
  }
  if (typeof input !== "object" || input === null || Array.isArray(input)) return json(400, { error: usage });
  const fields = input as Record<string, unknown>;
  const unknown = Object.keys(fields).filter((k) => !["recipe", "name", "format"].includes(k));
  if (unknown.length) return json(400, { error: `Unknown field ${JSON.stringify(unknown[0]!.slice(0, 40))}: ${usage}` });
  const { recipe, name, format } = fields;
  if (typeof recipe !== "string" || !recipe.trim()) return json(400, { error: '"recipe" is the recipe\'s s-expression text' });
  if (name !== undefined && (typeof name !== "string" || !isRenderName(name))) return json(400, { error: `"name" is ${RENDER_NAME_RULE}` });
  if (format !== undefined && !(typeof format === "string" && (MEDIA_FORMATS as readonly string[]).includes(format))) return json(400, { error: `"format" is one of ${MEDIA_FORMATS.join(", ")}` });
  let spec;
  try {
    spec = mediaSpec(recipe, format as MediaFormat | undefined);
  } catch (e) {
    if (e instanceof RecipeError) return json(400, { error: e.message, errors: e.problems.map((p) => ({ line: p.loc.line, col: p.loc.col, message: p.message })) });
    throw e;
  }
  const missing = renderingMissing(env);
  if (missing) return json(503, { error: `Renders are not configured: ${missing}` });
  const defer = deferTo(context);
  // The latest render asked for under a name takes it, whichever lands first.
  if (typeof name === "string") await claimName(env, name, spec.key);
  const change = await askRender(env, { ...spec, source: recipe }, { name: (name as string | undefined) ?? null, retry: true });
  const job = change.job!;
  if (change.queue) await handOver(env, job.key, callbackOrigin(env, new URL(request.url)), defer);
  // A render that has landed already moves the name now (back to it, when another render took the name since).
  if (job.state === "done" && job.cid && typeof name === "string") afterLanding(env, { job, landed: await moveNames(env, job, [name]) }, defer);
  return json(202, { ...publicStatus(job), status: `/render/jobs/${job.key}` });
}

export async function renderJobStatus(request: Request, env: WorkerEnv, context: ExecutionContext, id: string): Promise<Response> {
  if (!KEY.test(id)) return json(404, { error: "No such job (a job's id is its recipe's media key: 64 hex digits)" });
  const missing = renderingMissing(env);
  if (missing) return json(503, { error: `Renders are not configured: ${missing}` });
  const followed = await followJob(env, id, callbackOrigin(env, new URL(request.url)));
  if (!followed.job) return json(404, { error: `No such job: ${id}` });
  afterLanding(env, followed, deferTo(context));
  return json(200, publicStatus(followed.job));
}

function lookFrom(url: URL): MediaLook {
  return { alt: (url.searchParams.get("alt") ?? "").slice(0, 500), className: url.searchParams.get("class")?.slice(0, 200) || null };
}

function fragment(status: number, html: string): Response {
  return new Response(html, { status, headers: { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" } });
}

/** Media this isolate has seen landed from a poll, and re-rendered its readers for (once each). */
const announced = new Set<string>();

/**
 * The element a pending one is replaced by: the media once it has landed,
 * else the job as it is now. A poll that finds the media landed also asks
 * (once per isolate) for the pages that read it to be rendered again: one
 * that recorded its read after the landing looked for readers is not missed.
 */
async function elementNow(env: WorkerEnv, key: string, job: RenderJobRecord | null, look: MediaLook, defer: Defer): Promise<Response> {
  const landed = await storesFrom(env).media?.current(mediaName(key));
  const shape = job ?? unknownShape(key);
  if (landed && !landed.retired) {
    if (!announced.has(key)) {
      if (announced.size >= 10_000) announced.clear();
      announced.add(key);
      afterLanding(env, { job, landed: [{ op: "media", service: "render", name: key }] }, defer);
    }
    return fragment(200, mediaDone(shape, landed.cid, look));
  }
  if (!job) return fragment(404, mediaAbsent(shape, look));
  if (job.state === "failed") return fragment(200, mediaFailed(job, look, job.error ?? "the render failed"));
  return fragment(200, mediaPending(job, look, { stage: job.note ? "waiting" : job.stage, done: job.progress.done, total: job.progress.total, note: job.note }));
}

export async function mediaPoll(request: Request, env: WorkerEnv, context: ExecutionContext, key: string): Promise<Response> {
  const url = new URL(request.url);
  if (!KEY.test(key)) return fragment(404, "");
  if (renderingMissing(env)) return fragment(200, mediaAbsent(unknownShape(key), lookFrom(url)));
  const defer = deferTo(context);
  const followed = await followJob(env, key, callbackOrigin(env, url));
  afterLanding(env, followed, defer);
  return elementNow(env, key, followed.job, lookFrom(url), defer);
}

/** Tries of a failed render a visitor's button may ask for (a signed webhook may always ask again). */
const VISITOR_RETRIES = 3;

export async function mediaRetry(request: Request, env: WorkerEnv, context: ExecutionContext, key: string): Promise<Response> {
  const url = new URL(request.url);
  if (isCrossSite(request, url)) return new Response("Cross-site requests are refused", { status: 403 });
  if (!KEY.test(key) || renderingMissing(env)) return fragment(404, "");
  const job = await jobOf(env, key);
  const look = lookFrom(url);
  if (!job) return fragment(404, mediaAbsent(unknownShape(key), look));
  // Answered with the element (htmx swaps 2xx only): the error, without the button.
  if (job.state === "failed" && job.attempts >= VISITOR_RETRIES) return fragment(200, mediaFailed(job, look, `${job.error ?? "the render failed"} (tried ${job.attempts} times)`, false));
  const defer = deferTo(context);
  const change = await askRender(env, job, { retry: true });
  if (change.queue) await handOver(env, key, callbackOrigin(env, url), defer);
  return elementNow(env, key, change.job, look, defer);
}

export async function renderCallback(request: Request, env: WorkerEnv, context: ExecutionContext, key: string): Promise<Response> {
  const index = replayGuard(env);
  if (!index || renderingMissing(env)) return json(503, { error: "Renders are not configured here" });
  const signed = await readSigned(request, env.RENDER_SECRET!, index, MAX_BODY_BYTES);
  if (signed instanceof Response) return signed;
  let status: ServiceStatus;
  try {
    status = JSON.parse(signed.body) as ServiceStatus;
  } catch {
    return json(400, { error: "The body is the service's job status, as JSON" });
  }
  if (typeof status !== "object" || status === null || typeof status.id !== "string" || !["queued", "running", "done", "failed"].includes(status.state)) {
    return json(400, { error: "The body is the service's job status: {id, state, ...}" });
  }
  if (!KEY.test(key)) return json(404, { error: "No such job" });
  const job = await jobOf(env, key);
  if (!job) return json(404, { error: `No such job: ${key}` });
  // Answered before the hand-over was written down (a recipe the service had done): it calls again.
  if (job.serviceJob === null && job.state === "queued") return json(503, { error: "The job is being handed over: call again" });
  // Only the job this edge handed over, by the service's own id for it.
  if (job.serviceJob !== status.id) return json(409, { error: "That is not the service job this edge handed over for this recipe" });
  if (job.state === "done" && status.state === "done" && status.cid === job.cid) return json(200, publicStatus(job));
  let followed: Followed;
  try {
    followed = await settle(env, job, status);
  } catch (e) {
    // Its output could not be fetched to be verified: nothing moved; the service calls again (5xx), the queue's checks follow it.
    if (e instanceof ServiceError) return json(502, { error: "The output could not be fetched from the render service to be verified" });
    throw e;
  }
  afterLanding(env, followed, deferTo(context));
  return json(200, publicStatus(followed.job!));
}

/** The render queue's consumer: hand jobs over, then look at them (longer waits each time) until they land. */
export async function consumeRenders(batch: MessageBatch<RenderMessage>, env: WorkerEnv, context: ExecutionContext): Promise<void> {
  const defer = deferTo(context);
  for (const message of batch.messages) {
    const { type, key, origin } = message.body;
    try {
      // One chain of checks per hand-over: a submit that found the job handed over already starts none.
      let followed: Followed;
      let checks: boolean;
      if (type === "submit") {
        const submitted = await submitJob(env, key, origin);
        followed = { job: submitted.job, landed: null };
        checks = submitted.handed;
      } else {
        followed = await followJob(env, key, origin);
        checks = true;
      }
      afterLanding(env, followed, defer);
      const round = type === "submit" ? 0 : (message.body.round ?? 0) + 1;
      const open = followed.job && followed.job.state !== "done" && followed.job.state !== "failed";
      if (checks && open && round < MAX_CHECKS) await env.RENDERS!.send({ type: "check", key, origin, round }, { delaySeconds: Math.min(30, 2 ** round) });
      message.ack();
    } catch (e) {
      // The job says why it waits (jobs.ts); the queue tries again, and pages' polls hand it over when it gave up.
      console.error(`render ${key.slice(0, 16)} (${type}), attempt ${message.attempts}: ${e instanceof Error ? e.message : String(e)}`);
      message.retry({ delaySeconds: Math.min(60, 2 ** message.attempts) });
    }
  }
}
