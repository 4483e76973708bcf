/**
 * A render job as the edge keeps it (one per media key, in a RenderJobRecord
 * Durable Object), and the one rule for how it changes: `nextJob`, a pure
 * function of the job as it is and what happened. Beside the object, so it
 * is tested without one.
 *
 * queued -> submitted -> running -> done, or failed from any state before
 * done. A job that is done stays done (a later render of the same recipe
 * may give another CID: it takes it); progress never goes back; a failed
 * job is queued again only when asked to (`retry`).
 */

/** What the edge knows of a recipe before it is rendered. */
export interface RenderSpec {
  /** The recipe's media key: the job's id and its pointer's name (`media:<key>`). */
  readonly key: string;
  readonly source: string;
  readonly format: string;
  readonly kind: "image" | "video";
  readonly width: number | null;
  readonly height: number | null;
  readonly frames: number;
}

export type RenderJobState = "queued" | "submitted" | "running" | "done" | "failed";

export interface PositionedError {
  readonly line: number;
  readonly col: number;
  readonly message: string;
}

export interface RenderJobRecord extends RenderSpec {
  readonly state: RenderJobState;
  /** `queued`, `submitted`, then the service's stages (`read`, `plan`, `render`, `encode`, `store`), `landing`, `done`. */
  readonly stage: string;
  /** Frames rendered of the frames the recipe has. */
  readonly progress: { readonly done: number; readonly total: number };
  /** Pointer names given to its renders: each moves to its CID when it lands. */
  readonly names: readonly string[];
  /** The render service's id of the job, once submitted. */
  readonly serviceJob: string | null;
  readonly cid: string | null;
  /** Why it waits (the service could not be reached, or was busy), or null. */
  readonly note: string | null;
  readonly error: string | null;
  readonly errors: readonly PositionedError[] | null;
  /** Times it was handed to the render service. */
  readonly attempts: number;
  readonly created: string;
  readonly updated: string;
}

export type RenderEvent =
  /** A page or a webhook asks for it (a name to move with it; `retry`: a failed job is queued again). */
  | { readonly type: "ask"; readonly spec: RenderSpec; readonly name?: string | null; readonly retry?: boolean }
  /** Handed to the service, which gave its id. */
  | { readonly type: "submitted"; readonly serviceJob: string }
  /** The service's progress. */
  | { readonly type: "progress"; readonly stage: string; readonly done: number; readonly total: number }
  /** The service could not be reached or was busy: it waits, and says why. */
  | { readonly type: "waiting"; readonly note: string }
  /** The service no longer knows the job (it restarted): queued again, to be handed over again. */
  | { readonly type: "lost" }
  /** The output's bytes were verified against their CID and stored: the pointers are moving. */
  | { readonly type: "done"; readonly cid: string }
  | { readonly type: "failed"; readonly error: string; readonly errors?: readonly PositionedError[] | null };

export interface JobChange {
  readonly job: RenderJobRecord | null;
  /** It should be handed to the render service now (it was just queued). */
  readonly queue: boolean;
  /** Names this event added (a done job's new names move at once). */
  readonly added: readonly string[];
}

const finished = (s: RenderJobState): boolean => s === "done" || s === "failed";

export function nextJob(job: RenderJobRecord | null, event: RenderEvent, now: string): JobChange {
  if (event.type === "ask") {
    const name = event.name ?? null;
    if (!job || (job.state === "failed" && event.retry)) {
      const fresh: RenderJobRecord = {
        ...event.spec,
        state: "queued",
        stage: "queued",
        progress: { done: 0, total: event.spec.frames },
        names: [...new Set([...(job?.names ?? []), ...(name ? [name] : [])])],
        serviceJob: null,
        cid: null,
        note: null,
        error: null,
        errors: null,
        attempts: job?.attempts ?? 0,
        created: job?.created ?? now,
        updated: now,
      };
      return { job: fresh, queue: true, added: name && !job?.names.includes(name) ? [name] : [] };
    }
    if (name && !job.names.includes(name)) return { job: { ...job, names: [...job.names, name], updated: now }, queue: false, added: [name] };
    return { job, queue: false, added: [] };
  }
  if (!job) return { job: null, queue: false, added: [] };
  switch (event.type) {
    case "submitted":
      if (finished(job.state)) return { job, queue: false, added: [] };
      return { job: { ...job, state: job.state === "running" ? "running" : "submitted", stage: job.state === "running" ? job.stage : "submitted", serviceJob: event.serviceJob, note: null, attempts: job.attempts + 1, updated: now }, queue: false, added: [] };
    case "progress": {
      if (finished(job.state)) return { job, queue: false, added: [] };
      const done = Math.max(job.progress.done, Math.min(event.done, event.total));
      return { job: { ...job, state: "running", stage: event.stage, progress: { done, total: event.total }, note: null, updated: now }, queue: false, added: [] };
    }
    case "waiting":
      if (finished(job.state)) return { job, queue: false, added: [] };
      return { job: { ...job, note: event.note, updated: now }, queue: false, added: [] };
    case "lost":
      if (finished(job.state)) return { job, queue: false, added: [] };
      return { job: { ...job, state: "queued", stage: "queued", serviceJob: null, progress: { done: 0, total: job.progress.total }, updated: now }, queue: false, added: [] };
    case "done":
      if (job.state === "done" && job.cid === event.cid) return { job, queue: false, added: [] };
      return { job: { ...job, state: "done", stage: "done", progress: { done: job.progress.total, total: job.progress.total }, cid: event.cid, note: null, error: null, errors: null, updated: now }, queue: false, added: [] };
    case "failed":
      if (finished(job.state)) return { job, queue: false, added: [] };
      return { job: { ...job, state: "failed", stage: "failed", note: null, error: event.error, errors: event.errors ?? null, updated: now }, queue: false, added: [] };
  }
}
