/**
 * The effect table (effects/table.ts, the engines' own) as the recipe
 * language reads it: each effect's parameters as a `ParamSpec` schema, and
 * which effects fuse into one pass (per-pixel and remap) or get their own
 * (neighbourhood).
 */
import { EFFECTS, type EffectKind } from "../effects/table.ts";
import type { ParamSpec } from "./params.ts";

export type { EffectKind };

export interface EffectInfo {
  readonly name: string;
  readonly kind: EffectKind;
  readonly params: readonly ParamSpec[];
  readonly doc: string;
}

const table = new Map<string, EffectInfo>();
for (const [name, e] of EFFECTS) {
  table.set(name, {
    name,
    kind: e.kind,
    doc: e.doc,
    params: e.params.map((p) => {
      const spec: { -readonly [K in keyof ParamSpec]: ParamSpec[K] } = { name: p.name, type: p.type };
      if (p.default !== undefined) spec.default = p.default;
      if (p.min !== undefined) spec.min = p.min;
      if (p.max !== undefined) spec.max = p.max;
      if (p.values !== undefined) spec.values = p.values;
      return spec;
    }),
  });
}

export function effect(name: string): EffectInfo | undefined {
  return table.get(name);
}

export function effectNames(): string[] {
  return [...table.keys()].sort();
}

/**
 * The passes a chain of effects runs as (the engines' fusing rule,
 * effects/fuse.ts): each run of per-pixel and remap effects one fused pass,
 * each neighbourhood effect its own pass or passes. What `--explain` shows
 * before anything runs; the engine reports what it ran.
 */
export { passesOf } from "../effects/fuse.ts";
