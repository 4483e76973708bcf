/** Durable Objects: what needs strong consistency. */
export { IpnsPointer, HISTORY_LIMIT, type Pointer, type PointerEnv, type PublishRequest, type PublishResult } from "./ipns-pointer.ts";
export { DependencyIndex, type DependencyRef, type PageRef } from "./dependency-index.ts";
export { RateLimiter, type RateDecision } from "./rate-limiter.ts";
