/**
 * The resolver's primitives, as pages call them:
 *
 *   (query blog post-by-slug :slug s)    rows from a named query (defquery)
 *   (frag cart cart-mini :user_id 4)     a fragment rendered by its service
 *   (action cart add-item :product_id 7) a change (defaction), from POST routes only
 *
 * The resolver does them (workers/resolver/src/primitives.ts). Here is what
 * they are, and their static checks: a call's service and name against the
 * app's declarations, its parameters and literal values against the
 * declared types, with what was probably meant. The runtime says the same
 * things in the same words (it uses these functions).
 */
import {
  EvalError, Keyword, Sym, checkQueryArgs, didYouMean, printValue, unknownKeyMessage,
  type CallCheck, type CallProblem, type CheckScope, type Loc, type Node, type QueryDef, type Value,
} from "@rose-ash/sexp";
import type { PrimitiveDoc } from "./spec.ts";

export type Op = "query" | "frag" | "action";

/** The reads of the site's data (not of the request): a visitor's kept part may depend on these. */
export const DATA_READS: ReadonlySet<string> = new Set<Op>(["query", "frag"]);

export const RESOLVER_PRIMITIVES: readonly PrimitiveDoc[] = [
  {
    io: true,
    name: "query",
    params: "service name &rest keys-and-values",
    doc: "Run the named query service/name (declared with defquery) with :param value pairs; rows come back as maps.",
    names: 2,
    check: checkDeclared("query"),
  },
  {
    io: true,
    name: "action",
    params: "service name &rest keys-and-values",
    doc: "Perform the named action service/name (declared with defaction) with :param value pairs. Only in POST routes.",
    effect: "write",
    names: 2,
    check: checkDeclared("action"),
  },
  {
    io: true,
    name: "frag",
    params: "service type &rest keys-and-values",
    doc: "A fragment rendered by its service (a component in app/fragments/<service>.sexp), given :key value pairs.",
    names: 2,
    check: checkFragment,
  },
];

/** The service whose fragments a source file holds (`app/fragments/<service>.sexp`), or null. */
export function fragmentService(src: string): string | null {
  return /(?:^|\/)fragments\/([a-z0-9-]+)\.sexp$/.exec(src)?.[1] ?? null;
}

/** The declaration `op` calls as `service/name`, or what is wrong: none (then `all` is asked, for "did you mean"), or one of the other kind. */
export function declaration(op: "query" | "action", service: string, name: string, def: QueryDef | undefined, all: () => Iterable<QueryDef>): { def: QueryDef } | { problem: string } {
  if (!def) {
    const known = [...all()].filter((q) => q.kind === op).map((q) => `${q.service}/${q.name}`);
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
    const found = declaration(op, parts.service, parts.name, scope.query(parts.service, parts.name), () => scope.queries());
    return "problem" in found ? [{ message: found.problem, at: call }] : checkQueryArgs(found.def, parts.given, call);
  };
}

/** `(frag svc name :k v ...)` as written: a component of that service's fragments file, given parameters it takes. */
function checkFragment(args: readonly Node[], call: Loc, scope: CheckScope): CallProblem[] {
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
}

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

/** The service, name and `:name value` pairs of a call as it runs. */
export function callParts(op: Op, args: readonly Value[]): { service: string; name: string; given: Map<string, Value> } {
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

const bareNamesMessage = (op: Op) => `${op}: service and name are bare names, as in (${op} blog post-by-slug :slug s)`;
const pairsMessage = (what: string) => `${what}: arguments come as :name value pairs`;
