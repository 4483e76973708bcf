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

/** Bindings without which nothing lands: the service, its secret, the job objects, where output is kept and pointers move, the replay guard (DEPENDENCIES). */
const NEEDED = ["RENDER_SERVICE_URL", "RENDER_SECRET", "RENDER_JOBS", "WARM", "POINTERS", "DEPENDENCIES"] as const;
/** At most one look at the service per job per this many ms, however many pages poll it. */
const FOLLOW_MS = 1000;
/** One landing at a time per job (its bytes fetched, verified, stored, pointers moved). */
const LAND_MS = 30_000;
/** A job queued this long without being handed over (the queue is slow, the service was down) is handed over again. */
const STALLED_MS = 15_000;
/** The largest output the edge lands (a Worker holds it in memory to verify it). */
export const MAX_LAND_BYTES = 64 * 1024 * 1024;

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

/** Whether media can be rendered here; else what is missing. */
export function renderingMissing(env: RenderBindings): string | null {
  const missing = NEEDED.filter((k) => !env[k]);
  return missing.length ? `no render service is configured here (${missing.join(", ")})` : null;
}

interface JobObject {
  get(): Promise<RenderJobRecord | null>;
  apply(event: RenderEvent): Promise<JobChange>;
  lease(name: string, ms: number): Promise<boolean>;
  release(name: string): Promise<void>;
}

/** A recipe's RenderJob object, its answers as plain values. */
function job(env: RenderBindings, key: string): JobObject {
  const stub = env.RENDER_JOBS!.get(env.RENDER_JOBS!.idFromName(key));
  return {
    get: async () => (await stub.get()) as RenderJobRecord | null,
    apply: async (event) => (await stub.apply(event)) as JobChange,
    lease: (name, ms) => stub.lease(name, ms),
    release: (name) => stub.release(name),
  };
}

/** The job of a recipe, or null when it was never asked for. */
export function jobOf(env: RenderBindings, key: string): Promise<RenderJobRecord | null> {
  return job(env, key).get();
}

/** Ask for a recipe's render (a name to move with it; `retry`: a failed job is queued again). */
export function askRender(env: RenderBindings, spec: RenderSpec, options: { name?: string | null; retry?: boolean } = {}): Promise<JobChange> {
  return job(env, spec.key).apply({ type: "ask", spec, name: options.name ?? null, retry: options.retry ?? false });
}

/** A queued job that has waited too long for its hand-over. */
export function stalled(j: RenderJobRecord, now = Date.now()): boolean {
  return j.state === "queued" && now - Date.parse(j.updated) > STALLED_MS;
}

/** A queued job goes to the service: through the queue, or now (after the response) without one. Never throws. */
export async function handOver(env: RenderBindings, key: string, origin: string | null, defer: (p: Promise<unknown>) => void): Promise<void> {
  const failed = (e: unknown) => console.error(`render ${key.slice(0, 16)}: handing over: ${e instanceof Error ? e.message : String(e)}`);
  if (env.RENDERS) return env.RENDERS.send({ type: "submit", key, origin }).then(() => undefined, failed);
  defer(submitJob(env, key, origin).catch(failed));
}

/** The origin the service may call back: the site's public origin, else the asking request's (not an internal one). */
export function callbackOrigin(env: RenderBindings, url: URL): string | null {
  if (env.PUBLIC_ORIGIN) return env.PUBLIC_ORIGIN.replace(/\/+$/, "");
  return url.hostname.endsWith(".internal") ? null : url.origin;
}

/** The service could not be reached or was busy: `note` is what visitors are told, the message what the log is. */
export class ServiceError extends Error {
  constructor(
    message: string,
    readonly note: string,
  ) {
    super(message);
  }
}

async function service(env: RenderBindings, path: string, init: RequestInit = {}): Promise<Response> {
  const base = env.RENDER_SERVICE_URL!.replace(/\/+$/, "");
  try {
    return await fetch(`${base}${path}`, { ...init, signal: AbortSignal.timeout(10_000) });
  } catch (e) {
    throw new ServiceError(`the render service at ${base} could not be reached: ${e instanceof Error ? e.message : String(e)}`, "the render service could not be reached");
  }
}

