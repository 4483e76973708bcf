/**
 * Routes: what `(defroute "/path/:param/" [:method "POST"] [:cache false] body...)`
 * declares, as data for the host's router (the body is not evaluated here).
 * forms.ts reads the form; this module is the data and its table in an
 * environment's declarations.
 */
import { DeclarationKind, type Declarations } from "./declarations.ts";
import type { Node } from "./types.ts";

/** A route recorded by `defroute`: data for the router, not evaluated. */
export interface Route {
  readonly pattern: string;
  readonly method: string;
  /** `:cache false` keeps the route's pages out of the page cache (its `:cache` components still apply). */
  readonly cache: boolean;
  readonly body: Node[];
  readonly form: Node;
}

/** The routes of an environment, by method and pattern. */
export const ROUTES = new DeclarationKind<Route>("route");

/** Record a route; declaring the same method and pattern again (a reloaded file) replaces it, in its place. */
export function declareRoute(declarations: Declarations, route: Route): void {
  declarations.set(ROUTES, `${route.method} ${route.pattern}`, route);
}

/** The routes declared in this environment itself (not its parents), in order of declaration. */
export function routesOf(declarations: Declarations): Route[] {
  return [...declarations.own(ROUTES).values()];
}

/** Names a route pattern binds as locals in its body: each `:param`, and `path` for a trailing `*`. */
export function routeParams(pattern: string): string[] {
  return pattern.split("/").flatMap((s) => (s === "*" ? ["path"] : s.startsWith(":") && s.length > 1 ? [s.slice(1)] : []));
}
