/**
 * Deterministic repair of a model's s-expression before it is asked again:
 * what any reader of the text would fix the same way. Parentheses are
 * balanced (missing closers added at the end, a closer that matches nothing
 * dropped), an unterminated string is closed, and a reply cut off in the
 * middle is completed as the prefix it is: the token the text ends inside
 * is dropped, so are a keyword left without its value, a quote with nothing
 * after it and a list opened and left empty.
 *
 * Text the reader reads is returned as it is, with no repairs: repair never
 * makes valid text invalid. Every repair is said in words with the line and
 * column it is about.
 */
import { HTML_TAGS, isCustomElementName } from "../html-tags.ts";
import { parse } from "../reader.ts";
import { closerOf, positions, tokenize, type Token } from "./lexer.ts";

export interface Repaired {
  readonly text: string;
  /** What was changed, in words, each with its line:col. */
  readonly repairs: string[];
}

/** One complete item of an open list or map. */
interface Item {
  /** Where the whitespace before it starts (to drop with it), where it starts and ends. */
  readonly gap: number;
  readonly start: number;
  readonly end: number;
  readonly token: Token | null;
}

interface Frame {
  /** `(`, `{`, `[` or `'`. */
  readonly open: string;
  readonly token: Token;
  readonly gap: number;
  readonly items: Item[];
}

/** A change of the text: [start, end) replaced by `insert`, and what it says (null when a later change took it back). */
interface Edit {
  readonly start: number;
  readonly end: number;
  insert: string;
  said: string | null;
}

/** The text with deterministic repairs made, and what they were. */
export function repairSexp(text: string): Repaired {
  if (reads(text)) return { text, repairs: [] };
  return new Repair(text).run();
}

