/**
 * Finding the s-expression in a model's reply. Models wrap code in prose and
 * code fences (```lisp, ```clojure, ```scheme or none), type smart quotes,
 * and write Clojure's `(let [x 1 y 2] ...)`; this takes the code out and
 * says, in words, what it changed. What it returns still goes through
 * repair and validation: extraction only decides where the code is.
 *
 * Among the forms in the reply it takes the one that looks most like code
 * (a list headed by an element, a component or a special form, or holding
 * lists or keywords: `(see below)` is prose), the largest, the last of
 * equals; forms that follow each other with nothing but whitespace between
 * are one answer, wrapped in `(<> ...)`. A form the reply ends inside (cut
 * off) counts, for repair to complete.
 */
import { SPECIAL_FORMS } from "../forms.ts";
import { HTML_TAGS } from "../html-tags.ts";
import { positions, tokenize, type Token } from "./lexer.ts";

export interface Extracted {
  readonly text: string;
  /** What was changed, in words. */
  readonly fixes: string[];
}

/** Languages a fenced block of s-expressions is labelled with (or none). */
const LISP_FENCES = new Set(["", "lisp", "clojure", "clj", "cljs", "edn", "scheme", "scm", "racket", "rkt", "elisp", "emacs-lisp", "common-lisp", "cl", "sexp", "s-expression", "sexpr", "hy", "fennel"]);

/** The s-expression in a model's reply, or null when there is none. */
export function extractSexp(output: string): Extracted | null {
  const fixes: string[] = [];
  const region = fenced(output, fixes) ?? output;
  const chosen = chooseForms(region);
  if (!chosen) return null;
  let text = region.slice(chosen.start, chosen.end);
  if (region.slice(0, chosen.start).trim() || region.slice(chosen.end).trim()) fixes.push("left out the text around the s-expression");
  const plain = plainQuotes(text);
  if (plain !== text) {
    fixes.push("replaced smart quotes with plain ones");
    text = plain;
  }
  if (!chosen.complete) fixes.push("the reply ends inside the s-expression (it was cut off)");
  const vectors = clojureVectors(text);
  fixes.push(...vectors.fixes);
  text = vectors.text;
  if (chosen.count > 1) {
    text = `(<>\n${text})`;
    fixes.push(`wrapped ${chosen.count} top-level forms in (<> ...)`);
  }
  return { text, fixes };
}

// ---------------------------------------------------------------------------
// Code fences

interface Fence {
  readonly lang: string;
  readonly body: string;
  readonly closed: boolean;
}