/** Note why a job waits (visitors see the note; the log the detail). */
async function waiting(o: JobObject, key: string, e: unknown): Promise<void> {
  console.error(`render ${key.slice(0, 16)}: ${e instanceof Error ? e.message : String(e)}`);
  await o.apply({ type: "waiting", note: e instanceof ServiceError ? e.note : "the render service had a problem" });
}

/**
 * Hand a queued job to the service (`POST /jobs`, signed). A refusal of the
 * recipe fails the job; an unreachable or busy service leaves it queued,
 * with why, and throws (a queue tries again). The service's answer that it
 * is done already is kept as `submitted`: following the job lands it.
 * `handed`: this call handed it over.
 */
export async function submitJob(env: RenderBindings, key: string, origin: string | null): Promise<{ job: RenderJobRecord | null; handed: boolean }> {
  const o = job(env, key);
  const current = await o.get();
  if (!current || current.state !== "queued") return { job: current, handed: false };
  const body = JSON.stringify({ recipe: current.source, format: current.format, ...(origin ? { callback: `${origin}/render/callback/${key}` } : {}) });
  try {
    const response = await service(env, "/jobs", { method: "POST", headers: { "content-type": "application/json", ...(await signedHeaders(env.RENDER_SECRET!, body)) }, body });
    const answer = (await response.json().catch(() => ({}))) as Partial<ServiceStatus> & { error?: string };
    if ((response.status === 200 || response.status === 202) && typeof answer.id === "string") {
      return { job: (await o.apply({ type: "submitted", serviceJob: answer.id })).job, handed: true };
    }
    if (response.status === 400 || response.status === 413 || response.status === 501) {
      return { job: (await o.apply({ type: "failed", error: answer.error ?? `the render service refused it (${response.status})`, errors: answer.errors ?? null })).job, handed: true };
    }
    throw new ServiceError(`the render service answered ${response.status}: ${answer.error ?? "(no reason given)"}`, `the render service is busy (${response.status})`);
  } catch (e) {
    await waiting(o, key, e);
    throw e;
  }
}

/** What the service says of a job now, or null when it does not know it (lost in a restart: submit again). */
async function serviceStatus(env: RenderBindings, serviceJob: string): Promise<ServiceStatus | null> {
  const response = await service(env, `/jobs/${encodeURIComponent(serviceJob)}`);
  if (!response.ok) await response.body?.cancel();
  if (response.status === 404) return null;
  if (!response.ok) throw new ServiceError(`the render service answered ${response.status} for job ${serviceJob.slice(0, 16)}`, `the render service is busy (${response.status})`);
  return response.json<ServiceStatus>();
}

/** A job followed: as it is now, and what pages read that moved when it landed (null: nothing did). */
export interface Followed {
  readonly job: RenderJobRecord | null;
  readonly landed: Dependency[] | null;
}

/**
 * Look at a job: its progress from the service, landed when done, failed
 * when it failed; a job the service lost, or one queued too long, is handed
 * over again. At most one look per job per FOLLOW_MS asks the service (the
 * others read the job as it is); what is done stays done. Never throws: a
 * problem is the job's note.
 */
export async function followJob(env: RenderBindings, key: string, origin: string | null): Promise<Followed> {
  const o = job(env, key);
  const current = await o.get();
  if (!current || current.state === "done" || current.state === "failed") return { job: current, landed: null };
  const handOverNow = current.state === "queued" && (!env.RENDERS || stalled(current));
  if ((current.state === "queued" && !handOverNow) || !(await o.lease("follow", FOLLOW_MS))) return { job: current, landed: null };
  try {
    if (current.state === "queued" || !current.serviceJob) return { job: (await submitJob(env, key, origin)).job, landed: null };
    const status = await serviceStatus(env, current.serviceJob);
    if (status === null) {
      await o.apply({ type: "lost" });
      return { job: (await submitJob(env, key, origin)).job, landed: null };
    }
    return await settle(env, current, status);
  } catch (e) {
    await waiting(o, key, e);
    return { job: await o.get(), landed: null };
  }
}

