/**
 * A forgiving tokenizer for text that is meant to be s-expressions but may
 * not be (a model's reply): the reader's lexical rules (reader.ts), but it
 * never fails. Unterminated strings, brackets and stray characters come out
 * as tokens, each with where it starts, for extraction and repair to work on.
 */

export type TokenKind =
  /** `(`, `{` or `[` */
  | "open"
  /** `)`, `}` or `]` */
  | "close"
  | "string"
  /** `'`: the next form, quoted */
  | "quote"
  /** symbol, keyword, number, `nil`, `true`, `false` */
  | "atom"
  | "comment"
  /** a character the reader never accepts outside a string: a backtick */
  | "bad";

export interface Token {
  readonly kind: TokenKind;
  /** Offsets in the text: [start, end). */
  readonly start: number;
  readonly end: number;
  /** 1-based line and column of the start. */
  readonly line: number;
  readonly col: number;
  /** For strings: whether the closing quote is there. */
  readonly closed: boolean;
}

/** Whitespace and the delimiters that end an atom (the reader's DELIM). */
const DELIM = new Set([..." \t\n\r\f\v,()[]{}\";'`"]);
const SPACE = new Set([..." \t\n\r\f\v,"]);

/** The tokens of `text`, whitespace left out. */
export function tokenize(text: string): Token[] {
  const out: Token[] = [];
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let line = 1;
  let lineStart = 0;
  const n = text.length;
  const push = (kind: TokenKind, start: number, end: number, l: number, c: number, closed = true): void => {
    out.push({ kind, start, end, line: l, col: c, closed });
  };
  while (i < n) {
    const ch = text[i]!;
    if (ch === "\n") {
      i++;
      line++;
      lineStart = i;
      continue;
    }
    if (SPACE.has(ch)) {
      i++;
      continue;
    }
    const col = i - lineStart + 1;
    const start = i;
    if (ch === ";") {
      while (i < n && text[i] !== "\n") i++;
      push("comment", start, i, line, col);
    } else if (ch === "(" || ch === "{" || ch === "[") {
      push("open", start, ++i, line, col);
    } else if (ch === ")" || ch === "}" || ch === "]") {
      push("close", start, ++i, line, col);
    } else if (ch === "'") {
      push("quote", start, ++i, line, col);
    } else if (ch === "`") {
      push("bad", start, ++i, line, col);
    } else if (ch === '"') {
      const startLine = line;
      i++;
      let closed = false;
      while (i < n) {
        const c = text[i]!;
        if (c === '"') {
          i++;
          closed = true;
          break;
        }
        // An escaped character is skipped (even a newline, counted as one).
        const skip = c === "\\" ? 1 : 0;
        if (text[i + skip] === "\n") {
          line++;
          lineStart = i + skip + 1;
        }
        i += 1 + skip;
      }
      if (i > n) i = n;
      push("string", start, i, startLine, col, closed);
    } else {
      while (i < n && !DELIM.has(text[i]!)) i++;
      push("atom", start, i, line, col);
    }
  }
  return out;
}

/** The closer of an opener. */
export function closerOf(open: string): string {
  return open === "(" ? ")" : open === "{" ? "}" : "]";
}

/** Line and column of offsets in one text, the lines found once (for many look-ups). */
export function positions(text: string): (offset: number) => { line: number; col: number } {
  const starts = [0];
  for (let i = text.indexOf("\n"); i >= 0; i = text.indexOf("\n", i + 1)) starts.push(i + 1);
  return (offset) => {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, col: offset - starts[lo]! + 1 };
  };
}