/** The body of the best fenced block, when the reply has fences; what was done goes into `fixes`. */
function fenced(output: string, fixes: string[]): string | null {
  const fences: Fence[] = [];
  const re = /(^|\n)[ \t]*(```+|~~~+)[ \t]*([A-Za-z0-9_+.-]*)[^\n]*\n?/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(output))) {
    const marker = m[2]!;
    const from = m.index + m[0].length;
    const close = new RegExp(`(^|\\n)[ \\t]*${marker[0] === "`" ? "`" : "~"}{${marker.length},}[ \\t]*(?=\\n|$)`, "g");
    close.lastIndex = from;
    const end = close.exec(output);
    const bodyEnd = end ? end.index + (end[1] ? 1 : 0) : output.length;
    fences.push({ lang: m[3]!.toLowerCase(), body: output.slice(from, bodyEnd), closed: end !== null });
    re.lastIndex = end ? end.index + end[0].length : output.length;
  }
  const candidates = fences.filter((f) => f.body.includes("("));
  if (!candidates.length) return null;
  // Blocks labelled as something else (```html, ```json) only when no block is labelled as s-expressions.
  const lisp = candidates.filter((f) => LISP_FENCES.has(f.lang));
  const pool = lisp.length ? lisp : candidates;
  let best: Fence | null = null;
  let bestSize = -1;
  for (const f of pool) {
    const size = chooseForms(f.body)?.size ?? 0;
    if (size >= bestSize) [best, bestSize] = [f, size];
  }
  const fence = best!;
  fixes.push(`took the s-expression from a ${fence.lang ? "```" + fence.lang + " " : ""}code fence${fence.closed ? "" : " (the reply ends inside it)"}`);
  return fence.body;
}

// ---------------------------------------------------------------------------
// Smart quotes

/**
 * “ ” as string quotes and ‘ ’ as `'`, outside strings; inside a string
 * opened with a plain quote they are text and stay. A string opened with “
 * ends at its ” (or at a plain quote, when no ” follows); plain quotes and
 * “ ” inside it become escaped quotes.
 */
function plainQuotes(text: string): string {
  if (!/[\u2018\u2019\u201c\u201d]/.test(text)) return text;
  let out = "";
  let inString: '"' | "smart" | null = null;
  // Smart quotes nested in a smart-quoted string (“say “hi””) are text.
  let nested = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (inString === '"') {
      out += c;
      if (c === "\\" && i + 1 < text.length) out += text[++i];
      else if (c === '"') inString = null;
    } else if (inString === "smart") {
      if (c === "\u201c") {
        nested++;
        out += '\\"';
      } else if (c === "\u201d" && nested > 0) {
        nested--;
        out += '\\"';
      } else if (c === '"' && closesLater(text, i + 1)) {
        out += '\\"';
      } else if (c === "\u201d" || c === '"') {
        out += '"';
        inString = null;
      } else if (c === "\\" && i + 1 < text.length) out += c + text[++i];
      else out += c;
    } else if (c === "\u201c" || c === "\u201d") {
      out += '"';
      inString = "smart";
      nested = 0;
    } else if (c === "\u2018" || c === "\u2019") {
      out += "'";
    } else {
      out += c;
      if (c === '"') inString = '"';
      else if (c === ";") {
        // A comment runs to the end of its line: quotes in it are not strings.
        const nl = text.indexOf("\n", i);
        const end = nl < 0 ? text.length : nl;
        out += text.slice(i + 1, end);
        i = end - 1;
      }
    }
  }
  return out;
}

/** Whether a ” comes before the next “ (so a plain quote met first is text inside the string, not its end). */
function closesLater(text: string, from: number): boolean {
  const close = text.indexOf("\u201d", from);
  const open = text.indexOf("\u201c", from);
  return close >= 0 && (open < 0 || close < open);
}

// ---------------------------------------------------------------------------
// Finding the forms

interface Form {
  readonly start: number;
  readonly end: number;
  readonly complete: boolean;
  readonly code: boolean;
}

interface Chosen {
  readonly start: number;
  readonly end: number;
  readonly complete: boolean;
  /** Top-level forms in the run. */
  readonly count: number;
  /** Characters of code, to compare runs. */
  readonly size: number;
}

/**
 * The run of consecutive forms to take: code-like runs only; the largest,
 * the last of equals. Outside forms the text is prose: quotes and
 * semicolons there mean nothing.
 */
function chooseForms(text: string): Chosen | null {
  const forms = topLevelForms(text);
  const runs: Form[][] = [];
  for (const f of forms) {
    const run = runs[runs.length - 1];
    const prev = run?.[run.length - 1];
    if (run && prev && prev.complete && /^[\s,]*$/.test(text.slice(prev.end, f.start))) run.push(f);
    else runs.push([f]);
  }
  let best: Chosen | null = null;
  for (const run of runs) {
    const code = run.filter((f) => f.code);
    if (!code.length) continue;
    // Only the code of a run: a prose parenthetical beside it is left out.
    const first = code[0]!;
    const last = code[code.length - 1]!;
    const size = code.reduce((n, f) => n + f.end - f.start, 0);
    if (!best || size >= best.size) best = { start: first.start, end: last.end, complete: last.complete, count: code.length, size };
  }
  return best;
}

/** Every top-level list in the text, complete or not (the text ending inside it). */
function topLevelForms(text: string): Form[] {
  const out: Form[] = [];
  // Characters scanned, at most a few times the text: "((((..." never closing must not take quadratic time.
  const budget = { left: 4 * text.length + 10_000 };
  let i = 0;
  while (i < text.length && budget.left > 0) {
    const open = text.indexOf("(", i);
    if (open < 0) break;
    const end = formEnd(text, open, budget);
    if (end === null) {
      // Cut off, when it starts like code; else a parenthesis of the prose, and the code may be inside.
      if (codeHead(text.slice(open, open + 200))) {
        out.push({ start: open, end: text.length, complete: false, code: true });
        break;
      }
      i = open + 1;
      continue;
    }
    out.push({ start: open, end, complete: true, code: looksLikeCode(text.slice(open, end)) });
    i = end;
  }
  return out;
}

/** Where the list opened at `open` ends (after its closer), or null when the text (or the budget of characters to scan) ends first. */
function formEnd(text: string, open: number, budget = { left: Infinity }): number | null {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    if (--budget.left < 0) return null;
    const c = text[i]!;
    if (c === '"') {
      for (i++; i < text.length && text[i] !== '"'; i++) {
        if (--budget.left < 0) return null;
        if (text[i] === "\\") i++;
      }
      if (i >= text.length) return null;
    } else if (c === ";") {
      const nl = text.indexOf("\n", i);
      budget.left -= (nl < 0 ? text.length : nl) - i;
      if (nl < 0 || budget.left < 0) return null;
      i = nl;
    } else if (c === "(" || c === "[" || c === "{") depth++;
    else if (c === ")" || c === "]" || c === "}") {
      depth--;
      if (depth === 0) return i + 1;
    }
  }
  return null;
}

