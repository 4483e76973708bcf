/**
 * The site: the app's s-expression sources evaluated once per isolate into
 * an environment of components, queries and routes, and analysed once: what
 * each definition and route depends on (analyze.ts in sexp) and its Merkle
 * key. Each route body is compiled once, as a function of its path parameters.
 */
import { Analysis, Hasher, Lambda, basePrimitives, check, evaluateForms, locText, node, type DefinitionEffects, type Env, type Registry, type Route } from "@rose-ash/sexp";
import { loadApp, registerResolverPrimitives, type App, type Source } from "@rose-ash/resolver";
import { canonicalPath, routeIsShared, type PageKey } from "@rose-ash/executor";
import { fragmentService } from "@rose-ash/vocabulary";
import { registerFederatedPrimitives } from "./federated.ts";
import { registerJinjaPrimitives } from "./jinja.ts";
import { registerGeneratedPrimitives } from "./generated.ts";
import { registerMediaPrimitives } from "./media/render-media.ts";
import { registerRequestPrimitives } from "./request.ts";
import { compileRoutes, type CompiledRoute } from "./routes.ts";

export interface Site {
  readonly app: App;
  /** Every primitive pages may call (the site's vocabulary, with its functions). */
  readonly registry: Registry;
  readonly routes: readonly CompiledRoute[];
  readonly analysis: Analysis;
  readonly hasher: Hasher;
  /** The route body as a function of the route's parameters, in pattern order. */
  handler(route: Route): Lambda;
  /**
   * The route's Merkle key (its form, what it references, every query and
   * fragment it could reach), shortened: a page rendered from another key is
   * never served. `media`: whether media renders here; where it does not,
   * pages show it as placeholders and are kept under another key, so that
   * configuring a render service names new pages, rendered with their media.
   */
  routeKey(route: Route, media: boolean): string;
  /** The page a request for `url` is, by this route: the query parameters it can read (`(param "name")`) are part of it. */
  pageOf(route: Route, url: URL, htmx: boolean, media: boolean): PageKey;
  /** Whether the route's pages are shared for a request with this method: the executor's plan, from what its body depends on (user-scoped components counted as holes). */
  routeIsShared(route: Route, method: string): boolean;
  /**
   * Whether a page of the route may be sent as it renders when it is made
   * for one visitor: a read whose body can change nothing (no action,
   * session or sign-in), so no cookie or refusal can come after its first byte.
   */
  routeStreams(route: Route, method: string): boolean;
}

/** The primitives pages may use: the base set, the resolver's I/O, request access, generated pages, federated documents, and media. */
export function siteRegistry() {
  const registry = basePrimitives.extend();
  registerResolverPrimitives(registry);
  registerRequestPrimitives(registry);
  registerGeneratedPrimitives(registry);
  registerFederatedPrimitives(registry);
  registerJinjaPrimitives(registry);
  registerMediaPrimitives(registry);
  return registry;
}

export async function loadSite(sources: readonly Source[]): Promise<Site> {
  const registry = siteRegistry();
  const app = await loadApp(sources, registry);
  // What `npm run check` finds is said at load too, with positions; the pages it does not touch still serve.
  for (const p of check(app.forms, { registry })) console.error(`${locText(p.loc)}: ${p.message}`);
  const routes = compileRoutes(app.env.routes);
  const definitions = app.env.allDefinitions();
  const hasher = new Hasher(definitions);
  const analysis = new Analysis(definitions, app.env.registry);
  // Queries and fragments are reached by name, not by reference: a route's key covers them all.
  const data = hasher.h(["data", ...app.forms.filter(isDataForm).map((f) => hasher.hash(f))]);
  const handlers = new Map<Route, { lambda: Lambda; key: string; effects: DefinitionEffects; query: ReadonlySet<string> | null }>();
  for (const r of routes) {
    const key = hasher.h(["route", hasher.hash(r.route.form), data]).slice(0, 16);
    const query = analysis.literalArguments(r.route.form, "param");
    handlers.set(r.route, { lambda: await routeLambda(r, app.env), key, effects: analysis.ofNode(r.route.form), query });
  }
  return {
    app,
    registry,
    routes,
    analysis,
    hasher,
    handler: (route) => handlers.get(route)!.lambda,
    routeKey: (route, media) => routeKeyOf(handlers.get(route)!.key, media),
    pageOf: (route, url, htmx, media) => ({ route: routeKeyOf(handlers.get(route)!.key, media), path: canonicalPath(url, handlers.get(route)!.query), htmx }),
    routeIsShared: (route, method) => routeIsShared(method, route.cache, handlers.get(route)!.effects.own),
    routeStreams: (route, method) => (method === "GET" || method === "HEAD") && !handlers.get(route)!.effects.deep.write,
  };
}

function routeKeyOf(key: string, media: boolean): string {
  return media ? key : `${key}.no-media`;
}

function isDataForm(f: (App["forms"])[number]): boolean {
  if (f.kind !== "list" || f.value[0]?.kind !== "sym") return false;
  const head = f.value[0].value;
  return head === "defquery" || head === "defaction" || (head === "defcomp" && fragmentService(f.src ?? "") !== null);
}

/** `(fn (param ...) body...)` built from the route, evaluated once. */
async function routeLambda(r: CompiledRoute, env: Env): Promise<Lambda> {
  const at = r.route.form;
  const sym = (name: string) => node("sym", name, at.src, at.line, at.col);
  const fn = node("list", [sym("fn"), node("list", r.params.map(sym), at.src, at.line, at.col), ...r.route.body], at.src, at.line, at.col);
  const [lambda] = await evaluateForms([fn], env);
  return lambda as Lambda;
}
