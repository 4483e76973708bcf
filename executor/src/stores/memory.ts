/**
 * The stores in memory: the embedded default, for a single process and for
 * tests. Same rules as the Workers adapters (compare-and-swap, input keys as
 * idempotency keys, retiring), nothing kept across restarts.
 */
import { dependencyName, pageName, type Dependency, type PageKey } from "../keys.ts";
import { pagesOf, type CallStore, type DependencyStore, type Moved, type NamedPointerStore, type PointerState, type PointerStore, type ResultStore } from "../stores.ts";

export function memoryPointers(): PointerStore {
  return pagesOf(memoryNamedPointers());
}

export function memoryNamedPointers(): NamedPointerStore {
  const pointers = new Map<string, PointerState>();
  return {
    current: async (name) => pointers.get(name) ?? null,
    publish: async (name, cid, seen, inputKey): Promise<Moved> => {
      const now = pointers.get(name);
      if (now && !now.retired && (now.cid === cid || (inputKey !== null && now.inputKey === inputKey))) {
        if (now.cid === cid && inputKey !== null && now.sequence === seen.sequence) pointers.set(name, { ...now, inputKey });
        return { status: "unchanged", sequence: now.sequence };
      }
      if ((now?.sequence ?? 0) !== seen.sequence) return { status: "conflict", sequence: now?.sequence ?? null };
      const sequence = (now?.sequence ?? 0) + 1;
      pointers.set(name, { cid, sequence, retired: false, inputKey });
      return { status: "moved", sequence };
    },
    retire: async (name, seen): Promise<Moved> => {
      const now = pointers.get(name);
      if (!now || now.retired) return { status: "unchanged", sequence: now?.sequence ?? null };
      if (now.sequence !== seen) return { status: "conflict", sequence: now.sequence };
      pointers.set(name, { ...now, sequence: now.sequence + 1, retired: true, inputKey: null });
      return { status: "retired", sequence: now.sequence + 1 };
    },
  };
}

export function memoryResults(): ResultStore {
  const kept = new Map<string, { html: string; until: number }>();
  return {
    get: async (key) => {
      const e = kept.get(key);
      return e && e.until > Date.now() ? e.html : null;
    },
    put: async (key, html, ttl) => void kept.set(key, { html, until: Date.now() + ttl * 1000 }),
  };
}

export function memoryCalls(): CallStore {
  const kept = new Map<string, string>();
  return { get: async (key) => kept.get(key) ?? null, put: async (key, written) => void kept.set(key, written) };
}

export function memoryDependencies(): DependencyStore {
  const reads = new Map<string, { page: PageKey; reads: Dependency[] }>();
  return {
    record: async (page, deps) => void reads.set(pageName(page), { page, reads: [...deps] }),
    pagesReading: async (deps) => {
      const wanted = new Set(deps.map(dependencyName));
      return [...reads.values()].filter((r) => r.reads.some((d) => wanted.has(dependencyName(d)))).map((r) => r.page);
    },
    dependencies: async () => {
      const all = new Map<string, Dependency>();
      for (const r of reads.values()) for (const d of r.reads) all.set(dependencyName(d), d);
      return [...all.values()];
    },
  };
}

