/**
 * A primitive as the vocabulary knows it: everything but what it does. The
 * host that can do it (the router, the resolver) gives the function; the
 * checker and the catalog need only this.
 */
import { EvalError, type PrimitiveSpec, type Registry } from "@rose-ash/sexp";

export type PrimitiveFn = PrimitiveSpec["fn"];

export interface PrimitiveDoc extends Omit<PrimitiveSpec, "fn"> {
  /** An I/O primitive may return a promise and is never pure (see the registry). */
  readonly io: boolean;
}

/** Register `docs` in `registry`, each with its function from `fns`; one without says where it runs instead. */
export function defineVocabulary(registry: Registry, docs: readonly PrimitiveDoc[], fns: Readonly<Record<string, PrimitiveFn>> = {}): Registry {
  for (const { io, ...doc } of docs) {
    const fn: PrimitiveFn =
      fns[doc.name] ??
      (() => {
        throw new EvalError(`(${doc.name}) runs in the site's Workers, not here`);
      });
    if (io) registry.defineIO({ ...doc, fn });
    else registry.define({ ...doc, fn });
  }
  return registry;
}