/** A list headed by an element, a component or a special form, or holding a list or a keyword. */
function looksLikeCode(form: string): boolean {
  if (codeHead(form)) return true;
  return tokenize(form).slice(1).some((t) => t.kind === "open" || (t.kind === "atom" && form[t.start] === ":" && t.end - t.start > 1));
}

/** Whether the list at the start of `form` is headed by an element, a component, a special form or `query`. */
function codeHead(form: string): boolean {
  const m = /^\(\s*([^\s()[\]{}";'`]+)/.exec(form);
  const name = m?.[1];
  return name !== undefined && (HTML_TAGS.has(name) || (name.startsWith("~") && name.length > 1) || SPECIAL_FORMS.has(name) || name === "query");
}

// ---------------------------------------------------------------------------
// Clojure's binding vectors

/**
 * `(let [x 1 y 2] ...)` as `(let ((x 1) (y 2)) ...)`, and `(fn [x] ...)` as
 * `(fn (x) ...)`, with where each was.
 */
function clojureVectors(text: string): { text: string; fixes: string[] } {
  let out = text;
  const fixes: string[] = [];
  // One pass rewrites the outermost vectors; one inside another waits for the next.
  for (let pass = 0; pass < 16; pass++) {
    const next = clojureVectorsOnce(out);
    if (next.text === out) break;
    fixes.push(...next.fixes);
    out = next.text;
  }
  return { text: out, fixes };
}

function clojureVectorsOnce(text: string): { text: string; fixes: string[] } {
  const tokens = tokenize(text);
  const positionOf = positions(text);
  // Tokens looked at, a few times the text's: vectors that never close must not take quadratic time.
  const budget = { left: 4 * tokens.length + 1000 };
  const edits: { start: number; end: number; insert: string }[] = [];
  const fixes: string[] = [];
  for (let k = 0; k + 2 < tokens.length; k++) {
    const [open, head, vec] = [tokens[k]!, tokens[k + 1]!, tokens[k + 2]!];
    if (open.kind !== "open" || text[open.start] !== "(" || head.kind !== "atom" || vec.kind !== "open" || text[vec.start] !== "[") continue;
    const name = text.slice(head.start, head.end);
    if (name !== "let" && name !== "fn" && name !== "lambda") continue;
    const items = vectorItems(text, tokens, k + 2, budget);
    if (!items || edits.some((e) => vec.start < e.end)) continue;
    const { line, col } = positionOf(vec.start);
    const words = items.items.map((it) => text.slice(it[0], it[1]));
    if (name === "let") {
      if (words.length % 2) continue;
      const pairs = [];
      for (let i = 0; i < words.length; i += 2) pairs.push(`(${words[i]} ${words[i + 1]})`);
      edits.push({ start: vec.start, end: items.end, insert: `(${pairs.join(" ")})` });
      fixes.push(`rewrote the Clojure-style let vector at ${line}:${col} as ((name value) ...)`);
    } else {
      edits.push({ start: vec.start, end: items.end, insert: `(${words.join(" ")})` });
      fixes.push(`rewrote the Clojure-style parameter vector of ${name} at ${line}:${col} as (name ...)`);
    }
  }
  let out = text;
  for (const e of edits.sort((a, b) => b.start - a.start)) out = out.slice(0, e.start) + e.insert + out.slice(e.end);
  return { text: out, fixes };
}

/** The items of the `[...]` whose opener is tokens[at]: their [start, end) and where the vector ends; null when it does not close (or the budget of tokens runs out). */
function vectorItems(text: string, tokens: readonly Token[], at: number, budget: { left: number }): { items: [number, number][]; end: number } | null {
  const items: [number, number][] = [];
  let depth = 0;
  let itemStart = -1;
  for (let k = at + 1; k < tokens.length; k++) {
    if (--budget.left < 0) return null;
    const t = tokens[k]!;
    if (t.kind === "comment") continue;
    if (depth === 0 && t.kind === "close") return text[t.start] === "]" ? { items, end: t.end } : null;
    if (depth === 0 && t.kind === "quote") {
      if (itemStart < 0) itemStart = t.start;
      continue;
    }
    if (t.kind === "open") {
      if (depth === 0 && itemStart < 0) itemStart = t.start;
      depth++;
      continue;
    }
    if (t.kind === "close") {
      depth--;
      if (depth === 0) {
        items.push([itemStart, t.end]);
        itemStart = -1;
      }
      continue;
    }
    if (depth === 0) {
      items.push([itemStart < 0 ? t.start : itemStart, t.end]);
      itemStart = -1;
    }
  }
  return null;
}
