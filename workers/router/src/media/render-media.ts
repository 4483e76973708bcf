/**
 * `(render-media recipe)` and `(named-media name)` in pages (their words
 * are @rose-ash/vocabulary's MEDIA_PRIMITIVES).
 *
 * A recipe is read at the edge (media-call.ts) and named by its media key;
 * the executor resolves the node (`resolveMedia`): the pointer
 * `media:<key>` answers with the output's CID, else the `media` leaf
 * (leaf.ts) asks for the render and the page shows it pending. The page
 * records that it read the media, so it is rendered again when the render
 * lands. A failed render shows its notice and a retry (kept like pending:
 * a retry that lands re-renders the page); a recipe with problems shows
 * them in its place (that render is not kept); where nothing renders, or
 * outside a page's request, the placeholder stands in the media's place.
 */
import { EvalError, Html, type EvalContext, type Registry } from "@rose-ash/sexp";
import { MEDIA_PRIMITIVES, defineVocabulary, type PrimitiveFn } from "@rose-ash/vocabulary";
import { recipeRequest, type Dependency, type MediaAnswer, type MediaRequest } from "@rose-ash/executor";
import type { RenderSpec } from "@rose-ash/durable-objects";
import { mediaAbsent, mediaDone, mediaFailed, mediaPending, unknownShape, type MediaLook, type MediaShape } from "./elements.ts";
import { readNamedMedia, readRenderMedia } from "./media-call.ts";

/** What the media primitives need of the request (`EvalContext.io`). */
export interface MediaIO {
  /** Resolve a media node through the request's executor. */
  media?: (request: MediaRequest<RenderSpec>) => Promise<MediaAnswer>;
  /** The shape of a recipe's output by its media key (its job's), or null when no job is known. */
  mediaShape?: (key: string) => Promise<MediaShape | null>;
  /** The media the page read (its dependencies beside its queries and fragments). */
  readonly mediaReads: Dependency[];
}

type PageMedia = MediaIO & Required<Pick<MediaIO, "media">>;

/** The request's media, or null outside a page's request (a preview, a benchmark). */
function pageMedia(ctx: EvalContext): PageMedia | null {
  const m = ctx.io as MediaIO | null;
  return m?.media ? (m as PageMedia) : null;
}

const renderMedia: PrimitiveFn = async (args, ctx) => {
  let call: ReturnType<typeof readRenderMedia>;
  try {
    call = readRenderMedia(args);
  } catch (e) {
    // A recipe the edge cannot read (a mistake in the page's code) shows its problems in its place, never a broken page;
    // such a render is not kept, and the log has it.
    if (!(e instanceof EvalError)) throw e;
    console.error(`render-media: ${e.message}`);
    if (ctx.io) (ctx.io as { degraded?: boolean }).degraded = true;
    return new Html(mediaFailed(unknownShape("unreadable"), { alt: "", className: null }, e.message, false));
  }
  const { source, spec, look } = call;
  const m = pageMedia(ctx);
  if (!m) return new Html(mediaAbsent(spec, look));
  m.mediaReads.push({ op: "media", service: "render", name: spec.key });
  const label = `${spec.kind} ${spec.width ?? "?"}x${spec.height ?? "?"} ${spec.format}`;
  // A failed render is a lasting state, shown with its retry and kept like pending: a retry that lands re-renders the page.
  return new Html(element(spec, await m.media(recipeRequest<RenderSpec>({ ...spec, source }, label)), look));
};

const namedMedia: PrimitiveFn = async (args, ctx) => {
  const { name, look } = readNamedMedia(args);
  const m = pageMedia(ctx);
  if (!m) return "";
  m.mediaReads.push({ op: "media", service: "ipns", name });
  const answer = await m.media({ pointer: name, label: name, job: null });
  if (answer.state !== "done") return "";
  // The pointer's input key is the media key of the recipe whose render moved it last.
  const shape = answer.inputKey && m.mediaShape ? await m.mediaShape(answer.inputKey) : null;
  return new Html(mediaDone(shape ?? unknownShape(answer.inputKey ?? name), answer.cid, look));
};

function element(shape: MediaShape, answer: MediaAnswer, look: MediaLook): string {
  switch (answer.state) {
    case "done":
      return mediaDone(shape, answer.cid, look);
    case "pending":
      return mediaPending(shape, look, null);
    case "failed":
      return mediaFailed(shape, look, answer.error);
    case "absent":
      return mediaAbsent(shape, look);
  }
}

export function registerMediaPrimitives(registry: Registry): void {
  defineVocabulary(registry, MEDIA_PRIMITIVES, { "render-media": renderMedia, "named-media": namedMedia });
}