/** Where an unterminated string (from its opening quote) ends in an escape cut short (`\\`, `\\u`, `\\u{1F`), or -1. */
function cutEscape(body: string): number {
  for (let i = 1; i < body.length; i++) {
    if (body[i] !== "\\") continue;
    const rest = body.slice(i + 1, i + 12);
    if (i + 1 + rest.length === body.length && /^(?:u(?:\{[0-9a-fA-F]{0,6})?)?$/.test(rest)) return i;
    const unicode = /^u\{[0-9a-fA-F]{1,6}\}/.exec(rest);
    i += unicode ? unicode[0].length : 1;
  }
  return -1;
}

function reads(text: string): boolean {
  try {
    parse(text);
    return true;
  } catch {
    return false;
  }
}

class Repair {
  private readonly stack: Frame[] = [];
  private readonly edits: Edit[] = [];
  /** End of the last token kept (where the whitespace before the next one starts). */
  private last = 0;
  /** Whether closers are being added at the end. */
  private closing = false;
  /** Whether the text ends in a comment (a closer after it would be commented out: it goes on a new line). */
  private endsInComment = false;

  constructor(private readonly text: string) {
    this.position = positions(text);
  }

  private readonly position: (offset: number) => { line: number; col: number };

  private at(offset: number): string {
    const { line, col } = this.position(offset);
    return `${line}:${col}`;
  }

  private edit(start: number, end: number, insert: string, said: string | null): void {
    this.edits.push({ start, end, insert, said });
  }

  private drop(start: number, end: number, why: string): void {
    this.edit(start, end, "", why);
  }

  /** Drop a whole item: what was changed inside it (a string closed, a list closed) goes with it. */
  private dropItem(item: Item, why: string): void {
    for (const e of this.edits) {
      if (e.start >= item.start && e.start <= item.end) {
        e.said = null;
        e.insert = "";
      }
    }
    this.drop(item.gap, item.end, why);
  }

  run(): Repaired {
    const all = tokenize(this.text);
    this.endsInComment = all[all.length - 1]?.kind === "comment";
    const tokens = all.filter((t) => t.kind !== "comment");
    tokens.forEach((t, i) => this.token(t, i === tokens.length - 1));
    this.finish();
    return { text: this.apply(), repairs: this.edits.map((e) => e.said).filter((s): s is string => s !== null) };
  }

  private token(t: Token, isLast: boolean): void {
    const gap = this.last;
    const src = this.text.slice(t.start, t.end);
    switch (t.kind) {
      case "open":
        this.stack.push({ open: src, token: t, gap, items: [] });
        break;
      case "quote":
        this.stack.push({ open: "'", token: t, gap, items: [] });
        break;
      case "close":
        return this.close(t, src);
      case "string":
        if (!t.closed) return this.unterminated(t, gap);
        this.item({ gap, start: t.start, end: t.end, token: t });
        break;
      case "atom":
        // The text ends inside it (it may be cut short), or it would not read at all.
        if (isLast && t.end === this.text.length && (this.stack.length > 0 || !reads(src))) {
          return this.drop(gap, t.end, `dropped ${JSON.stringify(src)} at ${this.at(t.start)}: the text ends inside it`);
        }
        this.item({ gap, start: t.start, end: t.end, token: t });
        break;
      case "bad":
        return this.drop(t.start, t.end, `dropped a stray '${src}' at ${this.at(t.start)}`);
      case "comment":
        return;
    }
    this.last = t.end;
  }

  /** A finished item goes to the innermost open frame; a quote frame is done with its one form. */
  private item(item: Item): void {
    let it = item;
    for (;;) {
      const top = this.stack[this.stack.length - 1];
      if (!top) return;
      if (top.open !== "'") {
        top.items.push(it);
        return;
      }
      this.stack.pop();
      it = { gap: top.gap, start: top.token.start, end: it.end, token: null };
    }
  }

  private close(t: Token, src: string): void {
    // A quote right before a closer has nothing to quote.
    while (this.stack[this.stack.length - 1]?.open === "'") {
      const q = this.stack.pop()!;
      this.drop(q.token.start, q.token.end, `dropped a ' with nothing after it at ${this.at(q.token.start)}`);
    }
    const want = (f: Frame): boolean => f.open !== "'" && closerOf(f.open) === src;
    const depth = this.stack.findLastIndex(want);
    if (depth < 0) return this.drop(t.start, t.end, `dropped a '${src}' at ${this.at(t.start)} that closes nothing`);
    // Frames opened inside the one this closes were left open: close them here.
    while (this.stack.length - 1 > depth) {
      const f = this.stack.pop()!;
      if (f.open === "'") {
        this.drop(f.token.start, f.token.end, `dropped a ' with nothing after it at ${this.at(f.token.start)}`);
        continue;
      }
      this.edit(t.start, t.start, closerOf(f.open), `closed the '${f.open}' opened at ${this.at(f.token.start)} before the '${src}' at ${this.at(t.start)}`);
      this.item({ gap: f.gap, start: f.token.start, end: t.start, token: null });
    }
    const f = this.stack.pop()!;
    this.last = t.end;
    this.item({ gap: f.gap, start: f.token.start, end: t.end, token: null });
  }

  /** A string the text ends inside: closed where the text ends, less an escape cut short. */
  private unterminated(t: Token, gap: number): void {
    const cut = cutEscape(this.text.slice(t.start, t.end));
    if (cut >= 0) this.edit(t.start + cut, t.end, "", null);
    this.edit(t.end, t.end, '"', `closed the string opened at ${this.at(t.start)}${cut >= 0 ? " (dropping an escape cut short)" : ""}`);
    this.last = t.end;
    this.item({ gap, start: t.start, end: t.end, token: t });
  }

  /** At the end of the text: drop what was left incomplete, then close every frame still open. */
  private finish(): void {
    while (this.stack.length) {
      const f = this.stack[this.stack.length - 1]!;
      if (f.open === "'" || f.items.length === 0) {
        this.stack.pop();
        const what = f.open === "'" ? "a ' with nothing after it" : `an empty '${f.open}'`;
        this.drop(f.gap, f.token.end, `dropped ${what} at ${this.at(f.token.start)}: the text ends after it`);
        continue;
      }
      const lastItem = f.items[f.items.length - 1]!;
      if (f.open === "{" && f.items.length % 2 === 1) {
        f.items.pop();
        this.dropItem(lastItem, `dropped the map key ${this.quoted(lastItem)} at ${this.at(lastItem.start)}: its value is missing`);
        continue;
      }
      if (f.open === "(" && this.danglingKeyword(f)) {
        f.items.pop();
        this.dropItem(lastItem, `dropped ${this.quoted(lastItem)} at ${this.at(lastItem.start)}: its value is missing`);
        continue;
      }
      this.stack.pop();
      const end = this.text.length;
      if (!this.closing) {
        this.closing = true;
        // Closers go right after the last thing kept; after a comment, on a line of their own.
        if (this.endsInComment) this.edit(end, end, "\n", null);
        else if (/^\s+$/.test(this.text.slice(this.last))) this.edit(this.last, end, "", null);
      }
      this.edit(end, end, closerOf(f.open), `closed the '${f.open}' opened at ${this.at(f.token.start)}`);
      this.item({ gap: f.gap, start: f.token.start, end: this.text.length, token: null });
    }
  }

  private quoted(item: Item): string {
    return JSON.stringify(this.text.slice(item.start, item.end));
  }

  /**
   * Whether a list that takes `:name value` pairs (an element, a component,
   * a query, fragment or action call) ends with a keyword whose value is
   * missing.
   */
  private danglingKeyword(f: Frame): boolean {
    const [head] = f.items;
    const headText = head?.token?.kind === "atom" ? this.text.slice(head.start, head.end) : null;
    if (headText === null) return false;
    const named = headText === "query" || headText === "frag" || headText === "action" ? 2 : 0;
    if (!HTML_TAGS.has(headText) && !headText.startsWith("~") && !isCustomElementName(headText) && !named) return false;
    for (let i = 1 + named; i < f.items.length; i++) {
      const it = f.items[i]!;
      const isKeyword = it.token?.kind === "atom" && this.text[it.start] === ":";
      if (!isKeyword) continue;
      if (i === f.items.length - 1) return true;
      i++; // its value
    }
    return false;
  }

  private apply(): string {
    const edits = this.edits.map((e, order) => ({ ...e, order })).sort((a, b) => a.start - b.start || a.order - b.order);
    let out = "";
    let pos = 0;
    for (const e of edits) {
      if (e.start < pos) {
        // Inside a range already dropped: only what it inserts.
        out += e.insert;
        pos = Math.max(pos, e.end);
        continue;
      }
      out += this.text.slice(pos, e.start) + e.insert;
      pos = e.end;
    }
    return out + this.text.slice(pos);
  }
}
