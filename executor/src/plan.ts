/**
 * The plan step's one decision about sharing: which routes' pages are looked
 * up by their pointers and published, and which renders may be kept as the
 * shared page everyone is served. Page serving and re-rendering after a
 * content change both ask here.
 */
import type { DefinitionEffects, Effects } from "@rose-ash/sexp";

/**
 * A route's pages are shared when the request only reads (GET or HEAD), the
 * route is not declared `:cache false`, and its own body (user-scoped
 * components being holes) reads neither who is asking nor the time.
 */
export function routeIsShared(method: string, cacheable: boolean, own: Effects): boolean {
  return (method === "GET" || method === "HEAD") && cacheable && !own.user && !own.volatile;
}

/** In a shared render, a component that reads who is asking is a hole, filled per request (holes.ts). */
export function isHole(effects: DefinitionEffects): boolean {
  return effects.own.user;
}

/** What a render did, as far as keeping it is concerned. */
export interface RenderFacts {
  readonly status: number;
  readonly html: string | null;
  /** It read who is asking (outside a hole) or wrote something. */
  readonly userScoped: boolean;
  /** It read the time. */
  readonly volatile: boolean;
  /** A part of it failed and shows a notice. */
  readonly degraded: boolean;
  /** It started a session (a cookie goes with it). */
  readonly sessionStarted: boolean;
}

/** A page everyone may be served: a 200 with HTML that read nothing of who asked or when, and had nothing fail. */
export function keepsShared(r: RenderFacts): boolean {
  return r.html !== null && r.status === 200 && !r.userScoped && !r.volatile && !r.degraded && !r.sessionStarted;
}
