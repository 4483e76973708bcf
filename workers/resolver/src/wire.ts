/**
 * What travels between the router and the resolver Worker: a batch of calls
 * to one service, and one result per call, as JSON.
 */
import { EvalError, Html, Keyword, Sym, fromJson, typeName, type Value } from "@rose-ash/sexp";
import type { Op } from "@rose-ash/vocabulary";

export type { Op };
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };


export interface Call {
  readonly op: Op;
  readonly service: string;
  readonly name: string;
  readonly args: { readonly [key: string]: Json };
}

/** One call's answer; `unavailable` when the database could not be reached (an outage, not a mistake in the call). */
export type CallResult = { readonly ok: Json } | { readonly error: string; readonly unavailable?: true };

export interface Batch {
  readonly calls: readonly Call[];
}

/** A language value as JSON: keywords and symbols become their names, maps objects. */
export function toWire(v: Value, what: string): Json {
  if (v === null) return null;
  if (typeof v === "boolean" || typeof v === "string") return v;
  if (typeof v === "number") {
    if (!Number.isFinite(v)) throw new EvalError(`${what}: ${v} cannot be sent to a service`);
    return v;
  }
  if (v instanceof Keyword || v instanceof Sym) return v.name;
  if (v instanceof Html) return v.html;
  if (Array.isArray(v)) return v.map((x) => toWire(x, what));
  if (v instanceof Map) {
    const o: { [key: string]: Json } = {};
    for (const [k, x] of v) o[k] = toWire(x, what);
    return o;
  }
  throw new EvalError(`${what}: a ${typeName(v)} cannot be sent to a service`);
}

/** A result back as a language value: fragments are trusted HTML (the resolver rendered and escaped them). */
export function fromWire(op: Op, data: Json): Value {
  if (op === "frag") return new Html(typeof data === "string" ? data : "");
  return fromJson(data);
}

/** Checks a batch that arrived over the wire, so a malformed one is refused with a reason. */
export function parseBatch(body: unknown): Batch {
  const calls = (body as Batch | null)?.calls;
  if (!Array.isArray(calls)) throw new Error("a batch is {\"calls\": [...]}");
  for (const c of calls as Call[]) {
    const ok =
      c !== null && typeof c === "object" &&
      (c.op === "query" || c.op === "frag" || c.op === "action") &&
      typeof c.service === "string" && typeof c.name === "string" &&
      c.args !== null && typeof c.args === "object" && !Array.isArray(c.args);
    if (!ok) throw new Error("each call is {\"op\": \"query\"|\"frag\"|\"action\", \"service\": ..., \"name\": ..., \"args\": {...}}");
  }
  return { calls };
}
