/**
 * Reading a model's streamed answer: Server-Sent Events into text, and a
 * watcher that says when the text holds one complete top-level s-expression,
 * so the stream can stop there (a model without a grammar tends to go on
 * explaining). The watcher is a small lexer: parentheses outside strings and
 * comments, code fences ignored; it never judges the form itself (the
 * validator does).
 */

/** The `data:` payloads of an SSE stream, as they complete. */
export async function* sseData(body: ReadableStream<Uint8Array>): AsyncGenerator<string> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) {
        buffer += decoder.decode();
        break;
      }
      buffer += decoder.decode(value, { stream: true });
      let end: number;
      while ((end = eventEnd(buffer)) >= 0) {
        const data = dataOf(buffer.slice(0, end));
        buffer = buffer.slice(end).replace(/^(\r?\n){1,2}/, "");
        if (data) yield data;
      }
    }
    // A last event without its blank line.
    const data = dataOf(buffer);
    if (data) yield data;
  } finally {
    reader.releaseLock();
    await body.cancel().catch(() => {});
  }
}

/** An event's data: its `data:` lines joined. */
function dataOf(event: string): string {
  return event
    .split(/\r?\n/)
    .filter((l) => l.startsWith("data:"))
    .map((l) => l.slice(5).replace(/^ /, ""))
    .join("\n");
}

function eventEnd(buffer: string): number {
  const a = buffer.indexOf("\n\n");
  const b = buffer.indexOf("\r\n\r\n");
  return a < 0 ? b : b < 0 ? a : Math.min(a, b);
}

/**
 * Follows streamed text; `complete` turns true once a top-level list has
 * opened and closed again. A top-level list opens only at the start of a
 * line (after spaces): parentheses in prose ("the page (as cards):") are not
 * the answer. Inside the list, strings and comments are skipped.
 */
export class FormWatcher {
  private depth = 0;
  private inString = false;
  private escaped = false;
  private comment = false;
  /** Only spaces since the last line break (or the start). */
  private lineStart = true;
  complete = false;

  push(text: string): boolean {
    for (const ch of text) {
      if (this.complete) break;
      const startsLine = this.lineStart;
      this.lineStart = ch === "\n" || (startsLine && (ch === " " || ch === "\t" || ch === "\r"));
      if (this.depth === 0) {
        if (ch === "(" && startsLine) this.depth = 1;
        continue;
      }
      if (this.comment) {
        if (ch === "\n") this.comment = false;
      } else if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (ch === "\\") this.escaped = true;
        else if (ch === '"' || ch === "\u201d") this.inString = false;
      } else if (ch === '"' || ch === "\u201c") this.inString = true;
      else if (ch === ";") this.comment = true;
      else if (ch === "(" || ch === "[") this.depth++;
      else if ((ch === ")" || ch === "]") && --this.depth === 0) this.complete = true;
    }
    return this.complete;
  }
}

/** Collect streamed pieces of text until the end, the character limit, or (with `stopAtForm`) a complete form. */
export async function collect(pieces: AsyncIterable<string>, options: { stopAtForm?: boolean; maxChars: number }): Promise<string> {
  const watcher = options.stopAtForm ? new FormWatcher() : null;
  let text = "";
  for await (const piece of pieces) {
    text += piece;
    if (watcher?.push(piece) || text.length >= options.maxChars) break;
  }
  return text.slice(0, options.maxChars);
}
