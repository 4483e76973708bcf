/**
 * @rose-ash/vocabulary: the words a site's s-expressions may use beyond the
 * language's own: the request, the resolver's queries, fragments and
 * actions, and the responses. The Workers give them their functions; `npm
 * run check` and (next) the LLM catalog need only what is here.
 */
import { basePrimitives, type Registry } from "@rose-ash/sexp";
import { REQUEST_PRIMITIVES } from "./request.ts";
import { RESOLVER_PRIMITIVES } from "./resolver.ts";
import { RESPONSE_PRIMITIVES, responseFunctions } from "./responses.ts";
import { GENERATED_PRIMITIVES } from "./generated.ts";
import { FEDERATED_PRIMITIVES } from "./federated.ts";
import { JINJA_PRIMITIVES } from "./jinja.ts";
import { MEDIA_PRIMITIVES } from "./media.ts";
import { defineVocabulary } from "./spec.ts";

export { REQUEST_PRIMITIVES, SESSION_READS } from "./request.ts";
export { DATA_READS, RESOLVER_PRIMITIVES, callParts, declaration, fragmentService, type Op } from "./resolver.ts";
export { RESPONSE_PRIMITIVES, isResponse, responseFunctions, routeResult, type RouteResult } from "./responses.ts";
export { defineVocabulary, type PrimitiveDoc, type PrimitiveFn } from "./spec.ts";
export { GENERATED_PRIMITIVES } from "./generated.ts";
export { FEDERATED_PRIMITIVES } from "./federated.ts";
export { JINJA_PRIMITIVES } from "./jinja.ts";
export { MEDIA_PRIMITIVES } from "./media.ts";

/**
 * Everything a page may call, for checking and cataloguing: the base
 * primitives and the site's, with the responses' functions (the others run
 * only in a Worker, and say so).
 */
export function siteVocabulary(): Registry {
  const registry = basePrimitives.extend();
  defineVocabulary(registry, RESOLVER_PRIMITIVES);
  defineVocabulary(registry, REQUEST_PRIMITIVES);
  defineVocabulary(registry, RESPONSE_PRIMITIVES, responseFunctions);
  defineVocabulary(registry, GENERATED_PRIMITIVES);
  defineVocabulary(registry, FEDERATED_PRIMITIVES);
  defineVocabulary(registry, JINJA_PRIMITIVES);
  defineVocabulary(registry, MEDIA_PRIMITIVES);
  return registry;
}
