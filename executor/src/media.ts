/**
 * Media in a page: `(render-media recipe)` is a node of kind `media`,
 * resolved by the executor's rules. Looked up first: the recipe's media key
 * names a pointer (`media:<key>`) whose CID is the rendered output. When
 * nothing is kept there, the leaf registered for `media` executes it, which
 * for media means asking for a render (the host queues a job for the render
 * service) and answering at once: a page never waits for pixels. It shows
 * the media as pending, and when the render lands and the pointer moves,
 * the pages that read it are rendered again (the dependency index). A name
 * given to renders (`banner`) is a pointer too, looked up the same way; only
 * a render moves it, so it has nothing to execute.
 */
import type { Walk } from "./context.ts";
import { mediaName } from "./keys.ts";
import type { Leaf } from "./leaves.ts";

/** What renders a recipe when its pointer has nothing: the host's job (its key, its source, its format...). */
export interface MediaJob {
  readonly key: string;
}

export interface MediaRequest<J extends MediaJob = MediaJob> {
  /** The pointer that names the output: `media:<key>` (see `mediaName`), or a name given to renders. */
  readonly pointer: string;
  /** What the trace calls it. */
  readonly label: string;
  /** What renders it; null for a name, which only a render moves. */
  readonly job: J | null;
}

export type MediaAnswer =
  /** Rendered: the output's CID, and the input key of the render that made it (a recipe's media key). */
  | { readonly state: "done"; readonly cid: string; readonly inputKey: string | null }
  /** Asked for, not landed yet (queued or rendering): the job's id. */
  | { readonly state: "pending"; readonly job: string }
  /** The render failed: why (it may be asked for again). */
  | { readonly state: "failed"; readonly job: string; readonly error: string }
  /** Nothing renders here (no render service), or a name no render has moved yet. */
  | { readonly state: "absent"; readonly reason: string };

/** The `media` leaf: ask for a render of a job; never waits for it to land. */
export type MediaLeaf<J extends MediaJob = MediaJob> = Leaf<J, MediaAnswer>;

/** The pointer of a recipe by its media key, as a request. */
export function recipeRequest<J extends MediaJob>(job: J, label: string): MediaRequest<J> {
  return { pointer: mediaName(job.key), label, job };
}

export async function resolveMedia<J extends MediaJob>(exec: Walk, request: MediaRequest<J>): Promise<MediaAnswer> {
  const node = exec.trace.start("media", request.label, null, request.pointer);
  const found = exec.stores.media ? await exec.stores.media.current(request.pointer) : null;
  if (found && !found.retired) {
    exec.trace.finish(node, "hit", "pointer");
    return { state: "done", cid: found.cid, inputKey: found.inputKey };
  }
  if (!request.job) {
    exec.trace.finish(node, "miss", null);
    return { state: "absent", reason: `no render has been named ${request.pointer} yet` };
  }
  const answer = await exec.leaves.get<J, MediaAnswer>("media").execute(request.job);
  exec.trace.finish(node, answer.state === "failed" ? "failed" : answer.state === "done" ? "ran" : "pending", "render");
  return answer;
}
