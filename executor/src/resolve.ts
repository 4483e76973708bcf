/**
 * Resolving a page: the walk of one node of kind `page`, the same for
 * serving a request and for re-rendering after a content change.
 *
 * plan     the route's plan says whether its pages are shared (plan.ts);
 * look up  a shared page's pointer, then its bytes by CID (serving), or ask
 *          its written-down I/O calls again and stop when they answer the
 *          same (re-rendering);
 * execute  the `page` leaf renders it (components and holes inside it are
 *          nodes of their own, see components.ts); a page no one has yet
 *          is sent as it renders, where the leaf can stream;
 * cache    a render everyone may be served is stored by CID, its pointer
 *          moved (compare-and-swap, its input key the idempotency key), what
 *          it read recorded, its calls written down; one that may not be
 *          shared any more retires the pointer.
 */
import { writeCalls, type IoCall } from "@rose-ash/sexp";
import type { Walk } from "./context.ts";
import { callKeys, pageName, type Dependency, type PageKey } from "./keys.ts";
import type { Leaf } from "./leaves.ts";
import { measured, metrics } from "./metrics.ts";
import { keepsShared, type RenderFacts } from "./plan.ts";
import { IMMUTABLE_TTL_S, type Moved, type PageStores, type PointerState, type Seen } from "./stores.ts";
import { knownTemplate, templateOf, type Template } from "./templates.ts";

export interface PageJob {
  readonly page: PageKey;
  /** The plan: looked up and published, or rendered for one visitor (`routeIsShared`). */
  readonly shared: boolean;
  /** `serve` a request; `refresh` a shared page after a content change. */
  readonly mode: "serve" | "refresh";
  /** Render even when the pointer has the page (`Cache-Control: no-cache`, where allowed). */
  readonly fresh: boolean;
  /**
   * The page may be sent as it renders (where the leaf can stream; see
   * `streamed`): a shared page when no one has it, a page for one visitor
   * always (the host asks only for a read that can change nothing, so no
   * cookie has to follow the first byte).
   */
  readonly stream?: boolean;
}

/** What the `page` leaf made. */
export interface PageRender extends RenderFacts {
  readonly location: string | null;
  /** Every I/O call it made, with the answer. */
  readonly calls: readonly IoCall[];
  /** The queries and fragments it read (what a content change may touch). */
  readonly reads: readonly Dependency[];
  /** What went into it: the route's key, the page, every call and its answer (null when that cannot be told). */
  readonly inputKey: string | null;
}

/** The `page` leaf: renders a page for a job, and asks a page's written-down calls again. */
export interface PageLeaf<J extends PageJob, R extends PageRender> extends Leaf<J, R> {
  /** The input key the page's calls give when asked again now, or null when they cannot be asked. */
  askAgain(job: J, written: string): Promise<string | null>;
  /**
   * Render a page to be sent as it is written: once its status is known,
   * the body streaming and the render (all of it, as `execute` gives it)
   * still coming; or the render whole, when the page could not stream (a
   * redirect, a status decided last).
   */
  stream?(job: J): Promise<Streaming<R>>;
}

/** A page leaf's streamed render (see PageLeaf.stream). */
export type Streaming<R> =
  | { readonly state: "streaming"; readonly status: number; readonly body: ReadableStream<Uint8Array>; readonly render: Promise<R> }
  | { readonly state: "whole"; readonly render: R };

/** A shared page as stored: split at its holes, its CID, the pointer's sequence. */
export interface StoredPage {
  readonly template: Template;
  readonly cid: string;
  readonly sequence: number;
}

export type PageResolution<R extends PageRender> =
  /** Served from the pointer; `stale` when a render was asked for and failed. */
  | { readonly state: "hit" | "stale"; readonly page: StoredPage; readonly render: null }
  /** Rendered, stored and published (or found stored already: `moved.status` says). */
  | { readonly state: "miss"; readonly page: StoredPage; readonly render: R; readonly moved: Moved }
  /** Rendered for this request only. */
  | { readonly state: "bypass"; readonly render: R }
  /**
   * Sent as it renders (the page's bytes, hole markers in them): a shared
   * page no one had, stored and published, when it may be shared, once it
   * is all there (`kept`); or a page for this request only, when it may
   * stream (see PageJob.stream).
   */
  | { readonly state: "streamed"; readonly status: number; readonly body: ReadableStream<Uint8Array>; readonly render: Promise<R>; readonly kept: boolean }
  /** Re-rendering: asking the calls again gave the same answers; nothing rendered. */
  | { readonly state: "unchanged"; readonly cid: string; readonly sequence: number }
  /** No longer a shared page (now a 404, a redirect, per visitor): the pointer retired. */
  | { readonly state: "retired"; readonly cid: string; readonly sequence: number | null; readonly render: R }
  /** Re-rendering a page that has no live pointer: nothing to do. */
  | { readonly state: "gone" };

