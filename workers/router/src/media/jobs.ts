/**
 * The edge's render jobs: asked for by pages and webhooks, handed to the
 * render service (signed), followed, and landed. One RenderJob Durable
 * Object per recipe (its media key) holds each job (`nextJob` is the rule);
 * the service's job id, progress and result come from its HTTP API.
 *
 * Landing is the one place the edge takes a render's output: the bytes are
 * fetched from the service, their CID computed here and compared with the
 * one claimed, stored in the warm tier by that CID (and pinned), and only
 * then do the pointers move: `media:<key>`, and each name given to the job.
 * It returns what moved as dependencies, for the caller to re-render the
 * pages that read them (content-changes.ts).
 */
import { matchesCid, signedHeaders } from "@rose-ash/content";
import { mediaName, type Dependency, type NamedPointerStore } from "@rose-ash/executor";
import type { JobChange, RenderEvent, RenderJob, RenderJobRecord, RenderSpec } from "@rose-ash/durable-objects";
import type { CacheBindings, WarmBindings } from "../tiers.ts";
import { storesFrom, warmTierFrom } from "../tiers.ts";

/** What a queued render message says: hand the job to the service, or look at how it is doing. */
export interface RenderMessage {
  readonly type: "submit" | "check";
  readonly key: string;
  /** The site's origin the service calls back (null: no callback; the checks land it). */
  readonly origin: string | null;
  /** Checks made so far (the next waits longer). */
  readonly round?: number;
}

export interface RenderBindings extends CacheBindings, WarmBindings {
  /** The render service's base URL, e.g. `https://render.example:8790`. */
  RENDER_SERVICE_URL?: string;
  /** Signs jobs to the render service and verifies its callbacks (the service's RENDER_SECRET). */
  RENDER_SECRET?: string;
  /** One RenderJob Durable Object per recipe. */
  RENDER_JOBS?: DurableObjectNamespace<RenderJob>;
  /** Render jobs to hand to the service; absent: handed over in the request that asked. */
  RENDERS?: Queue<RenderMessage>;
}

/** What the render service answers about a job (`GET /jobs/<id>`, a callback's body). */
export interface ServiceStatus {
  readonly id: string;
  readonly state: "queued" | "running" | "done" | "failed";
  readonly stage: string;
  readonly progress?: { readonly done: number; readonly total: number };
  readonly cid?: string;
  readonly error?: string;
  readonly errors?: readonly { line: number; col: number; message: string }[];
}

/** Whether media can be rendered here: the service, its secret and the job objects; else why not. */
export function renderingMissing(env: RenderBindings): string | null {
  const missing = (["RENDER_SERVICE_URL", "RENDER_SECRET", "RENDER_JOBS"] as const).filter((k) => !env[k]);
  return missing.length ? `no render service is configured here (${missing.join(", ")})` : null;
}

/** A recipe's RenderJob object, its answers as plain values. */
function job(env: RenderBindings, key: string): { get(): Promise<RenderJobRecord | null>; apply(event: RenderEvent): Promise<JobChange> } {
  const stub = env.RENDER_JOBS!.get(env.RENDER_JOBS!.idFromName(key));
  return { get: async () => (await stub.get()) as RenderJobRecord | null, apply: async (event) => (await stub.apply(event)) as JobChange };
}

/** The job of a recipe, or null when it was never asked for. */
export function jobOf(env: RenderBindings, key: string): Promise<RenderJobRecord | null> {
  return job(env, key).get();
}

/** Ask for a recipe's render (a name to move with it; `retry`: a failed job is queued again). */
export function askRender(env: RenderBindings, spec: RenderSpec, options: { name?: string | null; retry?: boolean } = {}): Promise<JobChange> {
  return job(env, spec.key).apply({ type: "ask", spec, name: options.name ?? null, retry: options.retry ?? false });
}

/** A job just queued goes to the service: through the queue, or now (after the response) without one. */
export async function handOver(env: RenderBindings, key: string, origin: string | null, defer: (p: Promise<unknown>) => void): Promise<void> {
  if (env.RENDERS) return void (await env.RENDERS.send({ type: "submit", key, origin }));
  defer(submitJob(env, key, origin).catch((e: unknown) => console.error(`render ${key.slice(0, 16)}: ${e instanceof Error ? e.message : String(e)}`)));
}

