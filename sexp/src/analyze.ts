/**
 * The analyze step: what evaluating a definition or an expression depends on
 * besides its arguments, found statically from the primitives and
 * definitions it references (transitively):
 *
 * - `io`: it performs I/O (a query, a fragment, the request URL): keyed only
 *   after those results are substituted;
 * - `user`: it reads who is asking (session, cookies, headers): never shared;
 * - `volatile`: it reads the clock: never cached;
 * - `write`: it changes something: never cached or replayed.
 *
 * A subtree with none of these is pure: same arguments, same output.
 *
 * A component that reads who is asking is rendered per request as a hole in an
 * otherwise shared page, so its `user` (and `volatile`) does not propagate
 * through the call into the caller's `own`; `deep` is the whole truth, for
 * renders that fill nothing in later.
 * References are over-approximated (a local named like a global counts), which
 * can cost a cache hit, never correctness; hosts also check at run time.
 */
import { definitionOf } from "./forms.ts";
import { forEachSymbol } from "./hash.ts";
import type { PrimitiveEffect, PrimitiveTable } from "./runtime.ts";
import type { Node } from "./types.ts";

export interface Effects {
  readonly io: boolean;
  readonly user: boolean;
  readonly volatile: boolean;
  readonly write: boolean;
}

export const PURE: Effects = Object.freeze({ io: false, user: false, volatile: false, write: false });

export interface DefinitionEffects {
  /** With the user-scoped components it calls counted as holes. */
  readonly own: Effects;
  /** Everything it may do when rendered whole. */
  readonly deep: Effects;
}

interface Refs {
  readonly definitions: readonly string[];
  readonly primitives: Effects;
}

export class Analysis {
  private readonly results = new Map<string, DefinitionEffects>();

  constructor(
    private readonly definitions: ReadonlyMap<string, Node>,
    private readonly registry: PrimitiveTable,
  ) {
    const refs = new Map<string, Refs>();
    for (const [name, form] of definitions) {
      refs.set(name, this.refsOf(form));
      this.results.set(name, { own: PURE, deep: PURE });
    }
    // Effects only ever grow, so iterating to a fixpoint terminates (recursion included).
    for (let changed = true; changed; ) {
      changed = false;
      for (const [name, r] of refs) {
        const next = this.combine(r);
        const prev = this.results.get(name)!;
        if (!sameEffects(prev.own, next.own) || !sameEffects(prev.deep, next.deep)) {
          this.results.set(name, next);
          changed = true;
        }
      }
    }
  }

  /** A definition's effects; undefined for a name that is not defined. */
  of(name: string): DefinitionEffects | undefined {
    return this.results.get(name);
  }

  /** An expression's effects (a route body, say), against the same definitions. */
  ofNode(node: Node): DefinitionEffects {
    return this.combine(this.refsOf(node));
  }

  /**
   * The names an expression (and every definition it reaches) passes to
   * `primitive` as a literal string first argument, as in `(param "sort")`;
   * null when it may pass any (a computed name, or the primitive used as a
   * value). A host keys what it caches by only the names its page can read.
   */
  literalArguments(node: Node, primitive: string): ReadonlySet<string> | null {
    const names = new Set<string>();
    const seen = new Set<string>();
    const pending = [node];
    for (let n = pending.pop(); n; n = pending.pop()) {
      if (!literalCalls(n, primitive, names)) return null;
      for (const d of this.refsOf(n).definitions) {
        if (seen.has(d)) continue;
        seen.add(d);
        pending.push(this.definitions.get(d)!);
      }
    }
    return names;
  }

  private combine(r: Refs): DefinitionEffects {
    let own = r.primitives;
    let deep = r.primitives;
    for (const d of r.definitions) {
      const e = this.results.get(d)!;
      deep = union(deep, e.deep);
      // A user-scoped component is a hole of its caller, rendered per request (so its reading the
      // clock does not matter either); anything else a component does, its caller does.
      const hole = e.own.user && isComponentForm(this.definitions.get(d)!);
      own = union(own, hole ? { ...e.own, user: false, volatile: false } : e.own);
    }
    return { own, deep };
  }

  private refsOf(form: Node): Refs {
    const definitions = new Set<string>();
    let primitives = PURE;
    forEachSymbol(form, (name) => {
      if (this.definitions.has(name)) definitions.add(name);
      else {
        const p = this.registry.get(name);
        if (p?.meta.io) primitives = union(primitives, effectsOf(p.meta.effect));
      }
    });
    return { definitions: [...definitions], primitives };
  }
}

/** Collects the literal first arguments of `(primitive "x" ...)` calls in `n`; false when one is not literal (or `primitive` is used as a value). */
function literalCalls(n: Node, primitive: string, into: Set<string>): boolean {
  if (n.kind === "sym") return n.value !== primitive;
  if (n.kind !== "list" && n.kind !== "map") return true;
  const items = n.value;
  if (n.kind === "list" && items[0]?.kind === "sym") {
    if (items[0].value === "quote") return true;
    if (items[0].value === primitive) {
      const arg = items[1];
      if (arg?.kind !== "str") return false;
      into.add(arg.value);
      for (let i = 2; i < items.length; i++) if (!literalCalls(items[i]!, primitive, into)) return false;
      return true;
    }
  }
  for (const item of items) if (!literalCalls(item, primitive, into)) return false;
  return true;
}

function effectsOf(effect: PrimitiveEffect | null): Effects {
  return { io: true, user: effect === "user", volatile: effect === "volatile", write: effect === "write" };
}

function union(a: Effects, b: Effects): Effects {
  if (a === b) return a;
  return { io: a.io || b.io, user: a.user || b.user, volatile: a.volatile || b.volatile, write: a.write || b.write };
}

function sameEffects(a: Effects, b: Effects): boolean {
  return a.io === b.io && a.user === b.user && a.volatile === b.volatile && a.write === b.write;
}

function isComponentForm(form: Node): boolean {
  return definitionOf(form)?.kind === "component";
}
