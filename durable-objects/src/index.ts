/** Durable Objects: what needs strong consistency. */
export { IpnsPointer, HISTORY_LIMIT, type Pointer, type PointerEnv, type PublishRequest, type PublishResult } from "./ipns-pointer.ts";
export { pointerKey, signRecord, type SignedRecord } from "./ipns-record.ts";
export { DependencyIndex } from "./dependency-index.ts";
export { RateLimiter, type RateDecision } from "./rate-limiter.ts";
