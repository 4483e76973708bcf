/**
 * The plan for a page's component calls, from the site's analysis:
 *
 * - In a shared render, a component that reads who is asking becomes a hole,
 *   filled per request (holes.ts), so the rest of the page is shared.
 * - A component declared `:cache true` is a node of its own, looked up by its
 *   input key before it runs; a hit skips evaluating and rendering it. A pure
 *   component's key is known before it runs (its Merkle hash and arguments).
 *   One that does I/O is keyed after its answers are in: the first render
 *   writes down the I/O calls it made (its plan); later ones ask those again
 *   (one batch with the page's own reads) and look up the key the answers
 *   give. Same data, same key; new data, a new key: nothing to invalidate.
 * - Rendered whole (not shared), a component that reads who is asking is
 *   kept per visitor for a while; shared results never change under their key.
 */
import { Html, askAgain, callKey, inputKey, toHtml, writeCalls, type ComponentCall, type ComponentHook, type EvalContext, type IoCall, type Out, type Value } from "@rose-ash/sexp";
import type { Walk } from "./context.ts";
import { callKeys, resultKeys } from "./keys.ts";
import type { Leaf } from "./leaves.ts";
import { measured, metrics } from "./metrics.ts";
import type { PartsScope } from "./parts.ts";
import { isHole } from "./plan.ts";
import { IMMUTABLE_TTL_S } from "./stores.ts";
import { holeMarker } from "./templates.ts";

/** How long a visitor's part is reused for them (their own actions make it stale at once). */
export const USER_TTL_S = 60;

/** Running a component call: the `component` leaf. */
export interface ComponentJob {
  readonly call: ComponentCall;
  readonly run: (ctx: EvalContext) => Out;
  readonly ctx: EvalContext;
}

export const componentLeaf: Leaf<ComponentJob, string> = {
  kind: "component",
  execute: async ({ run, ctx }) => toHtml(await run(ctx)),
};

/** The hook for one render: holes in shared renders, cache look-ups for `:cache` components. */
export function componentHook(exec: Walk, scope: PartsScope): ComponentHook {
  const { analysis, hasher, registry } = exec.site;
  const hook: ComponentHook = (call, run, ctx) => {
    const effects = analysis.of(call.fn.name);
    if (!effects) return run(ctx);
    if (scope.shared && isHole(effects)) {
      const marker = holeMarker(call.fn.name, call.names, call.values);
      // Arguments that are not plain data cannot travel in a hole: rendered here, the page is not shared.
      if (marker !== null) return new Html(marker);
    }
    if (!call.fn.cache || scope.fresh || effects.deep.volatile || effects.deep.write) return run(ctx);
    const before = callKey(hasher, call);
    if (before === null) return run(ctx);
    const userScoped = !scope.shared && effects.deep.user;
    return cached(call, before, effects.deep.io, userScoped, run, ctx);
  };
  // The calls the hook only runs (neither a hole nor looked up): in render position they write straight into the page.
  hook.passes = (fn) => {
    const effects = analysis.of(fn.name);
    if (!effects) return true;
    if (scope.shared && isHole(effects)) return false;
    return !fn.cache || scope.fresh || effects.deep.volatile || effects.deep.write;
  };
  return hook;

  async function cached(call: ComponentCall, before: string, doesIo: boolean, userScoped: boolean, run: (c: EvalContext) => Out, ctx: EvalContext): Promise<Value> {
    const visitor = userScoped ? await scope.visitorScope() : null;
    // A visitor whose session ended is rendered afresh.
    if (userScoped && visitor === null) return run(ctx);
    const shared = visitor === null;
    const node = exec.trace.start("component", call.fn.name);
    let key: string | null = before;
    if (doesIo) {
      const planned = await exec.stores.calls.get(callKeys.plan(before, visitor));
      // A plan that cannot be asked again is only a miss.
      key = planned === null ? null : await askAgain(planned, ctx).then((calls) => inputKey(hasher, before, calls), () => null);
    }
    const hit = key === null ? null : await measured(metrics.components, exec.stores.results.get(resultKeys.component(key, visitor), shared), (v) => (v === null ? null : v.length));
    if (hit !== null) {
      scope.components.cached++;
      exec.trace.finish(node, "hit", "hot", key);
      return new Html(hit);
    }
    if (key === null) metrics.components.misses++; // no plan yet: counted here, as there was no look-up
    scope.components.rendered++;

    const made: IoCall[] = [];
    const html = await exec.leaves.get<ComponentJob, string>("component").execute({ call, run, ctx: ctx.child(ctx.io, made) });
    // The analysis said what it may do; what it did is checked before anything is kept
    // (I/O where none was expected could not be looked up by the key it would get).
    const safe = (doesIo || made.length === 0) && made.every((c) => {
      const effect = registry.get(c.primitive)?.meta.effect ?? null;
      return effect === null || (effect === "user" && userScoped);
    });
    // A part of it that failed is not kept (the next render tries again).
    const after = safe && !scope.degraded ? inputKey(hasher, before, made) : null;
    const calls = after === null ? null : writeCalls(made);
    exec.trace.finish(node, "miss", "render", after ?? before);
    if (after !== null && calls !== null) {
      const ttl = shared ? IMMUTABLE_TTL_S : USER_TTL_S;
      // The plan is kept even when it made no calls this time: a look-up needs it.
      exec.defer(
        Promise.all([doesIo ? exec.stores.calls.put(callKeys.plan(before, visitor), calls, ttl) : null, exec.stores.results.put(resultKeys.component(after, visitor), html, ttl, shared)]).catch((e: unknown) =>
          console.warn(`component cache: ${e instanceof Error ? e.message : String(e)}`),
        ),
      );
    }
    return new Html(html);
  }
}
