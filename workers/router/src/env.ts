/** The router Worker's bindings and settings, and the messages of its queue. */
import type { RateLimiter } from "@rose-ash/durable-objects";
import type { Dependency } from "@rose-ash/executor";
import type { LlmEnv } from "@rose-ash/llm";
import type { ResolverBindings } from "./resolver-client.ts";
import type { RenderBindings } from "./media/jobs.ts";
import type { FederationBindings } from "./federation/bindings.ts";

/** What a queued change says: the tables written, or what else pages read that moved (media), and by what (for the log). */
export interface ContentChange {
  readonly tables: readonly string[];
  readonly reads?: readonly Dependency[];
  readonly by: string;
  /** The origin of the request that made the change: where this instance is (federation names its actors and objects by it). */
  readonly origin?: string;
}

export interface WorkerEnv extends ResolverBindings, RenderBindings, FederationBindings, Omit<LlmEnv, "WARM"> {
  /** "development" shows errors' detail on their pages, opens the operator pages, and sends cookies without Secure. */
  ENVIRONMENT?: string;
  /** Signs session cookies. A secret in production (`wrangler secret put SESSION_SECRET`). */
  SESSION_SECRET?: string;
  /** Signs content webhooks (`POST /webhooks/content`). */
  WEBHOOK_SECRET?: string;
  /** "true": a request with `Cache-Control: no-cache` is rendered afresh (dev, benchmarks); off in production. */
  RENDER_ON_NO_CACHE?: string;
  /** Content changes to re-render; absent: they are re-rendered in the request that made them. */
  INVALIDATIONS?: Queue<ContentChange>;
  /** Rate limits (sign-in attempts); absent: none. */
  LIMITS?: DurableObjectNamespace<RateLimiter>;
  /** The LLM Worker (natural language -> validated s-expressions, RPC); absent: the same service runs in-process. */
  LLM?: Service;
  /** Requests to POST /llm a minute, per address and per session (default 10). */
  LLM_RATE_LIMIT?: string;
}

export function isDevelopment(env: Pick<WorkerEnv, "ENVIRONMENT">): boolean {
  return env.ENVIRONMENT === "development";
}

/** Work that may finish after the response (ExecutionContext.waitUntil). */
export type Defer = (p: Promise<unknown>) => void;

/** Work after the response: the Worker's `waitUntil`, or (outside a Worker's request) let it run and drop its failure. */
export function deferTo(context?: ExecutionContext): Defer {
  return (p) => (context ? context.waitUntil(p) : void p.catch(() => {}));
}
