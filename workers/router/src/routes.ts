/**
 * Matching requests to `defroute`s: `/blog/:slug/` binds `slug`, a trailing
 * `*` matches the rest of the path (bound as `path`), and `/*` alone is the
 * not-found route, tried last. Parameter names come from `routeParams`, as
 * `sexp check` sees them.
 */
import { routeParams, type Route } from "@rose-ash/sexp";

export interface CompiledRoute {
  readonly route: Route;
  readonly params: readonly string[];
  readonly regex: RegExp;
  /** Catch-all routes (`/*`) are tried after every other. */
  readonly fallback: boolean;
}

export interface RouteMatch {
  readonly route: Route;
  readonly params: ReadonlyMap<string, string>;
}

export function compileRoutes(routes: readonly Route[]): CompiledRoute[] {
  const compiled = routes.map((route): CompiledRoute => {
    let source = "";
    for (const segment of route.pattern.split("/").slice(1)) {
      source += "/";
      if (segment === "*") source += "(.*)";
      else if (segment.startsWith(":")) source += "([^/]+)";
      else source += segment.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    }
    const params = routeParams(route.pattern);
    return { route, params, regex: new RegExp(`^${source}$`), fallback: route.pattern === "/*" };
  });
  return [...compiled.filter((r) => !r.fallback), ...compiled.filter((r) => r.fallback)];
}

/** The first route for this method and path, with its parameters decoded. */
export function matchRoute(routes: readonly CompiledRoute[], method: string, path: string): RouteMatch | null {
  for (const r of routes) {
    // The catch-all is for paths nothing else serves; a path served for other methods gets a 405.
    if (r.fallback && (method !== "GET" && method !== "HEAD" || allowedMethods(routes, path).length)) continue;
    if (r.route.method !== method && !(method === "HEAD" && r.route.method === "GET")) continue;
    const m = r.regex.exec(path);
    if (!m) continue;
    const params = new Map<string, string>();
    r.params.forEach((name, i) => params.set(name, safeDecode(m[i + 1] ?? "")));
    return { route: r.route, params };
  }
  return null;
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s; // malformed escapes stay as written
  }
}

/** The methods some route other than the catch-all accepts at this path (for a 405's Allow header). */
export function allowedMethods(routes: readonly CompiledRoute[], path: string): string[] {
  return [...new Set(routes.filter((r) => !r.fallback && r.regex.test(path)).map((r) => r.route.method))];
}
