/**
 * The reader: source text -> syntax tree with positions.
 *
 * Hand-written over char codes with an explicit stack (no recursion), so any
 * nesting depth up to the limit parses without exhausting the JS stack and
 * parsing stays within a small factor of JSON.parse.
 */
import { ReadError } from "./errors.ts";
import { node, type Loc, type Node } from "./types.ts";

export interface ReadOptions {
  /** Name used in positions and error messages (file path or `<stdin>`). */
  src?: string;
  /** Maximum nesting of lists and maps. */
  maxDepth?: number;
}

/** The default nesting limit of lists and maps, shared by every reader of nested data. */
export const MAX_NESTING = 1000;

// Char codes.
const LPAREN = 40, RPAREN = 41, LBRACE = 123, RBRACE = 125, LBRACKET = 91, RBRACKET = 93;
const QUOTE = 34, SEMI = 59, APOS = 39, BACKSLASH = 92, BACKTICK = 96, NL = 10, COLON = 58, BOM = 0xfeff;

/** 1 for characters that end an atom: whitespace, comma and delimiters. */
const DELIM = new Uint8Array(128);
for (const c of " \t\n\r\f\v,()[]{}\";'`") DELIM[c.charCodeAt(0)] = 1;

const NUMBER = /^[+-]?(?:\d+(?:\.\d+)?|\.\d+)(?:[eE][+-]?\d+)?$/;
/** An atom is meant as a number when a digit comes before anything else but a sign and a point. */
const NUMBER_START = /^[+-]?\.?\d/;

interface Frame {
  readonly kind: "list" | "map" | "quote";
  readonly items: Node[];
  readonly line: number;
  readonly col: number;
}

/** Parse every top-level form in `text`. */
export function parse(text: string, options: ReadOptions = {}): Node[] {
  const src = options.src ?? "<input>";
  const maxDepth = options.maxDepth ?? MAX_NESTING;
  const top: Node[] = [];
  const stack: Frame[] = [];
  const n = text.length;
  // A byte-order mark some editors put at the start of a file is not a symbol.
  let i = text.charCodeAt(0) === BOM ? 1 : 0;
  let line = 1;
  let lineStart = i;
  let depth = 0;

  const at = (l: number, c: number): Loc => ({ src, line: l, col: c });
  const fail = (message: string, l = line, c = i - lineStart + 1): never => {
    throw new ReadError(message, at(l, c));
  };

  // Add a finished datum to the innermost open container, applying pending quotes.
  const emit = (d: Node): void => {
    let datum = d;
    for (;;) {
      const f = stack[stack.length - 1];
      if (!f) {
        top.push(datum);
        return;
      }
      if (f.kind !== "quote") {
        f.items.push(datum);
        return;
      }
      stack.pop();
      depth--;
      datum = node("list", [node("sym", "quote", src, f.line, f.col), datum], src, f.line, f.col);
    }
  };

  const open = (kind: "list" | "map", col: number): void => {
    if (++depth > maxDepth) fail(`nesting deeper than ${maxDepth} levels`);
    stack.push({ kind, items: [], line, col });
  };

  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === NL) {
      i++;
      line++;
      lineStart = i;
      continue;
    }
    if (c === 32 || c === 9 || c === 13 || c === 44 || c === 12 || c === 11) {
      i++;
      continue;
    }
    const col = i - lineStart + 1;
    if (c === SEMI) {
      const nl = text.indexOf("\n", i);
      i = nl < 0 ? n : nl;
      continue;
    }
    if (c === LPAREN || c === LBRACE) {
      open(c === LPAREN ? "list" : "map", col);
      i++;
      continue;
    }
    if (c === RPAREN || c === RBRACE) {
      const close = c === RPAREN ? ")" : "}";
      const f = stack[stack.length - 1];
      if (!f) fail(`unexpected '${close}' with nothing open`);
      if (f!.kind === "quote") fail(`quote (') must be followed by a form`, f!.line, f!.col);
      const want = f!.kind === "list" ? RPAREN : RBRACE;
      if (c !== want) {
        fail(`'${close}' does not match the '${f!.kind === "list" ? "(" : "{"}' opened at ${f!.line}:${f!.col}`);
      }
      stack.pop();
      depth--;
      i++;
      if (f!.kind === "map") checkMap(f!, src);
      emit(node(f!.kind as "list", f!.items, src, f!.line, f!.col));
      continue;
    }
    if (c === APOS) {
      // `'x` is the list (quote x), so it counts as a level: a long run of
      // quotes must not build a tree too deep for the (recursive) compiler.
      if (++depth > maxDepth) fail(`nesting deeper than ${maxDepth} levels`);
      stack.push({ kind: "quote", items: [], line, col });
      i++;
      continue;
    }
    if (c === QUOTE) {
      // String literal: fast path slices when there are no escapes.
      const startLine = line;
      let j = i + 1;
      let out = "";
      let chunk = j;
      for (;;) {
        if (j >= n) fail("unterminated string", startLine, col);
        const d = text.charCodeAt(j);
        if (d === QUOTE) break;
        if (d === NL) {
          line++;
          lineStart = j + 1;
          j++;
          continue;
        }
        if (d !== BACKSLASH) {
          j++;
          continue;
        }
        out += text.slice(chunk, j);
        const e = text.charCodeAt(j + 1);
        const escCol = j - lineStart + 1;
        switch (e) {
          case QUOTE: out += '"'; j += 2; break;
          case BACKSLASH: out += "\\"; j += 2; break;
          case 110: out += "\n"; j += 2; break; // n
          case 116: out += "\t"; j += 2; break; // t
          case 114: out += "\r"; j += 2; break; // r
          case 117: { // u{...}
            const m = /^u\{([0-9a-fA-F]{1,6})\}/.exec(text.slice(j + 1, j + 10));
            const cp = m ? parseInt(m[1]!, 16) : -1;
            if (!m || cp > 0x10ffff) fail("bad unicode escape: use \\u{HEX} with 1-6 hex digits up to 10FFFF", line, escCol);
            out += String.fromCodePoint(cp);
            j += 1 + m![0].length;
            break;
          }
          default:
            if (j + 1 >= n) fail("unterminated string", startLine, col);
            fail(`bad escape '\\${text[j + 1]}' (valid: \\" \\\\ \\n \\t \\r \\u{...})`, line, escCol);
        }
        chunk = j;
      }
      out += text.slice(chunk, j);
      i = j + 1;
      emit(node("str", out, src, startLine, col));
      continue;
    }
    if (c === LBRACKET || c === RBRACKET) fail(`'${text[i]}' is not part of the syntax: lists use ( ) and maps { }`);
    if (c === BACKTICK) fail("'`' is not part of the syntax");
    // Atom: symbol, keyword, number, true/false/nil.
    let j = i + 1;
    while (j < n) {
      const d = text.charCodeAt(j);
      if (d < 128 && DELIM[d]) break;
      j++;
    }
    const tok = text.slice(i, j);
    i = j;
    emit(atom(tok, c, src, line, col, fail));
  }

  const open_ = stack[stack.length - 1];
  if (open_) {
    if (open_.kind === "quote") fail("quote (') at end of input must be followed by a form", open_.line, open_.col);
    const ch = open_.kind === "list" ? "(" : "{";
    fail(`unclosed '${ch}': expected '${ch === "(" ? ")" : "}"}' before end of input`, open_.line, open_.col);
  }
  return top;
}

