/**
 * Declarations: what defining forms other than `define` and `defcomp` record
 * in an environment for the host to read (routes, queries, actions). One
 * table per kind, keyed, in order of declaration; an environment sees its
 * own tables, then its parent's. The runtime keeps them without knowing
 * what any kind holds: each kind's module (route.ts, query.ts) names its
 * kind and declares into it and reads from it.
 */

/** A kind of declaration and the type of what it holds. */
export class DeclarationKind<T> {
  declare private readonly holds: (t: T) => T;
  constructor(readonly name: string) {}
}

export class Declarations {
  private readonly tables = new Map<object, Map<string, unknown>>();
  constructor(readonly parent: Declarations | null = null) {}

  /** This environment's own declarations of a kind, by key, in order of declaration. */
  own<T>(kind: DeclarationKind<T>): Map<string, T> {
    let table = this.tables.get(kind);
    if (!table) this.tables.set(kind, (table = new Map()));
    return table as Map<string, T>;
  }

  /** Declare; a later declaration under the same key replaces the earlier one, in its place. */
  set<T>(kind: DeclarationKind<T>, key: string, value: T): void {
    this.own(kind).set(key, value);
  }

  /** The nearest declaration under `key`. */
  get<T>(kind: DeclarationKind<T>, key: string): T | undefined {
    for (let d: Declarations | null = this; d; d = d.parent) {
      const v = d.tables.get(kind)?.get(key) as T | undefined;
      if (v !== undefined) return v;
    }
    return undefined;
  }

  /** Every declaration of a kind visible here, nearest first, one per key. */
  all<T>(kind: DeclarationKind<T>): T[] {
    const out = new Map<string, T>();
    for (let d: Declarations | null = this; d; d = d.parent) {
      for (const [k, v] of d.tables.get(kind) ?? []) if (!out.has(k)) out.set(k, v as T);
    }
    return [...out.values()];
  }
}
