/**
 * The result cache over both tiers. A result is stored by its input key (what
 * went in: expression, definitions, data, engine version) and, when shared,
 * also addressed by its output's CID (what came out).
 *
 * - User-scoped results (they read the session, cookies or headers) go to the
 *   hot tier only, keyed with their user, with a short TTL. Never to the warm
 *   tier: it is shared and permanent.
 * - Shared results go to the warm tier (bytes under their CID) and the hot
 *   tier remembers input key -> CID, so a look-up is one hot read plus one
 *   verified warm read.
 */
import { hotKey, type HotCache } from "./hot.ts";
import type { WarmStore } from "./warm.ts";

export interface TierOptions {
  /** Seconds a user-scoped result lives (default 60). */
  readonly userTtl?: number;
  /** Seconds an input key -> CID entry lives (default a day; the CID's bytes never change). */
  readonly sharedTtl?: number;
}

export class ResultCache {
  private readonly userTtl: number;
  private readonly sharedTtl: number;

  constructor(
    private readonly hot: HotCache,
    private readonly warm: WarmStore,
    { userTtl = 60, sharedTtl = 86_400 }: TierOptions = {},
  ) {
    this.userTtl = userTtl;
    this.sharedTtl = sharedTtl;
  }

  /** Store a rendered result; returns its CID when it is shared. */
  async store(inputKey: string, html: string, user: string | null): Promise<{ cid: string | null }> {
    if (user !== null) {
      await this.hot.put(hotKey(inputKey, user), html, this.userTtl);
      return { cid: null };
    }
    const cid = await this.warm.put(new TextEncoder().encode(html));
    await this.hot.put(hotKey(inputKey, null), cid, this.sharedTtl);
    return { cid };
  }

  /** The stored result for this input (and user), or null: a miss means compute it. */
  async lookup(inputKey: string, user: string | null): Promise<{ html: string; cid: string | null } | null> {
    if (user !== null) {
      const html = await this.hot.get(hotKey(inputKey, user));
      return html === null ? null : { html, cid: null };
    }
    const cid = await this.hot.get(hotKey(inputKey, null));
    if (cid === null) return null;
    const bytes = await this.warm.get(cid);
    return bytes ? { html: new TextDecoder().decode(bytes), cid } : null;
  }
}
