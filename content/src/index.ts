/** @rose-ash/content: content addressing, the tiers, IPFS and IPNS, for the Workers, the Durable Objects and the render service. */
export { blockMatches, cidOf, matchesCid, parseCid, type Block } from "./cid.ts";
export { batchedHotCache, hotKey, kvHotCache, upstashHotCache, type HotCache, type KvLike } from "./hot.ts";
export { WarmStore, bucketStore, firstVerified, memoryBucket, type BucketLike, type WarmSink, type WarmSource, type WarmStats } from "./warm.ts";
export { BlockMismatchError, fileFromCar, gatewaySource, type GatewayOptions } from "./gateway.ts";
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
} from "./trustless.ts";
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
} from "./pinning.ts";
export { IPNS_RECORD_TYPE, RoutingError, ipnsPublisher, ipnsResolver, parseIpnsName, type IpnsPublisher, type IpnsResolver, type ResolvedIpns } from "./ipns-routing.ts";
export { REPUBLISH_MS, pointerKey, signRecord, type SignedRecord } from "./ipns-record.ts";
export { serveContent } from "./serve.ts";
export { SIGNATURE_WINDOW_S, freshTimestamp, hmacKey, signature, signedHeaders, verifySignature } from "./signed.ts";
export { concat } from "./bytes.ts";
export { mediaTypeOf } from "./media-type.ts";