/** How many times a re-render tries again when the pointer moved under it. */
const REFRESH_ATTEMPTS = 3;

export async function resolvePage<J extends PageJob, R extends PageRender>(exec: Walk, job: J): Promise<PageResolution<R>> {
  const leaf = exec.leaves.get<J, R>("page") as PageLeaf<J, R>;
  const node = exec.trace.start("page", job.page.path + (job.page.htmx ? " (htmx)" : ""), null, pageName(job.page));
  const done = <P extends PageResolution<R>>(p: P, tier: string | null): P => {
    exec.trace.finish(node, traceState(p), tier);
    exec.remember(job.page);
    return p;
  };
  const stores = exec.stores.pages;
  if (!job.shared || !stores) {
    if (job.stream !== true || leaf.stream === undefined) return done({ state: "bypass", render: await leaf.execute(job) }, "render");
    const streaming = await leaf.stream(job);
    if (streaming.state === "streaming") return done({ state: "streamed", status: streaming.status, body: streaming.body, render: streaming.render, kept: false }, "render");
    return done({ state: "bypass", render: streaming.render }, "render");
  }

  const refresh = job.mode === "refresh";
  let seen = await stores.pointers.current(job.page, refresh);
  const live = seen && !seen.retired ? seen : null;
  let stored: StoredPage | null = null;
  if (refresh) {
    if (!live) return done({ state: "gone" }, null);
    // The plan for a re-render: the same answers give the same input key, and nothing to render.
    if (await sameInput(exec, leaf, job, live)) return done({ state: "unchanged", cid: live.cid, sequence: live.sequence }, "resolver");
  } else if (live) {
    stored = await storedPage(stores, live);
    if (stored && !job.fresh) return done({ state: "hit", page: stored, render: null }, "pointer");
  }

  // A page no one has (not even a stale copy) is sent as it renders; the rest of the walk follows the render.
  const streams = job.stream === true && !refresh && !stored && leaf.stream !== undefined;
  for (let attempt = 0; ; attempt++) {
    let render: R;
    try {
      if (streams && attempt === 0) {
        const streaming = await leaf.stream!(job);
        if (streaming.state === "streaming") {
          const kept = streaming.render
            .then((r) => keepStreamed(exec, stores, job.page, r, seen))
            .catch((e: unknown) => console.error(`${pageName(job.page)}: not kept: ${e instanceof Error ? e.message : String(e)}`));
          exec.defer(kept);
          // The page ends once it is kept: whoever has all of it can be served it from its pointer.
          const body = streaming.body.pipeThrough(new TransformStream<Uint8Array, Uint8Array>({ flush: () => kept }));
          return done({ state: "streamed", status: streaming.status, body, render: streaming.render.then((r) => kept.then(() => r)), kept: true }, "render");
        }
        render = streaming.render;
      } else render = await leaf.execute(job);
    } catch (e) {
      // A shared page that cannot be made again now is served as it was.
      if (!stored) throw e;
      console.error(`${pageName(job.page)}: served as it was, the render failed: ${e instanceof Error ? e.message : String(e)}`);
      return done({ state: "stale", page: stored, render: null }, "pointer");
    }
    if (render.degraded) {
      // A part that failed is not fixed into the page: the pointer stays (and serves, where it can), and the next change tries again.
      if (stored) return done({ state: "stale", page: stored, render: null }, "pointer");
      if (refresh) throw new Error(`a part of ${pageName(job.page)} failed to render`);
      return done({ state: "bypass", render }, "render");
    }
    if (!keepsShared(render)) {
      const current = seen && !seen.retired ? seen : null;
      if (!current) return done(refresh ? { state: "gone" } : { state: "bypass", render }, "render");
      const retired = await stores.pointers.retire(job.page, current.sequence);
      if (retired.status === "conflict" && refresh) {
        if (attempt + 1 >= REFRESH_ATTEMPTS) throw new Error(`${pageName(job.page)}: the pointer kept moving under ${REFRESH_ATTEMPTS} re-renders`);
        seen = await stores.pointers.current(job.page, true);
        continue;
      }
      return done(refresh ? { state: "retired", cid: current.cid, sequence: retired.sequence, render } : { state: "bypass", render }, "render");
    }
    const { page, moved } = await publish(exec, stores, job.page, render, seen, refresh ? live!.cid : (stored?.cid ?? null));
    // Losing to a concurrent render while serving is fine (the same input renders the same page); a re-render tries again.
    if (moved.status !== "conflict" || !refresh || attempt + 1 >= REFRESH_ATTEMPTS) {
      if (moved.status === "conflict" && refresh) throw new Error(`${pageName(job.page)}: the pointer kept moving under ${REFRESH_ATTEMPTS} re-renders`);
      return done({ state: "miss", page, render, moved }, "render");
    }
    seen = await stores.pointers.current(job.page, true);
  }
}

