/**
 * DependencyIndex: which cached pages read what. One instance holds, for each
 * page, what it read (queries, fragments, media), and for each of those the pages
 * that read it, so a content change re-renders exactly those pages. Pages and
 * dependencies are kept as the values they are; the storage keys made from
 * them are never read back as anything but keys. It also remembers webhook
 * signatures it has accepted, for as long as their timestamps are valid, so a
 * replay is refused.
 */
import { DurableObject } from "cloudflare:workers";

/** A shared page, as the executor names it. */
export interface PageRef {
  readonly route: string;
  readonly path: string;
  readonly htmx: boolean;
}

/** A query or a service's fragment; or media (a recipe's key under "render", a render's name under "ipns"). */
export interface DependencyRef {
  readonly op: "query" | "frag" | "media";
  readonly service: string;
  readonly name: string;
}

const pageId = (p: PageRef) => `reads:${JSON.stringify([p.route, p.path, p.htmx])}`;
const depId = (d: DependencyRef) => `readers:${JSON.stringify([d.op, d.service, d.name])}`;

interface Readers {
  readonly dependency: DependencyRef;
  readonly pages: PageRef[];
}

export class DependencyIndex extends DurableObject {
  /** Record that `page` read `reads` (replacing what it read before). */
  async record(page: PageRef, reads: readonly DependencyRef[]): Promise<void> {
    const before = (await this.ctx.storage.get<{ page: PageRef; reads: DependencyRef[] }>(pageId(page)))?.reads ?? [];
    const writes: Record<string, unknown> = { [pageId(page)]: { page, reads: [...reads] } };
    const now = new Set(reads.map(depId));
    const me = pageId(page);
    for (const dep of [...before, ...reads]) {
      const id = depId(dep);
      if (id in writes) continue;
      const readers = (await this.ctx.storage.get<Readers>(id))?.pages ?? [];
      const others = readers.filter((p) => pageId(p) !== me);
      writes[id] = { dependency: dep, pages: now.has(id) ? [...others, page] : others } satisfies Readers;
    }
    await this.ctx.storage.put(writes);
  }

  /** The pages that read any of `reads`. */
  async pagesReading(reads: readonly DependencyRef[]): Promise<PageRef[]> {
    const pages = new Map<string, PageRef>();
    for (const dep of reads) for (const p of (await this.ctx.storage.get<Readers>(depId(dep)))?.pages ?? []) pages.set(pageId(p), p);
    return [...pages.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, p]) => p);
  }

  /** Everything some page read (to match changes against). */
  async dependencies(): Promise<DependencyRef[]> {
    const all = await this.ctx.storage.list<Readers>({ prefix: "readers:" });
    return [...all.values()].filter((r) => r.pages.length > 0).map((r) => r.dependency);
  }

  /** True the first time a signature is seen; false for a replay. Entries go when they could no longer be valid. */
  async firstUse(signature: string, expiresAt: number): Promise<boolean> {
    const key = `seen:${signature}`;
    if (await this.ctx.storage.get(key)) return false;
    await this.ctx.storage.put(key, expiresAt);
    const now = Date.now();
    const seen = await this.ctx.storage.list<number>({ prefix: "seen:" });
    const expired = [...seen].filter(([, t]) => t < now).map(([k]) => k);
    if (expired.length) await this.ctx.storage.delete(expired);
    return true;
  }
}