/** Parse text that must hold exactly one form. */
export function parseOne(text: string, options: ReadOptions = {}): Node {
  const forms = parse(text, options);
  if (forms.length !== 1) {
    const second = forms[1];
    const loc = second ? { src: second.src, line: second.line, col: second.col } : { src: options.src ?? "<input>", line: 1, col: 1 };
    throw new ReadError(forms.length === 0 ? "expected a form, found none" : "expected one form, found more", loc);
  }
  return forms[0]!;
}

function atom(
  tok: string,
  c: number,
  src: string,
  line: number,
  col: number,
  fail: (m: string, l?: number, c?: number) => never,
): Node {
  for (let k = 0; k < tok.length; k++) {
    const d = tok.charCodeAt(k);
    if (d === BACKSLASH || d < 32 || d === 127) fail(`invalid character ${JSON.stringify(tok[k])} in '${tok}'`, line, col + k);
    // Dropped at the start of a text, so a name starting with one would not print and read back as itself.
    if (d === BOM) fail("a byte-order mark (U+FEFF) is allowed only as the first character of a file", line, col + k);
  }
  if (c === COLON) {
    if (tok.length === 1) fail("empty keyword ':'", line, col);
    return node("kw", tok.slice(1), src, line, col);
  }
  if (((c >= 48 && c <= 57) || c === 46 || c === 43 || c === 45) && NUMBER_START.test(tok)) {
    if (!NUMBER.test(tok)) fail(`invalid number '${tok}'`, line, col);
    const x = Number(tok);
    // Infinity has no literal: it would print as a symbol and not read back.
    if (!Number.isFinite(x)) fail(`number '${tok}' is out of range`, line, col);
    return node("num", x, src, line, col);
  }
  if (tok === "nil") return node("nil", null, src, line, col);
  if (tok === "##Inf" || tok === "##-Inf" || tok === "##NaN") {
    return node("num", tok === "##NaN" ? NaN : tok === "##Inf" ? Infinity : -Infinity, src, line, col);
  }
  if (tok === "true") return node("bool", true, src, line, col);
  if (tok === "false") return node("bool", false, src, line, col);
  return node("sym", tok, src, line, col);
}

const KIND_NAMES: Record<string, string> = { list: "a list", map: "a map", num: "a number", bool: "a boolean", nil: "nil" };

function checkMap(f: Frame, src: string): void {
  const items = f.items;
  if (items.length % 2 !== 0) {
    throw new ReadError(`map literal needs key/value pairs but has ${items.length} forms`, { src, line: f.line, col: f.col });
  }
  for (let k = 0; k < items.length; k += 2) {
    const key = items[k]!;
    if (key.kind !== "kw" && key.kind !== "str") {
      const what = key.kind === "sym" ? "the symbol " + key.value : KIND_NAMES[key.kind];
      throw new ReadError(`map keys must be keywords or strings, not ${what}`, { src, line: key.line, col: key.col });
    }
  }
}