/** The origin the service may call back: the site's public origin, else the asking request's (not an internal one). */
export function callbackOrigin(env: RenderBindings, url: URL): string | null {
  if (env.PUBLIC_ORIGIN) return env.PUBLIC_ORIGIN.replace(/\/+$/, "");
  return url.hostname.endsWith(".internal") ? null : url.origin;
}

class ServiceError extends Error {}

async function service(env: RenderBindings, path: string, init: RequestInit = {}): Promise<Response> {
  const base = env.RENDER_SERVICE_URL!.replace(/\/+$/, "");
  try {
    return await fetch(`${base}${path}`, { ...init, signal: AbortSignal.timeout(10_000) });
  } catch (e) {
    throw new ServiceError(`the render service at ${base} could not be reached: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/**
 * Hand a queued job to the service (`POST /jobs`, signed). A refusal of the
 * recipe fails the job; an unreachable or busy service leaves it queued,
 * with why, and throws (a queue tries again). The service's answer that it
 * is done already is kept as `submitted`: following the job lands it.
 */
export async function submitJob(env: RenderBindings, key: string, origin: string | null): Promise<RenderJobRecord | null> {
  const stub = job(env, key);
  const current = await stub.get();
  if (!current || current.state !== "queued") return current;
  const body = JSON.stringify({ recipe: current.source, format: current.format, ...(origin ? { callback: `${origin}/render/callback/${key}` } : {}) });
  let response: Response;
  try {
    response = await service(env, "/jobs", { method: "POST", headers: { "content-type": "application/json", ...(await signedHeaders(env.RENDER_SECRET!, body)) }, body });
  } catch (e) {
    await stub.apply({ type: "waiting", note: (e as Error).message });
    throw e;
  }
  const answer = (await response.json().catch(() => ({}))) as Partial<ServiceStatus> & { error?: string };
  if ((response.status === 200 || response.status === 202) && typeof answer.id === "string") {
    return (await stub.apply({ type: "submitted", serviceJob: answer.id })).job;
  }
  const why = `the render service answered ${response.status}: ${answer.error ?? "(no reason given)"}`;
  if (response.status === 400 || response.status === 413 || response.status === 501) {
    return (await stub.apply({ type: "failed", error: answer.error ?? why, errors: answer.errors ?? null })).job;
  }
  await stub.apply({ type: "waiting", note: why });
  throw new ServiceError(why);
}

/** What the service says of a job now, or null when it does not know it (lost in a restart: submit again). */
async function serviceStatus(env: RenderBindings, serviceJob: string): Promise<ServiceStatus | null> {
  const response = await service(env, `/jobs/${encodeURIComponent(serviceJob)}`);
  if (!response.ok) await response.body?.cancel();
  if (response.status === 404) return null;
  if (!response.ok) throw new ServiceError(`the render service answered ${response.status} for job ${serviceJob.slice(0, 16)}`);
  return response.json<ServiceStatus>();
}

/** A job followed: as it is now, and what moved when it landed (null: nothing did). */
export interface Followed {
  readonly job: RenderJobRecord | null;
  readonly landed: Dependency[] | null;
}

/** How long a queued job may wait for its hand-over before a look at it hands it over itself. */
const HAND_OVER_MS = 15_000;

/**
 * Look at a job: its progress from the service, landed when done, failed
 * when it failed; a job the service lost, or one queued and never handed
 * over, is handed over again. Unfinished jobs only: what is done stays.
 */
export async function followJob(env: RenderBindings, key: string, origin: string | null): Promise<Followed> {
  const stub = job(env, key);
  let current = await stub.get();
  if (!current || current.state === "done" || current.state === "failed") return { job: current, landed: null };
  if (current.state === "queued" || !current.serviceJob) {
    if (Date.now() - Date.parse(current.updated) < HAND_OVER_MS && env.RENDERS) return { job: current, landed: null };
    return { job: await submitJob(env, key, origin).catch(() => stub.get()), landed: null };
  }
  const status = await serviceStatus(env, current.serviceJob).catch(async (e: unknown) => {
    await stub.apply({ type: "waiting", note: (e as Error).message });
    return undefined;
  });
  if (status === undefined) return { job: await stub.get(), landed: null };
  if (status === null) {
    current = (await stub.apply({ type: "lost" })).job!;
    return { job: await submitJob(env, key, origin).catch(() => stub.get()), landed: null };
  }
  return settle(env, current, status);
}

/** Take the service's word on a job: progress, failure, or its output (landed). */
export async function settle(env: RenderBindings, current: RenderJobRecord, status: ServiceStatus): Promise<Followed> {
  const stub = job(env, current.key);
  if (status.state === "failed") return { job: (await stub.apply({ type: "failed", error: status.error ?? "the render failed", errors: status.errors ?? null })).job, landed: null };
  if (status.state === "done" && status.cid) return land(env, current, status.cid);
  const p = status.progress ?? { done: 0, total: current.frames };
  return { job: (await stub.apply({ type: "progress", stage: status.stage, done: p.done, total: p.total })).job, landed: null };
}

/**
 * Land a render: the bytes from the service, verified against `cid`, into
 * the warm tier (and pinned); then the recipe's pointer and its names move.
 * Bytes that do not match fail the job and move nothing.
 */
export async function land(env: RenderBindings, current: RenderJobRecord, cid: string): Promise<Followed> {
  const stub = job(env, current.key);
  const warm = warmTierFrom(env);
  const pointers = storesFrom(env).media;
  if (!warm || !pointers) throw new Error("landing a render needs the warm tier (WARM) and pointers (POINTERS)");
  const response = await service(env, `/ipfs/${encodeURIComponent(cid)}`);
  if (!response.ok) {
    await response.body?.cancel();
    throw new ServiceError(`the render service answered ${response.status} for ${cid}`);
  }
  const bytes = new Uint8Array(await response.arrayBuffer());
  if (!(await matchesCid(cid, bytes))) {
    console.error(`render ${current.key.slice(0, 16)}: the service's bytes for ${cid} do not match it: refused`);
    return { job: (await stub.apply({ type: "failed", error: `the render service's output does not match its CID ${cid}: refused` })).job, landed: null };
  }
  await warm.store.put(bytes);
  if (warm.pins) await warm.pins.put(cid, bytes).catch((e: unknown) => console.error(`pinning ${cid}: ${e instanceof Error ? e.message : String(e)}`));
  const moved: Dependency[] = [];
  if (await moveTo(pointers, mediaName(current.key), cid, current.key)) moved.push({ op: "media", service: "render", name: current.key });
  const after = (await stub.apply({ type: "done", cid })).job!;
  for (const name of after.names) if (await moveTo(pointers, name, cid, current.key)) moved.push({ op: "media", service: "ipns", name });
  return { job: after, landed: moved };
}

/** Move a name to a CID (compare-and-swap, a few tries); whether it moved. The media key is its input key. */
export async function moveTo(pointers: NamedPointerStore, name: string, cid: string, key: string): Promise<boolean> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const now = await pointers.current(name, true);
    const seen = now ? { sequence: now.sequence, cid: now.retired ? null : now.cid } : { sequence: 0, cid: null };
    const result = await pointers.publish(name, cid, seen, key);
    if (result.status !== "conflict") return result.status === "moved";
  }
  throw new Error(`${name}: the pointer kept moving under 3 attempts to move it to ${cid}`);
}

/** A job as `GET /render/jobs/<id>` gives it. */
export function publicStatus(j: RenderJobRecord): Record<string, unknown> {
  return {
    id: j.key,
    state: j.state,
    stage: j.stage,
    progress: j.progress,
    kind: j.kind,
    format: j.format,
    width: j.width,
    height: j.height,
    frames: j.frames,
    names: j.names,
    ...(j.cid ? { cid: j.cid, url: `/ipfs/${j.cid}` } : {}),
    ...(j.note ? { note: j.note } : {}),
    ...(j.error ? { error: j.error } : {}),
    ...(j.errors ? { errors: j.errors } : {}),
    attempts: j.attempts,
    created: j.created,
    updated: j.updated,
  };
}
