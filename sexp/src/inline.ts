/**
 * Inlining component calls. In code compiled against an environment (see
 * `compileTop`), a call of a component defined there that has run often
 * enough (a loop's) is compiled again as the component's body in place: its
 * parameters are other names for the caller's locals, so there is no frame
 * and no call. Compiled code is shared by every environment, so an inlined
 * call keeps a guard: where the name is another component, or a hook wants
 * to see the call, the call runs as usual.
 *
 * A call is inlined only where that cannot change what it means: every
 * `&key` parameter given, each as a local of the caller; no children; a
 * component defined at the top level with no defaults, `&rest`, `:cache`,
 * definitions or closures in its body (so no frame is missed); no name in
 * its body that the caller has as a local; and not inside its own body.
 */
import { readComponentCall } from "./markup-forms.ts";
import { Component, type EvalContext, type Env, type InlinableBody } from "./runtime.ts";
import { Scope } from "./scope.ts";
import type { ListNode, Node } from "./types.ts";

/** The environment code is being compiled against, and the components whose inlined bodies it is in (innermost last). */
let against: Env | null = null;
let within: readonly Component[] = [];

/** Compile with calls of `env`'s components inlined where they can be. */
export function compilingAgainst<T>(env: Env, compile: () => T): T {
  const outer = against;
  against = env;
  try {
    return compile();
  } finally {
    against = outer;
  }
}

/** A call that can be inlined: the component, and its body's scope (the caller's, the parameters other names for its locals). */
export interface InlineCall {
  readonly comp: Component;
  readonly scope: Scope;
  /** The environment the caller was compiled against (the body's calls are inlined against it too). */
  readonly env: Env;
  /** The components whose inlined bodies the call is in: none of them is inlined again inside it. */
  readonly within: readonly Component[];
}

/** Whether no hook wants to see calls of `comp` (the executor's holes, `:cache` components), so they may be made as they are. */
export function noHookWants(comp: Component, ctx: EvalContext): boolean {
  return ctx.hook === null || ctx.hook.passes?.(comp) === true;
}

/** Whether an inlined call may run as compiled: its name is still that component (`current`), and no hook wants to see the call. */
export function holds(comp: Component, current: unknown, ctx: EvalContext): boolean {
  return current === comp && noHookWants(comp, ctx);
}

/** The call `n` of `name` compiled in place, or null when it cannot be (then it is a call). */
export function inlineCall(name: string, n: ListNode, scope: Scope | null): InlineCall | null {
  if (against === null || scope === null) return null;
  const comp = against.lookup(name);
  if (!(comp instanceof Component) || comp.inlinable === null || comp.frame !== null || within.includes(comp)) return null;
  const aliases = argumentsAsLocals(n, comp.inlinable, scope);
  if (aliases === null || capturesCallerLocal(comp.inlinable, scope)) return null;
  return { comp, scope: new Scope(scope, aliases), env: against, within };
}

/** Compile an inlined call's body with `compile` (its own calls of the same component stay calls). */
export function compileInlined<T>(call: InlineCall, compile: (body: readonly Node[], scope: Scope) => T): T {
  const outer = within;
  within = [...call.within, call.comp];
  try {
    return compilingAgainst(call.env, () => compile(call.comp.inlinable!.body, call.scope));
  } finally {
    within = outer;
  }
}

/** Each parameter to the caller's local given for it, when every one is given as a local and nothing else is. */
function argumentsAsLocals(n: ListNode, inlinable: InlinableBody, scope: Scope): Map<string, string> | null {
  let bad = false;
  const { attrs, children } = readComponentCall("", n, () => void (bad = true));
  if (bad || children.length > 0 || attrs.length !== inlinable.keys.length) return null;
  const aliases = new Map<string, string>();
  for (const a of attrs) {
    if (!inlinable.keys.includes(a.name) || aliases.has(a.name)) return null;
    if (a.value.kind !== "sym" || scope.resolve(a.value.value) === null) return null;
    aliases.set(a.name, a.value.value);
  }
  return aliases;
}

/** Whether a name in the body, not a parameter, is one of the caller's locals (it would be read instead of what the body means). */
function capturesCallerLocal(inlinable: InlinableBody, scope: Scope): boolean {
  const visit = (n: Node): boolean => {
    if (n.kind === "sym") return !inlinable.keys.includes(n.value) && scope.resolve(n.value) !== null;
    return n.kind === "list" || n.kind === "map" ? n.value.some(visit) : false;
  };
  return inlinable.body.some(visit);
}
