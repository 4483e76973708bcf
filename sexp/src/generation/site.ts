/**
 * What a generated form is checked against: the site's environment seen by
 * the checker. The environment's definitions (`define`, `defcomp` forms)
 * become the checker's library, so components are known with their keys;
 * its queries are known from their declarations, which the environment keeps
 * as data rather than forms, so each primitive's own call check (`query`'s
 * look-up of `service/name`) is given a scope that also asks the
 * environment.
 */
import type { CheckScope } from "../call-check.ts";
import { queryKey, type QueryDef } from "../query.ts";
import { Primitive, type Env, type PrimitiveTable } from "../runtime.ts";
import type { Node } from "../types.ts";
import "../env-accessors.ts";

export interface SiteScope {
  /** The environment's definition forms, to pass to `check` as `lib`. */
  readonly lib: readonly Node[];
  /** The registry, with call checks that also see the environment's queries. */
  readonly registry: PrimitiveTable;
}

const scopes = new WeakMap<Env, WeakMap<PrimitiveTable, SiteScope>>();

/** The checker's view of `env` over `registry`, made once per pair (the site's environment does not change once loaded). */
export function siteScope(env: Env, registry: PrimitiveTable): SiteScope {
  let byRegistry = scopes.get(env);
  if (!byRegistry) scopes.set(env, (byRegistry = new WeakMap()));
  let scope = byRegistry.get(registry);
  if (!scope) byRegistry.set(registry, (scope = { lib: [...env.allDefinitions().values()], registry: withEnvQueries(registry, env) }));
  return scope;
}

/** A table of the same primitives whose call checks see the environment's queries too (the checked code's own first). */
function withEnvQueries(registry: PrimitiveTable, env: Env): PrimitiveTable {
  const wrapped = new Map<string, Primitive>();
  const wrap = (p: Primitive): Primitive => {
    const check = p.meta.check;
    if (!check) return p;
    let w = wrapped.get(p.name);
    if (!w || w.fn !== p.fn) {
      w = new Primitive({ ...p.meta, check: (args, call, scope) => check(args, call, alsoEnv(scope, env)) }, p.fn, p);
      wrapped.set(p.name, w);
    }
    return w;
  };
  return {
    get: (name) => {
      const p = registry.get(name);
      return p && wrap(p);
    },
    list: () => registry.list().map(wrap),
  };
}

function alsoEnv(scope: CheckScope, env: Env): CheckScope {
  return {
    ...scope,
    query: (service, name) => scope.query(service, name) ?? env.query(service, name),
    queries: () => {
      const all = new Map<string, QueryDef>();
      for (const q of scope.queries()) all.set(queryKey(q.service, q.name), q);
      for (const q of env.allQueries()) if (!all.has(queryKey(q.service, q.name))) all.set(queryKey(q.service, q.name), q);
      return all.values();
    },
  };
}
