/**
 * Keyword parameters of the media forms and of the effects: one schema, two
 * readers. The static one (`checkArgs`) reads argument NODES, reports every
 * problem it can prove from literals (with each one's position) and leaves
 * computed values alone; the runtime one (`readArgs`) reads evaluated
 * VALUES and throws on the first problem. Both say it in the same words
 * (`valueProblem`), so `sexp check`, `rose-render` and the service agree.
 */
import { EvalError, Keyword, Sym, didYouMean, typeName, unknownKeyMessage, type CallProblem, type Loc, type Node, type Value } from "@rose-ash/sexp";
import { parseCid } from "@rose-ash/content";

export type ParamType = "int" | "number" | "color" | "enum" | "cid";

export interface ParamSpec {
  readonly name: string;
  readonly type: ParamType;
  /** The value when the parameter is not given; none: it must be given. */
  readonly default?: number | string;
  readonly min?: number;
  readonly max?: number;
  /** An enum's values. */
  readonly values?: readonly string[];
  /** Without a default, it may still be left out (its absence means something: `segment`'s `:end`). */
  readonly optional?: boolean;
  readonly doc?: string;
}

/** `#rrggbb`, the one colour syntax. */
export const COLOR = /^#[0-9a-fA-F]{6}$/;

export type ParamValue = number | string;

/** What is wrong with `v` as a value of `spec` (for `who`, e.g. `fx blur`), or null. */
export function valueProblem(who: string, spec: ParamSpec, v: Value): string | null {
  const name = `${who} :${spec.name}`;
  switch (spec.type) {
    case "int":
    case "number": {
      if (typeof v !== "number") return `${name} must be ${spec.type === "int" ? "an integer" : "a number"}, got ${describe(v)}`;
      if (!Number.isFinite(v)) return `${name} must be a finite number, got ${v}`;
      if (spec.type === "int" && !Number.isInteger(v)) return `${name} must be an integer, got ${v}`;
      if (spec.min !== undefined && v < spec.min) return `${name} ${v} is below its minimum ${spec.min}`;
      if (spec.max !== undefined && v > spec.max) return `${name} ${v} is above its maximum ${spec.max}`;
      return null;
    }
    case "color":
      if (typeof v !== "string") return `${name} must be a colour "#rrggbb", got ${describe(v)}`;
      return COLOR.test(v) ? null : `${name}: bad colour ${JSON.stringify(v)}, expected "#rrggbb" (six hex digits)`;
    case "enum": {
      const values = spec.values ?? [];
      const list = values.map((x) => JSON.stringify(x)).join(", ");
      if (typeof v !== "string") return `${name} must be one of ${list}, got ${describe(v)}`;
      if (values.includes(v)) return null;
      return `${name} ${JSON.stringify(v)} is not one of ${list}${didYouMean(v, values, (x) => JSON.stringify(x))}`;
    }
    case "cid":
      if (typeof v !== "string") return `${name} must be a CID string, got ${describe(v)}`;
      return parseCid(v) ? null : `${name} ${JSON.stringify(v)} is not a CID`;
  }
}

/** A value as a message names it: `the string "64"`, `the symbol x`, `an image`. */
export function describe(v: Value): string {
  if (typeof v === "string") return `the string ${JSON.stringify(v)}`;
  if (typeof v === "number") return `the number ${v}`;
  if (v instanceof Sym) return `the symbol ${v.name}`;
  if (v instanceof Keyword) return `the keyword :${v.name}`;
  const media = (v as { mediaKind?: string } | null)?.mediaKind;
  if (media) return media === "still" ? "an image" : media === "video" ? "a video" : "an effect step (it needs a source: use it inside ->)";
  const t = typeName(v);
  return t === "nil" ? "nil" : `a ${t}`;
}

/** Keyword arguments and positional ones, as written: `:k v` pairs wherever they stand. */
export interface SplitNodes {
  readonly keys: ReadonlyMap<string, { readonly key: Node; readonly value: Node }>;
  readonly positional: readonly Node[];
  readonly problems: CallProblem[];
}

