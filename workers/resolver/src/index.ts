/** The resolver: runs s-expression pages' I/O (queries, fragments, actions) per request. */
export { loadApp, type App, type Source } from "./app.ts";
export { ResolverClient, type Resolver, type Transport } from "./client.ts";
export { CircuitBreaker, UnavailableError, causeOf, type BreakerOptions } from "./breaker.ts";
export { configureNeon, databaseFromEnv, databaseTimeoutMs, neonDb, neonHttpDb, type Db, type DatabaseEnv, type Row } from "./db.ts";
export { executeBatch } from "./execute.ts";
export { guardedTransport, localTransport, serviceTransport, type ServiceBinding } from "./transport.ts";
export { fragmentError, registerResolverPrimitives, type ResolverIO } from "./primitives.ts";
export { RequestIO, TimeoutError, type RequestIOOptions } from "./request-io.ts";
export { fromWire, parseBatch, toWire, type Batch, type Call, type CallResult, type Json, type Op } from "./wire.ts";
