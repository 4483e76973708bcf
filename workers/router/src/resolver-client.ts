/**
 * The resolver as one request sees it: over the RESOLVER service binding, or
 * in-process on the database, behind this isolate's circuit breaker for that
 * target, each batch within DATABASE_TIMEOUT_MS. A dead database costs one
 * timeout per cool-down, not one per request, and the first call after the
 * cool-down finds out whether it is back.
 */
import { CircuitBreaker, RequestIO, ResolverClient, databaseFromEnv, databaseTimeoutMs, guardedTransport, localTransport, serviceTransport, type App, type DatabaseEnv, type Db, type ServiceBinding } from "@rose-ash/resolver";

export interface ResolverBindings extends DatabaseEnv {
  /** The resolver Worker (service binding); absent: the resolver runs in this Worker. */
  RESOLVER?: ServiceBinding;
  /** How long the breaker stays open after an outage before a request tries again, in ms (default 5000; doubled per failed try, up to 60 s). */
  DATABASE_COOLDOWN_MS?: string;
}

/** One breaker per target in this isolate: the service binding, or a database by its URL. */
const bindingBreakers = new WeakMap<object, CircuitBreaker>();
const databaseBreakers = new Map<string, CircuitBreaker>();

export function breakerFor(env: ResolverBindings): CircuitBreaker {
  const known = env.RESOLVER ? bindingBreakers.get(env.RESOLVER) : databaseBreakers.get(env.DATABASE_URL ?? "");
  if (known) return known;
  const cooldownMs = Number(env.DATABASE_COOLDOWN_MS);
  const breaker = new CircuitBreaker("The database", cooldownMs > 0 ? { cooldownMs } : {});
  if (env.RESOLVER) bindingBreakers.set(env.RESOLVER, breaker);
  else databaseBreakers.set(env.DATABASE_URL ?? "", breaker);
  return breaker;
}

/** The request's resolver client; `dbs` collects the in-process database it opens, to close after the response. */
export function resolverClient(app: App, env: ResolverBindings, dbs: Db[]): ResolverClient {
  const transport = env.RESOLVER ? serviceTransport(env.RESOLVER) : localTransport(app, () => (dbs[0] ??= databaseFromEnv(env)));
  return new ResolverClient(guardedTransport(transport, breakerFor(env)), new RequestIO({ timeoutMs: databaseTimeoutMs(env) }));
}
