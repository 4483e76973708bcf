/**
 * Whether a call fits what it calls, from its arguments as written: the
 * static mirror of the runtime's argument binding (`callPrimitive`,
 * `bindArgs` and `invokeComponent` in runtime.ts), for the checker. The
 * runtime's own messages are shared through errors.ts.
 */
import { arityMessage, childrenTwiceMessage, noChildrenMessage, unknownKeyMessage } from "./errors.ts";
import type { ParamList } from "./forms.ts";
import type { PrimitiveMeta } from "./runtime.ts";
import type { Node } from "./types.ts";

/** A lambda list as far as calls are concerned. */
export interface Signature {
  readonly positional: readonly string[];
  readonly rest: string | null;
  readonly keys: readonly string[];
  /** The lambda list as written, e.g. `a b &key (size 3)`. */
  readonly text: string;
}

/** The signature of a lambda list that was read without mistakes, else null. */
export function signatureOf(params: ParamList): Signature | null {
  return params.ok ? { positional: params.positional, rest: params.rest, keys: params.keys, text: params.text } : null;
}

/** What is wrong with the number of arguments of a primitive call, or null. */
export function primitiveCallProblem(name: string, meta: Pick<PrimitiveMeta, "params" | "minArgs" | "maxArgs">, argc: number): string | null {
  if (argc >= meta.minArgs && argc <= meta.maxArgs) return null;
  return arityMessage(`${name}${meta.params ? " " + meta.params : ""}`, meta.minArgs, meta.maxArgs, argc);
}

/** What is wrong with a call of the function `name` (positional arguments, then `:key value` pairs), or null. */
export function functionCallProblem(name: string, sig: Signature, args: readonly Node[]): string | null {
  const np = sig.positional.length;
  const signature = sig.text ? `${name} ${sig.text}` : name;
  const open = sig.rest !== null || sig.keys.length > 0;
  if (args.length < np) return arityMessage(signature, np, open ? Infinity : np, args.length);
  // With &rest, every further argument is accepted (unknown keys go to the rest list too).
  if (sig.rest !== null) return null;
  let positional = np;
  for (let i = np; i < args.length; i++) {
    const a = args[i]!;
    if (sig.keys.length && a.kind === "kw" && i + 1 < args.length) {
      if (!sig.keys.includes(a.value)) return unknownKeyMessage(name, a.value, sig.keys);
      i++;
      continue;
    }
    positional++;
  }
  if (positional === np) return null;
  if (!sig.keys.length) return arityMessage(signature, np, np, args.length);
  return `(${signature}) takes ${np} argument${np === 1 ? "" : "s"} plus keyword arguments, got ${positional}`;
}

/** What is wrong with a component call's keyword arguments and children. */
export function componentCallProblems(name: string, sig: Signature, keys: readonly string[], children: number): string[] {
  const problems = keys.filter((k) => !sig.keys.includes(k)).map((k) => unknownKeyMessage(name, k, sig.keys));
  if (children) {
    const childrenKey = sig.keys.includes("children");
    if (!childrenKey && sig.rest === null) problems.push(noChildrenMessage(name));
    else if (childrenKey && keys.includes("children")) problems.push(childrenTwiceMessage(name));
  }
  return problems;
}
