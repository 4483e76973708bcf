/**
 * The executor's keys, as typed values. A string made from one (a Durable
 * Object's name, a storage key) is only ever made from it, never parsed back:
 * where a key has to be found again, the value itself is stored.
 */
import { hotKey } from "@rose-ash/content";

/** A shared page: its route's key, its canonical path, and whether it is the htmx form of the page. */
export interface PageKey {
  readonly route: string;
  /** The path with only the query parameters the route reads, sorted (see `canonicalPath`). */
  readonly path: string;
  readonly htmx: boolean;
}

/** The name of a page's pointer (one Durable Object per name). */
export function pageName(k: PageKey): string {
  return `page:${k.route} ${k.path}${k.htmx ? " htmx" : ""}`;
}

/** The path with the query parameters a route reads (`reads`; null: any), sorted: junk in a URL names no new page. */
export function canonicalPath(url: URL, reads: ReadonlySet<string> | null): string {
  if (url.search === "") return url.pathname;
  const query = [...url.searchParams].filter(([k]) => reads === null || reads.has(k)).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return query.length ? `${url.pathname}?${new URLSearchParams(query)}` : url.pathname;
}

/**
 * Something a page read that a change can touch: a query, or a service's
 * fragment (a content change); media (`service` "render": a recipe by its
 * media key; "ipns": a name given to renders), which a landed render moves.
 */
export interface Dependency {
  readonly op: "query" | "frag" | "media";
  readonly service: string;
  readonly name: string;
}

/** The pointer of a recipe's output, by its media key. */
export function mediaName(key: string): string {
  return `media:${key}`;
}

export function dependencyName(d: Dependency): string {
  return `${d.op} ${d.service}/${d.name}`;
}

/**
 * Where a part is kept in the hot tier. `scope` is the visitor's (see the
 * router's visitor scope) for a part that read who is asking, or null for a
 * shared one, which is immutable under its key.
 */
export const resultKeys = {
  /** A `:cache` component's output, by its input key. */
  component: (inputKey: string, scope: string | null) => hotKey(`component ${inputKey}`, scope),
  /** A hole's output: the component's Merkle hash, its arguments as written in the page. */
  hole: (definition: string, args: string, scope: string) => hotKey(`hole ${definition} ${args}`, scope),
} as const;

/** Where written-down I/O calls are kept: a component's plan (by its key before running), a page's (by its input key). */
export const callKeys = {
  plan: (callKey: string, scope: string | null) => hotKey(`component calls ${callKey}`, scope),
  page: (inputKey: string) => hotKey(`page-calls ${inputKey}`, null),
} as const;
