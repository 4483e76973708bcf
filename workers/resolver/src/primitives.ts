/**
 * What the resolver's primitives do (query, action, frag: see
 * @rose-ash/vocabulary for what they are, and their static checks).
 * Arguments are checked against the declaration here too, so a mistake is an
 * error at the call's position; the calls themselves go through the request's
 * ResolverClient. A fragment that fails renders the app's `~fragment-error`
 * (or a plain notice) in its place: one broken part does not take the page down.
 */
import { EvalError, Html, Keyword, apply, bindQuery, toHtml, type EvalContext, type Registry, type Value } from "@rose-ash/sexp";
import { RESOLVER_PRIMITIVES, callParts, declaration, defineVocabulary } from "@rose-ash/vocabulary";
import type { Resolver } from "./client.ts";
import { fromWire, toWire, type Json } from "./wire.ts";

/** What the resolver's primitives need from the request (`EvalContext.io`). */
export interface ResolverIO {
  readonly resolver: Resolver;
  /** The request's method: actions run only for POST. */
  readonly method: string;
  /** Set when a part of the page failed and was rendered as an error: such a render is not kept. */
  degraded?: boolean;
}

export function registerResolverPrimitives(registry: Registry): void {
  defineVocabulary(registry, RESOLVER_PRIMITIVES, {
    query: (args, ctx) => declared("query", args, ctx),
    action: (args, ctx) => declared("action", args, ctx),
    frag: (args, ctx) => {
      const { service, name, given } = callParts("frag", args);
      const what = `fragment ${service}/${name}`;
      const wire: { [key: string]: Json } = {};
      for (const [k, v] of given) wire[k] = toWire(v, what);
      return io(ctx)
        .resolver.call("frag", service, name, wire)
        .then(
          (html) => fromWire("frag", html),
          (e: unknown) => {
            console.error(`${what} failed, rendered as an error: ${e instanceof Error ? e.message : String(e)}`);
            io(ctx).degraded = true;
            return fragmentError(service, name, ctx);
          },
        );
    },
  });
}

/** A query or action: declared, arguments bound and checked, then sent. */
function declared(op: "query" | "action", args: Value[], ctx: EvalContext): Promise<Value> {
  const { service, name, given } = callParts(op, args);
  const found = declaration(op, service, name, ctx.env.query(service, name), () => ctx.env.allQueries());
  if ("problem" in found) throw new EvalError(found.problem);
  const def = found.def;
  if (op === "action" && io(ctx).method !== "POST") throw new EvalError(`action ${service}/${name}: actions run only in POST routes`);
  bindQuery(def, given);
  const wire: { [key: string]: Json } = {};
  for (const [k, v] of given) wire[k] = toWire(v, `${op} ${service}/${name}`);
  return io(ctx).resolver.call(op, service, name, wire).then((data) => fromWire(op, data));
}

function io(ctx: EvalContext): ResolverIO {
  return ctx.io as ResolverIO;
}

/** What stands in for a part that failed: the app's `~fragment-error`, or a plain notice. */
export async function fragmentError(service: string, name: string, ctx: EvalContext): Promise<Value> {
  const custom = ctx.env.lookup("~fragment-error");
  if (custom) {
    try {
      return new Html(toHtml(await apply(custom as Value, [Keyword.of("service"), service, Keyword.of("name"), name], ctx)));
    } catch (e) {
      console.error(`~fragment-error failed: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  return new Html(`<div class="fragment-error" role="status">This part of the page is unavailable right now.</div>`);
}
