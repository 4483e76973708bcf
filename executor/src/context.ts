/**
 * What one walk has to hand: the site it renders, the stores, the leaf
 * executors, where to put work that may finish later, and its trace. The
 * Executor (executor.ts) is one; each step of the walk (resolve.ts,
 * components.ts, holes.ts, io.ts) needs only this.
 */
import type { Analysis, Hasher, PrimitiveTable } from "@rose-ash/sexp";
import type { PageKey } from "./keys.ts";
import type { Leaves } from "./leaves.ts";
import type { Stores } from "./stores.ts";
import type { Trace } from "./trace.ts";

/** What the executor needs of a site: its Merkle hasher, its analysis, its primitives. */
export interface SiteModel {
  readonly hasher: Hasher;
  readonly analysis: Analysis;
  readonly registry: PrimitiveTable;
}

export interface Walk {
  readonly site: SiteModel;
  readonly stores: Stores;
  readonly leaves: Leaves;
  /** Work that may finish after the response (Workers' waitUntil). */
  readonly defer: (p: Promise<unknown>) => void;
  /** Primitives whose answer the visitor's session decides: a part that read only these is kept per visitor. */
  readonly sessionReads: ReadonlySet<string>;
  /** Primitives that read the site's data (queries, fragments), not the request: a visitor's part may be kept after reading these. */
  readonly dataReads: ReadonlySet<string>;
  readonly trace: Trace;
  /** Keep this walk's trace as the last one of `page`. */
  remember(page: PageKey): void;
}
