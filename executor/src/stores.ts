/**
 * What the executor keeps, behind small interfaces: pages' pointers, their
 * bytes by CID, rendered parts, written-down I/O calls, and which pages read
 * what. Each has an embedded adapter (stores/memory.ts) and the Workers ones
 * (Durable Objects, R2, KV or Upstash) beside it.
 */
import type { WarmSink, WarmStore } from "@rose-ash/content";
import { pageName, type Dependency, type PageKey } from "./keys.ts";

/** What is kept under a content key never changes under it: its TTL only bounds storage. */
export const IMMUTABLE_TTL_S = 30 * 24 * 3600;

/** What a look-up saw of a pointer: its sequence (0 when there is none) and CID. */
export interface Seen {
  readonly sequence: number;
  readonly cid: string | null;
}

export interface PointerState extends Seen {
  readonly cid: string;
  /** The page is gone or no longer shared: look-ups miss. */
  readonly retired: boolean;
  /** The input key of the render that made the current CID. */
  readonly inputKey: string | null;
}

export interface Moved {
  readonly status: "moved" | "unchanged" | "conflict" | "retired";
  /** The pointer's sequence after (null when it has none). */
  readonly sequence: number | null;
}

/**
 * Pointers by name (`media:<key>`, a name given to renders): name -> current
 * CID, moved only by compare-and-swap on the sequence the mover saw. The
 * same rules as a page's (`PointerStore`, which is made of one).
 */
export interface NamedPointerStore {
  /** The pointer; `ask` skips any copy this isolate keeps. */
  current(name: string, ask?: boolean): Promise<PointerState | null>;
  publish(name: string, cid: string, seen: Seen, inputKey: string | null): Promise<Moved>;
  retire(name: string, seen: number): Promise<Moved>;
}

/** A page's pointer is the named pointer of its name. */
export function pagesOf(names: NamedPointerStore): PointerStore {
  return {
    current: (page, ask) => names.current(pageName(page), ask),
    publish: (page, cid, seen, inputKey) => names.publish(pageName(page), cid, seen, inputKey),
    retire: (page, seen) => names.retire(pageName(page), seen),
  };
}

/** Pages' pointers: name -> current CID, moved only by compare-and-swap on the sequence the mover saw. */
export interface PointerStore {
  /** The pointer; `ask` skips any copy this isolate keeps (a re-render must decide from the pointer as it is). */
  current(page: PageKey, ask?: boolean): Promise<PointerState | null>;
  /**
   * Move to `cid` unless it moved since `seen`. The same CID, or the input
   * key it has already, moves nothing; the same CID from a new input key
   * (seen current) takes that key.
   */
  publish(page: PageKey, cid: string, seen: Seen, inputKey: string | null): Promise<Moved>;
  /** No shared page any more: look-ups miss until it is published again. */
  retire(page: PageKey, seen: number): Promise<Moved>;
}

/** Rendered parts by key: shared ones immutable under their key (kept close), a visitor's for a while. */
export interface ResultStore {
  get(key: string, shared: boolean): Promise<string | null>;
  put(key: string, html: string, ttlSeconds: number, shared: boolean): Promise<void>;
}

/** Written-down I/O calls (a page's, a component's plan) by key, to be asked again. */
export interface CallStore {
  get(key: string): Promise<string | null>;
  put(key: string, written: string, ttlSeconds: number): Promise<void>;
}

/** Which shared pages read what. */
export interface DependencyStore {
  /** Page `page` read `reads` (replacing what it read before). */
  record(page: PageKey, reads: readonly Dependency[]): Promise<void>;
  /** The pages that read any of `reads`. */
  pagesReading(reads: readonly Dependency[]): Promise<PageKey[]>;
  /** Everything some page read. */
  dependencies(): Promise<Dependency[]>;
}

/** Where shared pages live. */
export interface PageStores {
  readonly pointers: PointerStore;
  /** Pages' bytes by CID, verified on every read. */
  readonly content: WarmStore;
  /** Where stored pages are also pinned, or null. */
  readonly pins: WarmSink | null;
  readonly dependencies: DependencyStore;
}

export interface Stores {
  /** Null where there is nowhere to keep shared pages: then no page is shared. */
  readonly pages: PageStores | null;
  /** Media's pointers (`media:<key>`, and names given to renders); null where there are none: no media is found. */
  readonly media: NamedPointerStore | null;
  readonly results: ResultStore;
  readonly calls: CallStore;
}
