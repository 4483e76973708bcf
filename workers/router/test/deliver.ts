// Test helper: hand content changes to the router's queue consumer, as the queue would, and wait for it.
import { createExecutionContext, createMessageBatch, env, getQueueResult } from "cloudflare:test";
import worker from "../src/index.ts";
import type { ContentChange } from "../src/env.ts";

/** Deliver `tables` as one queued change; the ids of the messages the consumer acknowledged. */
export async function deliverChange(tables: string[]): Promise<string[]> {
  const id = crypto.randomUUID();
  const batch = createMessageBatch<ContentChange>("rose-ash-invalidations", [{ id, timestamp: new Date(), attempts: 1, body: { tables, by: "test" } }]);
  const context = createExecutionContext();
  await worker.queue(batch, env as never, context);
  return (await getQueueResult(batch, context)).explicitAcks;
}
