/**
 * What a page's parts need of the request they render for: whether the
 * render is the shared one (user-scoped components become holes), whether
 * to render everything afresh, whether a part failed, who the visitor is
 * (for what is kept per visitor), and counts for the response's headers.
 */
export interface PartsScope {
  /** Rendering a page to share: user-scoped components become holes, filled per request. */
  readonly shared?: boolean;
  /** Render everything afresh: no component is taken from the cache. */
  readonly fresh?: boolean;
  /** Set when a part failed and shows a notice: such a render is not kept. */
  degraded?: boolean;
  /** What this visitor's parts are kept under, or null when nothing kept for them may be used. */
  visitorScope(): Promise<string | null>;
  /** `:cache` components answered by input key, and rendered. */
  readonly components: { cached: number; rendered: number };
}
