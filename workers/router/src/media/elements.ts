/**
 * The elements media is shown by: the output (`img`, or `video` for a video
 * format) from `/ipfs/<cid>`; while it renders, a figure that polls its
 * status with htmx and shows a progress bar; a failed render's notice with a
 * retry; a placeholder where nothing renders. One place writes them, for
 * pages (`render-media`, `named-media`) and for the poll's answers.
 */
import { escapeHtml } from "@rose-ash/sexp";
import { isVideoFormat, type MediaFormat } from "@rose-ash/render/recipe";

/** What an element needs to know of the media. */
export interface MediaShape {
  readonly key: string;
  readonly kind: "image" | "video";
  readonly format: string;
  readonly width: number | null;
  readonly height: number | null;
}

/** The shape of media known only by its key (no job here for it): an image of unknown size. */
export function unknownShape(key: string): MediaShape {
  return { key, kind: "image", format: "png", width: null, height: null };
}

/** What the page asked for it to carry. */
export interface MediaLook {
  readonly alt: string;
  readonly className: string | null;
}

/** A job as the pending element shows it. */
export interface MediaProgress {
  readonly stage: string;
  readonly done: number;
  readonly total: number;
  /** Why it waits (the service could not be reached), or null. */
  readonly note: string | null;
}

const attr = (v: string): string => `"${escapeHtml(v)}"`;
const classes = (look: MediaLook, state: string): string => attr(["media", state, look.className].filter(Boolean).join(" "));
const size = (m: MediaShape): string => (m.width !== null && m.height !== null ? ` width="${m.width}" height="${m.height}"` : "");
const ratio = (m: MediaShape): string => (m.width !== null && m.height !== null ? ` style="aspect-ratio: ${m.width} / ${m.height}"` : "");

/** Where a pending element asks for its state (`retry`: where a failed one asks again), with what the page asked it to carry. */
export function mediaUrl(key: string, look: MediaLook, retry = false): string {
  const q = new URLSearchParams();
  if (look.alt) q.set("alt", look.alt);
  if (look.className) q.set("class", look.className);
  const query = q.toString();
  return `/render/media/${key}${retry ? "/retry" : ""}${query ? `?${query}` : ""}`;
}

export function mediaDone(m: MediaShape, cid: string, look: MediaLook): string {
  const src = attr(`/ipfs/${cid}`);
  // A video as GIF or WebP is an animated image.
  if (isVideoFormat(m.format as MediaFormat)) {
    return `<video class=${classes(look, "media-done")} src=${src}${size(m)} autoplay muted loop playsinline aria-label=${attr(look.alt)}></video>`;
  }
  return `<img class=${classes(look, "media-done")} src=${src}${size(m)} alt=${attr(look.alt)} decoding="async">`;
}

const STAGES: Readonly<Record<string, string>> = {
  queued: "Queued",
  submitted: "Queued",
  waiting: "Waiting for the render service",
  read: "Reading the recipe",
  plan: "Planning",
  render: "Rendering",
  encode: "Encoding",
  store: "Storing",
  landing: "Storing",
  done: "Done",
};

/**
 * A pending element: a progress bar (indeterminate until frames are
 * counted), the stage, and htmx asking again each second, which swaps in
 * the media when it lands.
 */
export function mediaPending(m: MediaShape, look: MediaLook, progress: MediaProgress | null): string {
  const p = progress ?? { stage: "queued", done: 0, total: 0, note: null };
  const counted = p.stage === "render" || p.done > 0;
  const bar = counted ? `<progress max="${Math.max(1, p.total)}" value="${Math.min(p.done, p.total)}"></progress>` : "<progress></progress>";
  const frames = counted && p.total > 1 ? ` · ${p.done} of ${p.total} frames` : "";
  const note = p.note ? ` · ${escapeHtml(p.note)}` : "";
  return (
    `<figure class=${classes(look, "media-pending")}${ratio(m)} role="status" aria-busy="true" data-media=${attr(m.key)} ` +
    `hx-get=${attr(mediaUrl(m.key, look))} hx-trigger="load delay:1s" hx-swap="outerHTML">` +
    bar +
    `<figcaption>${escapeHtml(look.alt ? `${look.alt}: ` : "")}${STAGES[p.stage] ?? escapeHtml(p.stage)}${frames}${note}</figcaption></figure>`
  );
}

/** A render that failed: what went wrong, and (unless `retry` is false) a button to try again. */
export function mediaFailed(m: MediaShape, look: MediaLook, error: string, retry = true): string {
  return (
    `<figure class=${classes(look, "media-failed")}${ratio(m)} role="status" data-media=${attr(m.key)}>` +
    `<p>${escapeHtml(look.alt ? `${look.alt}: this ${m.kind} could not be rendered.` : `This ${m.kind} could not be rendered.`)}</p>` +
    `<p class="media-error">${escapeHtml(error.length > 300 ? `${error.slice(0, 297)}...` : error)}</p>` +
    (retry ? `<button type="button" hx-post=${attr(mediaUrl(m.key, look, true))} hx-target="closest figure" hx-swap="outerHTML">Try again</button>` : "") +
    `</figure>`
  );
}

/** Where nothing renders media (no render service): the alt text in the media's place. */
export function mediaAbsent(m: MediaShape, look: MediaLook): string {
  return `<figure class=${classes(look, "media-absent")}${ratio(m)} data-media=${attr(m.key)}>${look.alt ? `<figcaption>${escapeHtml(look.alt)}</figcaption>` : ""}</figure>`;
}
