/**
 * Where rendering writes: one string builder for a whole page. Markup is
 * appended to `text`; a part still waiting on I/O gets a hole (a sink of its
 * own, filled when the answer comes) and writing goes on after it, so
 * nothing waits for what comes before it. A finished render is read once
 * (`finish`); a streamed one is read from the front as it fills (`take`).
 */
import type { Within } from "./within.ts";

/**
 * `s` in one piece. V8 keeps a string made by `a + b` as a rope of its
 * parts; markup fixed at compile time is appended to every page rendered,
 * and a rope appended makes flattening each page walk it again (reading a
 * character flattens it once, here).
 */
export function flat(s: string): string {
  s.charCodeAt(0);
  return s;
}

export class Sink {
  /** Text written since the last hole. */
  text = "";
  /** What came before `text`, in order: text, and holes (null until the first hole). */
  private parts: (string | Sink)[] | null = null;
  /** How many of `parts` `take` has already passed. */
  private taken = 0;
  /** Characters before `text` (for the output limit). */
  private before = 0;
  /** Nothing more will be written here. */
  closed = false;
  /** What may be written here (set while a table's or a select's children are written; see within.ts). */
  within: Within = null;

  /** @param changed told when a hole is filled (a streamed render takes what became ready). */
  constructor(private readonly changed: (() => void) | null = null) {}

  /** Part of a streamed page (not markup being made into a value, e.g. a component's child or a cached part). */
  get streamed(): boolean {
    return this.changed !== null;
  }

  /** Characters written so far, holes not counted. */
  get length(): number {
    return this.before + this.text.length;
  }

  /** A place for what arrives later; what is written next goes after it. */
  hole(): Sink {
    const h = new Sink(this.changed);
    h.within = this.within;
    (this.parts ??= []).push(this.text, h);
    this.before += this.text.length;
    this.text = "";
    return h;
  }

  /** Forget what was written (a part that failed is written again as its error). */
  clear(): void {
    this.parts = null;
    this.taken = 0;
    this.before = 0;
    this.text = "";
  }

  close(): void {
    this.closed = true;
    this.changed?.();
  }

  /** Everything written, holes filled in (once every hole is closed). */
  finish(): string {
    if (this.parts === null) return this.text;
    let s = "";
    for (const p of this.parts) s += typeof p === "string" ? p : p.finish();
    return s + this.text;
  }

  /**
   * Take what is ready from the front, up to the first hole still open; `done`
   * when this sink is closed and everything in it has been taken.
   */
  take(): { text: string; done: boolean } {
    let s = "";
    const parts = this.parts;
    if (parts !== null) {
      for (; this.taken < parts.length; this.taken++) {
        const p = parts[this.taken]!;
        if (typeof p === "string") {
          s += p;
          continue;
        }
        const inner = p.take();
        s += inner.text;
        if (!inner.done) return { text: s, done: false };
      }
    }
    s += this.text;
    this.before += this.text.length;
    this.text = "";
    return { text: s, done: this.closed };
  }
}
