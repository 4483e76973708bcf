/** The resolver: runs s-expression pages' I/O (queries, fragments, actions) per request. */
export { loadApp, type App, type Source } from "./app.ts";
export { ResolverClient, type Transport } from "./client.ts";
export { CircuitBreaker, UnavailableError, next as nextBreakerState, type BreakerEvent, type BreakerOptions, type BreakerState } from "./breaker.ts";
export { configureNeon, databaseFromEnv, databaseTimeoutMs, isOutage, neonDb, neonHttpDb, type Db, type DatabaseEnv, type Row } from "./db.ts";
export { causeOf, executeBatch } from "./execute.ts";
export { guardedTransport, localTransport, serviceTransport, type ServiceBinding } from "./transport.ts";
export { fragmentError, registerResolverPrimitives, type ResolverIO } from "./primitives.ts";
export { RequestIO, TimeoutError, type RequestIOOptions } from "./request-io.ts";
export { fromWire, parseBatch, toWire, type Batch, type Call, type CallResult, type Json } from "./wire.ts";
export { blockMatches, cidOf, matchesCid, parseCid, type Block } from "./content/cid.ts";
export { batchedHotCache, hotKey, kvHotCache, upstashHotCache, type HotCache, type KvLike } from "./content/hot.ts";
export { WarmStore, bucketStore, type BucketLike, type WarmSink, type WarmSource, type WarmStats } from "./content/warm.ts";
export { BlockMismatchError, fileFromCar, gatewaySource, type GatewayOptions } from "./content/gateway.ts";
export {
  CAR_RESPONSE_TYPE,
  CAR_TYPE,
  RAW_TYPE,
  depthFirst,
  encodeCar,
  negotiate,
  trustlessBody,
  type DagScope,
  type Negotiation,
  type TrustlessBody,
  type TrustlessFormat,
} from "./content/trustless.ts";
export {
  PinFailedError,
  PinningServiceError,
  PinningUnauthorizedError,
  pinningService,
  pinningServiceSink,
  type Pin,
  type PinFilter,
  type PinResults,
  type PinState,
  type PinStatus,
  type PinningService,
  type PinningSinkOptions,
  type WaitOptions,
} from "./content/pinning.ts";
export { IPNS_RECORD_TYPE, RoutingError, ipnsPublisher, ipnsResolver, parseIpnsName, type IpnsPublisher, type IpnsResolver, type ResolvedIpns } from "./content/ipns-routing.ts";
