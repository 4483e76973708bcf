/** The resolver: runs s-expression pages' I/O (queries, fragments, actions) per request. */
export { loadApp, type App, type Source } from "./app.ts";
export { ResolverClient, type Transport } from "./client.ts";
export { configureNeon, databaseFromEnv, neonDb, neonHttpDb, type Db, type DatabaseEnv, type Row } from "./db.ts";
export { executeBatch } from "./execute.ts";
export { localTransport, serviceTransport, type ServiceBinding } from "./transport.ts";
export { registerResolverPrimitives, type ResolverIO } from "./primitives.ts";
export { RequestIO, TimeoutError, type RequestIOOptions } from "./request-io.ts";
export { fromWire, parseBatch, toWire, type Batch, type Call, type CallResult, type Json } from "./wire.ts";
export { cidOf, matchesCid, parseCid, type Block } from "./content/cid.ts";
export { hotKey, kvHotCache, upstashHotCache, type HotCache, type KvLike } from "./content/hot.ts";
export { WarmStore, bucketStore, gatewaySource, type BucketLike, type WarmSink, type WarmSource, type WarmStats } from "./content/warm.ts";
