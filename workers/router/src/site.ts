/**
 * The site: the app's s-expression sources evaluated once per isolate into
 * an environment of components, queries and routes. Each route body is
 * compiled once, as a function of its path parameters.
 */
import { Lambda, basePrimitives, evaluateForms, node, type Env, type Route } from "@rose-ash/sexp";
import { loadApp, registerResolverPrimitives, type App, type Source } from "@rose-ash/resolver";
import { registerRequestPrimitives } from "./request.ts";
import { compileRoutes, type CompiledRoute } from "./routes.ts";

export interface Site {
  readonly app: App;
  /** A digest of the sources: cached pages of one version are never served by another. */
  readonly version: string;
  readonly routes: readonly CompiledRoute[];
  /** The route body as a function of the route's parameters, in pattern order. */
  handler(route: Route): Lambda;
}

/** The primitives pages may use: the base set, the resolver's I/O, and request access. */
export function siteRegistry() {
  const registry = basePrimitives.extend();
  registerResolverPrimitives(registry);
  registerRequestPrimitives(registry);
  return registry;
}

export async function loadSite(sources: readonly Source[]): Promise<Site> {
  const app = await loadApp(sources, siteRegistry());
  const routes = compileRoutes(app.env.routes);
  const handlers = new Map<Route, Lambda>();
  for (const r of routes) handlers.set(r.route, await routeLambda(r, app.env));
  return { app, routes, version: await digest(sources), handler: (route) => handlers.get(route)! };
}

/** `(fn (param ...) body...)` built from the route, evaluated once. */
async function routeLambda(r: CompiledRoute, env: Env): Promise<Lambda> {
  const at = r.route.form;
  const sym = (name: string) => node("sym", name, at.src, at.line, at.col);
  const fn = node("list", [sym("fn"), node("list", r.params.map(sym), at.src, at.line, at.col), ...r.route.body], at.src, at.line, at.col);
  const [lambda] = await evaluateForms([fn], env);
  return lambda as Lambda;
}

async function digest(sources: readonly Source[]): Promise<string> {
  const text = sources.map((s) => `${s.name}\0${s.text}`).join("\0");
  const hash = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text)));
  return [...hash.slice(0, 6)].map((b) => b.toString(16).padStart(2, "0")).join("");
}
