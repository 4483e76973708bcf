/**
 * The resolver's I/O primitives, as pages call them:
 *
 *   (query blog post-by-slug :slug s)    rows from a named query (defquery)
 *   (frag cart cart-mini :user_id 4)     a fragment rendered by its service
 *   (action cart add-item :product_id 7) a change (defaction), from POST routes only
 *
 * Arguments are checked against the declaration here, so a mistake is an
 * error at the call's position; the calls themselves go through the request's
 * ResolverClient. A fragment that fails renders the app's `~fragment-error`
 * (or a plain notice) in its place: one broken part does not take the page down.
 */
import {
  EvalError, Html, Keyword, Sym, apply, bindQuery, checkQueryArgs, didYouMean, printValue, toHtml, unknownKeyMessage,
  type CallCheck, type CallProblem, type EvalContext, type Loc, type Node, type QueryDef, type Registry, type Value,
} from "@rose-ash/sexp";
import { fragmentService } from "./app.ts";
import type { ResolverClient } from "./client.ts";
import { fromWire, toWire, type Json, type Op } from "./wire.ts";

/** What the resolver's primitives need from the request (`EvalContext.io`). */
export interface ResolverIO {
  readonly resolver: ResolverClient;
  /** The request's method: actions run only for POST. */
  readonly method: string;
  /** Set when a part of the page failed and was rendered as an error: such a render is not kept. */
  degraded?: boolean;
}

export function registerResolverPrimitives(registry: Registry): void {
  registry.defineIO({
    name: "query",
    params: "service name &rest keys-and-values",
    doc: "Run the named query service/name (declared with defquery) with :param value pairs; rows come back as maps.",
    names: 2,
    check: checkDeclared("query"),
    fn: (args, ctx) => declared("query", args, ctx),
  });
  registry.defineIO({
    name: "action",
    params: "service name &rest keys-and-values",
    doc: "Perform the named action service/name (declared with defaction) with :param value pairs. Only in POST routes.",
    effect: "write",
    names: 2,
    check: checkDeclared("action"),
    fn: (args, ctx) => declared("action", args, ctx),
  });
  registry.defineIO({
    name: "frag",
    params: "service type &rest keys-and-values",
    doc: "A fragment rendered by its service (a component in app/fragments/<service>.sexp), given :key value pairs.",
    names: 2,
    check: checkFragment,
    fn: (args, ctx) => {
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
  const found = declaration(op, service, name, ctx.env.query(service, name), ctx.env.allQueries());
  if ("problem" in found) throw new EvalError(found.problem);
  const def = found.def;
  if (op === "action" && io(ctx).method !== "POST") throw new EvalError(`action ${service}/${name}: actions run only in POST routes`);
  bindQuery(def, given);
  const wire: { [key: string]: Json } = {};
  for (const [k, v] of given) wire[k] = toWire(v, `${op} ${service}/${name}`);
  return io(ctx).resolver.call(op, service, name, wire).then((data) => fromWire(op, data));
}

/** The declaration `op` calls as `service/name`, or what is wrong: none, or one of the other kind. */
function declaration(op: "query" | "action", service: string, name: string, def: QueryDef | undefined, all: Iterable<QueryDef>): { def: QueryDef } | { problem: string } {
  if (!def) {
    const known = [...all].filter((q) => q.kind === op).map((q) => `${q.service}/${q.name}`);
    return { problem: `unknown ${op} ${service}/${name}${didYouMean(`${service}/${name}`, known)}` };
  }
  if (def.kind !== op) return { problem: `${service}/${name} is ${def.kind === "action" ? "an action: use (action ...)" : "a query: use (query ...)"}` };
  return { def };
}

/** `(query svc name :k v ...)` as written, checked against the declarations before anything runs. */
function checkDeclared(op: "query" | "action"): CallCheck {
  return (args, call, scope) => {
    const parts = callNodes(op, args, call);
    if ("problem" in parts) return [parts.problem];
    const found = declaration(op, parts.service, parts.name, scope.query(parts.service, parts.name), scope.queries());
    return "problem" in found ? [{ message: found.problem, at: call }] : checkQueryArgs(found.def, parts.given, call);
  };
}

/** `(frag svc name :k v ...)` as written: a component of that service's fragments file, given parameters it takes. */
const checkFragment: CallCheck = (args, call, scope) => {
  const parts = callNodes("frag", args, call);
  if ("problem" in parts) return [parts.problem];
  const { service, name, given } = parts;
  const fragments = [...scope.components()].filter((c) => fragmentService(scope.component(c)!.src) === service);
  const component = `~${name}`;
  if (!fragments.includes(component)) {
    return [{ message: `unknown fragment ${service}/${name}${didYouMean(component, fragments, (c) => `${service}/${c.slice(1)}`)}`, at: call }];
  }
  const keys = scope.component(component)!.keys;
  return keys === null ? [] : given.filter((g) => !keys.includes(g.name)).map((g) => ({ message: unknownKeyMessage(`fragment ${service}/${name}`, g.name, keys), at: g.at }));
};

/** The service, name and `:name value` pairs of a call as written, or what is wrong with its shape. */
function callNodes(op: Op, args: readonly Node[], call: Loc): { service: string; name: string; given: { name: string; value: Node; at: Loc }[] } | { problem: CallProblem } {
  const [service, name, ...rest] = args;
  if (service?.kind !== "sym" || name?.kind !== "sym") return { problem: { message: bareNamesMessage(op), at: service ?? call } };
  const given: { name: string; value: Node; at: Loc }[] = [];
  for (let i = 0; i < rest.length; i += 2) {
    const key = rest[i]!;
    if (key.kind !== "kw" || i + 1 >= rest.length) return { problem: { message: pairsMessage(`${op} ${service.value}/${name.value}`), at: key } };
    given.push({ name: key.value, value: rest[i + 1]!, at: key });
  }
  return { service: service.value, name: name.value, given };
}

const bareNamesMessage = (op: Op) => `${op}: service and name are bare names, as in (${op} blog post-by-slug :slug s)`;
const pairsMessage = (what: string) => `${what}: arguments come as :name value pairs`;

function callParts(op: Op, args: Value[]): { service: string; name: string; given: Map<string, Value> } {
  const [service, name, ...rest] = args;
  if (!(service instanceof Sym) || !(name instanceof Sym)) throw new EvalError(bareNamesMessage(op));
  const what = `${op} ${service.name}/${name.name}`;
  if (rest.length % 2) throw new EvalError(pairsMessage(what));
  const given = new Map<string, Value>();
  for (let i = 0; i < rest.length; i += 2) {
    const k = rest[i];
    if (!(k instanceof Keyword)) throw new EvalError(`${what}: expected a :name, got ${printValue(k!)}`);
    given.set(k.name, rest[i + 1]!);
  }
  return { service: service.name, name: name.name, given };
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
