/**
 * The site: the app's s-expression sources evaluated once per isolate into
 * an environment of components, queries and routes. Each route body is
 * compiled once, as a function of its path parameters.
 */
import { Lambda, basePrimitives, createEnv, evaluateForms, node, parse, type Env, type Route } from "@rose-ash/sexp";
import { registerQuery } from "@rose-ash/resolver";
import { registerRequestPrimitives } from "./request.ts";
import { compileRoutes, type CompiledRoute } from "./routes.ts";

export interface Source {
  readonly name: string;
  readonly text: string;
}

export interface Site {
  readonly env: Env;
  readonly routes: readonly CompiledRoute[];
  /** The route body as a function of the route's parameters, in pattern order. */
  handler(route: Route): Lambda;
}

/** The primitives pages may use: the base set, queries, and request access. */
export function siteRegistry() {
  const registry = basePrimitives.extend();
  registerQuery(registry);
  registerRequestPrimitives(registry);
  return registry;
}

export async function loadSite(sources: readonly Source[]): Promise<Site> {
  const env = createEnv(siteRegistry());
  for (const s of sources) await evaluateForms(parse(s.text, { src: s.name }), env);
  const routes = compileRoutes(env.routes);
  const handlers = new Map<Route, Lambda>();
  for (const r of routes) handlers.set(r.route, await routeLambda(r, env));
  return { env, routes, handler: (route) => handlers.get(route)! };
}

/** `(fn (param ...) body...)` built from the route, evaluated once. */
async function routeLambda(r: CompiledRoute, env: Env): Promise<Lambda> {
  const at = r.route.form;
  const sym = (name: string) => node("sym", name, at.src, at.line, at.col);
  const fn = node("list", [sym("fn"), node("list", r.params.map(sym), at.src, at.line, at.col), ...r.route.body], at.src, at.line, at.col);
  const [lambda] = await evaluateForms([fn], env);
  return lambda as Lambda;
}
