/**
 * The plan step for component calls, from the site's analysis:
 *
 * - In a shared render, a component that reads who is asking becomes a hole,
 *   filled per request (page-cache.ts), so the rest of the page is shared.
 * - A component declared `:cache true` is looked up by its input key before
 *   it runs; a hit skips evaluating and rendering it. A pure component's key
 *   is known before it runs (its Merkle hash and arguments). One that does
 *   I/O is keyed after its answers are substituted: the first render writes
 *   down the I/O calls it made; later ones ask those again (one batch with the
 *   page's own reads) and look up the key those answers give. Same data, same
 *   key; new data, a new key: nothing to invalidate.
 * - Rendered whole (not shared), a component that reads who is asking is
 *   kept per visitor with a TTL; shared results are immutable.
 */
import { Html, askAgain, callKey, inputKey, toHtml, writeCalls, type ComponentHook, type EvalContext, type IoCall, type Out, type Value } from "@rose-ash/sexp";
import { hotKey, type HotCache } from "@rose-ash/resolver";
import { Lru } from "./lru.ts";
import { measured, metrics } from "./metrics.ts";
import { holeMarker, type RequestInfo } from "./request.ts";
import type { Site } from "./site.ts";
import { USER_TTL_S } from "./visitor-scope.ts";

/** Shared results never change under their key; the TTL only bounds storage. */
const SHARED_TTL_S = 30 * 24 * 3600;

/**
 * Where component results are kept: the hot tier, fronted by an in-isolate
 * copy of shared entries (immutable under their key, so never stale).
 */
export class ComponentStore {
  private readonly local = new Lru(8 * 1024 * 1024);

  constructor(private readonly hot: HotCache) {}

  async get(key: string): Promise<string | null> {
    const known = this.local.get(key);
    if (known !== null) return known;
    const v = await this.hot.get(key).catch(() => null);
    if (v !== null && key.startsWith("shared:")) this.local.set(key, v);
    return v;
  }

  async put(key: string, value: string, shared: boolean): Promise<void> {
    if (shared) this.local.set(key, value);
    await this.hot.put(key, value, shared ? SHARED_TTL_S : USER_TTL_S);
  }
}

/** The hook for one render: holes in shared renders, cache look-ups for `:cache` components. */
export function componentHook(site: Site, io: RequestInfo, store: ComponentStore | null, defer: (p: Promise<unknown>) => void): ComponentHook {
  const registry = site.app.env.registry;
  return (call, run, ctx) => {
    const effects = site.analysis.of(call.fn.name);
    if (!effects) return run(ctx);
    if (io.shared && effects.own.user) {
      const marker = holeMarker(call.fn.name, call.names, call.values);
      // Arguments that are not plain data cannot travel in a hole: rendered here, the page is not shared.
      if (marker !== null) return new Html(marker);
    }
    if (!call.fn.cache || !store || io.fresh || effects.deep.volatile || effects.deep.write) return run(ctx);
    const before = callKey(site.hasher, call);
    if (before === null) return run(ctx);
    const userScoped = !io.shared && effects.deep.user;
    return cached(before, effects.deep.io, userScoped, run, ctx);
  };

  async function cached(before: string, doesIo: boolean, userScoped: boolean, run: (c: EvalContext) => Out, ctx: EvalContext): Promise<Value> {
    const scope = userScoped ? await io.visitorScope() : null;
    // A visitor whose session ended is rendered afresh.
    if (userScoped && scope === null) return run(ctx);
    const keyOf = (k: string) => hotKey(`component ${k}`, scope);
    const lookup = (k: string) => measured(metrics.components, store!.get(keyOf(k)), (v) => (v === null ? null : v.length));
    let key: string | null = before;
    if (doesIo) {
      const planned = await store!.get(keyOf(`calls ${before}`));
      // A plan that cannot be asked again is only a miss.
      key = planned === null ? null : await askAgain(planned, ctx).then((calls) => inputKey(site.hasher, before, calls), () => null);
    }
    const hit = key === null ? null : await lookup(key);
    if (hit !== null) {
      io.components.cached++;
      return new Html(hit);
    }
    if (key === null) metrics.components.misses++; // no plan yet: counted here, as `lookup` was not asked
    io.components.rendered++;

    const made: IoCall[] = [];
    const html = toHtml(await run(ctx.child(ctx.io, made)));
    // The analysis said what it may do; what it did is checked before anything is kept
    // (I/O where none was expected could not be looked up by the key it would get).
    const safe = (doesIo || made.length === 0) && made.every((c) => {
      const effect = registry.get(c.primitive)?.meta.effect ?? null;
      return effect === null || (effect === "user" && userScoped);
    });
    // A part of it that failed is not kept (the next render tries again).
    const after = safe && !io.degraded ? inputKey(site.hasher, before, made) : null;
    const calls = after === null ? null : writeCalls(made);
    if (after !== null && calls !== null) {
      const shared = scope === null;
      // The plan is kept even when it made no calls this time: a look-up needs it.
      defer(
        Promise.all([doesIo ? store!.put(keyOf(`calls ${before}`), calls, shared) : null, store!.put(keyOf(after), html, shared)]).catch((e: unknown) =>
          console.warn(`component cache: ${e instanceof Error ? e.message : String(e)}`),
        ),
      );
    }
    return new Html(html);
  }
}
