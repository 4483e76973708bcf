/**
 * Compile-time scopes: the local names of one frame, innermost last, and the
 * internal `define`s a body has hoisted into it. The compiler resolves
 * locals to frame slots with them; the checker walks the same scopes.
 */
import type { Node } from "./types.ts";

export class Scope {
  /** The names of this frame's slots, in slot order. */
  readonly names: string[] = [];
  /** `define` forms a body has given a slot here (see `hoistDefines` in forms.ts). */
  readonly hoisted = new Set<Node>();
  /**
   * @param aliases an inlined component's body (see inline.ts): no frame of
   * its own, each parameter another name for one of the caller's locals.
   */
  constructor(
    readonly parent: Scope | null,
    private readonly aliases: ReadonlyMap<string, string> | null = null,
  ) {}

  add(name: string): number {
    this.names.push(name);
    return this.names.length - 1;
  }

  /** Every local name visible here. */
  allNames(): string[] {
    const out: string[] = [];
    for (let s: Scope | null = this; s; s = s.parent) out.push(...s.names);
    return out;
  }

  /** [levels up, slot] of the innermost binding of `name`, or null for a global. */
  resolve(name: string): [number, number] | null {
    let up = 0;
    for (let s: Scope | null = this; s; s = s.parent) {
      if (s.aliases !== null) {
        name = s.aliases.get(name) ?? name;
        continue;
      }
      const i = s.names.lastIndexOf(name);
      if (i >= 0) return [up, i];
      up++;
    }
    return null;
  }
}

/** Whether `name` is a local variable in `scope` (a global when there is no scope). */
export function isLocal(scope: Scope | null, name: string): boolean {
  return scope !== null && scope.resolve(name) !== null;
}
