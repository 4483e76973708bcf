/**
 * The environment's named accessors for what `defroute`, `defquery` and
 * `defaction` declared: `env.routes`, `env.queries`, `env.query(service,
 * name)` and `env.allQueries()`, over `env.declarations`. They live here,
 * not in runtime.ts, so the runtime knows nothing of routes or SQL;
 * program.ts (and so index.ts) loads this module.
 */
import { QUERIES, queryOf, type QueryDef } from "./query.ts";
import { routesOf, type Route } from "./route.ts";
import { Env } from "./runtime.ts";

declare module "./runtime.ts" {
  interface Env {
    /** The routes declared in this environment (not its parents), in order of declaration. */
    readonly routes: Route[];
    /** Queries and actions declared in this environment (not its parents), by `service/name`. */
    readonly queries: Map<string, QueryDef>;
    /** The query or action `service/name` visible here, or undefined. */
    query(service: string, name: string): QueryDef | undefined;
    /** Every query and action visible here, nearest first. */
    allQueries(): QueryDef[];
  }
}

Object.defineProperties(Env.prototype, {
  routes: {
    get(this: Env): Route[] {
      return routesOf(this.declarations);
    },
  },
  queries: {
    get(this: Env): Map<string, QueryDef> {
      return this.declarations.own(QUERIES);
    },
  },
  query: {
    value(this: Env, service: string, name: string): QueryDef | undefined {
      return queryOf(this.declarations, service, name);
    },
  },
  allQueries: {
    value(this: Env): QueryDef[] {
      return this.declarations.all(QUERIES);
    },
  },
});

// Nothing to export: loading the module installs the accessors.
export {};
