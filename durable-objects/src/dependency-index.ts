/**
 * DependencyIndex: which cached pages read what. One instance holds, for
 * each dependency (`query blog/post-by-slug`, `frag blog/link-card`), the
 * pointer names of the pages that used it, so a content change re-renders
 * exactly those pages. It also remembers webhook signatures it has accepted,
 * for as long as their timestamps are valid, so a replay is refused.
 */
import { DurableObject } from "cloudflare:workers";

export class DependencyIndex extends DurableObject {
  /** Record that page `name` read `deps` (replacing what it read before). */
  async record(name: string, deps: readonly string[]): Promise<void> {
    const before = (await this.ctx.storage.get<string[]>(`page:${name}`)) ?? [];
    const writes: Record<string, unknown> = { [`page:${name}`]: [...deps] };
    for (const dep of new Set([...before, ...deps])) {
      const names = new Set((await this.ctx.storage.get<string[]>(`dep:${dep}`)) ?? []);
      if (deps.includes(dep)) names.add(name);
      else names.delete(name);
      writes[`dep:${dep}`] = [...names];
    }
    await this.ctx.storage.put(writes);
  }

  /** The pages that read any of `deps`. */
  async pagesReading(deps: readonly string[]): Promise<string[]> {
    const names = new Set<string>();
    for (const dep of deps) for (const n of (await this.ctx.storage.get<string[]>(`dep:${dep}`)) ?? []) names.add(n);
    return [...names].sort();
  }

  /** Every dependency some page has (to match changes against). */
  async dependencies(): Promise<string[]> {
    const all = await this.ctx.storage.list<string[]>({ prefix: "dep:" });
    return [...all].filter(([, names]) => names.length > 0).map(([k]) => k.slice(4));
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
