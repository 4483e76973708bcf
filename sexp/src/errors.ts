/**
 * Typed errors. Every error that comes from source carries its position, and
 * `formatError` renders it as `FILE:LINE:COL: message` plus a caret excerpt.
 */
import { didYouMean } from "./suggest.ts";
import type { Loc } from "./types.ts";

export type ErrorKind = "read" | "eval" | "limit" | "render" | "check";

export class SexpError extends Error {
  override name = "SexpError";
  constructor(
    message: string,
    public loc: Loc | undefined,
    readonly kind: ErrorKind,
  ) {
    super(message);
  }
  /** `FILE:LINE:COL: message` (or just the message when there is no position). */
  get text(): string {
    return this.loc ? `${locText(this.loc)}: ${this.message}` : this.message;
  }
}

/** Malformed source: unbalanced parentheses, bad escapes, odd map literals, ... */
export class ReadError extends SexpError {
  override name = "ReadError";
  constructor(message: string, loc: Loc) {
    super(message, loc, "read");
  }
}

/** A failure while evaluating: unknown symbol, wrong argument, bad call. */
export class EvalError extends SexpError {
  override name = "EvalError";
  constructor(message: string, loc?: Loc) {
    super(message, loc, "eval");
  }
}

/** A step budget, recursion depth or output size limit was exceeded. */
export class LimitError extends SexpError {
  override name = "LimitError";
  constructor(message: string, loc?: Loc) {
    super(message, loc, "limit");
  }
}

/** Markup that cannot be produced safely (children of a void element, bad attribute name). */
export class RenderError extends SexpError {
  override name = "RenderError";
  constructor(message: string, loc?: Loc) {
    super(message, loc, "render");
  }
}

/**
 * Where a reader of forms (forms.ts) says what is wrong: the message, the
 * node it is about, and `render` for markup that cannot be produced (a
 * RenderError when thrown, an EvalError otherwise). The compiler's report
 * throws the first problem; the checker's collects them all.
 */
export type Report = (message: string, at: Loc, kind?: "render") => void;

export function locText(loc: Loc): string {
  return `${loc.src}:${loc.line}:${loc.col}`;
}

/** Attach a position to an error raised without one (e.g. inside a primitive). */
export function withLoc<E>(err: E, loc: Loc): E {
  if (err instanceof SexpError && !err.loc) err.loc = loc;
  return err;
}

/**
 * `FILE:LINE:COL: message`, followed by the source line and a caret when the
 * source text is known. Non-sexp errors become a single line with no stack.
 */
export function formatError(err: unknown, sourceText?: (src: string) => string | undefined): string {
  if (!(err instanceof SexpError)) {
    if (err instanceof RangeError && err.message.includes("call stack")) return "error: nesting too deep (call stack exhausted)";
    return `error: ${err instanceof Error ? err.message : String(err)}`;
  }
  if (!err.loc) return `error: ${err.message}`;
  const head = err.text;
  const text = sourceText?.(err.loc.src);
  if (text === undefined) return head;
  return `${head}\n${excerpt(text, err.loc)}`;
}

/** The line at `loc` with a caret under the column. */
export function excerpt(text: string, loc: Loc): string {
  let start = 0;
  for (let line = 1; line < loc.line; line++) {
    const nl = text.indexOf("\n", start);
    if (nl < 0) return "";
    start = nl + 1;
  }
  let end = text.indexOf("\n", start);
  if (end < 0) end = text.length;
  const line = text.slice(start, end).replace(/\r$/, "");
  const gutter = `${loc.line} | `;
  // Keep tabs in the caret line so the caret lines up under tabbed source.
  const pad = line.slice(0, loc.col - 1).replace(/[^\t]/g, " ");
  return `${gutter}${line}\n${" ".repeat(gutter.length - 2)}| ${pad}^`;
}

/**
 * The wording of an arity error, shared with the runtime:
 * `(nth coll index &optional default) takes 2 to 3 arguments, got 1`.
 */
export function arityMessage(signature: string, min: number, max: number, got: number): string {
  const want = max === min ? `${min}` : max === Infinity ? `at least ${min}` : `${min} to ${max}`;
  const one = max === 1 || (max === Infinity && min === 1);
  return `(${signature}) takes ${want} argument${one ? "" : "s"}, got ${got}`;
}

/** The wording for an unknown keyword argument, the runtime's (`unknownKey` in runtime.ts) and the checker's. */
export function unknownKeyMessage(name: string, key: string, keys: readonly string[]): string {
  const suggestion = didYouMean(key, keys, (k) => ":" + k);
  if (suggestion) return `${name} has no parameter :${key}${suggestion}`;
  const names = keys.map((k) => ":" + k).join(", ");
  return `${name} has no parameter :${key}${names ? ` (it takes ${names})` : ""}`;
}

/** A component call of something that is not a component (`(~f)` where `~f` is a function). */
export function notAComponentMessage(name: string): string {
  return `${name} is not a component`;
}

/** Children given to a component that has no parameter for them. */
export function noChildrenMessage(name: string): string {
  return `${name} takes no children (declare &key children or &rest)`;
}

/** Children given both as `:children` and after the keyword arguments. */
export function childrenTwiceMessage(name: string): string {
  return `${name}: children given both positionally and as :children`;
}

/** The wording for a name that is not defined: a component (`~name`) or any other symbol, with the closest known name. */
export function unknownNameMessage(name: string, known: Iterable<string>): string {
  const component = name.startsWith("~") && name.length > 1;
  const candidates = [...known].filter((k) => k.startsWith("~") === component);
  return (component ? `unknown component ${name}` : `unknown symbol '${name}'`) + didYouMean(name, candidates, (c) => (component ? c : `'${c}'`));
}
