/** Durable Objects: what needs strong consistency. */
export { IpnsPointer, HISTORY_LIMIT, type Pointer, type PointerEnv, type PublishRequest, type PublishResult } from "./ipns-pointer.ts";
export { DependencyIndex, type DependencyRef, type PageRef } from "./dependency-index.ts";
export { RateLimiter, type RateDecision } from "./rate-limiter.ts";
export { RenderJob } from "./render-job.ts";
export { nextJob, type JobChange, type PositionedError, type RenderEvent, type RenderJobRecord, type RenderJobState, type RenderSpec } from "./render-job-rule.ts";