export function splitNodes(form: string, args: readonly Node[]): SplitNodes {
  const keys = new Map<string, { key: Node; value: Node }>();
  const positional: Node[] = [];
  const problems: CallProblem[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a.kind !== "kw") {
      positional.push(a);
      continue;
    }
    const value = args[i + 1];
    if (!value) {
      problems.push({ message: `${form} :${a.value} needs a value`, at: a });
      continue;
    }
    i++;
    if (keys.has(a.value)) problems.push({ message: `${form} :${a.value} is given twice`, at: a });
    else keys.set(a.value, { key: a, value });
  }
  return { keys, positional, problems };
}

/** Every problem the literal arguments show: unknown keys (with the nearest), missing ones, wrong types and ranges. */
export function checkKeys(form: string, specs: readonly ParamSpec[], split: SplitNodes, call: Loc): CallProblem[] {
  const problems: CallProblem[] = [];
  const names = specs.map((s) => s.name);
  for (const [name, { key, value }] of split.keys) {
    const spec = specs.find((s) => s.name === name);
    if (!spec) {
      problems.push({ message: unknownKeyMessage(form, name, names), at: key });
      continue;
    }
    const literal = literalValue(value);
    if (literal === undefined) continue;
    const wrong = valueProblem(form, spec, literal);
    if (wrong) problems.push({ message: wrong, at: value });
  }
  for (const spec of specs) if (spec.default === undefined && !spec.optional && !split.keys.has(spec.name)) problems.push({ message: `${form} needs :${spec.name}`, at: call });
  return problems;
}

/** The value a literal node stands for; undefined for code (computed at run time). */
export function literalValue(n: Node): Value | undefined {
  switch (n.kind) {
    case "num":
    case "str":
    case "bool":
      return n.value;
    case "nil":
      return null;
    case "kw":
      return Keyword.of(n.value);
    case "map":
      return new Map();
    default:
      return undefined;
  }
}

/** Evaluated arguments split the same way: `:k v` pairs wherever they stand, the rest positional. */
export interface SplitValues {
  readonly keys: Map<string, Value>;
  readonly positional: Value[];
}

export function splitValues(form: string, args: readonly Value[]): SplitValues {
  const keys = new Map<string, Value>();
  const positional: Value[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (!(a instanceof Keyword)) {
      positional.push(a);
      continue;
    }
    if (i + 1 >= args.length) throw new EvalError(`${form} :${a.name} needs a value`);
    if (keys.has(a.name)) throw new EvalError(`${form} :${a.name} is given twice`);
    keys.set(a.name, args[++i]!);
  }
  return { keys, positional };
}

/** The parameters' values (defaults filled in, in the schema's order), or an EvalError for the first problem. */
export function readKeys(form: string, specs: readonly ParamSpec[], keys: ReadonlyMap<string, Value>): Record<string, ParamValue> {
  const names = specs.map((s) => s.name);
  for (const k of keys.keys()) if (!names.includes(k)) throw new EvalError(unknownKeyMessage(form, k, names));
  const out: Record<string, ParamValue> = {};
  for (const spec of specs) {
    const v = keys.get(spec.name);
    if (v === undefined) {
      if (spec.optional && spec.default === undefined) continue;
      if (spec.default === undefined) throw new EvalError(`${form} needs :${spec.name}`);
      out[spec.name] = spec.default;
      continue;
    }
    const wrong = valueProblem(form, spec, v);
    if (wrong) throw new EvalError(wrong);
    // Colours are kept in one case, so "#FF0000" and "#ff0000" are one node; -0 is 0.
    out[spec.name] = spec.type === "color" ? (v as string).toLowerCase() : v === 0 ? 0 : (v as ParamValue);
  }
  return out;
}

/** `#rrggbb` -> [r, g, b]. */
export function rgb(color: string): [number, number, number] {
  const n = parseInt(color.slice(1), 16);
  return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
}

/** A parameter list as the catalog shows it: `:width int 1..8192, :color "#rrggbb" = "#000000"`. */
export function describeParams(specs: readonly ParamSpec[]): string {
  return specs
    .map((s) => {
      const type = s.type === "enum" ? (s.values ?? []).map((v) => JSON.stringify(v)).join("|") : s.type === "color" ? '"#rrggbb"' : s.type;
      const range = s.min !== undefined || s.max !== undefined ? ` ${s.min ?? ""}..${s.max ?? ""}` : "";
 const dflt = s.default === undefined ? (s.optional ? " (optional)" : " (required)") : ` = ${JSON.stringify(s.default)}`;
      return `:${s.name} ${type}${range}${dflt}`;
    })
    .join(", ");
}
