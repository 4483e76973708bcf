/**
 * Receiving a signed request (a webhook, the render service's callback) by
 * the one rule (`signed.ts` of @rose-ash/content), checked in this order:
 * 401 a stale or missing timestamp, 413 a body over `maxBytes`, 401 a bad
 * signature, 409 a signature already accepted (each once, while its
 * timestamp could be valid). The body's text, or the answer refusing it.
 */
import { SIGNATURE_WINDOW_S, freshTimestamp, verifySignature } from "@rose-ash/content";
import type { DependencyIndex } from "@rose-ash/durable-objects";
import { readText } from "./body.ts";

/** Where accepted signatures are remembered: the one DependencyIndex. */
export function replayGuard(env: { DEPENDENCIES?: DurableObjectNamespace<DependencyIndex> }): DurableObjectStub<DependencyIndex> | null {
  return env.DEPENDENCIES?.get(env.DEPENDENCIES.idFromName("pages")) ?? null;
}

export async function readSigned(request: Request, secret: string, replays: DurableObjectStub<DependencyIndex>, maxBytes: number): Promise<{ body: string; signature: string } | Response> {
  const timestamp = request.headers.get("x-rose-timestamp") ?? "";
  const signature = request.headers.get("x-rose-signature") ?? "";
  if (!freshTimestamp(timestamp)) return refuse(401, "Stale or missing x-rose-timestamp");
  const body = await readText(request, maxBytes);
  if (body === null) return refuse(413, `The body is larger than ${maxBytes} bytes`);
  if (!(await verifySignature(secret, timestamp, body, signature))) return refuse(401, "Bad x-rose-signature");
  if (!(await replays.firstUse(signature, (Number(timestamp) + SIGNATURE_WINDOW_S) * 1000 + 1000))) return refuse(409, "Replayed request refused");
  return { body, signature };
}

function refuse(status: number, message: string): Response {
  return new Response(message, { status, headers: { "content-type": "text/plain; charset=utf-8" } });
}
