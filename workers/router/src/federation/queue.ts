/**
 * Fedify's message queue on a Cloudflare Queue: Fedify enqueues outgoing
 * activities (and their fan-out to many inboxes) here, and the Worker's
 * `queue()` handler hands each message back with `processQueuedTask`
 * (http.ts, consumeFederation). The Queue retries what fails (`nativeRetrial`), so Fedify
 * does not schedule retries of its own; `listen` is never called in a Worker.
 */
import type { MessageQueue, MessageQueueEnqueueOptions } from "@fedify/fedify";

export function workersQueue(queue: Queue): MessageQueue {
  const delaySeconds = (options?: MessageQueueEnqueueOptions) => (options?.delay ? Math.max(0, Math.ceil(options.delay.total("second"))) : 0);
  return {
    nativeRetrial: true,
    async enqueue(message: unknown, options?: MessageQueueEnqueueOptions): Promise<void> {
      await queue.send(message, { contentType: "json", delaySeconds: delaySeconds(options) });
    },
    async enqueueMany(messages: readonly unknown[], options?: MessageQueueEnqueueOptions): Promise<void> {
      const delay = delaySeconds(options);
      await queue.sendBatch(messages.map((body) => ({ body, contentType: "json" as const, delaySeconds: delay })));
    },
    listen(): Promise<void> {
      return Promise.reject(new Error("a Cloudflare Queue is consumed by the Worker's queue() handler, not by listen()"));
    },
  };
}
