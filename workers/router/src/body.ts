/** Reading request bodies within a size limit. */
import { concat } from "@rose-ash/content";

/** The body as text, or null (unread past the limit) when it is larger than `max` bytes, by its length or as it streams. */
export async function readText(request: Request, max: number): Promise<string | null> {
  if (Number(request.headers.get("content-length")) > max) return null;
  if (!request.body) return "";
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.length;
    if (size > max) {
      await reader.cancel();
      return null;
    }
    chunks.push(value);
  }
  return new TextDecoder().decode(concat(chunks));
}
