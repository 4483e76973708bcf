/**
 * Core data types: the syntax tree the reader produces (every node carries its
 * source position) and the runtime values the evaluator works with.
 */

/** A source position: file name (or `<stdin>`), 1-based line and column. */
export interface Loc {
  readonly src: string;
  readonly line: number;
  readonly col: number;
}

interface At<K extends string, V> extends Loc {
  readonly kind: K;
  readonly value: V;
}

export type ListNode = At<"list", Node[]>;
/** Map literal `{:k v ...}`: `value` holds keys and values alternately. */
export type MapNode = At<"map", Node[]>;
export type SymNode = At<"sym", string>;
export type KwNode = At<"kw", string>;
export type StrNode = At<"str", string>;
export type NumNode = At<"num", number>;
export type BoolNode = At<"bool", boolean>;
export type NilNode = At<"nil", null>;
export type Node = ListNode | MapNode | SymNode | KwNode | StrNode | NumNode | BoolNode | NilNode;
export type NodeKind = Node["kind"];

/**
 * Every node is built by this one constructor so V8 sees a single object shape
 * (monomorphic property access in the compiler and printer).
 */
export function node<K extends NodeKind>(
  kind: K,
  value: Extract<Node, { kind: K }>["value"],
  src: string,
  line: number,
  col: number,
): Extract<Node, { kind: K }> {
  return { kind, value, src, line, col } as unknown as Extract<Node, { kind: K }>;
}

/** Structural equality of two syntax trees, ignoring positions. */
export function nodesEqual(a: Node, b: Node): boolean {
  if (a.kind !== b.kind) return false;
  if (a.kind === "list" || a.kind === "map") {
    const xs = a.value;
    const ys = b.value as Node[];
    if (xs.length !== ys.length) return false;
    for (let i = 0; i < xs.length; i++) if (!nodesEqual(xs[i]!, ys[i]!)) return false;
    return true;
  }
  return Object.is(a.value, b.value) || (a.kind === "num" && a.value === b.value);
}

/** An interned symbol value (what `'name` evaluates to). */
export class Sym {
  private static readonly table = new Map<string, Sym>();
  private constructor(readonly name: string) {}
  static of(name: string): Sym {
    let s = Sym.table.get(name);
    if (!s) Sym.table.set(name, (s = new Sym(name)));
    return s;
  }
  toString(): string {
    return this.name;
  }
}

/** An interned keyword value (`:name`). */
export class Keyword {
  private static readonly table = new Map<string, Keyword>();
  private constructor(readonly name: string) {}
  static of(name: string): Keyword {
    let k = Keyword.table.get(name);
    if (!k) Keyword.table.set(name, (k = new Keyword(name)));
    return k;
  }
  toString(): string {
    return ":" + this.name;
  }
}

/** Markup that is already safe to emit as-is: rendered elements and `raw!`. */
export class Html {
  constructor(readonly html: string) {}
  toString(): string {
    return this.html;
  }
}

/** Maps are keyed by name: `{:a 1}` and `{"a" 1}` are the same map. */
export type SMap = Map<string, Value>;

export type Value =
  | null
  | boolean
  | number
  | string
  | Sym
  | Keyword
  | Html
  | readonly Value[]
  | SMap
  | Callable;

/** Anything that can be applied; the concrete classes live in the runtime. */
export interface Callable {
  readonly callableKind: "lambda" | "component" | "primitive";
  readonly name: string;
}

export function isCallable(v: unknown): v is Callable {
  return typeof v === "object" && v !== null && "callableKind" in v;
}

/** Lisp truthiness: only `nil` and `false` are false. */
export function truthy(v: unknown): boolean {
  return v !== null && v !== false && v !== undefined;
}

export function typeName(v: unknown): string {
  if (v === null || v === undefined) return "nil";
  if (typeof v === "boolean") return "boolean";
  if (typeof v === "number") return "number";
  if (typeof v === "string") return "string";
  if (v instanceof Sym) return "symbol";
  if (v instanceof Keyword) return "keyword";
  if (v instanceof Html) return "html";
  if (Array.isArray(v)) return "list";
  if (v instanceof Map) return "map";
  if (isCallable(v)) return v.callableKind === "primitive" ? "function" : v.callableKind;
  return "object";
}
