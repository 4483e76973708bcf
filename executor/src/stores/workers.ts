/**
 * The stores on Workers: pointers in IpnsPointer Durable Objects (one per
 * page, with this isolate's copy for a while), rendered parts and written
 * calls in the hot tier (KV or Upstash) with an in-isolate copy of what is
 * immutable, and which pages read what in the DependencyIndex Durable Object.
 */
import type { HotCache } from "@rose-ash/content";
import type { DependencyIndex, IpnsPointer } from "@rose-ash/durable-objects";
import { Lru } from "../lru.ts";
import { measured, metrics } from "../metrics.ts";
import { pagesOf, type CallStore, type DependencyStore, type NamedPointerStore, type PointerState, type PointerStore, type ResultStore } from "../stores.ts";

/** Default for how long (ms) an isolate serves from its own copy of a pointer: a Durable Object may be far away. */
export const POINTER_TTL_MS = 1000;

interface PointerCopy {
  readonly state: PointerState;
  readonly until: number;
}

/**
 * Pages' pointers in Durable Objects (one per page): see `durableNamedPointers`.
 */
export function durablePointers(namespace: DurableObjectNamespace<IpnsPointer>, ttlMs = POINTER_TTL_MS): PointerStore {
  return pagesOf(durableNamedPointers(namespace, ttlMs));
}

/**
 * Pointers in Durable Objects, one per name. This isolate keeps a copy of
 * each pointer it reads or moves for `ttlMs` (0: ask every time); a move
 * made here is seen here at once, elsewhere within `ttlMs`. A copy only ever
 * moves forward; a name without a pointer is not remembered.
 */
export function durableNamedPointers(namespace: DurableObjectNamespace<IpnsPointer>, ttlMs = POINTER_TTL_MS): NamedPointerStore {
  const copies = new Map<string, PointerCopy>();
  const stub = (name: string) => namespace.get(namespace.idFromName(name));
  const remember = (name: string, p: { cid: string; sequence: number; retired?: boolean; inputKey: string | null } | null) => {
    if (!p) return;
    const known = copies.get(name);
    if (known && known.state.sequence > p.sequence) return;
    if (copies.size >= 10_000) copies.delete(copies.keys().next().value!);
    copies.set(name, { state: { cid: p.cid, sequence: p.sequence, retired: p.retired === true, inputKey: p.inputKey }, until: Date.now() + ttlMs });
  };
  return {
    current: async (name, ask = false) => {
      const copy = copies.get(name);
      if (!ask && copy && copy.until > Date.now()) {
        metrics.memory.hits++;
        return copy.state;
      }
      const p = await measured(metrics.pointer, stub(name).current(), (p) => (p ? 0 : null));
      remember(name, p);
      return p ? copies.get(name)!.state : null;
    },
    publish: async (name, cid, seen, inputKey) => {
      const result = await stub(name).publish({ name, cid, expectedSequence: seen.sequence, inputKey });
      remember(name, result.pointer);
      return { status: result.status, sequence: result.pointer?.sequence ?? null };
    },
    retire: async (name, seen) => {
      const result = await stub(name).retire({ expectedSequence: seen });
      remember(name, result.pointer);
      return { status: result.status, sequence: result.pointer?.sequence ?? null };
    },
  };
}

/** Rendered parts in the hot tier, with this isolate's copy: shared ones as long as there is room, a visitor's for their TTL. */
export function hotResults(hot: HotCache): ResultStore {
  const local = new Lru(12 * 1024 * 1024);
  return {
    get: async (key, shared) => {
      const known = local.get(key);
      if (known !== null) {
        metrics.memory.hits++;
        return known;
      }
      const v = await hot.get(key).catch(() => null);
      if (v !== null && shared) local.set(key, v);
      return v;
    },
    put: async (key, html, ttl, shared) => {
      local.set(key, html, shared ? Infinity : ttl);
      await hot.put(key, html, ttl);
    },
  };
}

/** Written calls in the hot tier. */
export function hotCalls(hot: HotCache): CallStore {
  return {
    get: (key) => hot.get(key).catch(() => null),
    put: (key, written, ttl) => hot.put(key, written, ttl),
  };
}

/** Which pages read what, in the one DependencyIndex Durable Object. */
export function durableDependencies(namespace: DurableObjectNamespace<DependencyIndex>): DependencyStore {
  const index = () => namespace.get(namespace.idFromName("pages"));
  return {
    record: (page, reads) => index().record(page, [...reads]),
    pagesReading: (reads) => index().pagesReading([...reads]),
    dependencies: () => index().dependencies(),
  };
}