/** A streamed page once it is all there: published when it may be shared, as a render served whole would be. */
async function keepStreamed(exec: Walk, stores: PageStores, page: PageKey, render: PageRender, seen: PointerState | null): Promise<void> {
  if (render.degraded) return;
  if (keepsShared(render)) {
    await publish(exec, stores, page, render, seen, null);
    return;
  }
  if (seen && !seen.retired) await stores.pointers.retire(page, seen.sequence);
}

function traceState(p: PageResolution<PageRender>): "hit" | "miss" | "stale" | "bypass" | "ran" {
  switch (p.state) {
    case "streamed":
      return p.kept ? "miss" : "bypass";
    case "hit":
    case "unchanged":
      return "hit";
    case "stale":
      return "stale";
    case "miss":
      return "miss";
    case "bypass":
      return "bypass";
    default:
      return "ran";
  }
}

/** The page a live pointer names: this isolate's split copy, or the bytes from the warm tier, verified against the CID. */
async function storedPage(stores: PageStores, p: PointerState): Promise<StoredPage | null> {
  let template = knownTemplate(p.cid);
  if (template !== null) metrics.memory.hits++;
  else {
    const bytes = await measured(metrics.warm, stores.content.get(p.cid), (b) => (b ? b.length : null));
    template = bytes ? templateOf(new TextDecoder().decode(bytes), p.cid) : null;
  }
  return template === null ? null : { template, cid: p.cid, sequence: p.sequence };
}

/** Whether asking a page's written-down calls again gives its current input key. */
async function sameInput<J extends PageJob, R extends PageRender>(exec: Walk, leaf: PageLeaf<J, R>, job: J, p: PointerState): Promise<boolean> {
  if (p.inputKey === null) return false;
  const written = await exec.stores.calls.get(callKeys.page(p.inputKey));
  if (!written) return false;
  return (await leaf.askAgain(job, written).catch(() => null)) === p.inputKey;
}

const utf8 = new TextEncoder();

/**
 * Store a rendered page by CID (unless `stored`, the CID the warm tier is
 * known to hold, is the same), record what it read, and move its pointer to
 * it (compare-and-swap from the pointer as the look-up saw it); write down
 * its calls under its input key. The same bytes as the pointer names move
 * nothing, but take the new input key, so that asking the calls again next
 * time matches it; the same bytes from the same input do nothing at all.
 */
async function publish(exec: Walk, stores: PageStores, page: PageKey, render: PageRender, pointer: PointerState | null, stored: string | null): Promise<{ page: StoredPage; moved: Moved }> {
  const html = render.html!;
  const bytes = utf8.encode(html);
  const cid = await stores.content.put(bytes, stored);
  const seen: Seen = pointer ? { sequence: pointer.sequence, cid: pointer.retired ? null : pointer.cid } : { sequence: 0, cid: null };
  if (cid === seen.cid && render.inputKey !== null && render.inputKey === pointer!.inputKey) {
    return { page: { template: templateOf(html, cid), cid, sequence: seen.sequence }, moved: { status: "unchanged", sequence: seen.sequence } };
  }
  // Recorded before the pointer moves: a change that lands in between still finds the page.
  await stores.dependencies.record(page, render.reads);
  const moved = await stores.pointers.publish(page, cid, seen, render.inputKey);
  const written = render.inputKey === null ? null : writeCalls(render.calls);
  if (render.inputKey !== null && written !== null && moved.status !== "conflict") {
    exec.defer(exec.stores.calls.put(callKeys.page(render.inputKey), written, IMMUTABLE_TTL_S).catch((e: unknown) => console.warn(`${pageName(page)}: writing down its calls: ${e instanceof Error ? e.message : String(e)}`)));
  }
  // Pinned after the response: the service fetches the bytes from this site's gateway.
  const pins = stores.pins;
  if (pins && moved.status === "moved") exec.defer(pins.put(cid, bytes).catch((e: unknown) => console.error(`pinning ${cid}: ${e instanceof Error ? e.message : String(e)}`)));
  return { page: { template: templateOf(html, cid), cid, sequence: moved.sequence ?? seen.sequence }, moved };
}
