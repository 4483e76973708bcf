/**
 * The primitive registry: every built-in function with its metadata (name,
 * parameters, description, examples, pure or I/O). The evaluator can only
 * call what is registered here, and the metadata is the catalog the LLM and
 * `sexp check` read.
 */
import type { CallCheck } from "./call-check.ts";
import { Primitive, type FixedArity, type PrimitiveEffect, type PrimitiveFn, type PrimitiveMeta, type PrimitiveTable } from "./runtime.ts";

/** A primitive's definition; `fn1`..`fn3` and `piece` (pure primitives only) are its other forms (see FixedArity). */
export interface PrimitiveSpec extends FixedArity {
  readonly name: string;
  /** Lambda list as documentation, e.g. `f items`, `coll key &optional default`, `name &key alt`, `&rest xs`. */
  readonly params: string;
  readonly doc: string;
  readonly examples?: readonly (readonly [string, string])[];
  /** Leading arguments taken as names (bare symbols are not looked up). */
  readonly names?: number;
  /** What an I/O primitive's answer depends on or does beyond reading shared data (see analyze.ts). */
  readonly effect?: PrimitiveEffect;
  /** A static check of its calls' arguments, which `sexp check` runs (see call-check.ts). */
  readonly check?: CallCheck;
  /** Calls the compiler may run inline (see PrimitiveMeta.inline). */
  readonly inline?: "map" | "list";
  /** The argument that is the page it answers with (see PrimitiveMeta.page). */
  readonly page?: number;
  readonly fn: PrimitiveFn;
}

export class Registry implements PrimitiveTable {
  private readonly own = new Map<string, Primitive>();
  constructor(private readonly parent: Registry | null = null) {}

  /** Register a pure primitive: same arguments, same result, no I/O. */
  define(spec: PrimitiveSpec): this {
    return this.add(spec, false);
  }

  /** Register an I/O primitive: it may return a promise and is never cached as pure. */
  defineIO(spec: PrimitiveSpec): this {
    return this.add(spec, true);
  }

  get(name: string): Primitive | undefined {
    return this.own.get(name) ?? this.parent?.get(name);
  }

  has(name: string): boolean {
    return this.get(name) !== undefined;
  }

  /** Every primitive visible from here, children's overriding parents'. */
  list(): Primitive[] {
    const all = new Map<string, Primitive>();
    for (const p of this.parent?.list() ?? []) all.set(p.name, p);
    for (const p of this.own.values()) all.set(p.name, p);
    return [...all.values()].sort((a, b) => (a.name < b.name ? -1 : 1));
  }

  /** A child registry: add I/O or host primitives without touching this one. */
  extend(): Registry {
    return new Registry(this);
  }

  private add(spec: PrimitiveSpec, io: boolean): this {
    if (this.own.has(spec.name)) throw new Error(`primitive ${spec.name} is already registered`);
    const [minArgs, maxArgs] = arityOf(spec.params);
    const meta: PrimitiveMeta = {
      name: spec.name,
      params: spec.params,
      doc: spec.doc,
      examples: spec.examples ?? [],
      io,
      effect: spec.effect ?? null,
      check: spec.check ?? null,
      inline: spec.inline ?? null,
      page: spec.page ?? null,
      names: spec.names ?? 0,
      minArgs,
      maxArgs,
    };
    for (const [n, f] of [[1, spec.fn1], [2, spec.fn2], [3, spec.fn3]] as const) {
      if (f && (io || n < minArgs || n > maxArgs)) throw new Error(`primitive ${spec.name} cannot have a form for ${n} argument(s)`);
    }
    if (spec.piece && io) throw new Error(`primitive ${spec.name} does I/O: it cannot be written piece by piece`);
    this.own.set(spec.name, new Primitive(meta, spec.fn, spec));
    return this;
  }
}

/** [min, max] argument counts of a documentation lambda list (`&key k` is up to two more: `:k value`). */
export function arityOf(params: string): [number, number] {
  const words = params.split(/\s+/).filter(Boolean);
  let min = 0;
  let max = 0;
  let mode: "req" | "opt" | "key" | "rest" = "req";
  for (const w of words) {
    if (w === "&optional") mode = "opt";
    else if (w === "&key") mode = "key";
    else if (w === "&rest") mode = "rest";
    else if (mode === "req") min++, max++;
    else if (mode === "opt") max++;
    else if (mode === "key") max += 2;
    else max = Infinity;
  }
  return [min, max];
}
