/**
 * A primitive's own static check of its calls, for `sexp check`: the host
 * registers it with the primitive (`PrimitiveSpec.check`), and the checker
 * runs it on every call with what it knows of the code being checked. The
 * resolver's `query`, `action` and `frag` check their names and arguments
 * against the app's declarations this way.
 */
import type { QueryDef } from "./query.ts";
import type { Loc, Node } from "./types.ts";

/** What the checked code declares, as a call's check may ask. */
export interface CheckScope {
  /** A `defquery`/`defaction` of the checked forms (or their libraries). */
  query(service: string, name: string): QueryDef | undefined;
  queries(): Iterable<QueryDef>;
  /** A component: the file that defines it, and its keyword parameters (null when they could not be read). */
  component(name: string): { readonly src: string; readonly keys: readonly string[] | null } | undefined;
  components(): Iterable<string>;
}

export interface CallProblem {
  readonly message: string;
  readonly at: Loc;
}

/** The check of one call: its argument nodes (a call with a local variable at its head is not checked). */
export type CallCheck = (args: readonly Node[], call: Loc, scope: CheckScope) => CallProblem[];
