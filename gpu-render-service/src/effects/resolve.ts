/**
 * Effect calls checked against the effect table: every parameter known and
 * of its type and range, the missing ones given their defaults. Both engines
 * resolve every call first, so a bad call fails the same way on either.
 */
import type { EffectCall } from "../engine.ts";
import { EFFECTS, type EffectSpec, type ParamSpec } from "./table.ts";

export type EffectErrorCode = "unknown-effect" | "unknown-param" | "missing-param" | "bad-param";

/** A call the table refuses: an unknown effect or parameter, a missing one, or a value of the wrong type or range. */
export class EffectError extends Error {
  override readonly name = "EffectError";
  constructor(
    readonly code: EffectErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** An effect call with its spec and every parameter's value (defaults filled in). */
export interface ResolvedCall {
  readonly spec: EffectSpec;
  readonly values: Readonly<Record<string, number | string>>;
}

/** The number a resolved call holds for `name` (the table guarantees it is one). */
export function num(call: ResolvedCall, name: string): number {
  return call.values[name] as number;
}

/** The string a resolved call holds for `name` (an enum's value). */
export function str(call: ResolvedCall, name: string): string {
  return call.values[name] as string;
}

export function resolve(call: EffectCall): ResolvedCall {
  const spec = EFFECTS.get(call.effect);
  if (!spec) throw new EffectError("unknown-effect", `unknown effect ${JSON.stringify(call.effect)}; known: ${[...EFFECTS.keys()].join(", ")}`);
  for (const key of Object.keys(call.params)) {
    if (!spec.params.some((p) => p.name === key)) {
      const known = spec.params.map((p) => `:${p.name}`).join(" ") || "none";
      throw new EffectError("unknown-param", `fx ${spec.name} has no parameter :${key} (parameters: ${known})`);
    }
  }
  const values: Record<string, number | string> = {};
  for (const p of spec.params) {
    const v = Object.hasOwn(call.params, p.name) ? call.params[p.name] : p.default;
    if (v === undefined) throw new EffectError("missing-param", `fx ${spec.name} needs :${p.name}`);
    checkValue(spec.name, p, v);
    values[p.name] = v;
  }
  return { spec, values };
}

function checkValue(effect: string, p: ParamSpec, v: number | string): void {
  const what = `fx ${effect} :${p.name}`;
  switch (p.type) {
    case "number":
    case "int":
      if (typeof v !== "number" || !Number.isFinite(v)) throw new EffectError("bad-param", `${what} must be a finite number, got ${JSON.stringify(v)}`);
      if (p.type === "int" && !Number.isInteger(v)) throw new EffectError("bad-param", `${what} must be an integer, got ${v}`);
      if (p.min !== undefined && v < p.min) throw new EffectError("bad-param", `${what} ${v} is below its minimum ${p.min}`);
      if (p.max !== undefined && v > p.max) throw new EffectError("bad-param", `${what} ${v} is above its maximum ${p.max}`);
      return;
    case "enum":
      if (typeof v !== "string" || !(p.values ?? []).includes(v)) {
        throw new EffectError("bad-param", `${what} must be one of ${(p.values ?? []).map((x) => JSON.stringify(x)).join(", ")}, got ${JSON.stringify(v)}`);
      }
      return;
    case "color":
      if (typeof v !== "string" || !/^#[0-9a-fA-F]{6}$/.test(v)) throw new EffectError("bad-param", `${what} must be a colour "#rrggbb", got ${JSON.stringify(v)}`);
      return;
  }
}