/** Take the service's word on a job: progress, failure, or its output (landed). */
export async function settle(env: RenderBindings, current: RenderJobRecord, status: ServiceStatus): Promise<Followed> {
  const o = job(env, current.key);
  if (status.state === "failed") return { job: (await o.apply({ type: "failed", error: status.error ?? "the render failed", errors: status.errors ?? null })).job, landed: null };
  if (status.state === "done" && status.cid) return land(env, current, status.cid);
  const p = status.progress ?? { done: 0, total: current.frames };
  return { job: (await o.apply({ type: "progress", stage: status.stage || "render", done: p.done, total: p.total })).job, landed: null };
}

/**
 * Land a render (one lander at a time): the bytes from the service, verified
 * against `cid`, into the warm tier (and pinned); then the recipe's pointer
 * and its names move. Bytes that do not match, or too many, fail the job and
 * move nothing. What pages read is returned whenever this landing finished
 * the job (or moved a pointer), so their re-render is asked for again even
 * if an earlier landing's was lost.
 */
export async function land(env: RenderBindings, current: RenderJobRecord, cid: string): Promise<Followed> {
  const o = job(env, current.key);
  if (!(await o.lease("land", LAND_MS))) return { job: current, landed: null };
  try {
    return await landNow(env, o, current, cid);
  } finally {
    await o.release("land");
  }
}

async function landNow(env: RenderBindings, o: JobObject, current: RenderJobRecord, cid: string): Promise<Followed> {
  const warm = warmTierFrom(env)!;
  const pointers = storesFrom(env).media!;
  await o.apply({ type: "progress", stage: "landing", done: current.progress.total, total: current.progress.total });
  const response = await service(env, `/ipfs/${encodeURIComponent(cid)}`);
  const refuse = async (why: string): Promise<Followed> => {
    await response.body?.cancel();
    console.error(`render ${current.key.slice(0, 16)}: ${why}`);
    return { job: (await o.apply({ type: "failed", error: why })).job, landed: null };
  };
  if (!response.ok) {
    await response.body?.cancel();
    throw new ServiceError(`the render service answered ${response.status} for ${cid}`, `the render service is busy (${response.status})`);
  }
  if (Number(response.headers.get("content-length")) > MAX_LAND_BYTES) return refuse(`the output ${cid} is larger than the ${MAX_LAND_BYTES} bytes the edge lands`);
  const bytes = new Uint8Array(await response.arrayBuffer());
  if (bytes.length > MAX_LAND_BYTES) return refuse(`the output ${cid} is larger than the ${MAX_LAND_BYTES} bytes the edge lands`);
  if (!(await matchesCid(cid, bytes))) return refuse(`the render service's output does not match its CID ${cid}: refused`);
  await warm.store.put(bytes);
  if (warm.pins) await warm.pins.put(cid, bytes).catch((e: unknown) => console.error(`pinning ${cid}: ${e instanceof Error ? e.message : String(e)}`));
  const recipeMoved = await moveTo(pointers, mediaName(current.key), cid, current.key);
  const after = (await o.apply({ type: "done", cid })).job!;
  const namesMoved = await moveNames(env, after, after.names);
  const finished = recipeMoved || current.state !== "done" || current.cid !== cid;
  return { job: after, landed: finished ? [{ op: "media", service: "render", name: current.key }, ...after.names.map((name) => ({ op: "media" as const, service: "ipns", name }))] : namesMoved };
}

/** A name is given to a render: the latest asked for claims it (see IpnsPointer.claim). */
export async function claimName(env: RenderBindings, name: string, key: string): Promise<void> {
  await env.POINTERS!.get(env.POINTERS!.idFromName(name)).claim(key);
}

/** Move the names a landed job's render still claims to its output; what moved, as what pages read. */
export async function moveNames(env: RenderBindings, done: RenderJobRecord, names: readonly string[]): Promise<Dependency[]> {
  const pointers = storesFrom(env).media!;
  const moved: Dependency[] = [];
  for (const name of names) {
    const claimed = await env.POINTERS!.get(env.POINTERS!.idFromName(name)).claimed();
    if (claimed !== null && claimed !== done.key) continue; // a later render was asked for under this name
    if (await moveTo(pointers, name, done.cid!, done.key)) moved.push({ op: "media", service: "ipns", name });
  }
  return moved;
}

/** Move a name to a CID (compare-and-swap, a few tries); whether it moved. The media key is its input key. */
async function moveTo(pointers: NamedPointerStore, name: string, cid: string, key: string): Promise<boolean> {
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
